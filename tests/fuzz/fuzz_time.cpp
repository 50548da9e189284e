// libFuzzer target: duration and RFC 3339 parsing, and that what parses formats back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "driftd/common/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = driftd::parse_duration(text)) {
    if (driftd::parse_duration(driftd::format_duration(*d)) != d) std::abort();
  }
  if (auto t = driftd::parse_rfc3339(text)) {
    if (driftd::parse_rfc3339(driftd::format_rfc3339(*t)) != t) std::abort();
  }
  return 0;
}
