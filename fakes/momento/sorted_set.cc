#include "fakes/momento/sorted_set.h"

#include <algorithm>
#include <iterator>

namespace thaw::momento {

namespace {

// Resolves a possibly negative index against `size` and clamps it to [0, size].
int64_t Resolve(int64_t index, int64_t size) {
  if (index < 0) index += size;
  return std::clamp<int64_t>(index, 0, size);
}

}  // namespace

bool SortedSet::Less::operator()(const std::pair<double, std::string>& a,
                                 const std::pair<double, std::string>& b) const {
  if (a.first != b.first) return a.first < b.first;
  return a.second < b.second;  // std::string compares bytewise (char_traits<char>::compare).
}

void SortedSet::Put(const std::string& value, double score) {
  auto [it, inserted] = by_value_.try_emplace(value, score);
  if (inserted) {
    bytes_ += value.size() + sizeof(double);
  } else {
    ordered_.erase({it->second, value});
    it->second = score;
  }
  ordered_.emplace(score, value);
}

double SortedSet::Increment(const std::string& value, double amount) {
  auto it = by_value_.find(value);
  const double score = (it == by_value_.end() ? 0 : it->second) + amount;
  Put(value, score);
  return score;
}

void SortedSet::Remove(const std::string& value) {
  auto it = by_value_.find(value);
  if (it == by_value_.end()) return;
  ordered_.erase({it->second, value});
  bytes_ -= value.size() + sizeof(double);
  by_value_.erase(it);
}

std::optional<double> SortedSet::Score(const std::string& value) const {
  auto it = by_value_.find(value);
  if (it == by_value_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> SortedSet::Rank(const std::string& value, bool descending) const {
  auto it = by_value_.find(value);
  if (it == by_value_.end()) return std::nullopt;
  const auto position = ordered_.find({it->second, value});
  const auto ascending = static_cast<uint64_t>(std::distance(ordered_.begin(), position));
  return descending ? size() - 1 - ascending : ascending;
}

std::vector<SortedSet::Element> SortedSet::ByRank(std::optional<int64_t> start,
                                                  std::optional<int64_t> end,
                                                  bool descending) const {
  const auto n = static_cast<int64_t>(size());
  const int64_t from = start ? Resolve(*start, n) : 0;
  const int64_t to = end ? Resolve(*end, n) : n;
  std::vector<Element> out;
  if (from >= to) return out;
  out.reserve(static_cast<size_t>(to - from));
  auto emit = [&](auto begin) {
    std::advance(begin, from);
    for (int64_t i = from; i < to; ++i, ++begin) out.emplace_back(begin->second, begin->first);
  };
  if (descending) {
    emit(ordered_.rbegin());
  } else {
    emit(ordered_.begin());
  }
  return out;
}

bool SortedSet::InRange(double score, const std::optional<ScoreBound>& min,
                        const std::optional<ScoreBound>& max) const {
  if (min && (min->exclusive ? score <= min->score : score < min->score)) return false;
  if (max && (max->exclusive ? score >= max->score : score > max->score)) return false;
  return true;
}

std::vector<SortedSet::Element> SortedSet::ByScore(std::optional<ScoreBound> min,
                                                   std::optional<ScoreBound> max, bool descending,
                                                   uint64_t offset, int64_t count) const {
  std::vector<Element> out;
  uint64_t skipped = 0;
  auto visit = [&](auto begin, auto end) {
    for (auto it = begin; it != end; ++it) {
      if (!InRange(it->first, min, max)) continue;
      if (skipped < offset) {
        ++skipped;
        continue;
      }
      if (count >= 0 && static_cast<int64_t>(out.size()) >= count) break;
      out.emplace_back(it->second, it->first);
    }
  };
  if (descending) {
    visit(ordered_.rbegin(), ordered_.rend());
  } else {
    visit(ordered_.begin(), ordered_.end());
  }
  return out;
}

size_t SortedSet::CountByScore(std::optional<ScoreBound> min, std::optional<ScoreBound> max) const {
  return static_cast<size_t>(std::count_if(
      ordered_.begin(), ordered_.end(), [&](const auto& e) { return InRange(e.first, min, max); }));
}

std::vector<SortedSet::Element> SortedSet::All() const { return ByRank({}, {}, false); }

}  // namespace thaw::momento
