#include "emulator/control/ids.h"

#include <chrono>
#include <ctime>
#include <random>

namespace thaw {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

void AppendHex(std::string& out, uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out += kHex[(value >> (i * 4)) & 0xf];
}

}  // namespace

std::string NewRequestId() {
  uint64_t hi = Rng()();
  uint64_t lo = Rng()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                          // version 4
  lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);          // variant 10
  std::string out;
  out.reserve(36);
  AppendHex(out, hi >> 32, 8);
  out += '-';
  AppendHex(out, (hi >> 16) & 0xffff, 4);
  out += '-';
  AppendHex(out, hi & 0xffff, 4);
  out += '-';
  AppendHex(out, lo >> 48, 4);
  out += '-';
  AppendHex(out, lo & 0xffffffffffffULL, 12);
  return out;
}

std::string NewTraceId() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  std::string out = "Root=1-";
  AppendHex(out, static_cast<uint64_t>(secs), 8);
  out += '-';
  AppendHex(out, Rng()() & 0xffffffffULL, 8);
  AppendHex(out, Rng()(), 16);
  out += ";Parent=";
  AppendHex(out, Rng()(), 16);
  out += ";Sampled=0";
  return out;
}

std::string NewLogStreamName() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof(date), "%Y/%m/%d", &tm);
  std::string out = std::string(date) + "/[$LATEST]";
  AppendHex(out, Rng()(), 16);
  AppendHex(out, Rng()(), 16);
  return out;
}

std::string Base64Encode(std::string_view data) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == data.size()) {
    const uint32_t v = uint8_t(data[i]) << 16;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool Base64Decode(std::string_view data, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : data) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      ++padding;
      continue;
    } else {
      return false;
    }
    if (padding) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return padding <= 2;
}

}  // namespace thaw
