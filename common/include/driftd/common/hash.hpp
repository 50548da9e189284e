#pragma once
// FNV-1a, 64 bits: a hash that is stable across builds, platforms and runs (std::hash is not),
// for what must come out the same everywhere: fingerprints of frozen references, ETags,
// per-monitor jitter, sampling seeds. Not for anything an attacker may want to collide.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace driftd {

inline constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;

// Continues hash `h` over `bytes`.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = kFnvOffsetBasis) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// A digest of a sequence of fields: each field is followed by a separator byte (0xff, which no
// UTF-8 text holds), so ("ab", "c") and ("a", "bc") differ.
class FieldHash {
 public:
  FieldHash& add(std::string_view field) {
    h_ = fnv1a64("\xff", fnv1a64(field, h_));
    return *this;
  }
  std::uint64_t value() const { return h_; }
  // 16 lower-case hex digits.
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  std::uint64_t h_ = kFnvOffsetBasis;
};

}  // namespace driftd
