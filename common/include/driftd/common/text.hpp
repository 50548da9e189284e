#pragma once
// Small text helpers shared by modules that must not depend on each other.

#include <string>
#include <string_view>

namespace driftd {

// %XX sequences decoded (invalid ones kept as they are); no '+' to space.
std::string percent_decode(std::string_view s);

// `s` on one line: every run of whitespace (spaces, tabs, newlines, carriage returns) becomes one
// space, none at either end. For messages of other programs (libpq's carry "\n\t" hints) shown
// on one line of driftd's output.
std::string one_line(std::string_view s);

}  // namespace driftd
