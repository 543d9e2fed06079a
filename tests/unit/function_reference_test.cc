#include "emulator/control/function_reference.h"

#include <gtest/gtest.h>

namespace thaw {
namespace {

TEST(FunctionReferenceTest, PlainName) {
  auto ref = ParseFunctionReference("my-function");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "my-function");
  EXPECT_EQ(ref->qualifier, "");
  EXPECT_EQ(ref->account, "");
}

TEST(FunctionReferenceTest, NameWithQualifier) {
  auto ref = ParseFunctionReference("my_function:$LATEST");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name, "my_function");
  EXPECT_EQ(ref->qualifier, "$LATEST");
}

TEST(FunctionReferenceTest, PartialArn) {
  auto ref = ParseFunctionReference("123456789012:function:echo");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->account, "123456789012");
  EXPECT_EQ(ref->name, "echo");
}

TEST(FunctionReferenceTest, FullArnWithAlias) {
  auto ref = ParseFunctionReference("arn:aws:lambda:eu-west-1:123456789012:function:echo:prod");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->region, "eu-west-1");
  EXPECT_EQ(ref->account, "123456789012");
  EXPECT_EQ(ref->name, "echo");
  EXPECT_EQ(ref->qualifier, "prod");
}

TEST(FunctionReferenceTest, RejectsMalformedNames) {
  for (const char* bad :
       {"", "has space", "arn:aws:lambda:us-east-1:echo", "a/b", "arn:aws:s3:::bucket"}) {
    auto ref = ParseFunctionReference(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    if (!ref.ok()) {
      EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseFunctionReference(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace thaw
