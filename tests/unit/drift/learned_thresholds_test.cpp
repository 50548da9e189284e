// Thresholds learned from the reference in the pipeline: learning from a window's rows in time
// order, their use by compare(), their JSON and their place in the frozen reference's bytes.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "columns.hpp"
#include "driftd/drift/monitoring.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace driftd::drift::test;
using namespace std::chrono_literals;

namespace {

const Timestamp kT0 = Timestamp(Duration(1'767'225'600'000'000));  // 2026-01-01T00:00:00Z

EvaluationSpec spec() {
  EvaluationSpec s{};
  s.monitor = std::string("learned-monitor");
  s.columns = {{"x", FeatureKind::numerical}, {"c", FeatureKind::categorical}};
  s.min_rows = 10;
  Threshold psi = Threshold::above("psi", 0);
  psi.learned = true;
  psi.chunks = 10;
  Threshold ks = Threshold::below("ks_pvalue", 0.01);  // a fixed one alongside
  s.thresholds = {psi, ks};
  return s;
}

// 2000 rows whose x drifts slowly with time (the chunks differ), with times in `order`.
WindowData reference(bool shuffled, std::vector<double>* times_out = nullptr) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n(0, 1);
  std::vector<double> x, t;
  std::vector<std::optional<std::string>> c;
  for (int i = 0; i < 2000; ++i) {
    x.push_back(n(rng) + i / 1000.0);
    c.push_back(i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c");
    t.push_back(1000.0 + i);
  }
  if (shuffled) {
    std::vector<std::size_t> p(x.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = i;
    std::shuffle(p.begin(), p.end(), rng);
    std::vector<double> x2, t2;
    std::vector<std::optional<std::string>> c2;
    for (auto i : p) {
      x2.push_back(x[i]);
      t2.push_back(t[i]);
      c2.push_back(c[i]);
    }
    x = x2, t = t2, c = c2;
  }
  if (times_out) *times_out = t;
  WindowData w;
  w.from = kT0;
  w.to = kT0 + 24h;
  w.rows = w.rows_in_window = x.size();
  w.columns.push_back(numerical_column(x));
  w.columns.push_back(categorical_column(c));
  w.columns.push_back(numerical_column(t));  // the time column, after the spec's
  return w;
}

}  // namespace

TEST_CASE("learning follows time, not the order rows arrive in") {
  const auto s = spec();
  auto in_order = reference(false);
  auto shuffled = reference(true);
  const auto a = learn_reference_thresholds(s, in_order, in_order.columns[2]);
  const auto b = learn_reference_thresholds(s, shuffled, shuffled.columns[2]);
  REQUIRE(a.size() == 2);  // psi of x and of c; ks_pvalue is not learned
  REQUIRE(b.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(a[i].column == i);
    CHECK(a[i].statistic == "psi");
    CHECK(a[i].chunks == 10);
    CHECK(a[i].threshold.value == b[i].threshold.value);  // bit for bit
    CHECK(a[i].threshold.chunks == 10);
  }
  // the same as learning from the column split by hand
  std::vector<double> x;
  const auto& col = std::get<NumericalColumn>(in_order.columns[0]).values;
  for (std::size_t i = 0; i < col.size(); ++i) x.push_back(col[i]);
  auto direct = learn_threshold(split_numerical(x, 10), "psi");
  REQUIRE(direct);
  CHECK(a[0].threshold.value == direct->threshold);
  CHECK(a[0].threshold.mean == direct->mean);
  CHECK(a[0].threshold.stddev == direct->stddev);
  // the slow drift of x makes its threshold higher than that of c, which does not move
  CHECK(a[0].threshold.value > a[1].threshold.value);
  // nothing to learn without learned thresholds
  auto fixed = s;
  fixed.thresholds.erase(fixed.thresholds.begin());
  CHECK(learn_reference_thresholds(fixed, in_order, in_order.columns[2]).empty());
}

TEST_CASE("compare applies each column's learned level and shows it") {
  const auto s = spec();
  auto data = reference(false);
  auto learned = learn_reference_thresholds(s, data, data.columns[2]);
  data.columns.resize(2);
  auto frozen = freeze(s, prepare_window(s, std::move(data), serial_for));
  frozen.learned = learned;
  // current: x far beyond anything seen in the reference's chunks; c as usual
  WindowData cur;
  cur.from = kT0 + 24h;
  cur.to = kT0 + 25h;
  std::vector<double> x;
  std::vector<std::optional<std::string>> c;
  for (int i = 0; i < 300; ++i) {
    x.push_back(5 + i / 100.0);
    c.push_back(i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c");
  }
  cur.rows = cur.rows_in_window = 300;
  cur.columns.push_back(numerical_column(x));
  cur.columns.push_back(categorical_column(c));
  auto e = compare(s, frozen, prepare_window(s, std::move(cur), serial_for), kT0 + 25h, serial_for);
  REQUIRE(e.features[0].thresholds.size() == 1);
  CHECK(e.features[0].thresholds[0].value == learned[0].threshold.value);
  CHECK(e.features[0].learned_level("psi") == learned[0].threshold.value);
  CHECK_FALSE(e.features[0].learned_level("js_distance"));
  CHECK(e.features[0].breaches == std::vector<std::string>{"psi", "ks_pvalue"});
  CHECK(e.features[1].breaches.empty());
  CHECK(e.status == Status::drift);

  SECTION("JSON shows the learned thresholds and reads them back") {
    const std::string once = to_json(e);
    const auto j = nlohmann::json::parse(once);
    const auto& th = j["features"][0]["thresholds"]["psi"];
    CHECK(th["learned"] == true);
    CHECK(th["value"] == learned[0].threshold.value);
    CHECK(th["mean"] == learned[0].threshold.mean);
    CHECK(th["stddev"] == learned[0].threshold.stddev);
    CHECK(th["chunks"] == 10);
    CHECK(to_json(evaluation_from_json(once)) == once);
    CHECK(to_json(evaluation_from_json(reordered(once))) == once);
  }
  SECTION("a column without a learned level never breaches on it") {
    auto none = frozen;
    none.learned.clear();
    auto cur2 = WindowData{};
    cur2.from = kT0 + 24h;
    cur2.to = kT0 + 25h;
    cur2.rows = cur2.rows_in_window = 300;
    cur2.columns.push_back(numerical_column(x));
    cur2.columns.push_back(categorical_column(c));
    auto f =
        compare(s, none, prepare_window(s, std::move(cur2), serial_for), kT0 + 25h, serial_for);
    CHECK(f.features[0].breaches == std::vector<std::string>{"ks_pvalue"});
    CHECK(nlohmann::json::parse(to_json(f))["features"][0].count("thresholds") == 0);
  }
  SECTION("frozen with the reference, read back exactly (version 3, with or without them)") {
    const std::string bytes = serialize(frozen);
    CHECK(bytes[8] == 3);
    const auto back = deserialize_frozen_reference(bytes);
    REQUIRE(back.learned.size() == 2);
    CHECK(back.learned[0].column == 0);
    CHECK(back.learned[1].column == 1);
    CHECK(back.learned[0].threshold.value == learned[0].threshold.value);
    CHECK(back.learned[0].threshold.statistic == "psi");
    CHECK(back.learned[0].k == 3);
    CHECK(serialize(back) == bytes);
    auto plain = frozen;
    plain.learned.clear();
    CHECK(serialize(plain)[8] == 3);
    CHECK(deserialize_frozen_reference(serialize(plain)).learned.empty());
    // a learned threshold pointing at no column is refused, on both sides
    auto broken = frozen;
    broken.learned[0].column = 7;
    CHECK_THROWS_AS(serialize(broken), std::invalid_argument);
    std::string damaged = bytes;
    damaged[damaged.size() - 20] ^= 0x40;
    CHECK_THROWS_AS(deserialize_frozen_reference(damaged), std::runtime_error);
  }
}
