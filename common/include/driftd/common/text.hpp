#pragma once
// Small text helpers shared by modules that must not depend on each other.

#include <string>
#include <string_view>

namespace driftd {

// %XX sequences decoded (invalid ones kept as they are); no '+' to space.
std::string percent_decode(std::string_view s);

}  // namespace driftd
