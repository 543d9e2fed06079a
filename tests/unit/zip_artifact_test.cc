// .zip code artifacts unpacked into the content-addressed cache (emulator/config/zip_artifact.h),
// and the loaders that take them: SAM CodeUri, serverless.yml package.artifact. The zips are
// made with libzip (tests/util/zip_writer.h), in a temporary directory.
#include "emulator/config/zip_artifact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "emulator/config/thaw_config.h"
#include "tests/util/zip_writer.h"

namespace thaw {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Writes the zip or fails the test.
void WriteZip(const fs::path& path, const std::vector<thaw::testing::ZipEntry>& entries) {
  absl::Status status = thaw::testing::WriteZip(path, entries);
  ASSERT_TRUE(status.ok()) << status;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ZipArtifactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "thaw-zip-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    cache_ = dir_ / "cache";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // What the cache directory holds (names only).
  std::vector<std::string> CacheEntries() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(cache_, ec)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
  fs::path cache_;
};

TEST_F(ZipArtifactTest, UnpacksOnceIntoADirectoryNamedByTheSha256AndKeepsTheExecutableBit) {
  const fs::path zip = dir_ / "function.zip";
  WriteZip(
      zip,
      {{"bootstrap", "#!/bin/sh\necho hi\n", 0755}, {"lib/", ""}, {"lib/data.txt", "data", 0644}});
  ASSERT_TRUE(IsZipArtifact(zip));
  auto unpacked = UnpackZipArtifact(zip, cache_);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status();
  EXPECT_EQ(unpacked->dir.parent_path(), cache_);
  EXPECT_EQ(unpacked->dir.filename().string().size(), 64u);  // hex SHA-256
  EXPECT_TRUE(unpacked->limit_problems.empty());
  EXPECT_EQ(ReadFile(unpacked->dir / "bootstrap"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(ReadFile(unpacked->dir / "lib" / "data.txt"), "data");
  EXPECT_EQ(::access((unpacked->dir / "bootstrap").c_str(), X_OK), 0);
  EXPECT_NE(::access((unpacked->dir / "lib" / "data.txt").c_str(), X_OK), 0);

  // The second time the cached directory is used as it is (a marker left in it survives), and
  // no temporary directory is left beside it.
  std::ofstream(unpacked->dir / "marker") << "kept";
  auto again = UnpackZipArtifact(zip, cache_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->dir, unpacked->dir);
  EXPECT_TRUE(fs::exists(again->dir / "marker"));
  EXPECT_EQ(CacheEntries(), std::vector<std::string>{unpacked->dir.filename().string()});

  // Other content, another directory.
  const fs::path other = dir_ / "other.zip";
  WriteZip(other, {{"bootstrap", "#!/bin/sh\necho bye\n", 0755}});
  auto second = UnpackZipArtifact(other, cache_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->dir, unpacked->dir);
}

TEST_F(ZipArtifactTest, PathTraversalEntriesAreRefusedAndNothingIsCached) {
  const fs::path zip = dir_ / "evil.zip";
  WriteZip(zip,
           {{"index.js", "exports.handler = async () => 1;\n"}, {"../escaped.txt", "outside"}});
  auto unpacked = UnpackZipArtifact(zip, cache_);
  ASSERT_FALSE(unpacked.ok());
  EXPECT_EQ(unpacked.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unpacked.status().message(),
              AllOf(HasSubstr(zip.string()), HasSubstr("'../escaped.txt'"),
                    HasSubstr("outside the code directory")));
  EXPECT_FALSE(fs::exists(dir_ / "escaped.txt"));
  EXPECT_FALSE(fs::exists(cache_ / "escaped.txt"));
  EXPECT_TRUE(CacheEntries().empty());

  const fs::path windows = dir_ / "windows.zip";
  WriteZip(windows, {{"..\\escaped.txt", "outside"}});
  auto backslash = UnpackZipArtifact(windows, cache_);
  ASSERT_FALSE(backslash.ok());
  EXPECT_THAT(backslash.status().message(), HasSubstr("has a backslash in its path"));

  const fs::path absolute = dir_ / "absolute.zip";
  WriteZip(absolute, {{"/tmp/thaw-absolute-entry.txt", "outside"}});
  auto refused = UnpackZipArtifact(absolute, cache_);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("outside the code directory"));
}

TEST_F(ZipArtifactTest, PackagesOverTheLimitsAreUnpackedWithAProblemEach) {
  const fs::path zip = dir_ / "big.zip";
  WriteZip(zip, {{"index.js", std::string(4096, 'x')}});
  auto within = UnpackZipArtifact(zip, cache_);
  ASSERT_TRUE(within.ok()) << within.status();
  EXPECT_TRUE(within->limit_problems.empty());
  // The same package against limits smaller than it (Lambda's are 50 MB / 250 MB).
  PackageLimits small;
  small.zipped_bytes = 100;
  small.unzipped_bytes = 1000;
  auto over = UnpackZipArtifact(zip, cache_, small);
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_EQ(over->dir, within->dir);
  ASSERT_EQ(over->limit_problems.size(), 2u);
  EXPECT_THAT(over->limit_problems[0],
              AllOf(HasSubstr("zipped, over the 100 bytes Lambda takes in a direct upload")));
  EXPECT_THAT(over->limit_problems[1],
              AllOf(HasSubstr("the package is 4096 bytes unzipped, over the 1000 bytes"),
                    HasSubstr("deploying it fails")));
}

TEST_F(ZipArtifactTest, NotAZipIsAnErrorNamingTheFile) {
  const fs::path zip = dir_ / "broken.zip";
  std::ofstream(zip) << "not a zip";
  auto unpacked = UnpackZipArtifact(zip, cache_);
  ASSERT_FALSE(unpacked.ok());
  EXPECT_THAT(unpacked.status().message(),
              AllOf(HasSubstr(zip.string()), HasSubstr("not a readable zip file")));
}

TEST_F(ZipArtifactTest, ASamCodeUriZipIsTheUnpackedDirectory) {
  WriteZip(dir_ / "fn.zip", {{"bootstrap", "#!/bin/sh\n", 0755}});
  LoadOptions options;
  options.artifact_cache = cache_;
  auto config = ParseConfig(
      "Transform: AWS::Serverless-2016-10-31\n"
      "Resources:\n"
      "  Fn:\n"
      "    Type: AWS::Serverless::Function\n"
      "    Properties:\n"
      "      Runtime: provided.al2023\n"
      "      Handler: fn\n"
      "      CodeUri: fn.zip\n",
      "template.yaml", dir_, options);
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("Fn");
  EXPECT_EQ(fn.code.parent_path(), cache_);
  EXPECT_EQ(fn.executable, fn.code / "bootstrap");

  // A traversal entry fails the load at the property that names the zip.
  WriteZip(dir_ / "evil.zip", {{"../bootstrap", "#!/bin/sh\n", 0755}});
  config = ParseConfig(
      "Resources:\n"
      "  Fn:\n"
      "    Type: AWS::Serverless::Function\n"
      "    Properties:\n"
      "      Runtime: provided.al2023\n"
      "      Handler: fn\n"
      "      CodeUri: evil.zip\n",
      "template.yaml", dir_, options);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("template.yaml:7: Resources.Fn.Properties.CodeUri: "),
                    HasSubstr("'../bootstrap'")));
}

TEST_F(ZipArtifactTest, ACdkZipAssetIsTheUnpackedDirectory) {
  // lambda.Code.fromAsset("fn.zip"): cdk synth copies the zip as asset.<hash>.zip.
  WriteZip(dir_ / "asset.0123.zip", {{"index.js", "exports.handler = async () => 1;\n"}});
  LoadOptions options;
  options.artifact_cache = cache_;
  auto config = ParseConfig(
      R"({"Resources": {"Fn": {"Type": "AWS::Lambda::Function",
            "Properties": {"Runtime": "nodejs20.x", "Handler": "index.handler",
                           "Code": {"S3Bucket": "b", "S3Key": "0123.zip"}},
            "Metadata": {"aws:asset:path": "asset.0123.zip", "aws:asset:is-bundled": false,
                         "aws:asset:property": "Code"}}}})",
      "Stack.template.json", dir_, options);
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("Fn");
  EXPECT_EQ(fn.code.parent_path(), cache_);
  EXPECT_TRUE(fs::exists(fn.code / "index.js"));
}

TEST_F(ZipArtifactTest, AServerlessPackageArtifactZipIsTheUnpackedDirectory) {
  WriteZip(dir_ / "app.zip", {{"handler.js", "exports.hello = async () => 'hi';\n"}});
  LoadOptions options;
  options.artifact_cache = cache_;
  auto config = ParseConfig(
      "service: app\n"
      "provider:\n"
      "  name: aws\n"
      "  runtime: nodejs20.x\n"
      "functions:\n"
      "  hello:\n"
      "    handler: handler.hello\n"
      "    package:\n"
      "      artifact: app.zip\n",
      "serverless.yml", dir_, options);
  ASSERT_TRUE(config.ok()) << config.status();
  const FunctionConfig& fn = config->functions.at("app-dev-hello");
  EXPECT_EQ(fn.code.parent_path(), cache_);
  EXPECT_TRUE(fs::exists(fn.code / "handler.js"));
}

}  // namespace
}  // namespace thaw
