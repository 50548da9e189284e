// Realised performance from the rows of a window: what the labels, scores and predictions of a
// window give, the comparison with the reference, thresholds, insufficient labels and JSON.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "columns.hpp"
#include "driftd/drift/monitoring.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace driftd::drift::test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

Evaluation evaluation(Status status = Status::ok) {
  Evaluation e;
  e.monitor = "m";
  e.evaluated_at = *parse_rfc3339("2026-01-02T01:00:00Z");
  e.status = status;
  return e;
}

}  // namespace

TEST_CASE("binary performance from text labels, scores and the model's own class") {
  // 8 rows: 2 unlabelled, 1 label present but prediction missing (skipped), 5 usable.
  Column label =
      categorical_column({"yes", "no", std::nullopt, "yes", "no", std::nullopt, "yes", "no"});
  Column score = numerical_column({0.9, 0.2, 0.5, 0.4, 0.6, 0.1, kNaN, 0.3});
  Column predicted = categorical_column({"yes", "no", "no", "no", "yes", "no", "yes", "no"});
  Column label_time = numerical_column({100, 200, kNaN, 400, 500, kNaN, 700, 800});
  Column prediction_time = numerical_column({50, 150, 250, 300, 470, 560, 600, 790});
  PerformanceSpec spec;
  spec.positive = "yes";
  PerformanceColumns c{&label, &score, &predicted, &label_time, &prediction_time};
  auto p = window_performance(spec, c);
  CHECK(p.statistics.rows == 8);
  CHECK(p.statistics.unlabelled == 2);
  CHECK(p.statistics.skipped == 1);  // the score is missing: the row cannot count
  CHECK(p.statistics.labelled == 5);
  // rows used: (yes,.9,yes) (no,.2,no) (yes,.4,no) (no,.6,yes) (no,.3,no)
  CHECK(p.statistics.get("accuracy") == Approx(3.0 / 5));
  CHECK(p.statistics.get("precision") == Approx(1.0 / 2));
  CHECK(p.statistics.get("recall") == Approx(1.0 / 2));
  // AUC: positives .9, .4 vs negatives .2, .6, .3: .9 beats 3, .4 beats 2 -> 5/6
  CHECK(p.statistics.get("roc_auc") == Approx(5.0 / 6));
  REQUIRE(p.delay);
  CHECK(p.delay->count == 6);
  CHECK(p.delay->get("max") == 100);
  CHECK(p.delay->get("p50") == Approx(50));  // delays 10, 30, 50, 50, 100, 100

  SECTION("without the model's class, score >= threshold decides") {
    spec.threshold = 0.35;
    auto q =
        window_performance(spec, PerformanceColumns{&label, &score, nullptr, nullptr, nullptr});
    // predicted positive: .9, .4, .6 -> TP 2, FP 1, TN 2
    CHECK(q.statistics.get("accuracy") == Approx(4.0 / 5));
    CHECK_FALSE(q.delay);
  }
  SECTION("columns of the wrong kind are a caller's mistake") {
    CHECK_THROWS_AS(
        window_performance(spec, PerformanceColumns{&score, &score, nullptr, nullptr, nullptr}),
        std::invalid_argument);
    CHECK_THROWS_AS(
        window_performance(spec, PerformanceColumns{&label, nullptr, nullptr, nullptr, nullptr}),
        std::invalid_argument);
    CHECK_THROWS_AS(window_performance(spec, PerformanceColumns{}), std::invalid_argument);
  }
}

TEST_CASE("multiclass and regression performance") {
  Column label = categorical_column({"a", "b", "c", std::nullopt, "a"});
  Column predicted = categorical_column({"a", "c", "c", "b", std::nullopt});
  PerformanceSpec spec;
  spec.task = LabelTask::multiclass;
  auto p =
      window_performance(spec, PerformanceColumns{&label, nullptr, &predicted, nullptr, nullptr});
  CHECK(p.statistics.labelled == 3);
  CHECK(p.statistics.get("accuracy") == Approx(2.0 / 3));

  Column y = numerical_column({10, 20, kNaN, 0, 5});
  Column value = numerical_column({12, 17, 3, 1, kNaN});
  spec.task = LabelTask::regression;
  auto r = window_performance(spec, PerformanceColumns{&y, nullptr, &value, nullptr, nullptr});
  CHECK(r.statistics.labelled == 3);
  CHECK(r.statistics.get("mae") == Approx(2.0));
  CHECK(r.statistics.get("rmse") == Approx(std::sqrt((4.0 + 9 + 1) / 3)));
  CHECK(r.statistics.get("mape") == Approx((0.2 + 0.15) / 2));
  CHECK_THROWS_AS(
      window_performance(spec, PerformanceColumns{&label, nullptr, &value, nullptr, nullptr}),
      std::invalid_argument);
}

namespace {

std::vector<std::string> names_of(const NamedValues& values) {
  std::vector<std::string> out;
  for (const auto& [name, value] : values) out.push_back(name);
  return out;
}

WindowPerformance binary_window(const std::vector<std::optional<std::string>>& labels,
                                const std::vector<double>& scores) {
  Column label = categorical_column(labels);
  Column score = numerical_column(scores);
  PerformanceSpec spec;
  spec.positive = "1";
  return window_performance(spec, PerformanceColumns{&label, &score, nullptr, nullptr, nullptr});
}

}  // namespace

TEST_CASE("the performance section: changes, coverage, thresholds and sufficiency") {
  // reference: perfect ranking; current: half the labels, worse ranking
  auto ref = binary_window({"1", "1", "0", "0"}, {0.9, 0.8, 0.2, 0.1});
  auto cur =
      binary_window({"1", "0", "1", "0", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
                    {0.9, 0.8, 0.2, 0.1, 0.5, 0.5, 0.5, 0.5});
  PerformanceSpec spec;
  spec.min_rows = 4;
  const std::vector<Threshold> thresholds = {Threshold::above("roc_auc_drop", 0.02),
                                             Threshold::above("psi", 0.2)};
  auto e = evaluation();
  add_performance(e, spec, cur, ref, thresholds);
  REQUIRE(e.performance);
  const auto& p = *e.performance;
  CHECK(p.task == "binary");
  CHECK(p.rows == 8);
  CHECK(p.labelled == 4);
  CHECK(p.unlabelled == 4);
  CHECK(value_of(p.statistics, "label_coverage") == 0.5);
  CHECK(value_of(p.statistics, "labelled_rows") == 4);
  CHECK(value_of(p.reference, "label_coverage") == 1);
  CHECK(value_of(p.reference, "roc_auc") == 1);
  CHECK(value_of(p.statistics, "roc_auc") == 0.75);  // 3 of 4 pairs ranked right
  CHECK(value_of(p.changes, "roc_auc_drop") == 0.25);
  CHECK(p.breaches == std::vector<std::string>{"roc_auc_drop"});
  CHECK(p.status == Status::drift);
  CHECK(e.status == Status::drift);
  const auto all = p.alertable();
  CHECK(value_of(all, "roc_auc_drop") == 0.25);
  CHECK(value_of(all, "accuracy"));

  SECTION("too few labelled rows on either side: no breach, insufficient_data") {
    spec.min_rows = 5;
    auto f = evaluation();
    add_performance(f, spec, cur, ref, thresholds);
    CHECK(f.performance->status == Status::insufficient_data);
    CHECK(f.performance->breaches.empty());
    CHECK(f.status == Status::ok);
    CHECK(value_of(f.performance->changes, "roc_auc_drop") == 0.25);  // still reported
  }
  SECTION("labelled rows alone decide: too few rows for drift still judge performance") {
    // min_rows = 1000, labels.min_rows = 4: a window too small for drift with enough labels.
    auto f = evaluation(Status::insufficient_data);
    add_performance(f, spec, cur, ref, thresholds);
    CHECK(f.performance->status == Status::drift);
    CHECK(f.performance->breaches == std::vector<std::string>{"roc_auc_drop"});
    CHECK(f.status == Status::insufficient_data);  // the drift statistics still lack rows
  }
  SECTION("an error evaluation judges no performance") {
    auto f = evaluation(Status::error);
    add_performance(f, spec, cur, ref, thresholds);
    CHECK(f.performance->status == Status::insufficient_data);
    CHECK(f.performance->breaches.empty());
    CHECK(f.status == Status::error);
  }
  SECTION("JSON: what the API shows, and the same bytes after a round trip in any key order") {
    const std::string once = to_json(e);
    const auto j = nlohmann::json::parse(once);
    const auto& jp = j["performance"];
    CHECK(jp["task"] == "binary");
    CHECK(jp["status"] == "drift");
    CHECK(jp["rows"] == 8);
    CHECK(jp["labelled_rows"] == 4);
    CHECK(jp["unlabelled_rows"] == 4);
    CHECK(jp["skipped_rows"] == 0);
    CHECK(jp["label_coverage"] == 0.5);
    CHECK(jp["label_delay_seconds"].is_null());
    CHECK(jp["reference"]["labelled_rows"] == 4);
    CHECK(jp["reference"]["statistics"]["roc_auc"] == 1);
    CHECK(jp["changes"]["roc_auc_drop"] == 0.25);
    CHECK(jp["breaches"] == nlohmann::json::array({"roc_auc_drop"}));
    CHECK(to_json(evaluation_from_json(once)) == once);
    CHECK(to_json(evaluation_from_json(reordered(once))) == once);
    auto broken = nlohmann::json::parse(once);
    broken["performance"]["task"] = "ranking";
    CHECK_THROWS_AS(evaluation_from_json(broken.dump()), std::runtime_error);
    broken = nlohmann::json::parse(once);
    broken["performance"].erase("reference");
    CHECK_THROWS_AS(evaluation_from_json(broken.dump()), std::runtime_error);
  }
}

TEST_CASE("label-arrival statistics are judged however few labels arrived") {
  // The label pipeline broke: no label in the current window. Quality metrics cannot be judged
  // (insufficient_data) but label_coverage = 0 and labelled_rows = 0 must breach.
  auto ref = binary_window({"1", "1", "0", "0"}, {0.9, 0.8, 0.2, 0.1});
  auto cur =
      binary_window({std::nullopt, std::nullopt, std::nullopt, std::nullopt}, {0.9, 0.8, 0.2, 0.1});
  PerformanceSpec spec;
  spec.min_rows = 4;
  const std::vector<Threshold> thresholds = {
      Threshold::above("roc_auc_drop", 0.02), Threshold::below("accuracy", 0.9),
      Threshold::below("label_coverage", 0.5), Threshold::below("labelled_rows", 2),
      Threshold::above("label_delay_p90", 86400)};
  auto e = evaluation();
  add_performance(e, spec, cur, ref, thresholds);
  const auto& p = *e.performance;
  CHECK(p.status == Status::insufficient_data);
  CHECK(value_of(p.statistics, "label_coverage") == 0);
  CHECK(p.breaches == std::vector<std::string>{"label_coverage", "labelled_rows"});
  CHECK(e.status == Status::drift);
  CHECK(names_of(p.judged()) == std::vector<std::string>{"label_coverage", "labelled_rows"});

  SECTION("too few labels with some arriving: the quality metrics stay unjudged") {
    // 2 of 4 labelled, both wrongly ranked: accuracy and roc_auc_drop would breach.
    auto few = binary_window({"0", "1", std::nullopt, std::nullopt}, {0.9, 0.1, 0.5, 0.5});
    auto f = evaluation();
    add_performance(f, spec, few, ref, thresholds);
    CHECK(f.performance->status == Status::insufficient_data);
    CHECK(value_of(f.performance->alertable(), "roc_auc_drop") == 1);
    CHECK(f.performance->breaches.empty());  // coverage 0.5, two labelled rows: no breach
    CHECK(f.status == Status::ok);
  }
  SECTION("an evaluation with too few rows keeps its status") {
    auto f = evaluation(Status::insufficient_data);
    add_performance(f, spec, cur, ref, thresholds);
    CHECK(f.performance->breaches == std::vector<std::string>{"label_coverage", "labelled_rows"});
    CHECK(f.status == Status::insufficient_data);
  }
  SECTION("with enough labels everything is judged") {
    auto f = evaluation();
    add_performance(f, spec, ref, ref, thresholds);
    CHECK(f.performance->status == Status::ok);
    CHECK(names_of(f.performance->judged()) == names_of(f.performance->alertable()));
  }
}

TEST_CASE("label delay statistics join the performance statistics") {
  Column label = categorical_column({"1", "0", std::nullopt});
  Column score = numerical_column({0.7, 0.2, 0.4});
  Column label_time = numerical_column({1000, 1600, kNaN});
  Column prediction_time = numerical_column({0, 100, 200});
  PerformanceSpec spec;
  spec.min_rows = 1;
  auto w = window_performance(
      spec, PerformanceColumns{&label, &score, nullptr, &label_time, &prediction_time});
  auto e = evaluation();
  add_performance(e, spec, w, w, {});
  CHECK(value_of(e.performance->statistics, "label_delay_mean") == 1250);
  CHECK(value_of(e.performance->statistics, "label_delay_max") == 1500);
  const auto j = nlohmann::json::parse(to_json(e));
  CHECK(j["performance"]["label_delay_seconds"]["p50"] == 1250);
  CHECK(to_string(LabelTask::multiclass) == "multiclass");
}
