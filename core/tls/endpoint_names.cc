#include "core/tls/endpoint_names.h"

#include <algorithm>

namespace thaw::tls {

namespace {

// The services the fake AWS serves, by their endpoint prefix.
constexpr const char* kAwsServicePrefixes[] = {"secretsmanager", "ssm"};

}  // namespace

std::vector<std::string> LoopbackNames() { return {"localhost", "127.0.0.1", "::1"}; }

std::vector<std::string> StandaloneNames(const std::string& listen_host,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> names = LoopbackNames();
  names.push_back("*.localhost");
  auto add = [&names](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (listen_host != "0.0.0.0" && listen_host != "::" && !listen_host.empty()) add(listen_host);
  for (const std::string& name : extra) add(name);
  return names;
}

std::vector<std::string> AwsServiceNames(const std::string& region) {
  std::vector<std::string> names;
  for (const std::string service : kAwsServicePrefixes) {
    const std::string fips = service + "-fips";
    names.push_back(service + "." + region + ".amazonaws.com");
    names.push_back(fips + "." + region + ".amazonaws.com");
    names.push_back(service + "." + region + ".api.aws");
    names.push_back(fips + "." + region + ".api.aws");
    names.push_back(service + ".dualstack." + region + ".amazonaws.com");
    names.push_back(fips + ".dualstack." + region + ".amazonaws.com");
  }
  return names;
}

std::vector<std::string> MomentoEndpointNames(const std::string& base) {
  return {"cache." + base, "control." + base, "token." + base, "*." + base, "*.momentohq.com"};
}

}  // namespace thaw::tls
