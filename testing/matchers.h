#ifndef THAW_TESTING_MATCHERS_H_
#define THAW_TESTING_MATCHERS_H_

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "testing/emulator.h"

// gMock matchers over thaw::testing's accounting and invoke results:
//
//   EXPECT_THAT(emu->MomentoConnectionsPerInstance("fn"), OneConnectionPerInstance());
//   EXPECT_THAT(emu->SecretFetchesPerInstance("fn", "db"), AtMostPerInstance(1));
//   EXPECT_THAT(emu->Invoke("fn"), Succeeded());
//   EXPECT_THAT(emu->Invoke("fn"), FailedWith("Sandbox.Timedout"));
//
// The per-instance matchers take the std::vector<int> the *PerInstance queries return (one
// count per instance, zeros included). They fail on an empty vector: "one per instance" over
// no instance at all is a test that proves nothing. A failure names the offending instances
// by position. Plain gMock works too: `Each(Eq(1))`, `ElementsAre(1, 1)`.
namespace thaw::testing {

namespace matchers_internal {

// Explains which positions of `counts` fail `ok`; true when none does and counts is not empty.
template <typename Ok>
bool CheckEach(const std::vector<int>& counts, Ok ok, ::testing::MatchResultListener* listener) {
  if (counts.empty()) {
    *listener << "there is no instance";
    return false;
  }
  std::string bad;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (!ok(counts[i])) {
      bad += (bad.empty() ? "" : ", ") + std::string("instance #") + std::to_string(i + 1) +
             " has " + std::to_string(counts[i]);
    }
  }
  if (bad.empty()) return true;
  *listener << bad << " (of " << counts.size() << " instances)";
  return false;
}

}  // namespace matchers_internal

// Every instance counted exactly `n` (and there is at least one instance).
MATCHER_P(ExactlyPerInstance, n,
          std::string(negation ? "not " : "") + "exactly " + ::testing::PrintToString(n) +
              " per instance") {
  return matchers_internal::CheckEach(
      arg, [&](int c) { return c == static_cast<int>(n); }, result_listener);
}

// Every instance counted at most `n` (and there is at least one instance).
MATCHER_P(AtMostPerInstance, n,
          std::string(negation ? "not " : "") + "at most " + ::testing::PrintToString(n) +
              " per instance") {
  return matchers_internal::CheckEach(
      arg, [&](int c) { return c <= static_cast<int>(n); }, result_listener);
}

// Every instance counted at least `n` (and there is at least one instance).
MATCHER_P(AtLeastPerInstance, n,
          std::string(negation ? "not " : "") + "at least " + ::testing::PrintToString(n) +
              " per instance") {
  return matchers_internal::CheckEach(
      arg, [&](int c) { return c >= static_cast<int>(n); }, result_listener);
}

// The Momento pattern this project exists to prove: a client created once per instance.
MATCHER(OneConnectionPerInstance,
        std::string(negation ? "not " : "") + "one connection per instance") {
  return matchers_internal::CheckEach(
      arg, [](int c) { return c == 1; }, result_listener);
}

// A secret fetched once per instance (cached at module scope).
MATCHER(OneFetchPerInstance, std::string(negation ? "not " : "") + "one fetch per instance") {
  return matchers_internal::CheckEach(
      arg, [](int c) { return c == 1; }, result_listener);
}

// An InvokeResult that ran and succeeded.
MATCHER(Succeeded, std::string(negation ? "failed" : "succeeded")) {
  const InvokeResult& r = arg;
  if (r.ok()) return true;
  if (!r.api_error.empty()) {
    *result_listener << "the Invoke API answered " << r.status << " " << r.api_error << ": "
                     << r.payload;
  } else {
    *result_listener << "the function failed (" << r.function_error << "): " << r.payload;
  }
  return false;
}

// An InvokeResult whose function failed with errorType `type` (e.g. "Sandbox.Timedout",
// "Runtime.ExitError", or the handler's own), or whose API error is `type`
// (e.g. "TooManyRequestsException").
MATCHER_P(FailedWith, type,
          std::string(negation ? "did not fail with " : "failed with ") +
              ::testing::PrintToString(type)) {
  const InvokeResult& r = arg;
  const std::string want = type;
  if (r.api_error == want || (!r.function_error.empty() && r.ErrorType() == want)) return true;
  if (r.ok()) {
    *result_listener << "it succeeded: " << r.payload;
  } else if (!r.api_error.empty()) {
    *result_listener << "the Invoke API answered " << r.api_error;
  } else {
    *result_listener << "its errorType is " << ::testing::PrintToString(r.ErrorType()) << ": "
                     << r.payload;
  }
  return false;
}

}  // namespace thaw::testing

#endif  // THAW_TESTING_MATCHERS_H_
