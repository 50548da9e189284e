// Freshness and volume (issue 14): the age of the newest row, the rows against a reference or an
// hour-of-week baseline, thresholds also on empty windows, and the JSON round trip.

#include <catch2/catch.hpp>

#include "driftd/drift/business.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace std::chrono_literals;

namespace {

const Timestamp kAt = *parse_rfc3339("2026-03-02T10:00:00Z");

Evaluation evaluation(std::uint64_t current_rows, Status status = Status::ok) {
  Evaluation e{};
  e.monitor = "feed";
  e.status = status;
  e.evaluated_at = kAt;
  e.current_window = {kAt - 1h, kAt, current_rows, false, current_rows};
  e.reference_window = {kAt - 25h, kAt - 24h, 0, false, 0};
  return e;
}

const std::vector<Threshold> kThresholds = {Threshold::above("freshness_seconds", 900),
                                            Threshold::below("volume_ratio", 0.5)};

}  // namespace

TEST_CASE("freshness is the age of the newest row at the evaluation's instant") {
  FreshnessSpec spec;
  spec.freshness = true;
  FreshnessInputs in;
  in.newest = kAt - 10min;
  auto e = evaluation(120);
  add_freshness(e, spec, in, kThresholds);
  REQUIRE(e.freshness);
  CHECK(e.freshness->checked);
  CHECK(e.freshness->newest_row == kAt - 10min);
  CHECK(value_of(e.freshness->statistics, "freshness_seconds") == 600);
  CHECK(value_of(e.freshness->statistics, "window_rows") == 120);
  CHECK_FALSE(value_of(e.freshness->statistics, "volume_ratio"));  // volume not configured
  CHECK(e.freshness->breaches.empty());
  CHECK(e.status == Status::ok);
}

TEST_CASE("a stalled feed breaches freshness even with an empty window") {
  FreshnessSpec spec;
  spec.freshness = true;
  FreshnessInputs in;
  in.newest = kAt - 2h;
  auto e = evaluation(0, Status::insufficient_data);
  add_freshness(e, spec, in, kThresholds);
  CHECK(value_of(e.freshness->statistics, "freshness_seconds") == 7200);
  CHECK(e.freshness->breaches == std::vector<std::string>{"freshness_seconds"});
  CHECK(e.status == Status::insufficient_data);  // kept; the section says what breached

  // No row at all: the age is unknown, not judged.
  auto empty = evaluation(0, Status::insufficient_data);
  add_freshness(empty, spec, FreshnessInputs{}, kThresholds);
  CHECK_FALSE(value_of(empty.freshness->statistics, "freshness_seconds"));
  CHECK(empty.freshness->breaches.empty());

  // An error evaluation is not judged.
  auto failed = evaluation(0, Status::error);
  add_freshness(failed, spec, in, kThresholds);
  CHECK(failed.freshness->breaches.empty());
}

TEST_CASE("volume against the reference scales its rows to the current window's length") {
  FreshnessSpec spec;
  spec.volume = true;
  FreshnessInputs in;
  in.reference_rows = 2400;        // over a day
  in.reference_seconds = 86400.0;  // -> 100 per hour
  auto e = evaluation(40);
  add_freshness(e, spec, in, kThresholds);
  CHECK(e.freshness->baseline == "reference");
  CHECK(value_of(e.freshness->statistics, "baseline_rows") == Approx(100));
  CHECK(value_of(e.freshness->statistics, "volume_ratio") == Approx(0.4));
  CHECK(e.freshness->breaches == std::vector<std::string>{"volume_ratio"});
  CHECK(e.status == Status::drift);

  // A reference without rows gives no ratio.
  in.reference_rows = 0;
  auto none = evaluation(40);
  add_freshness(none, spec, in, kThresholds);
  CHECK(value_of(none.freshness->statistics, "baseline_rows") == 0);
  CHECK_FALSE(value_of(none.freshness->statistics, "volume_ratio"));
}

TEST_CASE("volume against the same hour of the week: the median week, empty weeks left out") {
  FreshnessSpec spec;
  spec.volume = true;
  spec.baseline = BaselineKind::hour_of_week;
  spec.min_weeks = 2;
  FreshnessInputs in;
  // A holiday (0 rows) and an unusually busy week among four.
  in.weekly_rows = {100.0, 0.0, 110.0, 400.0};
  auto e = evaluation(60);
  add_freshness(e, spec, in, kThresholds);
  CHECK(e.freshness->baseline == "hour_of_week");
  CHECK(e.freshness->baseline_windows == 3);
  CHECK(value_of(e.freshness->statistics, "baseline_rows") == 110);
  CHECK(value_of(e.freshness->statistics, "volume_ratio") == Approx(60.0 / 110));
  CHECK(e.freshness->breaches.empty());

  // Too few usable weeks: no baseline.
  in.weekly_rows = {0.0, std::nullopt, 90.0, 0.0};
  auto few = evaluation(10);
  add_freshness(few, spec, in, kThresholds);
  CHECK_FALSE(value_of(few.freshness->statistics, "baseline_rows"));
  CHECK(few.freshness->breaches.empty());
}

TEST_CASE("the seasonal baseline is the median and 1.4826 MAD") {
  std::vector<std::optional<double>> v = {10.0, 12.0, std::nullopt, 11.0, 50.0};
  auto b = seasonal_baseline(v, 2);
  REQUIRE(b);
  CHECK(b->used == 4);
  CHECK(b->median == Approx(11.5));
  // deviations 1.5, 0.5, 0.5, 38.5 -> median 1.0
  CHECK(b->spread == Approx(1.4826));
  CHECK_FALSE(seasonal_baseline(v, 5));
  CHECK_FALSE(seasonal_baseline(std::vector<std::optional<double>>{}, 0));
}

TEST_CASE("the freshness section round-trips through JSON and is listed with the statistics") {
  FreshnessSpec spec;
  spec.freshness = true;
  spec.volume = true;
  FreshnessInputs in;
  in.newest = kAt - 1h;
  in.reference_rows = 100;
  in.reference_seconds = 3600;
  auto e = evaluation(30);
  add_freshness(e, spec, in, kThresholds);
  const std::string json = to_json(e);
  CHECK(json.find("\"freshness\":{\"checked\":true,\"newest_row\":\"2026-03-02T09:00:00Z\"") !=
        std::string::npos);
  auto back = evaluation_from_json(json);
  REQUIRE(back.freshness);
  CHECK(back.freshness->newest_row == e.freshness->newest_row);
  CHECK(back.freshness->statistics == e.freshness->statistics);
  CHECK(back.freshness->breaches == e.freshness->breaches);
  CHECK(to_json(back) == json);
  std::vector<std::string> listed;
  for_each_statistic(e, [&](const StatisticRow& r) {
    if (r.section == Section::freshness) {
      CHECK(r.subject == kFreshnessName);
      listed.emplace_back(r.statistic);
    }
  });
  CHECK(listed == std::vector<std::string>{"freshness_seconds", "window_rows", "baseline_rows",
                                           "volume_ratio"});
}

TEST_CASE("freshness against the same instant of earlier weeks: a nightly pause is usual") {
  FreshnessSpec spec;
  spec.freshness = true;
  spec.freshness_baseline = BaselineKind::hour_of_week;
  spec.freshness_min_weeks = 2;
  const std::vector<Threshold> limit = {Threshold::above("freshness_excess_seconds", 1800)};
  constexpr auto kWeek = std::chrono::hours(24 * 7);
  FreshnessInputs in;
  // The feed pauses at 06:00 every night: at 10:00 its newest row is usually 4 hours old; a
  // week whose feed had broken for a day (28 h) and one with no row at all are outvoted.
  in.weekly_newest = {kAt - kWeek - 4h, kAt - 2 * kWeek - 4h - 10min, kAt - 3 * kWeek - 28h,
                      std::nullopt};
  in.newest = kAt - 4h - 5min;
  auto usual = evaluation(0, Status::insufficient_data);
  add_freshness(usual, spec, in, limit);
  CHECK(usual.freshness->freshness_baseline_windows == 3u);
  CHECK(value_of(usual.freshness->statistics, "freshness_seconds") == 4 * 3600 + 300);
  CHECK(value_of(usual.freshness->statistics, "usual_age_seconds") == 4 * 3600 + 600);
  CHECK(value_of(usual.freshness->statistics, "freshness_excess_seconds") == 0);
  CHECK(usual.freshness->breaches.empty());

  in.newest = kAt - 6h;  // stopped two hours earlier than usual
  auto stalled = evaluation(0, Status::insufficient_data);
  add_freshness(stalled, spec, in, limit);
  CHECK(value_of(stalled.freshness->statistics, "freshness_excess_seconds") ==
        6 * 3600 - 4 * 3600 - 600);
  CHECK(stalled.freshness->breaches == std::vector<std::string>{"freshness_excess_seconds"});

  // Too little history: no usual age, nothing judged.
  in.weekly_newest = {kAt - kWeek - 4h, std::nullopt, std::nullopt, std::nullopt};
  auto young = evaluation(0, Status::insufficient_data);
  add_freshness(young, spec, in, limit);
  CHECK(young.freshness->freshness_baseline_windows == 0u);
  CHECK_FALSE(value_of(young.freshness->statistics, "freshness_excess_seconds"));
  CHECK(young.freshness->breaches.empty());
  CHECK(evaluation_from_json(to_json(stalled)).freshness->freshness_baseline_windows == 3u);
}
