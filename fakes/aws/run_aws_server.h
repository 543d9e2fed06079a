#ifndef THAW_FAKES_AWS_RUN_AWS_SERVER_H_
#define THAW_FAKES_AWS_RUN_AWS_SERVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/ledger.h"
#include "core/service_seeds.h"

namespace thaw::aws {

// `thaw aws`: the standalone fake Secrets Manager + SSM Parameter Store, for use outside the
// emulator (docker-compose, any app), on LocalStack's port.
struct AwsCommandOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 picks a free one
  // No per-request lines on stdout (the ready and shutdown lines stay).
  bool quiet = false;
  // When set, every ledger event is appended to this file as one JSON line, written before the
  // request that caused it is answered ("-" = stdout).
  std::string events_file;
  // How many ledger events stay in memory (0: all of them); the `--events` file and the counts
  // still see every one.
  size_t ledger_window = Ledger::kDefaultServeWindow;
  // What the stores hold from the start (the CLI reads them from a thaw.yaml's `secrets:` and
  // `parameters:`), and the file they came from, for errors.
  ServiceSeeds seeds;
  std::string seeds_source;
  // "on" verifies SigV4 signatures against `access_keys`; "off" (default) accepts any.
  std::string sigv4 = "off";
  // Accepted credentials, "AKID:SECRET" or "AKID:SECRET:SESSION_TOKEN"; default "test:test".
  std::vector<std::string> access_keys;
  // "AKID=<policy JSON>" or "AKID=@file.json": that key's identity-based policy (IAM's JSON:
  // {"Statement":[...]}, a statement list or one statement). Keys without one allow all.
  // Requests signed by the key are made as arn:aws:sts::<account>:assumed-role/
  // thaw-function-role/thaw.
  std::vector<std::string> policies;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  // Serve HTTPS with a certificate from a CA made at start, written to `<tls_dir>/ca.pem` (a new
  // temporary directory when tls_dir is empty). The certificate names localhost, *.localhost,
  // 127.0.0.1, ::1, `host`, the real Secrets Manager and SSM endpoint names of `region`
  // (standard, FIPS, dual-stack) and `tls_names`. The ready line then ends with `(TLS, CA <path>)`.
  bool tls = false;
  std::string tls_dir;
  std::vector<std::string> tls_names;
};

// Serves until SIGINT or SIGTERM, then returns 0. Prints `thaw aws: listening on HOST:PORT`
// (with `(TLS, CA <path>)` under --tls) once ready and `thaw aws: shutting down` on the signal.
// Returns 2 (after printing `thaw: <what>` on stderr) when it cannot start.
int RunAwsServer(const AwsCommandOptions& options);

}  // namespace thaw::aws

#endif  // THAW_FAKES_AWS_RUN_AWS_SERVER_H_
