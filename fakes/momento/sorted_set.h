#ifndef THAW_FAKES_MOMENTO_SORTED_SET_H_
#define THAW_FAKES_MOMENTO_SORTED_SET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace thaw::momento {

// One end of a score range: absent = unbounded.
struct ScoreBound {
  double score = 0;
  bool exclusive = false;
};

// A Momento sorted set: distinct byte-string values, each with a double score, ordered by score
// and, among equal scores, by value (bytewise, shorter first on a common prefix), as Redis
// orders them; descending order is the exact reverse (equal scores by value, descending).
// Not thread-safe (CacheStore locks around it).
class SortedSet {
 public:
  using Element = std::pair<std::string, double>;  // value, score

  size_t size() const { return by_value_.size(); }
  bool empty() const { return by_value_.empty(); }
  // Payload bytes: every value plus 8 per score.
  size_t bytes() const { return bytes_; }

  // Sets the score of `value` (adds it when new).
  void Put(const std::string& value, double score);
  // Adds `amount` to the score of `value` (a new value starts at 0); returns the new score.
  double Increment(const std::string& value, double amount);
  // Removes `value` if present.
  void Remove(const std::string& value);
  std::optional<double> Score(const std::string& value) const;
  // The 0-based rank of `value` in the given order, or nullopt.
  std::optional<uint64_t> Rank(const std::string& value, bool descending) const;

  // Elements with ranks in [start, end) of the given order; negative ranks count from the end
  // (-1 = the last), absent = that end of the set; the range is clamped to the set.
  std::vector<Element> ByRank(std::optional<int64_t> start, std::optional<int64_t> end,
                              bool descending) const;
  // Elements with scores within [min, max] (bounds as given), in the given order, skipping
  // `offset` of them and returning at most `count` (negative: all).
  std::vector<Element> ByScore(std::optional<ScoreBound> min, std::optional<ScoreBound> max,
                               bool descending, uint64_t offset, int64_t count) const;
  size_t CountByScore(std::optional<ScoreBound> min, std::optional<ScoreBound> max) const;
  // Every element, ascending.
  std::vector<Element> All() const;

 private:
  struct Less {
    bool operator()(const std::pair<double, std::string>& a,
                    const std::pair<double, std::string>& b) const;
  };
  bool InRange(double score, const std::optional<ScoreBound>& min,
               const std::optional<ScoreBound>& max) const;

  std::unordered_map<std::string, double> by_value_;
  std::set<std::pair<double, std::string>, Less> ordered_;
  size_t bytes_ = 0;
};

}  // namespace thaw::momento

#endif  // THAW_FAKES_MOMENTO_SORTED_SET_H_
