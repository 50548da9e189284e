// Business metrics (issue 14): values from the database's aggregates, baselines, the significance
// gate (hand-computed z and t), thresholds with hysteresis, seasonal baselines, JSON.

#include <catch2/catch.hpp>

#include "driftd/drift/business.hpp"
#include "driftd/drift/significance.hpp"

using namespace driftd;
using namespace driftd::drift;

namespace {

MetricWindow rate_window(std::uint64_t successes, std::uint64_t rows, double seconds = 3600) {
  std::vector<std::optional<double>> a = {static_cast<double>(rows),
                                          static_cast<double>(successes)};
  return metric_window(MetricKind::rate, a, seconds);
}

MetricWindow mean_window(double mean, double variance, std::uint64_t rows) {
  std::vector<std::optional<double>> a = {static_cast<double>(rows), mean, variance};
  return metric_window(MetricKind::mean, a, 3600);
}

MetricSpec conversion() {
  MetricSpec s;
  s.name = "conversion";
  s.kind = MetricKind::rate;
  s.drop = 0.10;
  s.min_rows = 100;
  return s;
}

}  // namespace

TEST_CASE("the aggregates each kind asks for, and the values they give") {
  MetricQuery q;
  q.value = ColumnRequest{"converted", "", FeatureKind::categorical};
  q.equals = {"true"};
  auto rate = metric_aggregates(MetricKind::rate, q);
  REQUIRE(rate.size() == 2);
  CHECK(rate[0].function == Aggregate::Function::rows);
  CHECK(rate[1].function == Aggregate::Function::matches);
  CHECK(rate[1].equals == std::vector<std::string>{"true"});
  CHECK(metric_aggregates(MetricKind::mean, q).size() == 3);
  CHECK(metric_aggregates(MetricKind::sum, q).size() == 2);
  CHECK(metric_aggregates(MetricKind::ratio, q).size() == 3);
  CHECK(metric_aggregates(MetricKind::count, q).size() == 1);
  CHECK(metric_aggregates(MetricKind::sql, q).back().function == Aggregate::Function::expression);

  using V = std::vector<std::optional<double>>;
  CHECK(metric_window(MetricKind::rate, V{200.0, 50.0}, 60).value == 0.25);
  CHECK_FALSE(metric_window(MetricKind::rate, V{0.0, 0.0}, 60).value);
  CHECK(metric_window(MetricKind::sum, V{0.0, std::nullopt}, 60).value == 0.0);  // nothing: 0
  CHECK(metric_window(MetricKind::ratio, V{10.0, 30.0, 12.0}, 60).value == 2.5);
  CHECK_FALSE(metric_window(MetricKind::ratio, V{10.0, 30.0, 0.0}, 60).value);
  CHECK(metric_window(MetricKind::count, V{7.0}, 60).value == 7.0);
  CHECK(metric_window(MetricKind::mean, V{3.0, 2.5, 0.25}, 60).variance == 0.25);
  CHECK_THROWS_AS(metric_window(MetricKind::mean, V{3.0}, 60), std::invalid_argument);
}

TEST_CASE("a significant conversion drop is a breach, with the two-proportion z-test") {
  // 3.8 % of 10,000 rows in the baseline, 3.1 % now. Pooled p = 0.0345,
  // SE = sqrt(0.0345 · 0.9655 · 2/10000), z = −0.007 / SE = −2.712048, p = 0.006686893.
  auto r = evaluate_metric(conversion(), rate_window(310, 10000),
                           std::vector<MetricWindow>{rate_window(380, 10000)});
  CHECK(r.status == "breach");
  CHECK(r.test == "two_proportion_z");
  REQUIRE(r.test_statistic);
  CHECK(*r.test_statistic == Approx(-2.71204789904110).epsilon(1e-10));
  CHECK(value_of(r.statistics, "p_value") == Approx(0.00668689293607407).epsilon(1e-8));
  CHECK(value_of(r.statistics, "value") == Approx(0.031));
  CHECK(value_of(r.statistics, "baseline") == Approx(0.038));
  CHECK(value_of(r.statistics, "change") == Approx(-0.007 / 0.038));
  CHECK(r.breaches == std::vector<std::string>{"drop"});
  REQUIRE(r.level);
  CHECK(*r.level == Approx(0.038 * 0.9));
  CHECK(r.below);
  CHECK_FALSE(r.cleared);
  CHECK(r.rows == 10000);
  CHECK(r.baseline_rows == 10000);
  CHECK(r.message == "conversion 3.1% is 18% below its baseline 3.8% (p = 0.0067)");
}

TEST_CASE("a drop on 40 rows at night is not significant, on fewer than min_rows not judged") {
  auto spec = conversion();
  spec.min_rows = 20;
  // 1 of 40 (2.5 %, a 34 % drop): z = −0.429449, p = 0.667596.
  auto r =
      evaluate_metric(spec, rate_window(1, 40), std::vector<MetricWindow>{rate_window(380, 10000)});
  CHECK(r.status == "not_significant");
  CHECK(r.breaches.empty());
  CHECK(r.not_significant == std::vector<std::string>{"drop"});
  CHECK(*r.test_statistic == Approx(-0.429449037287650).epsilon(1e-9));
  CHECK(value_of(r.statistics, "p_value") == Approx(0.667596473913758).epsilon(1e-8));
  CHECK(r.message == "conversion 2.5% is 34% below its baseline 3.8% (p = 0.67)");

  spec.min_rows = 100;
  auto few =
      evaluate_metric(spec, rate_window(1, 40), std::vector<MetricWindow>{rate_window(380, 10000)});
  CHECK(few.status == "insufficient_data");
  CHECK_FALSE(few.level);
  // A baseline with too few rows leaves a metric with only relative thresholds unjudged.
  auto thin =
      evaluate_metric(spec, rate_window(310, 10000), std::vector<MetricWindow>{rate_window(3, 80)});
  CHECK(thin.status == "insufficient_data");
  CHECK_FALSE(value_of(thin.statistics, "baseline"));
}

TEST_CASE("a mean against its baseline with Welch's t-test from the windows' moments") {
  MetricSpec spec;
  spec.name = "basket";
  spec.kind = MetricKind::mean;
  spec.drop = 0.02;
  spec.min_rows = 50;
  // Baseline mean 10, s² 4, n 100; current 9.5, s² 9, n 80: SE² = 0.04 + 0.1125,
  // t = −0.5 / sqrt(0.1525) = −1.280369, df = 131.8626, two-sided p = 0.2026631.
  auto r = evaluate_metric(spec, mean_window(9.5, 9, 80),
                           std::vector<MetricWindow>{mean_window(10, 4, 100)});
  CHECK(r.test == "welch_t");
  CHECK(*r.test_statistic == Approx(-1.28036879932896).epsilon(1e-10));
  CHECK(value_of(r.statistics, "p_value") == Approx(0.202663147502891).epsilon(1e-7));
  CHECK(r.status == "not_significant");  // a 5 % drop, but within the noise
  spec.alpha = 0.25;
  CHECK(evaluate_metric(spec, mean_window(9.5, 9, 80),
                        std::vector<MetricWindow>{mean_window(10, 4, 100)})
            .status == "breach");
}

TEST_CASE("the significance test agrees with its own span form") {
  const std::vector<double> a = {1, 2, 3, 4, 5, 6, 7, 9};
  const std::vector<double> b = {2, 4, 4, 5, 8, 9, 9, 10, 12};
  auto spans = welch_t_test(a, b);
  auto moments_of = [](const std::vector<double>& x) {
    double m = 0;
    for (double v : x) m += v;
    m /= static_cast<double>(x.size());
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    return SampleMoments{x.size(), m, ss / static_cast<double>(x.size() - 1)};
  };
  auto moments = welch_t_test(moments_of(a), moments_of(b));
  REQUIRE(spans);
  REQUIRE(moments);
  CHECK(*moments->statistic == Approx(*spans->statistic).epsilon(1e-12));
  CHECK(moments->p_value == Approx(spans->p_value).epsilon(1e-12));
  CHECK_FALSE(welch_t_test(SampleMoments{1, 1, 0}, SampleMoments{10, 1, 1}));
}

TEST_CASE("absolute thresholds, hysteresis and untested kinds") {
  MetricSpec spec;
  spec.name = "revenue";
  spec.kind = MetricKind::sum;
  spec.below = 1000;
  spec.resolve_above = 1200;
  spec.rise = 0.5;
  spec.min_rows = 10;
  using V = std::vector<std::optional<double>>;
  // A sum over a day's baseline scales to the current hour: 48000 / 24 = 2000.
  const auto day = metric_window(MetricKind::sum, V{2400.0, 48000.0}, 86400);
  auto now = [&](double revenue) {
    return evaluate_metric(spec, metric_window(MetricKind::sum, V{100.0, revenue}, 3600),
                           std::vector<MetricWindow>{day});
  };
  auto low = now(900);
  CHECK(value_of(low.statistics, "baseline") == Approx(2000));
  CHECK(low.test.empty());  // a sum is not tested: min_rows only
  CHECK_FALSE(value_of(low.statistics, "p_value"));
  CHECK(low.breaches == std::vector<std::string>{"below"});
  CHECK(*low.level == 1000);
  CHECK(low.below);
  auto band = now(1100);  // above the level, below the resolve level: not cleared
  CHECK(band.status == "ok");
  CHECK_FALSE(band.cleared);
  CHECK(now(1300).cleared);
  auto high = now(3100);
  CHECK(high.breaches == std::vector<std::string>{"rise"});
  CHECK(*high.level == Approx(3000));
  CHECK_FALSE(high.below);
  CHECK(high.message == "revenue 3100 is 55% above its baseline 2000");
}

TEST_CASE("an hour-of-week baseline: a usual Monday dip does not fire, a real drop does") {
  MetricSpec spec = conversion();
  spec.baseline = BaselineKind::hour_of_week;
  spec.min_weeks = 2;
  // Monday 9:00 over four weeks: 3.0 %, 3.1 %, 2.9 %, and a holiday week with few rows.
  std::vector<MetricWindow> weeks = {rate_window(300, 10000), rate_window(310, 10000),
                                     rate_window(290, 10000), rate_window(1, 30)};
  auto usual = evaluate_metric(spec, rate_window(295, 10000), weeks);
  CHECK(usual.baseline_kind == "hour_of_week");
  CHECK(usual.baseline_windows == 3);
  CHECK(value_of(usual.statistics, "baseline") == Approx(0.030));
  CHECK(usual.status == "ok");
  auto drop = evaluate_metric(spec, rate_window(200, 10000), weeks);
  CHECK(drop.status == "breach");
  CHECK(drop.test == "robust_z");
  // MAD of 3.0, 3.1, 2.9 % is 0.1 %: spread 0.14826 %, floored at the current rate's own
  // sampling error sqrt(0.02 · 0.98 / 10000) = 0.14 %: z = (0.02 − 0.03) / 0.0014826.
  CHECK(*drop.test_statistic == Approx(-0.01 / (1.4826 * 0.001)).epsilon(1e-9));
  CHECK(drop.message.find("(the same hour of the week, median of 3 weeks, p < 0.001)") !=
        std::string::npos);
  // Too few usable weeks: no baseline.
  std::vector<MetricWindow> sparse = {rate_window(300, 10000), rate_window(0, 0),
                                      rate_window(2, 50)};
  auto none = evaluate_metric(spec, rate_window(200, 10000), sparse);
  CHECK(none.status == "insufficient_data");
}

TEST_CASE("business metrics round-trip through JSON and are listed with their names") {
  Evaluation e;
  e.monitor = "shop";
  e.evaluated_at = *parse_rfc3339("2026-03-02T10:00:00Z");
  e.current_window = {e.evaluated_at - std::chrono::hours(1), e.evaluated_at, 1, false, 1};
  e.reference_window = e.current_window;
  add_metrics(e, {evaluate_metric(conversion(), rate_window(310, 10000),
                                  std::vector<MetricWindow>{rate_window(380, 10000)})});
  CHECK(e.status == Status::drift);
  const std::string json = to_json(e);
  CHECK(json.find("\"metrics\":[{\"name\":\"conversion\",\"kind\":\"rate\",\"status\":\"breach\","
                  "\"value\":0.031,\"baseline\":0.038,") != std::string::npos);
  auto back = evaluation_from_json(json);
  REQUIRE(back.metrics.size() == 1);
  CHECK(back.metrics[0].statistics == e.metrics[0].statistics);
  CHECK(back.metrics[0].message == e.metrics[0].message);
  CHECK(back.metrics[0].level == e.metrics[0].level);
  CHECK(to_json(back) == json);
  std::vector<std::pair<std::string, std::string>> rows;
  for_each_statistic(e, [&](const StatisticRow& r) {
    if (r.section != Section::metrics) return;
    CHECK(r.subject == kMetricsName);
    rows.emplace_back(r.metric, r.statistic);
  });
  CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"conversion", "value"},
                                                                 {"conversion", "baseline"},
                                                                 {"conversion", "change"},
                                                                 {"conversion", "p_value"}});
}
