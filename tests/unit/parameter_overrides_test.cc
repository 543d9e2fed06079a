// `--parameter-overrides` as `sam deploy` takes it (emulator/config/parameter_overrides.h).
#include "emulator/config/parameter_overrides.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/config/thaw_config.h"

namespace thaw {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Overrides = std::map<std::string, std::string>;

TEST(ParameterOverridesTest, ReadsBothSyntaxesInOneOrSeveralArguments) {
  auto overrides =
      ParseParameterOverrides({"Stage=prod", "ParameterKey=Table,ParameterValue=orders Memory=512",
                               "Url=https://a.example.com/?x=1"});
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(*overrides, (Overrides{{"Stage", "prod"},
                                   {"Table", "orders"},
                                   {"Memory", "512"},
                                   {"Url", "https://a.example.com/?x=1"}}));
}

TEST(ParameterOverridesTest, QuotesKeepSpacesAndLaterValuesWin) {
  auto overrides =
      ParseParameterOverrides({"Greeting=\"hello world\" Stage=dev",
                               "ParameterKey=Stage,ParameterValue=\"pre prod\"", "Empty="});
  ASSERT_TRUE(overrides.ok()) << overrides.status();
  EXPECT_EQ(*overrides,
            (Overrides{{"Greeting", "hello world"}, {"Stage", "pre prod"}, {"Empty", ""}}));
  EXPECT_TRUE(ParseParameterOverrides({}).value().empty());
}

TEST(ParameterOverridesTest, ANameWithoutValueIsAnError) {
  EXPECT_THAT(ParseParameterOverrides({"Stage"}).status().message(),
              HasSubstr("'Stage' is neither Key=Value nor ParameterKey=Key,ParameterValue=Value"));
  EXPECT_THAT(ParseParameterOverrides({"ParameterKey=Stage"}).status().message(),
              HasSubstr("has no ,ParameterValue="));
  EXPECT_THAT(ParseParameterOverrides({"=x"}).status().message(), HasSubstr("has no key"));
}

TEST(ParameterOverridesTest, AFileWithoutParametersNotesThemIgnored) {
  LoadOptions options;
  options.parameter_overrides = {{"Stage", "prod"}};
  auto config = LoadConfigFile(
      std::filesystem::path(THAW_TESTDATA_DIR) / "serverless-v3" / "serverless.yml", options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->notes,
              Contains(HasSubstr("serverless.yml: --parameter-overrides: ignored; only a SAM / "
                                 "CloudFormation template has parameters")));
}

}  // namespace
}  // namespace thaw
