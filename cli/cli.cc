#include "cli/cli.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "check/check_command.h"
#include "check/terminal_report.h"
#include "core/ledger_jsonl_writer.h"
#include "core/status_macros.h"
#include "emulator/config/load_flags.h"
#include "emulator/config/thaw_config.h"
#include "emulator/control/control_plane.h"
#include "emulator/control/log_sink.h"
#include "emulator/gateway/http_gateway.h"
#include "emulator/package/package_check_command.h"
#include "emulator/process/boost_process_launcher.h"
#include "emulator/runtimes/ric/prepare_runtime_clients.h"
#include "fakes/aws/run_aws_server.h"
#include "fakes/momento/run_momento_server.h"
#include "host/admin_api.h"
#include "host/emulator_session.h"
#include "host/hot_reload.h"
#include "report/report_command.h"

#ifndef THAW_VERSION
#define THAW_VERSION "0.0.0"
#endif

namespace thaw {

namespace asio = boost::asio;

namespace {

constexpr auto kShutdownGrace = std::chrono::milliseconds(300);
// How long `thaw serve` waits, once its instances are stopped, for the answers to the invokes
// they were serving (each gets one: its result, or the error of its instance's end) to be written.
constexpr auto kAnswerGrace = std::chrono::seconds(2);

constexpr char kConfigHelp[] =
    "thaw.yaml, SAM/CloudFormation template (a cdk synth stack template too), serverless.yml, "
    "a CDK cloud assembly directory (cdk.out) holding one stack, or a directory holding one of "
    "these (default: the current directory's thaw.yaml, else .aws-sam/build/template.yaml, "
    "template.yaml, serverless.yml, cdk.out)";

// --parameter-overrides, --overlay and --env-vars, the same for every command that reads a
// configuration.
void AddLoadFlags(CLI::App* command, LoadFlags& flags, const std::string& of_what = "") {
  command->add_option("--parameter-overrides", flags.parameter_overrides,
                      "A template's parameter values, as sam deploy takes them: Key=Value or "
                      "ParameterKey=Key,ParameterValue=Value (several, separated by spaces)" +
                          of_what);
  command->add_option("--overlay", flags.overlay,
                      "A thaw.yaml laid over the configuration: its secrets: (by name or by a "
                      "template secret's logical id), parameters:, caches: and settings:" +
                          of_what);
  command->add_option("--env-vars", flags.env_vars,
                      "SAM's env.json: values for the environment variables the functions "
                      "declare ({\"Parameters\": {...}} for all, {\"<function>\": {...}} for "
                      "one)" +
                          of_what);
}

int UsageError(const std::string& what) {
  std::fprintf(stderr, "thaw: %s\n", what.c_str());
  return 2;
}

// Where the loading steps say what they have to say: one line, "thaw: " added.
using SayLine = std::function<void(const std::string&)>;

void SayOnStderr(const std::string& line) {
  std::fprintf(stderr, "thaw: %s\n", line.c_str());
  std::fflush(stderr);
}

// What `write` writes to a FILE, as a string.
std::string TextOf(const std::function<void(std::FILE*)>& write) {
  char* data = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&data, &size);
  if (out == nullptr) return "";
  write(out);
  std::fclose(out);
  std::string text(data, size);
  std::free(data);
  return text;
}

// Loads the configuration and says its notes (what a template declares that thaw does not
// apply) once, by default on stderr.
absl::StatusOr<ThawConfig> ReadConfig(const std::string& path, const LoadFlags& flags,
                                      const SayLine& say = SayOnStderr) {
  ASSIGN_OR_RETURN(auto options, MakeLoadOptions(flags));
  // No --config: the current directory's (config_discovery.h).
  absl::StatusOr<ThawConfig> config = LoadConfigFile(path.empty() ? "." : path, options);
  if (config.ok()) {
    for (const std::string& note : config->notes) say("note: " + note);
  }
  return config;
}

// The configuration, with the runtime clients it asks for installed (aws-lambda-ric's first use
// takes about a minute, announced), after the packaging check's problems are said once
// (warnings: they do not stop serve or invoke); by default on stderr.
absl::StatusOr<ThawConfig> LoadConfig(const std::string& path, const LoadFlags& flags,
                                      const SayLine& say = SayOnStderr) {
  auto config = ReadConfig(path, flags, say);
  if (!config.ok()) return config;
  std::string warnings =
      TextOf([&](std::FILE* out) { package::PrintPackageWarnings(*config, out); });
  std::istringstream lines(warnings);
  for (std::string line; std::getline(lines, line);) {
    // PrintPackageWarnings' lines start with "thaw: " already.
    if (line.starts_with("thaw: ")) line.erase(0, 6);
    if (!line.empty()) say(line);
  }
  RETURN_IF_ERROR(PrepareRuntimeClients(*config, say));
  return config;
}

struct ServeOptions {
  std::string config;
  LoadFlags load;
  std::string host = "127.0.0.1";
  uint16_t port = 3001;
  bool quiet = false;
  // Hot reload (host/hot_reload.h); --no-watch turns it off.
  bool watch = true;
  // The HTTP front doors (emulator/gateway): API Gateway routes on api_port, function URLs from
  // url_port on. -1: not served.
  int api_port = -1;
  int url_port = 3002;
  // Events the ledger holds (core/ledger.h); 0 keeps them all.
  size_t ledger_window = Ledger::kDefaultServeWindow;
  // --events: every event, as JSON lines, whatever the window evicts.
  std::string events_file;
};

// check::PrintInstanceTable's text, for a writer that is not a FILE.
std::string InstanceTableText(const Ledger& ledger) {
  return TextOf([&](std::FILE* out) { check::PrintInstanceTable(out, ledger, /*color=*/false); });
}

// The closing summary of a `thaw serve` whose ledger window evicted events: exact counts per
// function (LedgerAccounts), in place of the instance table.
std::string InvocationsText(const std::vector<InvocationStats>& invocations, const Ledger& ledger) {
  std::ostringstream out;
  out << "  " << ledger.LastSeq() << " events; the instance table needs them all and the ledger "
      << "window (--ledger-window " << ledger.window() << ") keeps the last " << ledger.window()
      << ", so per function:\n";
  for (const InvocationStats& s : invocations) {
    std::string outcomes;
    for (const auto& [outcome, n] : s.outcomes) {
      outcomes += (outcomes.empty() ? "" : ", ") + outcome + " " + std::to_string(n);
    }
    out << "  " << s.function << ": " << s.invocations << " invocations (" << outcomes << "), "
        << s.cold_starts << " cold starts, " << s.instances << " instances, " << s.throttles
        << " throttled\n";
  }
  return out.str();
}

// What `serve` watches of its configuration besides its functions' code: the file it read and
// the files its flags name.
std::vector<std::filesystem::path> ConfigFiles(const ThawConfig& config, const LoadFlags& flags) {
  std::vector<std::filesystem::path> files = {config.source};
  for (const std::string& file : {flags.overlay, flags.env_vars}) {
    if (!file.empty()) files.emplace_back(file);
  }
  return files;
}

int Serve(const ServeOptions& options) {
  auto config = LoadConfig(options.config, options.load);
  if (!config.ok()) return UsageError(std::string(config.status().message()));

  asio::io_context io(1);
  Ledger ledger(options.ledger_window);
  std::unique_ptr<LedgerJsonlWriter> events;
  if (!options.events_file.empty()) {
    auto writer = LedgerJsonlWriter::Open(ledger, options.events_file);
    if (!writer.ok()) return UsageError(std::string(writer.status().message()));
    events = *std::move(writer);
  }
  StreamLogSink stream_logs(stdout);
  NullLogSink null_logs;
  LogSink& logs = options.quiet ? static_cast<LogSink&>(null_logs) : stream_logs;
  BoostProcessLauncher launcher(io);
  auto host = EmulatorSession::Create(io, *config, ledger, logs, launcher, {});
  if (!host.ok()) return UsageError(std::string(host.status().message()));
  auto server = http::HttpServer::Listen(io, options.host, options.port, MakeApiHandler(**host),
                                         ApiServerOptions());
  if (!server.ok()) return UsageError(std::string(server.status().message()));
  std::unique_ptr<gateway::HttpGateway> front_door;
  if (options.api_port >= 0) {
    gateway::HttpGateway::Options doors;
    doors.host = options.host;
    doors.api_port = static_cast<uint16_t>(options.api_port);
    doors.url_port = static_cast<uint16_t>(options.url_port);
    auto started = gateway::HttpGateway::Start(io, (*host)->control(), doors);
    if (!started.ok()) return UsageError(std::string(started.status().message()));
    front_door = *std::move(started);
  }

  // thaw's own lines while it serves (hot reload), on stderr without ever blocking the loop.
  StreamLogSink notices(stderr);
  std::unique_ptr<HotReload> hot_reload;
  if (options.watch) {
    auto say = [&notices](const std::string& line) { notices.Text(line); };
    HotReload::Options watch;
    watch.config_files = ConfigFiles(*config, options.load);
    std::error_code cwd_error;
    watch.base = std::filesystem::current_path(cwd_error);
    auto reload = HotReload::Start(
        io, **host, std::move(watch),
        [&options, say] {
          return LoadConfig(options.config, options.load,
                            [&say](const std::string& line) { say("thaw: " + line); });
        },
        say);
    if (!reload.ok()) {
      // Serving goes on; only the watching is missing.
      say("thaw: hot reload is off: " + std::string(reload.status().message()));
    } else {
      hot_reload = *std::move(reload);
    }
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    hot_reload.reset();
    // Behind the logs (with --quiet, there are none), never blocking on a reader.
    stream_logs.Text("thaw: shutting down");
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          // No new invoke; those in flight are answered before their connections close.
          (*server)->StopAccepting();
          if (front_door) front_door->StopAccepting();
          co_await (*host)->Shutdown(kShutdownGrace);
          co_await (*server)->Drain(kAnswerGrace);
          if (front_door) co_await front_door->Drain(kAnswerGrace);
          io.stop();
        },
        asio::detached);
  });

  std::string names;
  for (const auto& [name, fn] : config->functions) names += (names.empty() ? "" : ", ") + name;
  for (const auto& [alias, name] : config->aliases) names += ", " + alias + " = " + name;
  std::fprintf(stdout, "thaw: listening on http://%s:%u (functions: %s; config: %s)\n",
               options.host.c_str(), (*server)->port(), names.c_str(), config->source.c_str());
  if (front_door) {
    for (const std::string& line : front_door->Describe()) {
      std::fprintf(stdout, "thaw: %s\n", line.c_str());
    }
  } else {
    size_t routes = 0;
    for (const auto& [name, fn] : config->functions) routes += fn.http_routes.size();
    if (routes > 0) {
      std::fprintf(stdout,
                   "thaw: %zu HTTP route(s) and function URL(s) declared; serve them with "
                   "--api-port 3000\n",
                   routes);
    }
  }
  std::fflush(stdout);
  io.run();
  // The instances of the run, as `thaw check` shows them, behind the logs like every line. The
  // table reads events; once the window has evicted some it would undercount, so the exact
  // per-function counts stand in for it then.
  const std::vector<InvocationStats> invocations = (*host)->Invocations();
  const bool any_instance = std::any_of(invocations.begin(), invocations.end(),
                                        [](const InvocationStats& s) { return s.instances > 0; });
  if (any_instance) {
    std::string table =
        ledger.FirstSeq() == 1 ? InstanceTableText(ledger) : InvocationsText(invocations, ledger);
    if (table.ends_with('\n')) table.pop_back();
    stream_logs.Text("\n" + table);
  }
  return 0;
}

struct InvokeOptions {
  std::string function;
  std::string config;
  LoadFlags load;
  std::string payload;
  std::string payload_file;
  int count = 1;
  bool quiet = false;
};

int Invoke(const InvokeOptions& options) {
  auto config = LoadConfig(options.config, options.load);
  if (!config.ok()) return UsageError(std::string(config.status().message()));
  std::string payload = options.payload;
  if (!options.payload_file.empty()) {
    std::ifstream in(options.payload_file, std::ios::binary);
    if (!in) return UsageError("cannot read --payload-file " + options.payload_file);
    std::stringstream text;
    text << in.rdbuf();
    payload = text.str();
  }
  if (payload.empty()) payload = "{}";
  if (!nlohmann::json::accept(payload)) {
    return UsageError("--payload is not valid JSON: " + payload.substr(0, 80));
  }
  if (payload.size() > kMaxSyncPayload) {
    return UsageError("the payload is larger than 6291456 bytes, Lambda's limit");
  }

  asio::io_context io(1);
  Ledger ledger;
  StreamLogSink stream_logs(stderr);
  NullLogSink null_logs;
  LogSink& logs = options.quiet ? static_cast<LogSink&>(null_logs) : stream_logs;
  BoostProcessLauncher launcher(io);
  auto host = EmulatorSession::Create(io, *config, ledger, logs, launcher, {});
  if (!host.ok()) return UsageError(std::string(host.status().message()));
  absl::StatusOr<std::string> resolved = (*host)->control().Resolve(options.function, "");
  if (!resolved.ok()) {
    std::string known;
    for (const auto& [n, fn] : config->functions) known += (known.empty() ? "" : ", ") + n;
    for (const auto& [alias, n] : config->aliases) known += ", " + alias + " (" + n + ")";
    return UsageError("function '" + options.function + "' is not defined in " + config->source +
                      " (defined: " + known + ")");
  }

  int exit_code = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < options.count; ++i) {
          InvokeCall call;
          call.function_name = *resolved;
          call.payload = payload;
          InvokeAnswer outcome = co_await (*host)->Invoke(std::move(call));
          if (!outcome.error.ok()) {
            std::fprintf(stderr, "thaw: %s: %s\n", AwsErrorType(outcome.error).c_str(),
                         std::string(outcome.error.message()).c_str());
            exit_code = 1;
            break;
          }
          std::fprintf(stdout, "%s\n", outcome.result.payload.c_str());
          std::fflush(stdout);
          if (!outcome.result.function_error.empty()) exit_code = 1;
        }
        co_await (*host)->Shutdown(kShutdownGrace);
        io.stop();
      },
      asio::detached);
  io.run();
  if (options.count > 1) {
    // Which instances served the N events, with what they opened and fetched: the reuse
    // question answered without a scenario.
    std::fprintf(stderr, "\n");
    check::PrintInstanceTable(stderr, ledger, check::UseColor(stderr));
  }
  return exit_code;
}

// The listening flags `thaw momento` and `thaw aws` share (their options structs name the fields
// alike).
template <typename StandaloneOptions>
void AddListenOptions(CLI::App* command, StandaloneOptions& options, const std::string& quiet) {
  command->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  command->add_flag("--quiet,-q", options.quiet, quiet);
  command->add_option("--events", options.events_file,
                      "Append every ledger event to FILE as JSON lines (- for stdout), "
                      "including those the window evicts");
  command
      ->add_option("--ledger-window", options.ledger_window,
                   "Keep the last N ledger events in memory (0: all of them), so a long load "
                   "test runs in constant memory; counts stay exact whatever N")
      ->type_name("N")
      ->capture_default_str();
}

// --tls, --tls-dir and --tls-name of the standalone fakes; `always` lists the names every
// certificate has.
template <typename StandaloneOptions>
void AddTlsOptions(CLI::App* command, StandaloneOptions& options, const std::string& tls,
                   const std::string& always) {
  command->add_flag("--tls", options.tls, tls);
  command->add_option("--tls-dir", options.tls_dir,
                      "With --tls: write ca.pem to DIR (default: a new temporary directory)");
  command->add_option("--tls-name", options.tls_names,
                      "With --tls: also name NAME in the certificate (repeatable; " + always + ")");
}

// Each instance costs thaw about 8 descriptors (listeners, pipes, connections), so the usual
// soft limit of 1,024 would stop it near 125 instances, far below Lambda's default account
// concurrency. Functions still get 1,024 (the launcher lowers it again for them).
void RaiseDescriptorLimit() {
  if (struct rlimit files;
      ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
}

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options) {
  CLI::App* command = app.add_subcommand(
      "serve", "Run the control plane: the Lambda Invoke API and the /_thaw admin API");
  command->add_option("--config", options.config, kConfigHelp);
  AddLoadFlags(command, options.load);
  command->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  command->add_flag("--quiet,-q", options.quiet, "Do not print function logs");
  command
      ->add_option("--api-port", options.api_port,
                   "Serve the functions' API Gateway routes (SAM Api/HttpApi, serverless.yml "
                   "http/httpApi, CDK, thaw.yaml http) on this port, as `sam local start-api` "
                   "(3000); 0 picks a free one. Off by default")
      ->check(CLI::Range(0, 65535));
  command
      ->add_option("--url-port", options.url_port,
                   "With --api-port: the first function URL's port; the next ones (by function "
                   "name) follow; 0 picks free ones")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command
      ->add_option("--ledger-window", options.ledger_window,
                   "Keep the last N ledger events in memory (0: all of them). Counters "
                   "(/_thaw/metrics, /_thaw/momento, /_thaw/aws) stay exact whatever N; "
                   "/_thaw/events answers 410 for events already evicted")
      ->type_name("N")
      ->capture_default_str();
  command
      ->add_option("--events", options.events_file,
                   "Append every ledger event to FILE as JSON lines (- for stdout), "
                   "including those the window evicts")
      ->type_name("FILE");
  command->add_flag("!--no-watch", options.watch,
                    "Do not watch the functions' code, layers and configuration for changes "
                    "(hot reload)");
  command->footer(
      "Hot reload: thaw serve watches each function's code directory (with its subdirectories),\n"
      "its layers and the configuration's files (--config, --overlay, --env-vars). When code or\n"
      "a layer changes, the function's idle instances stop and busy ones stop once their invoke\n"
      "is answered, so the next invoke is a cold start on the new code. When the configuration\n"
      "changes it is read again: changed and removed functions are handled the same way, a\n"
      "removed one then answers ResourceNotFoundException; settings, secrets and caches apply\n"
      "from the next start. A configuration that cannot be read leaves the running one, and\n"
      "the error is printed. These lines go to stderr.\n\n"
      "HTTP routes: with --api-port, the functions' API Gateway routes are served on that port\n"
      "(REST APIs get the v1 proxy event, HTTP APIs the 2.0 payload) and each function URL on\n"
      "its own port from --url-port on; the routes are printed at start. A request is an invoke\n"
      "like any other: counted, attributed and in the ledger.\n\n"
      "Memory: the ledger keeps the last --ledger-window events (about 0.5 KB each, 3 to 4 a\n"
      "warm invoke; the default 100000 is about 50 MB), so a load test of millions of invokes\n"
      "runs in constant memory. The counters (/_thaw/metrics, /_thaw/momento, /_thaw/aws) count\n"
      "every event before it is evicted and stay exact; /_thaw/events answers 410 for a `since`\n"
      "that was evicted; --events FILE keeps every event on disk.");
  return command;
}

CLI::App* AddInvokeCommand(CLI::App& app, InvokeOptions& options) {
  CLI::App* command = app.add_subcommand(
      "invoke", "Start the control plane in-process, invoke a function, print its answer");
  command->add_option("function", options.function, "Function name, short name or ARN")->required();
  command->add_option("--config", options.config, kConfigHelp);
  AddLoadFlags(command, options.load);
  auto* payload_opt = command->add_option("--payload", options.payload, "Event JSON (default: {})");
  command->add_option("--payload-file", options.payload_file, "Read the event JSON from FILE")
      ->excludes(payload_opt);
  command->add_option("--count", options.count, "Invoke N times, one after another")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  command->add_flag("--quiet,-q", options.quiet, "Do not print function logs");
  command->footer(
      "The answer goes to stdout, the function's log (START/END/REPORT) to stderr; with\n"
      "--count N over 1, a table of the instances that served them follows on stderr.\n"
      "Exit code: 0 on success, 1 on a function error, 2 on a usage or config error.");
  return command;
}

CLI::App* AddCheckCommand(CLI::App& app, check::CheckOptions& options) {
  CLI::App* command = app.add_subcommand(
      "check", "Run scenarios (steps, then expectations over the ledger) and give verdicts");
  command
      ->add_option("scenarios", options.scenarios,
                   "Scenario files, or directories searched for scenario.yaml and "
                   "*.scenario.yaml")
      ->required();
  command->add_option("--junit", options.junit,
                      "Write JUnit XML: one testsuite per scenario, one testcase per expectation");
  command->add_option("--report", options.report,
                      "Write the HTML timeline report (with many scenarios: a directory, one "
                      "NAME.html each)");
  command->add_option("--events", options.events,
                      "Write every ledger event as JSON lines (with many scenarios: a directory, "
                      "one NAME.jsonl each)");
  command
      ->add_option("-j,--jobs", options.jobs,
                   "Scenarios run at once, each in its own emulator (default: the number of "
                   "cores)")
      ->check(CLI::Range(1, 256));
  command->add_option("--filter", options.filter,
                      "Run only the scenarios whose file or name this regular expression matches");
  command->add_flag("--fail-fast", options.fail_fast,
                    "Start no scenario after the first one that fails");
  command->add_flag("--defaults", options.defaults,
                    "Add the rules that know the cause for each function that reached a fake: "
                    "momento.unprovoked_connections, aws.<Read>.unprovoked, swallowed_failures "
                    "and events.sandbox.egress_blocked, each == 0 (unless the scenario states a "
                    "rule on that metric)");
  command->add_flag("--verbose,-v", options.verbose,
                    "Print the functions' logs (to stderr; with many scenarios, in each one's "
                    "block)");
  command->add_flag("--quiet,-q", options.quiet, "No progress lines");
  AddLoadFlags(command, options.load, " (for the scenario's config: file)");
  command->footer(
      "One scenario file runs on its own, printed as it goes. Several files or a directory run\n"
      "in parallel; each scenario's block is printed when it ends, then a summary.\n"
      "Exit code: 0 when every expectation holds, 1 when one fails, 2 when a scenario could\n"
      "not be loaded or run (or on a usage error).");
  return command;
}

CLI::App* AddMomentoCommand(CLI::App& app, momento::MomentoCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "momento",
      "Run the fake Momento alone (plaintext gRPC, a drop-in for momento-local; --tls for TLS)");
  AddListenOptions(command, options, "Do not print connection lines");
  command->add_option("--api-key", options.api_keys,
                      "Accept only this authorization value (repeatable; default: any)");
  command->add_option("--cache", options.caches, "Create this cache at start (repeatable)");
  command->add_option("--admin-port", options.admin_port,
                      "Serve the admin API (/_thaw/faults, /_thaw/momento) on this port; "
                      "0 picks a free one");
  AddTlsOptions(command, options,
                "Serve gRPC over TLS (ALPN h2) with a CA made at start; the ready line names its "
                "ca.pem (trust it with NODE_EXTRA_CA_CERTS or GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)",
                "localhost, *.localhost, 127.0.0.1, ::1 and --host always");
  return command;
}

CLI::App* AddAwsCommand(CLI::App& app, aws::AwsCommandOptions& options, std::string& config) {
  CLI::App* command = app.add_subcommand(
      "aws", "Run the fake AWS alone: Secrets Manager and SSM Parameter Store (AWS JSON 1.1)");
  AddListenOptions(command, options, "Do not print request lines");
  command->add_option("--config", config,
                      "Seed secrets and parameters from this thaw.yaml's secrets:/parameters:");
  command->add_option("--sigv4", options.sigv4, "Verify SigV4 signatures: on or off")
      ->capture_default_str();
  command->add_option("--access-key", options.access_keys,
                      "Accepted AKID:SECRET[:TOKEN] (repeatable; default test:test)");
  command->add_option("--policy", options.policies,
                      "AKID=JSON or AKID=@FILE: an IAM policy for that access key (repeatable); "
                      "keys without one may call everything");
  command->add_option("--region", options.region, "Region in ARNs")->capture_default_str();
  command->add_option("--account-id", options.account_id, "Account in ARNs")->capture_default_str();
  AddTlsOptions(command, options,
                "Serve HTTPS with a CA made at start; the ready line names its ca.pem (trust it "
                "with AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE)",
                "localhost, *.localhost, 127.0.0.1, ::1, --host and the region's "
                "secretsmanager/ssm endpoint names always");
  return command;
}

CLI::App* AddPackageCheckCommand(CLI::App& app, package::PackageCheckCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "package-check",
      "Read the native binaries in each function's code directory and say which will not load "
      "on Lambda");
  command->add_option("--config", options.config, kConfigHelp);
  command->add_option("--function", options.function,
                      "Check only this function (name or short name)");
  AddLoadFlags(command, options.load);
  command->footer(
      "Reads headers, not file names: Mach-O and PE files, ELF files for the other architecture\n"
      "(Architectures: x86_64 by default), 32-bit ELF, musl builds, a glibc newer than the\n"
      "runtime's Amazon Linux, Node.js addons for another Node ABI, CPython extensions (the\n"
      "cpython-3XY tag in the name) for another Python. Symbolic links are not followed.\n"
      "Exit code: 0 when no file is an error (notes are fine), 1 when one is, 2 on a usage or\n"
      "config error.");
  return command;
}

CLI::App* AddReportCommand(CLI::App& app, report::ReportCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "report", "Write the HTML timeline of an events file (JSON lines, as --events writes)");
  command->add_option("events", options.events_file, "Events file (- for stdin)")->required();
  command->add_option("-o,--output", options.output, "HTML file to write (- for stdout)")
      ->capture_default_str();
  command->add_option("--title", options.title, "Page title (default: the file's name)");
  return command;
}

}  // namespace

int RunCli(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // glibc raises its mmap threshold each time a large block is freed, so payload-sized buffers
  // (up to 6 MB) then come from the heap and stay with the process once freed: 300 Event
  // invokes of 1 MB left about 185 MB held after they were all done. With a fixed threshold
  // they are mmap'd and given back on free.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  RaiseDescriptorLimit();
  // Debian builds abseil with its debug deadlock detector on, and gRPC locks absl::Mutex many
  // times per RPC: the detector's graph bookkeeping was about 5k instructions of every fake
  // Momento call. thaw's own locks are std::mutex; nothing relies on the detector.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "thaw: a local AWS Lambda emulator that runs each function instance as a real process\n"
      "and keeps it warm, busy or gone the way Lambda does."};
  app.set_version_flag("--version", std::string("thaw ") + THAW_VERSION);
  app.require_subcommand(1);

  ServeOptions serve;
  CLI::App* serve_cmd = AddServeCommand(app, serve);
  InvokeOptions invoke;
  CLI::App* invoke_cmd = AddInvokeCommand(app, invoke);
  check::CheckOptions check;
  CLI::App* check_cmd = AddCheckCommand(app, check);
  momento::MomentoCommandOptions momento;
  CLI::App* momento_cmd = AddMomentoCommand(app, momento);
  aws::AwsCommandOptions aws;
  std::string aws_config;
  CLI::App* aws_cmd = AddAwsCommand(app, aws, aws_config);
  package::PackageCheckCommandOptions package_check;
  CLI::App* package_check_cmd = AddPackageCheckCommand(app, package_check);
  report::ReportCommandOptions report;
  CLI::App* report_cmd = AddReportCommand(app, report);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    return UsageError(what + " (see thaw --help)");
  }
  if (serve_cmd->parsed()) return Serve(serve);
  if (invoke_cmd->parsed()) return Invoke(invoke);
  if (check_cmd->parsed()) return check::RunCheck(check);
  if (momento_cmd->parsed()) return momento::RunMomentoServer(momento);
  if (aws_cmd->parsed()) {
    if (!aws_config.empty()) {
      auto seeds = LoadSeedsFile(aws_config);
      if (!seeds.ok()) return UsageError(std::string(seeds.status().message()));
      aws.seeds = *std::move(seeds);
      aws.seeds_source = aws_config;
    }
    return aws::RunAwsServer(aws);
  }
  if (report_cmd->parsed()) return report::RunReportCommand(report);
  if (package_check_cmd->parsed()) return package::RunPackageCheckCommand(package_check);
  return UsageError("no command given (see thaw --help)");
}

}  // namespace thaw
