#include <catch2/catch.hpp>

#include "driftd/daemon/scheduler.hpp"
#include "fakes/fake_clock.hpp"

using namespace driftd;
using namespace driftd::daemon;
using namespace std::chrono;
using driftd::testing::FakeClock;

namespace {

Timestamp t(const char* s) { return *parse_rfc3339(s); }
Duration d(const char* s) { return *parse_duration(s); }

struct Recorder {
  std::vector<std::pair<std::string, std::string>> runs;  // (monitor, at)
  std::vector<std::pair<std::string, std::string>> skips;
  Scheduler::Hooks hooks() {
    return {
        [this](const std::string& n, Timestamp at) { runs.emplace_back(n, format_rfc3339(at)); },
        [this](const std::string& n, Timestamp at) { skips.emplace_back(n, format_rfc3339(at)); }};
  }
};

}  // namespace

TEST_CASE("alignment helpers") {
  CHECK(floor_aligned(t("2026-01-01T10:07:30Z"), d("5m")) == t("2026-01-01T10:05:00Z"));
  CHECK(floor_aligned(t("2026-01-01T10:05:00Z"), d("5m")) == t("2026-01-01T10:05:00Z"));
  CHECK(next_aligned(t("2026-01-01T10:05:00Z"), d("5m")) == t("2026-01-01T10:10:00Z"));
  CHECK(floor_aligned(t("2026-01-01T10:59:59Z"), d("1h")) == t("2026-01-01T10:00:00Z"));
  CHECK(floor_aligned(t("2026-01-01T10:00:00Z"), d("7d")) ==
        t("2026-01-01T00:00:00Z"));  // epoch was a Thursday
  CHECK(floor_aligned(t("1969-12-31T23:59:30Z"), d("1m")) == t("1969-12-31T23:59:00Z"));
}

TEST_CASE("monitors run at wall-clock multiples of their schedule") {
  FakeClock clock(t("2026-01-01T10:02:10Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  // already evaluated at 10:00: the next instant is 10:05
  s.set_monitors({{"a", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  CHECK(s.poll() == t("2026-01-01T10:05:00Z"));
  CHECK(rec.runs.empty());
  clock.set(t("2026-01-01T10:05:00Z"));
  CHECK(s.poll() == t("2026-01-01T10:10:00Z"));
  REQUIRE(rec.runs.size() == 1);
  CHECK(rec.runs[0] == std::pair<std::string, std::string>{"a", "2026-01-01T10:05:00Z"});
  s.finished("a");
  clock.set(t("2026-01-01T10:10:00.3Z"));  // a late wake-up still evaluates the instant 10:10
  s.poll();
  CHECK(rec.runs.back().second == "2026-01-01T10:10:00Z");
  CHECK(s.next_run("a") == t("2026-01-01T10:15:00Z"));
}

TEST_CASE("a fresh monitor runs the latest instant at once") {
  FakeClock clock(t("2026-01-01T10:02:10Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"a", d("5m"), Duration{0}, std::nullopt}});
  s.poll();
  REQUIRE(rec.runs.size() == 1);
  CHECK(rec.runs[0].second == "2026-01-01T10:00:00Z");
}

TEST_CASE("a busy monitor is skipped, counted and never run twice at once") {
  FakeClock clock(t("2026-01-01T10:00:00Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"slow", d("1m"), Duration{0}, t("2026-01-01T10:00:00Z")},
                  {"fast", d("1m"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  clock.set(t("2026-01-01T10:01:00Z"));
  s.poll();
  CHECK(rec.runs.size() == 2);
  s.finished("fast");
  clock.set(t("2026-01-01T10:02:00Z"));
  s.poll();  // slow still running
  CHECK(rec.skips ==
        std::vector<std::pair<std::string, std::string>>{{"slow", "2026-01-01T10:02:00Z"}});
  CHECK(rec.runs.size() == 3);
  CHECK(rec.runs.back().first == "fast");
  CHECK(s.busy("slow"));
  CHECK_FALSE(s.try_begin("slow"));
  s.finished("slow");
  s.finished("fast");
  clock.set(t("2026-01-01T10:03:00Z"));
  s.poll();
  CHECK(rec.runs.size() == 5);
  CHECK(rec.skips.size() == 1);
}

TEST_CASE("work done while busy is allowed only when it ends before the next dispatch") {
  FakeClock clock(t("2026-01-01T10:00:00Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"m", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")},
                  {"j", d("5m"), d("1m"), t("2026-01-01T10:00:00Z")}});
  clock.set(t("2026-01-01T10:03:00Z"));  // next dispatch of m at 10:05:00
  CHECK(s.ends_before_next("m", d("1m")));
  CHECK(s.ends_before_next("m", d("119s")));
  CHECK_FALSE(s.ends_before_next("m", d("2m")));
  CHECK_FALSE(s.ends_before_next("m", d("10m")));
  // j's dispatch is delayed by its jitter offset, which the work may use.
  Duration offset = jitter_offset("j", d("1m"));
  CHECK(s.ends_before_next("j", d("2m") + offset - d("1s")));
  CHECK_FALSE(s.ends_before_next("j", d("2m") + offset));
  CHECK_FALSE(s.ends_before_next("unknown", Duration{0}));
  clock.set(t("2026-01-01T10:05:00Z"));  // due now: nothing more fits
  CHECK_FALSE(s.ends_before_next("m", Duration{0}));
  CHECK(rec.skips.empty());
}

TEST_CASE("missed instants are not replayed after downtime") {
  FakeClock clock(t("2026-01-01T10:00:00Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"a", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  clock.set(t("2026-01-01T13:07:00Z"));  // the process was frozen for three hours
  s.poll();
  REQUIRE(rec.runs.size() == 1);
  CHECK(rec.runs[0].second == "2026-01-01T13:05:00Z");
  CHECK(s.next_run("a") == t("2026-01-01T13:10:00Z"));
  // a restart after downtime: the latest instant once, not the ones in between
  Recorder rec2;
  Scheduler s2(clock, rec2.hooks());
  s2.set_monitors({{"a", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  s2.poll();
  REQUIRE(rec2.runs.size() == 1);
  CHECK(rec2.runs[0].second == "2026-01-01T13:05:00Z");
}

TEST_CASE("jitter delays execution within bounds, never the instant evaluated") {
  for (std::string name : {"a", "b", "fraud-v2", "churn", "x.y-z_0"}) {
    Duration off = jitter_offset(name, d("30s"));
    CHECK(off >= Duration{0});
    CHECK(off < d("30s"));
    CHECK(jitter_offset(name, d("30s")) == off);  // stable
  }
  CHECK(jitter_offset("a", Duration{0}) == Duration{0});
  FakeClock clock(t("2026-01-01T10:00:00Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"fraud-v2", d("5m"), d("30s"), t("2026-01-01T10:00:00Z")}});
  Duration off = jitter_offset("fraud-v2", d("30s"));
  Timestamp wake = s.poll();
  CHECK(wake == t("2026-01-01T10:05:00Z") + off);
  if (off > Duration{0}) {
    clock.set(t("2026-01-01T10:05:00Z"));
    s.poll();
    CHECK(rec.runs.empty());
  }
  clock.set(wake);
  s.poll();
  REQUIRE(rec.runs.size() == 1);
  CHECK(rec.runs[0].second == "2026-01-01T10:05:00Z");
}

TEST_CASE("reload keeps unchanged monitors' instants and reschedules changed ones") {
  FakeClock clock(t("2026-01-01T10:00:00Z"));
  Recorder rec;
  Scheduler s(clock, rec.hooks());
  s.set_monitors({{"a", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")},
                  {"b", d("5m"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  clock.set(t("2026-01-01T10:01:00Z"));
  s.set_monitors({{"a", d("5m"), Duration{0}, std::nullopt},
                  {"b", d("1m"), Duration{0}, t("2026-01-01T10:01:00Z")},
                  {"c", d("1h"), Duration{0}, t("2026-01-01T10:00:00Z")}});
  CHECK(s.next_run("a") == t("2026-01-01T10:05:00Z"));
  CHECK(s.next_run("b") == t("2026-01-01T10:02:00Z"));
  CHECK(s.next_run("c") == t("2026-01-01T11:00:00Z"));
  s.set_monitors({{"c", d("1h"), Duration{0}, std::nullopt}});
  CHECK_FALSE(s.next_run("a").has_value());
}
