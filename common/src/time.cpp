#include "driftd/common/time.hpp"

#include <charconv>
#include <cstdio>

namespace driftd {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool read_fixed(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

namespace {

// Parses as parse_duration does; `fault` says why not.
std::optional<Duration> parse_duration_checked(std::string_view text, DurationFault& fault) {
  fault = DurationFault::syntax;
  if (text.empty()) return std::nullopt;
  std::size_t pos = 0;
  Duration total{0};
  bool too_large = false;
  while (pos < text.size()) {
    std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    if (pos == start) return std::nullopt;
    std::size_t nonzero = start;  // leading zeros say nothing of the size
    while (nonzero < pos && text[nonzero] == '0') ++nonzero;
    std::int64_t n = 0;
    if (pos - nonzero > 12) {
      too_large = true;  // far beyond kMaxDuration in any unit; not parsed (it may overflow)
    } else {
      std::from_chars(text.data() + nonzero, text.data() + pos, n);
    }
    std::size_t ustart = pos;
    while (pos < text.size() && !is_digit(text[pos])) ++pos;
    std::string_view unit = text.substr(ustart, pos - ustart);
    using namespace std::chrono;
    Duration size;
    if (unit == "ms")
      size = duration_cast<Duration>(milliseconds(1));
    else if (unit == "s")
      size = duration_cast<Duration>(seconds(1));
    else if (unit == "m")
      size = duration_cast<Duration>(minutes(1));
    else if (unit == "h")
      size = duration_cast<Duration>(hours(1));
    else if (unit == "d")
      size = duration_cast<Duration>(hours(24));
    else if (unit == "w")
      size = duration_cast<Duration>(hours(24 * 7));
    else
      return std::nullopt;
    if (too_large || n > (kMaxDuration - total) / size) {
      too_large = true;
      continue;  // the rest must still be written as a duration for "too large" to be the reason
    }
    total += n * size;
  }
  if (too_large) {
    fault = DurationFault::too_large;
    return std::nullopt;
  }
  if (total <= Duration{0}) {
    fault = DurationFault::not_positive;
    return std::nullopt;
  }
  fault = DurationFault::none;
  return total;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  DurationFault fault;
  return parse_duration_checked(text, fault);
}

DurationFault duration_fault(std::string_view text) {
  DurationFault fault;
  parse_duration_checked(text, fault);
  return fault;
}

std::string format_duration(Duration d) {
  using namespace std::chrono;
  if (d == Duration{0}) return "0s";
  std::string out;
  if (d < Duration{0}) {
    out = "-";
    d = -d;
  }
  struct Unit {
    Duration size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{duration_cast<Duration>(hours(24 * 7)), "w"},
                                    {duration_cast<Duration>(hours(24)), "d"},
                                    {duration_cast<Duration>(hours(1)), "h"},
                                    {duration_cast<Duration>(minutes(1)), "m"},
                                    {duration_cast<Duration>(seconds(1)), "s"},
                                    {duration_cast<Duration>(milliseconds(1)), "ms"},
                                    {Duration(1), "us"}};
  for (const auto& u : kUnits) {
    if (d >= u.size) {
      auto n = d / u.size;
      out += std::to_string(n) + u.name;
      d -= n * u.size;
    }
  }
  return out;
}

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!read_fixed(s, pos, 4, y) || !expect(s, pos, '-') || !read_fixed(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !read_fixed(s, pos, 2, d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_fixed(s, pos, 2, h) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, mi) ||
      !expect(s, pos, ':') || !read_fixed(s, pos, 2, sec))
    return std::nullopt;
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    int digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (digits < 6) {
        micros = micros * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!read_fixed(s, pos, 2, oh) || !expect(s, pos, ':') || !read_fixed(s, pos, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  if (sec == 60) sec = 59;  // leap second: clamp, as PostgreSQL does not store them
  Timestamp t = time_point_cast<Duration>(sys_days{ymd}) + hours(h) + minutes(mi) + seconds(sec) +
                microseconds(micros) - minutes(offset_minutes);
  return t;
}

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd{day_point};
  auto rest = t - day_point;
  auto h = duration_cast<hours>(rest);
  rest -= h;
  auto m = duration_cast<minutes>(rest);
  rest -= m;
  auto sec = duration_cast<seconds>(rest);
  rest -= sec;
  char buf[128];  // room for any int values, so no truncation is possible
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02lld",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                        static_cast<int>(m.count()), static_cast<long long>(sec.count()));
  std::string out(buf, static_cast<std::size_t>(n));
  long long us = rest.count();
  if (us > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, "%06lld", us);
    std::string f(frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  out += "Z";
  return out;
}

double to_unix_seconds(Timestamp t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1e6;
}

}  // namespace driftd
