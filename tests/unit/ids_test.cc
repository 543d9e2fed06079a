#include "emulator/control/ids.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace thaw {
namespace {

using ::testing::MatchesRegex;

TEST(IdsTest, RequestIdsAreVersion4UuidsAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_THAT(
        id, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, TraceIdHasTheXRayShape) {
  EXPECT_THAT(NewTraceId(),
              MatchesRegex("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"));
}

TEST(IdsTest, LogStreamNameHasLambdasShape) {
  EXPECT_THAT(NewLogStreamName(),
              MatchesRegex("[0-9]{4}/[0-9]{2}/[0-9]{2}/\\[\\$LATEST\\][0-9a-f]{32}"));
}

TEST(IdsTest, Base64KnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  std::string out;
  ASSERT_TRUE(Base64Decode("Zm9vYg==", out));
  EXPECT_EQ(out, "foob");
}

TEST(IdsTest, Base64RoundTripsBinary) {
  std::string data;
  for (int i = 0; i < 256; ++i) data += static_cast<char>(i);
  std::string out;
  ASSERT_TRUE(Base64Decode(Base64Encode(data), out));
  EXPECT_EQ(out, data);
}

TEST(IdsTest, Base64DecodeRejectsGarbage) {
  std::string out;
  EXPECT_FALSE(Base64Decode("not base64!", out));
  EXPECT_FALSE(Base64Decode("Zg==Zg", out));
}

}  // namespace
}  // namespace thaw
