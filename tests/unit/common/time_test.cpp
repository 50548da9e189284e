#include <catch2/catch.hpp>

#include "driftd/common/time.hpp"

using namespace driftd;
using namespace std::chrono;

TEST_CASE("durations parse and format") {
  struct Case {
    const char* text;
    Duration expected;
  };
  auto c = GENERATE(
      Case{"30s", duration_cast<Duration>(30s)}, Case{"5m", duration_cast<Duration>(5min)},
      Case{"1h", duration_cast<Duration>(1h)}, Case{"7d", duration_cast<Duration>(168h)},
      Case{"1h30m", duration_cast<Duration>(90min)}, Case{"250ms", duration_cast<Duration>(250ms)},
      Case{"2w", duration_cast<Duration>(336h)});
  CAPTURE(c.text);
  auto d = parse_duration(c.text);
  REQUIRE(d.has_value());
  CHECK(*d == c.expected);
  CHECK(parse_duration(format_duration(*d)) == d);
}

TEST_CASE("bad durations are rejected") {
  auto text = GENERATE("", "5", "m", "5 m", "-5m", "0s", "5y", "1.5h", "5mm", "h1");
  CAPTURE(text);
  CHECK_FALSE(parse_duration(text).has_value());
}

TEST_CASE("format_duration picks the largest units") {
  CHECK(format_duration(duration_cast<Duration>(90min)) == "1h30m");
  CHECK(format_duration(duration_cast<Duration>(24h)) == "1d");
  CHECK(format_duration(Duration{0}) == "0s");
  CHECK(format_duration(duration_cast<Duration>(1500ms)) == "1s500ms");
}

TEST_CASE("RFC 3339 round trip") {
  auto t = parse_rfc3339("2026-01-01T00:00:00Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-01-01T00:00:00Z");
  CHECK(to_unix_seconds(*t) == 1767225600.0);
  auto u = parse_rfc3339("2026-01-01T01:30:00.25+01:30");
  REQUIRE(u);
  CHECK(format_rfc3339(*u) == "2026-01-01T00:00:00.25Z");
  CHECK(parse_rfc3339("2026-11-27 12:00:00z"));
  CHECK(format_rfc3339(*parse_rfc3339("1999-12-31T23:59:59.000001Z")) ==
        "1999-12-31T23:59:59.000001Z");
  CHECK(format_rfc3339(*parse_rfc3339("1969-12-31T23:59:59.5Z")) == "1969-12-31T23:59:59.5Z");
}

TEST_CASE("bad RFC 3339 is rejected") {
  auto text = GENERATE("", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
                       "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+1:00",
                       "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00.Z", "x026-01-01T00:00:00Z");
  CAPTURE(text);
  CHECK_FALSE(parse_rfc3339(text).has_value());
}

TEST_CASE("durations too large to be meant are rejected, without overflow") {
  CHECK_FALSE(parse_duration("320220222020h1m62200").has_value());  // found by fuzz_time
  CHECK_FALSE(parse_duration("999999999999w").has_value());
  CHECK_FALSE(parse_duration("101y").has_value());
  CHECK(parse_duration("36500d").has_value());
  CHECK_FALSE(parse_duration("36600d1d").has_value());
}

TEST_CASE("why a duration is rejected: syntax, zero or too large") {
  CHECK(duration_fault("1h30m") == DurationFault::none);
  CHECK(duration_fault("36600d") == DurationFault::none);
  CHECK(duration_fault("") == DurationFault::syntax);
  CHECK(duration_fault("5 min") == DurationFault::syntax);
  CHECK(duration_fault("1.5h") == DurationFault::syntax);
  CHECK(duration_fault("99999999999x") == DurationFault::syntax);  // not a duration at all
  CHECK(duration_fault("0s") == DurationFault::not_positive);
  CHECK(duration_fault("0000h0m") == DurationFault::not_positive);
  CHECK(duration_fault("99999999999w") == DurationFault::too_large);
  CHECK(duration_fault("999999999999999999999999s") == DurationFault::too_large);
  CHECK(duration_fault("36601d") == DurationFault::too_large);
  CHECK(duration_fault("36600d1ms") == DurationFault::too_large);
  CHECK(duration_fault("00000000000000001s") == DurationFault::none);  // leading zeros
  CHECK(parse_duration("00000000000000001s") == std::chrono::seconds(1));
  CHECK(kMaxDuration == *parse_duration("36600d"));
}
