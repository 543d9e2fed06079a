#ifndef THAW_CORE_TLS_ENDPOINT_NAMES_H_
#define THAW_CORE_TLS_ENDPOINT_NAMES_H_

#include <string>
#include <vector>

namespace thaw::tls {

// The names a fake answers at, for the certificates the CA issues. One place for them, so the
// sandbox's resolver and the certificates agree.

// Names of the loopback: `localhost`, `127.0.0.1` and `::1`.
std::vector<std::string> LoopbackNames();

// What a standalone fake's certificate names: the loopback names, `*.localhost` (so
// `cache.localhost` works where it resolves), `listen_host` unless it is a wildcard address, and
// `extra` (e.g. a docker-compose service name).
std::vector<std::string> StandaloneNames(const std::string& listen_host,
                                         const std::vector<std::string>& extra);

// The host names the AWS SDKs resolve for the fake AWS's services (Secrets Manager, SSM) in
// `region`: standard, FIPS, dual-stack (`<svc>.<region>.api.aws`, and SDK v2's
// `<svc>.dualstack.<region>.amazonaws.com`) and FIPS dual-stack forms.
std::vector<std::string> AwsServiceNames(const std::string& region);

// The names a Momento key with endpoint `base` (e.g. `cell-4-us-west-2-1.prod.a.momentohq.com`)
// leads an SDK to: `cache.`, `control.` and `token.` under it, `*.<base>` for any other prefix,
// and `*.momentohq.com` (a wildcard covers one label only, so it does not cover the deeper
// names).
std::vector<std::string> MomentoEndpointNames(const std::string& base);

}  // namespace thaw::tls

#endif  // THAW_CORE_TLS_ENDPOINT_NAMES_H_
