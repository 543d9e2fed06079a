#ifndef THAW_CORE_SERVICE_SEEDS_H_
#define THAW_CORE_SERVICE_SEEDS_H_

#include <string>
#include <vector>

namespace thaw {

// What the fake AWS holds from the start. The configuration loaders (emulator/config) produce
// these from `secrets:` / `parameters:`; the fake AWS (fakes/aws) consumes them. Plain values.

// A Secrets Manager secret.
struct SecretSeed {
  std::string name;
  // The SecretString; a YAML mapping is stored as its JSON text.
  std::string value;
  std::string description;

  friend bool operator==(const SecretSeed&, const SecretSeed&) = default;
};

// An SSM parameter (version 1).
struct ParameterSeed {
  std::string name;
  std::string type = "String";  // String, StringList or SecureString
  std::string value;

  friend bool operator==(const ParameterSeed&, const ParameterSeed&) = default;
};

// The `secrets:` and `parameters:` sections, in file order.
struct ServiceSeeds {
  std::vector<SecretSeed> secrets;
  std::vector<ParameterSeed> parameters;

  friend bool operator==(const ServiceSeeds&, const ServiceSeeds&) = default;
};

}  // namespace thaw

#endif  // THAW_CORE_SERVICE_SEEDS_H_
