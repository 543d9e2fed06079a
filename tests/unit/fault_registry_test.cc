// FaultRegistry: the one routing of fault specs to the fakes, by "service".
#include "core/fault_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace thaw {
namespace {

using ::testing::HasSubstr;

// A fake with faults of its own: keeps the specs it accepts, refuses a spec with "bad".
class ListTarget : public FaultTarget {
 public:
  explicit ListTarget(std::string service) : service_(std::move(service)) {}
  std::string_view service() const override { return service_; }
  absl::StatusOr<std::string> AddFault(const nlohmann::json& spec) override {
    if (spec.contains("bad")) return absl::InvalidArgumentError("bad: not a field of " + service_);
    const std::string id = service_ + "-" + std::to_string(++next_);
    faults_[id] = spec;
    return id;
  }
  bool RemoveFault(std::string_view id) override { return faults_.erase(std::string(id)) > 0; }
  void ClearFaults() override { faults_.clear(); }
  nlohmann::json ListFaults() const override {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [id, spec] : faults_) {
      nlohmann::json fault = spec;
      fault["id"] = id;
      fault["fired"] = 0;
      out.push_back(fault);
    }
    return out;
  }

 private:
  std::string service_;
  int next_ = 0;
  std::map<std::string, nlohmann::json> faults_;
};

TEST(FaultRegistryTest, RoutesBySeviceAndListsWithTheService) {
  ListTarget momento("momento"), aws("aws");
  FaultRegistry registry;
  registry.Add(&momento);
  registry.Add(&aws);
  EXPECT_EQ(registry.Services(), "momento, aws");
  EXPECT_EQ(*registry.AddFault({{"service", "aws"}, {"operation", "GetSecretValue"}}), "aws-1");
  EXPECT_EQ(*registry.AddFault({{"service", "momento"}, {"rpc", "Get"}}), "momento-1");
  const nlohmann::json listed = registry.ListFaults();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["service"], "momento");
  EXPECT_EQ(listed[1]["service"], "aws");
  EXPECT_TRUE(registry.RemoveFault("aws-1"));
  EXPECT_FALSE(registry.RemoveFault("aws-1"));
  EXPECT_EQ(registry.ClearFaults(), 1u);
  EXPECT_TRUE(registry.ListFaults().empty());
}

TEST(FaultRegistryTest, RefusesWhatItCannotRoute) {
  ListTarget momento("momento"), aws("aws");
  FaultRegistry registry;
  registry.Add(&momento);
  registry.Add(&aws);
  EXPECT_EQ(registry.AddFault({{"rpc", "Get"}}).status().message(),
            "service: required, one of momento, aws");
  EXPECT_EQ(registry.AddFault({{"service", 3}}).status().message(),
            "service: required, one of momento, aws");
  EXPECT_EQ(registry.AddFault({{"service", "dynamodb"}}).status().message(),
            "service: no fake named 'dynamodb' (momento, aws)");
  EXPECT_EQ(registry.AddFault(nlohmann::json::array()).status().message(),
            "expected a JSON object");
  EXPECT_EQ(registry.AddFault({{"service", "aws"}, {"bad", 1}}).status().message(),
            "bad: not a field of aws");
  EXPECT_EQ(FaultRegistry().Services(), "none");
}

TEST(FaultRegistryTest, ASingleTargetTakesSpecsWithoutAService) {
  ListTarget momento("momento");
  FaultRegistry registry;
  registry.Add(&momento);
  EXPECT_EQ(*registry.AddFault({{"rpc", "Get"}}), "momento-1");
  EXPECT_THAT(std::string(registry.AddFault({{"service", "aws"}}).status().message()),
              HasSubstr("no fake named 'aws' (momento)"));
}

TEST(FaultRegistryTest, TheFirstTargetOfAServiceWins) {
  ListTarget first("momento"), second("momento");
  FaultRegistry registry;
  registry.Add(&first);
  registry.Add(&second);
  EXPECT_EQ(registry.Find("momento"), &first);
  EXPECT_EQ(registry.Find("aws"), nullptr);
}

}  // namespace
}  // namespace thaw
