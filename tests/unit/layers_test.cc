// Layers with local content in SAM / CloudFormation templates (AWS::Serverless::LayerVersion,
// AWS::Lambda::LayerVersion with CDK asset metadata) and serverless.yml (top-level `layers:`):
// they become FunctionConfig::layers, in Lambda's order; published ARNs stay notes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "emulator/config/thaw_config.h"
#include "tests/util/zip_writer.h"

namespace thaw {
// Named as well: a unity build compiles this file with the others of its binary.
namespace layers_test {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

auto NoteHas(const std::string& text) { return Contains(HasSubstr(text)); }

// A definition in a temporary directory with a function's code (src/) and layer directories.
class LayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("thaw-layers-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    WriteFile(dir_ / "src" / "index.js", "exports.handler = async () => 1;\n");
    options_.artifact_cache = dir_ / "cache";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void WriteFile(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // A layer directory under dir_ holding nodejs/node_modules/<module>/index.js.
  fs::path MakeLayer(const std::string& name, const std::string& module) {
    WriteFile(dir_ / name / "nodejs" / "node_modules" / module / "index.js",
              "module.exports = '" + name + "';\n");
    return dir_ / name;
  }

  absl::StatusOr<ThawConfig> LoadSam(const std::string& globals, const std::string& resources) {
    return ParseConfig(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n" +
            globals + "Resources:\n" + resources,
        "template.yaml", dir_, options_);
  }
  absl::StatusOr<ThawConfig> LoadServerless(const std::string& text) {
    return ParseConfig(text, "serverless.yml", dir_, options_);
  }

  fs::path dir_;
  LoadOptions options_;
};

constexpr char kFunction[] =
    "  Fn:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      Runtime: nodejs20.x\n"
    "      Handler: index.handler\n"
    "      CodeUri: src\n";

TEST_F(LayersTest, SamLayerVersionsFromADirectoryAndAZipComeAfterTheGlobals) {
  MakeLayer("dir-layer", "dirlib");
  ASSERT_TRUE(thaw::testing::WriteZip(
                  dir_ / "zip-layer.zip",
                  {{"python/", "", 0755}, {"python/ziplib.py", "VALUE = 'zip'\n", 0644}})
                  .ok());
  auto config = LoadSam(
      "Globals:\n"
      "  Function:\n"
      "    Layers: [!Ref ZipLayer]\n",
      std::string(kFunction) +
          "      Layers:\n"
          "        - {Ref: DirLayer}\n"
          "        - !GetAtt CdkLayer.LayerVersionArn\n"
          "  ZipLayer:\n"
          "    Type: AWS::Serverless::LayerVersion\n"
          "    Properties: {ContentUri: zip-layer.zip}\n"
          "  DirLayer:\n"
          "    Type: AWS::Serverless::LayerVersion\n"
          "    Properties: {ContentUri: ./dir-layer/, CompatibleRuntimes: [nodejs20.x]}\n"
          "  CdkLayer:\n"
          "    Type: AWS::Lambda::LayerVersion\n"
          "    Properties:\n"
          "      Content: {S3Bucket: cdk-assets, S3Key: abc.zip}\n"
          "    Metadata:\n"
          "      aws:asset:path: asset.abc\n"
          "      aws:asset:is-bundled: false\n"
          "      aws:asset:property: Content\n");
  ASSERT_FALSE(config.ok());  // the CDK asset directory is missing yet
  EXPECT_THAT(config.status().message(),
              HasSubstr("Resources.CdkLayer.Metadata.aws:asset:path: layer content directory " +
                        (dir_ / "asset.abc").string() + " does not exist"));

  MakeLayer("asset.abc", "cdklib");
  config = LoadSam(
      "Globals:\n"
      "  Function:\n"
      "    Layers: [!Ref ZipLayer]\n",
      std::string(kFunction) +
          "      Layers:\n"
          "        - {Ref: DirLayer}\n"
          "        - !GetAtt CdkLayer.LayerVersionArn\n"
          "  ZipLayer:\n"
          "    Type: AWS::Serverless::LayerVersion\n"
          "    Properties: {ContentUri: zip-layer.zip}\n"
          "  DirLayer:\n"
          "    Type: AWS::Serverless::LayerVersion\n"
          "    Properties: {ContentUri: ./dir-layer/, CompatibleRuntimes: [nodejs20.x]}\n"
          "  CdkLayer:\n"
          "    Type: AWS::Lambda::LayerVersion\n"
          "    Properties:\n"
          "      Content: {S3Bucket: cdk-assets, S3Key: abc.zip}\n"
          "    Metadata:\n"
          "      aws:asset:path: asset.abc\n"
          "      aws:asset:property: Content\n");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("Fn");
  ASSERT_EQ(fn.layers.size(), 3u);
  // The zip, unpacked into the artifact cache, first: Globals' layers come before the function's.
  EXPECT_EQ(fn.layers[0].parent_path(), dir_ / "cache");
  EXPECT_TRUE(fs::exists(fn.layers[0] / "python" / "ziplib.py"));
  EXPECT_EQ(fn.layers[1], dir_ / "dir-layer");
  EXPECT_EQ(fn.layers[2], dir_ / "asset.abc");
  // Layer resources are not "not created", and nothing is said about the ones applied.
  EXPECT_THAT(config->notes, Not(NoteHas("Layer")));
  EXPECT_THAT(config->notes, Not(NoteHas("S3")));
}

TEST_F(LayersTest, SamLayerContentThatIsMissingOrInS3IsAnError) {
  auto config = LoadSam("", std::string(kFunction) +
                                "      Layers: [!Ref Deps]\n"
                                "  Deps:\n"
                                "    Type: AWS::Serverless::LayerVersion\n"
                                "    Properties:\n"
                                "      ContentUri: layers/deps\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("template.yaml:14: Resources.Deps.Properties.ContentUri: layer content "
                        "directory " +
                        (dir_ / "layers" / "deps").string() + " does not exist"));

  config = LoadSam("", std::string(kFunction) +
                           "      Layers: [!Ref Deps]\n"
                           "  Deps:\n"
                           "    Type: AWS::Lambda::LayerVersion\n"
                           "    Properties:\n"
                           "      Content: {S3Bucket: b, S3Key: k.zip}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("Resources.Deps.Properties.Content: code in S3 is not supported"));
}

TEST_F(LayersTest, PublishedLayersAreNotedAndTheExtensionStillApplies) {
  auto config =
      LoadSam("", std::string(kFunction) +
                      "      Layers:\n"
                      "        - arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:7\n"
                      "        - arn:aws:lambda:us-east-1:177933569100:layer:"
                      "AWS-Parameters-and-Secrets-Lambda-Extension:11\n");
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("Fn");
  EXPECT_THAT(fn.layers, IsEmpty());
  EXPECT_THAT(fn.extensions, ElementsAre("parameters-and-secrets"));
  EXPECT_THAT(config->notes,
              NoteHas("Resources.Fn.Properties.Layers[0]: arn:aws:lambda:us-east-1:123456789012:"
                      "layer:shared-deps:7: not applied (a published layer"));
}

TEST_F(LayersTest, MoreThanFiveLayersIsAnError) {
  std::string layers = "      Layers:\n";
  std::string resources;
  for (int i = 0; i < 6; ++i) {
    MakeLayer("l" + std::to_string(i), "m");
    layers += "        - !Ref L" + std::to_string(i) + "\n";
    resources += "  L" + std::to_string(i) +
                 ":\n    Type: AWS::Serverless::LayerVersion\n    Properties: {ContentUri: l" +
                 std::to_string(i) + "}\n";
  }
  auto config = LoadSam("", std::string(kFunction) + layers + resources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("Resources.Fn.Properties.Layers[5]: 6 layers: Lambda allows at most 5"));
}

TEST_F(LayersTest, ServerlessLayersAreReferencedByTheirLogicalId) {
  MakeLayer("layers/common", "common");
  ASSERT_TRUE(
      thaw::testing::WriteZip(dir_ / "tools.zip", {{"bin/tool", "#!/bin/sh\necho hi\n", 0755}})
          .ok());
  auto config = LoadServerless(
      "service: shop\n"
      "provider:\n"
      "  name: aws\n"
      "  runtime: nodejs20.x\n"
      "  layers:\n"
      "    - {Ref: CommonLambdaLayer}\n"
      "layers:\n"
      "  common:\n"
      "    path: layers/common\n"
      "  my-tools:\n"
      "    package: {artifact: tools.zip}\n"
      "functions:\n"
      "  api:\n"
      "    handler: src/index.handler\n"
      "  worker:\n"
      "    handler: src/index.handler\n"
      "    layers:\n"
      "      - Ref: CommonLambdaLayer\n"
      "      - Ref: MyDashtoolsLambdaLayer\n"
      "      - arn:aws:lambda:us-east-1:123456789012:layer:shared:2\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->functions.at("shop-dev-api").layers, ElementsAre(dir_ / "layers" / "common"));
  const FunctionConfig& worker = config->functions.at("shop-dev-worker");
  ASSERT_EQ(worker.layers.size(), 2u);
  EXPECT_EQ(worker.layers[0], dir_ / "layers" / "common");
  EXPECT_EQ(worker.layers[1].parent_path(), dir_ / "cache");
  EXPECT_TRUE(fs::exists(worker.layers[1] / "bin" / "tool"));
  EXPECT_THAT(config->notes, NoteHas("functions.worker.layers[2]: arn:aws:lambda:us-east-1:"
                                     "123456789012:layer:shared:2: not applied"));
}

TEST_F(LayersTest, ServerlessLayerErrorsNameTheKey) {
  auto config = LoadServerless(
      "service: shop\n"
      "provider: {name: aws, runtime: nodejs20.x}\n"
      "layers:\n"
      "  common:\n"
      "    path: layers/common\n"
      "functions:\n"
      "  api:\n"
      "    handler: src/index.handler\n"
      "    layers: [{Ref: CommonLambdaLayer}]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("serverless.yml:5: layers.common.path: layer content directory " +
                        (dir_ / "layers" / "common").string() + " does not exist"));

  config = LoadServerless(
      "service: shop\n"
      "provider: {name: aws, runtime: nodejs20.x}\n"
      "functions:\n"
      "  api:\n"
      "    handler: src/index.handler\n"
      "    layers: [{Ref: OtherLambdaLayer}]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("functions.api.layers[0]: Ref to OtherLambdaLayer, which is no layer"));
}

// thaw.yaml: `layers:` are directories or .zip files, relative to the file, in order; the
// code may be a .zip too.
TEST_F(LayersTest, ThawYamlLayersAndZipCodeAreUnpackedInOrder) {
  MakeLayer("one", "a");
  ASSERT_TRUE(testing::WriteZip(dir_ / "two.zip", {{"python/b.py", "B = 2\n", 0644}}).ok());
  ASSERT_TRUE(testing::WriteZip(dir_ / "code.zip",
                                {{"index.js", "exports.handler = async () => 1;\n", 0644}})
                  .ok());
  auto config = ParseConfig(
      "functions:\n  f:\n    runtime: nodejs20.x\n    handler: index.handler\n"
      "    code: code.zip\n    layers: [one, ./two.zip]\n",
      "thaw.yaml", dir_, options_);
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("f");
  ASSERT_EQ(fn.layers.size(), 2u);
  EXPECT_EQ(fn.layers[0], dir_ / "one");
  EXPECT_TRUE(fs::exists(fn.layers[1] / "python" / "b.py")) << fn.layers[1];
  EXPECT_TRUE(fs::exists(fn.code / "index.js")) << fn.code;
  EXPECT_EQ(fn.code.parent_path(), dir_ / "cache");

  auto missing = ParseConfig(
      "functions:\n  f:\n    runtime: nodejs20.x\n    handler: index.handler\n"
      "    code: src\n    layers: [one, nowhere]\n",
      "thaw.yaml", dir_, options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("thaw.yaml:6: functions.f.layers[2]: no such directory"));
  auto six = ParseConfig(
      "functions:\n  f:\n    runtime: nodejs20.x\n    handler: index.handler\n"
      "    code: src\n    layers: [one, one, one, one, one, one]\n",
      "thaw.yaml", dir_, options_);
  ASSERT_FALSE(six.ok());
  EXPECT_THAT(six.status().message(), HasSubstr("6 layers: Lambda allows at most 5"));
}

}  // namespace
}  // namespace layers_test
}  // namespace thaw
