// The pipeline (prepare, freeze, compare), thresholds and status, frozen references and JSON.

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "columns.hpp"
#include "driftd/drift/evaluation.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace std::chrono_literals;

namespace {

// A ParallelFor on real threads, as the daemon will pass.
void threaded_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) task(i);
    });
  }
  for (auto& t : threads) t.join();
}

const Timestamp kT0 = Timestamp(Duration(1'767'225'600'000'000));  // 2026-01-01T00:00:00Z

EvaluationSpec fraud_spec() {
  EvaluationSpec spec;
  spec.monitor = "fraud-v2";
  spec.columns = {{"amount", FeatureKind::numerical},
                  {"country", FeatureKind::categorical},
                  {"age", FeatureKind::numerical},
                  {std::string(kPredictionName), FeatureKind::categorical},
                  {"__confidence__", FeatureKind::numerical}};
  spec.has_prediction = true;
  spec.confidence_low = 0.6;
  spec.min_rows = 100;
  spec.thresholds = {Threshold::above("psi", 0.2), Threshold::above("missing_rate", 0.05),
                     Threshold::above("low_confidence_rate", 0.2),
                     Threshold::below("ks_pvalue", 0.01)};
  return spec;
}

// Amount shifts in the current window, country and age do not; confidence drops.
WindowData fraud_window(bool current, std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> amount(current ? 1.0 : 0.0, 1.0);
  std::normal_distribution<double> age(40, 10);
  std::uniform_real_distribution<double> u(0, 1);
  const char* countries[] = {"US", "DE", "FR \"quoted\"", "日本"};
  std::vector<double> a, g, conf;
  std::vector<std::optional<std::string>> c, p;
  for (std::size_t i = 0; i < rows; ++i) {
    a.push_back(amount(rng));
    g.push_back(i % 50 == 0 ? invalid_value() : age(rng));
    c.push_back(i % 40 == 0 ? std::nullopt : std::optional<std::string>(countries[rng() % 4]));
    p.push_back(u(rng) < 0.1 ? "fraud" : "ok");
    conf.push_back(current ? u(rng) : 0.5 + u(rng) / 2);
  }
  WindowData w;
  w.from = current ? kT0 + 24h : kT0;
  w.to = w.from + 1h;
  w.rows = rows;
  w.rows_in_window = rows;
  w.columns.push_back(test::numerical_column(a));
  w.columns.push_back(test::categorical_column(c));
  w.columns.push_back(test::numerical_column(g));
  w.columns.push_back(test::categorical_column(p));
  w.columns.push_back(test::numerical_column(conf));
  return w;
}

Evaluation run(const EvaluationSpec& spec, std::size_t ref_rows, std::size_t cur_rows,
               const ParallelFor& pf = serial_for) {
  auto frozen = freeze(spec, prepare_window(spec, fraud_window(false, ref_rows, 1), pf));
  return compare(spec, frozen, prepare_window(spec, fraud_window(true, cur_rows, 2), pf), kT0 + 25h,
                 pf);
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

FrozenReference small_reference() {
  auto spec = fraud_spec();
  return freeze(spec, prepare_window(spec, fraud_window(false, 30, 7), serial_for));
}

}  // namespace

TEST_CASE("an evaluation finds drift where there is drift") {
  const auto spec = fraud_spec();
  const auto e = run(spec, 2000, 1500);
  CHECK(e.monitor == "fraud-v2");
  CHECK(e.status == Status::drift);
  CHECK(e.evaluated_at == kT0 + 25h);
  CHECK(e.current_window.rows == 1500);
  CHECK(e.reference_window.rows == 2000);
  REQUIRE(e.features.size() == 3);
  CHECK(e.features[0].name == "amount");
  CHECK(e.features[0].status == Status::drift);
  CHECK(contains(e.features[0].breaches, "psi"));
  CHECK(contains(e.features[0].breaches, "ks_pvalue"));
  CHECK(e.features[0].statistics.top_contributors.size() == kTopContributors);
  CHECK(e.features[1].name == "country");
  CHECK(e.features[1].kind == FeatureKind::categorical);
  CHECK(e.features[1].status == Status::ok);
  CHECK(e.features[1].statistics.get("missing_rate") == Approx(38.0 / 1500));
  CHECK(e.features[1].breaches.empty());
  CHECK(e.features[2].statistics.get("invalid_rate") == Approx(30.0 / 1500));
  CHECK(e.features[2].statistics.get("missing_rate") == Approx(30.0 / 1500));
  REQUIRE(e.prediction);
  CHECK(e.prediction->name == kPredictionName);
  CHECK(e.prediction->status == Status::ok);
  CHECK(e.prediction->statistics.get("chi2_pvalue"));
  REQUIRE(e.confidence);
  CHECK(e.confidence->statistics.count == 1500);
  CHECK(e.confidence->statistics.get("low_confidence_rate") == Approx(0.6).margin(0.05));
  CHECK(e.confidence->breaches == std::vector<std::string>{"low_confidence_rate"});
  CHECK_FALSE(e.error);
}

TEST_CASE("too few rows means insufficient_data, never drift") {
  auto spec = fraud_spec();
  const auto [ref_rows, cur_rows] = GENERATE(std::pair<std::size_t, std::size_t>{50, 2000},
                                             std::pair<std::size_t, std::size_t>{2000, 99});
  const auto e = run(spec, ref_rows, cur_rows);
  CHECK(e.status == Status::insufficient_data);
  for (const auto& f : e.features) {
    CHECK(f.status == Status::insufficient_data);
    CHECK(f.breaches.empty());
    CHECK(f.statistics.get("psi"));  // still reported
  }
  CHECK(e.prediction->breaches.empty());
  CHECK(e.prediction->status == Status::insufficient_data);
  CHECK(e.confidence->breaches.empty());
}

TEST_CASE("feature status follows its breaches and whether it has a distribution") {
  EvaluationSpec spec;
  spec.monitor = "m";
  spec.columns = {{"empty", FeatureKind::numerical}, {"same", FeatureKind::numerical}};
  spec.min_rows = 3;
  spec.thresholds = {Threshold::above("psi", 0.2)};
  auto window = [](std::vector<double> empty, std::vector<double> same) {
    WindowData w;
    w.rows = empty.size();
    w.columns.push_back(test::numerical_column(empty));
    w.columns.push_back(test::numerical_column(same));
    return w;
  };
  const double nan = missing_value();
  auto frozen = freeze(spec, prepare_window(spec, window({1, 2, 3, 4}, {1, 2, 3, 4}), serial_for));
  const auto cur = [&] {
    return prepare_window(spec, window({nan, nan, nan, nan}, {1, 2, 3, 4}), serial_for);
  };
  auto e = compare(spec, frozen, cur(), kT0, serial_for);
  CHECK(e.status == Status::ok);
  CHECK(e.features[0].status == Status::insufficient_data);
  CHECK_FALSE(e.features[0].statistics.distribution_defined);
  CHECK(e.features[0].statistics.get("missing_rate") == 1.0);
  CHECK(e.features[1].status == Status::ok);
  // A missing-rate threshold can still fire on a feature without a distribution.
  spec.thresholds.push_back(Threshold::above("missing_rate", 0.05));
  e = compare(spec, frozen, cur(), kT0, serial_for);
  CHECK(e.status == Status::drift);
  CHECK(e.features[0].status == Status::drift);
  CHECK(e.features[0].breaches == std::vector<std::string>{"missing_rate"});
  // A threshold on a statistic the feature does not have never fires.
  spec.thresholds = {Threshold::above("chi2_statistic", -1), Threshold::below("ks_pvalue", 2.0)};
  e = compare(spec, frozen, cur(), kT0, serial_for);
  CHECK(e.features[0].breaches.empty());
  CHECK(e.features[1].breaches == std::vector<std::string>{"ks_pvalue"});
}

TEST_CASE("threads change nothing") {
  const auto spec = fraud_spec();
  CHECK(to_json(run(spec, 3000, 2000, threaded_for)) == to_json(run(spec, 3000, 2000)));
}

TEST_CASE("errors inside parallel tasks reach the caller") {
  auto spec = fraud_spec();
  auto w = fraud_window(false, 200, 3);
  std::get<CategoricalColumn>(w.columns[1]).ids.push_back(12345);  // not in the dictionary
  CHECK_THROWS_AS(prepare_window(spec, std::move(w), threaded_for), std::invalid_argument);
  auto short_window = fraud_window(false, 10, 3);
  short_window.columns.pop_back();
  CHECK_THROWS_AS(prepare_window(spec, std::move(short_window), serial_for), std::invalid_argument);
  auto swapped = fraud_window(false, 10, 3);
  std::swap(swapped.columns[0], swapped.columns[1]);
  CHECK_THROWS_AS(prepare_window(spec, std::move(swapped), serial_for), std::invalid_argument);
}

TEST_CASE("a frozen reference survives serialisation") {
  const auto spec = fraud_spec();
  auto fresh = freeze(spec, prepare_window(spec, fraud_window(false, 2000, 1), serial_for));
  const std::string bytes = serialize(fresh);
  const auto restored = deserialize_frozen_reference(bytes);
  CHECK(compatible(restored, spec));
  CHECK(serialize(restored) == bytes);
  const auto current = prepare_window(spec, fraud_window(true, 1500, 2), serial_for);
  CHECK(to_json(compare(spec, restored, current, kT0, serial_for)) ==
        to_json(compare(spec, fresh, current, kT0, serial_for)));
}

TEST_CASE("compatible() checks columns, kinds and bins") {
  auto spec = fraud_spec();
  const auto ref = small_reference();
  CHECK(compatible(ref, spec));
  auto other = spec;
  other.bins = 20;
  CHECK_FALSE(compatible(ref, other));
  other = spec;
  other.columns[0].name = "amount2";
  CHECK_FALSE(compatible(ref, other));
  other = spec;
  other.columns[2].kind = FeatureKind::categorical;
  CHECK_FALSE(compatible(ref, other));
  other = spec;
  other.columns.pop_back();
  other.confidence_low.reset();
  CHECK_FALSE(compatible(ref, other));
  const auto current = prepare_window(spec, fraud_window(true, 100, 2), serial_for);
  CHECK_THROWS_AS(compare(other, ref, current, kT0, serial_for), std::invalid_argument);
}

TEST_CASE(
    "frozen references of versions 1 and 2 (point masses binned with the values below) "
    "are refused, so they are frozen again") {
  auto ref = small_reference();
  auto& num = std::get<FrozenNumerical>(ref.frozen[0]);
  num.sample.values.assign(num.sample.values.size(), 42.0);
  num.sample.mean = 42.0;
  num.sample.stddev = 0.0;
  num.edges = {42.0};
  num.point_masses = {42.0};
  num.counts = {0, num.sample.values.size(), 0};
  const std::string bytes = serialize(ref);
  CHECK(bytes[8] == 3);
  CHECK(std::get<FrozenNumerical>(deserialize_frozen_reference(bytes).frozen[0]).point_masses ==
        std::vector<double>{42.0});
  for (const char version : {1, 2}) {
    std::string old = bytes;
    old[8] = version;
    CHECK_THROWS_WITH(deserialize_frozen_reference(old),
                      "frozen reference of version " + std::to_string(version) +
                          ", from a driftd that binned point masses with the values below them");
  }
}

TEST_CASE("deserialize rejects truncated and corrupted bytes") {
  const std::string bytes = serialize(small_reference());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(deserialize_frozen_reference(std::string_view(bytes).substr(0, n)),
                    std::runtime_error);
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      CAPTURE(i);
      CHECK_THROWS_AS(deserialize_frozen_reference(bad), std::runtime_error);
    }
  }
  CHECK_THROWS_AS(deserialize_frozen_reference(bytes + "x"), std::runtime_error);
  std::mt19937_64 rng(5);
  for (int k = 0; k < 2000; ++k) {
    std::string junk = bytes.substr(0, 12);  // a valid header, then noise
    const std::size_t len = rng() % 200;
    for (std::size_t i = 0; i < len; ++i) junk.push_back(static_cast<char>(rng()));
    CHECK_THROWS_AS(deserialize_frozen_reference(junk), std::runtime_error);
  }
}

TEST_CASE("deserialize rejects well-checksummed but inconsistent references") {
  const auto base = small_reference();
  const std::string what = GENERATE(
      as<std::string>{}, "unsorted", "nan", "negative zero", "edges", "counts", "rows", "bins",
      "stddev", "mean", "time", "categories", "category counts", "point masses", "no point masses");
  CAPTURE(what);
  auto ref = base;
  auto& num = std::get<FrozenNumerical>(ref.frozen[0]);
  auto& cat = std::get<FrozenCategorical>(ref.frozen[1]);
  if (what == "unsorted") {
    std::swap(num.sample.values.front(), num.sample.values.back());
  } else if (what == "nan") {
    num.sample.values.back() = missing_value();
  } else if (what == "negative zero") {
    num.sample.values = {-0.0};
    num.sample.rows = 1;
    num.sample.missing = num.sample.invalid = 0;
    num.edges = {0.0};
    num.counts = {1, 0};
  } else if (what == "edges") {
    num.edges[0] = std::nextafter(num.edges[0], 1e9);
  } else if (what == "point masses") {
    // An edge claimed as a mass, the counts made to match: still not what the values give.
    num.point_masses = {num.edges[0]};
    num.counts = bin_counts(num.sample.values, num.edges, num.point_masses);
  } else if (what == "no point masses") {
    // A constant column binned the way driftd did before masses had a bin of their own.
    num.sample.values.assign(num.sample.values.size(), 42.0);
    num.sample.mean = 42.0;
    num.sample.stddev = 0.0;
    num.edges = {42.0};
    num.point_masses.clear();
    num.counts = bin_counts(num.sample.values, num.edges);
  } else if (what == "counts") {
    ++num.counts[0];
    --num.counts[1];
  } else if (what == "rows") {
    ++num.sample.rows;
  } else if (what == "bins") {
    num.bins = 7;
  } else if (what == "stddev") {
    num.sample.stddev = -1;
  } else if (what == "mean") {
    num.sample.mean = std::nextafter(num.sample.mean, 1e9);
  } else if (what == "time") {
    ref.info.to = Timestamp(Duration(std::numeric_limits<std::int64_t>::max()));
  } else if (what == "categories") {
    std::swap(cat.counts.categories[0], cat.counts.categories[1]);
  } else {
    cat.counts.counts[0] = 0;
  }
  const std::string bytes = serialize(ref);
  CHECK_THROWS_AS(deserialize_frozen_reference(bytes), std::runtime_error);
}

TEST_CASE("evaluation JSON follows the contract's schema") {
  const auto e = run(fraud_spec(), 2000, 1500);
  const auto j = nlohmann::json::parse(to_json(e));
  CHECK(j["monitor"] == "fraud-v2");
  CHECK(j["evaluated_at"] == "2026-01-02T01:00:00Z");
  CHECK(j["status"] == "drift");
  for (const char* w : {"current_window", "reference_window"}) {
    for (const char* k : {"from", "to", "rows", "sampled", "rows_in_window"}) {
      CAPTURE(w, k);
      CHECK(j[w].contains(k));
    }
  }
  CHECK(j["current_window"]["from"] == "2026-01-02T00:00:00Z");
  const auto& f = j["features"][0];
  CHECK(f["name"] == "amount");
  CHECK(f["kind"] == "numerical");
  CHECK(f["status"] == "drift");
  CHECK(f["statistics"]["psi"].is_number_float());
  CHECK(f["breaches"].is_array());
  CHECK(f["rows"]["reference"] == 2000);
  CHECK(f["top_contributors"][0].contains("bin"));
  // The bars of a report: the reference's edges and both windows' shares per bin.
  REQUIRE(f["bins"]["edges"].is_array());
  CHECK(f["bins"]["reference"].size() == f["bins"]["edges"].size() + 1);
  CHECK(f["bins"]["current"].size() == f["bins"]["reference"].size());
  CHECK_FALSE(f["bins"].contains("categories"));
  const auto& pb = j["prediction"]["bins"];
  REQUIRE(pb["categories"].is_array());
  CHECK(pb["reference"].size() == pb["categories"].size());
  CHECK_FALSE(pb.contains("edges"));
  CHECK(j["prediction"]["kind"] == "categorical");
  CHECK(j["prediction"]["statistics"].contains("chi2_statistic"));
  for (const char* k : {"mean", "p10", "p50", "p90", "low_confidence_rate", "breaches"}) {
    CAPTURE(k);
    CHECK(j["confidence"].contains(k));
  }
  CHECK(j["error"].is_null());

  Evaluation bare;
  bare.monitor = "m";
  bare.status = Status::error;
  bare.error = "database unreachable";
  const auto b = nlohmann::json::parse(to_json(bare));
  CHECK(b["prediction"].is_null());
  CHECK(b["confidence"].is_null());
  CHECK(b["error"] == "database unreachable");
  CHECK(b["features"].empty());
}

TEST_CASE("evaluation JSON round-trips exactly") {
  auto e = run(fraud_spec(), 2000, 1500);
  const std::string once = to_json(e);
  CHECK(to_json(evaluation_from_json(once)) == once);

  // Doubles that printing commonly gets wrong, names that need escaping, and an error.
  e.features[0].name = "quote\" back\\slash\nnewline\ttab ünï 日本 \x01";
  e.features[0].statistics.values = {{"psi", 0.1 + 0.2},
                                     {"tiny", 5e-324},
                                     {"huge", 1.7976931348623157e308},
                                     {"negative", -1e-300},
                                     {"zero", 0.0}};
  e.error = "partial: \"x\"";
  e.prediction.reset();
  const std::string twice = to_json(e);
  const auto back = evaluation_from_json(twice);
  CHECK(back.features[0].name == e.features[0].name);
  CHECK(back.features[0].statistics.values == e.features[0].statistics.values);
  CHECK(back.error == e.error);
  CHECK_FALSE(back.prediction);
  CHECK(to_json(back) == twice);

  // Categories beyond the report's: "other" round-trips too.
  auto& bins = e.features[0].statistics.bins;
  e.features[0].kind = FeatureKind::categorical;
  bins.edges.clear();
  bins.categories = {"<script>", "b"};
  bins.reference = {0.5, 0.25};
  bins.current = {0.125, 0.5};
  bins.other_categories = 7;
  bins.other_reference = 0.25;
  bins.other_current = 0.375;
  const std::string thrice = to_json(e);
  const auto again = evaluation_from_json(thrice);
  const auto& got = again.features[0].statistics.bins;
  CHECK(got.categories == bins.categories);
  CHECK(got.reference == bins.reference);
  CHECK(got.current == bins.current);
  CHECK(got.other_categories == 7);
  CHECK(got.other_reference == 0.25);
  CHECK(got.other_current == 0.375);
  CHECK(to_json(again) == thrice);
}

TEST_CASE("evaluation JSON without bins (written before they existed) still reads") {
  auto j = nlohmann::ordered_json::parse(to_json(run(fraud_spec(), 200, 150)));
  for (auto& f : j["features"]) f.erase("bins");
  j["prediction"].erase("bins");
  const auto e = evaluation_from_json(j.dump());
  REQUIRE_FALSE(e.features.empty());
  CHECK(e.features[0].statistics.bins.empty());
  CHECK(to_json(e) == j.dump());
}

TEST_CASE("malformed evaluation JSON is rejected") {
  const std::string good = to_json(run(fraud_spec(), 200, 150));
  auto without = [&](const std::string& key) {
    auto j = nlohmann::ordered_json::parse(good);
    j.erase(key);
    return j.dump();
  };
  auto with = [&](const std::string& key, nlohmann::ordered_json v) {
    auto j = nlohmann::ordered_json::parse(good);
    j[key] = std::move(v);
    return j.dump();
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  const std::string bad = GENERATE_COPY(
      std::string(""), std::string("{"), std::string("[]"), std::string("null"),
      good.substr(0, good.size() / 2), without("monitor"), without("features"),
      without("current_window"), with("status", "great"), with("evaluated_at", "yesterday"),
      with("features", 3), with("features", nlohmann::ordered_json::array({1})), with("error", 5),
      with("prediction", "none"), with("confidence", 0.5),
      replaced("\"psi\":", "\"psi\":1e999,\"x\":"),
      // bins whose arrays disagree with each other
      replaced("\"bins\":{\"edges\":[", "\"bins\":{\"edges\":[1,"),
      replaced("\"bins\":{\"categories\":[", "\"bins\":{\"categories\":[\"extra\","),
      replaced("\"bins\":{\"edges\":[", "\"bins\":{\"edges\":[\"x\","));
  CAPTURE(bad.substr(0, 80));
  CHECK_THROWS_AS(evaluation_from_json(bad), std::runtime_error);
}

TEST_CASE("status names") {
  for (Status s : {Status::ok, Status::drift, Status::insufficient_data, Status::error}) {
    CHECK(parse_status(to_string(s)) == s);
  }
  CHECK_FALSE(parse_status("OK"));
  CHECK(to_string(FeatureKind::categorical) == "categorical");
}
