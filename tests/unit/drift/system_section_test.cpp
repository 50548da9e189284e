// The system section of an evaluation: latency in milliseconds, error rate, throughput and volume
// change, thresholds (also on windows too small for drift) and JSON.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "columns.hpp"
#include "driftd/drift/monitoring.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace driftd::drift::test;
using namespace std::chrono_literals;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

Evaluation evaluation(std::uint64_t current_rows, std::uint64_t reference_rows,
                      Status status = Status::ok) {
  Evaluation e{};
  e.monitor = std::string("system-monitor");
  e.status = status;
  const Timestamp t = *parse_rfc3339("2026-01-02T01:00:00Z");
  e.evaluated_at = t;
  e.current_window = {t - 1h, t, current_rows, false, current_rows};
  e.reference_window = {t - 26h, t - 24h, reference_rows, false, reference_rows};  // two hours
  return e;
}

}  // namespace

TEST_CASE("system health of a window's rows") {
  Column latency = numerical_column({0.1, 0.2, 0.3, 0.4, kNaN, -1});  // seconds
  Column status = categorical_column({"ok", "error", "timeout", "ok", std::nullopt, "ok"});
  SystemSpec spec;
  spec.latency_to_ms = 1000;
  spec.error_values = {"error", "timeout"};
  auto w = window_system(spec, SystemColumns{&latency, &status});
  REQUIRE(w.latency);
  CHECK(w.latency->count == 4);
  CHECK(w.latency->missing == 1);
  CHECK(w.latency->negative == 1);
  CHECK(w.latency->get("p50") == Approx(250));
  CHECK(w.latency->get("max") == Approx(400));
  CHECK(w.errors == 2u);
  CHECK(w.requests == 5);

  auto e = evaluation(600, 600);
  add_system(e, w, true,
             {Threshold::above("error_rate", 0.01), Threshold::above("latency_p99", 500),
              Threshold::above("psi", 0.2)});
  REQUIRE(e.system);
  CHECK(value_of(e.system->statistics, "latency_mean") == Approx(250));
  CHECK(value_of(e.system->statistics, "latency_p95") == Approx(385));
  CHECK(value_of(e.system->statistics, "error_rate") == Approx(0.4));
  CHECK(value_of(e.system->statistics, "throughput_per_minute") == 10);
  CHECK(value_of(e.system->statistics, "volume_change") == 1);  // 600/h against 300/h
  CHECK(e.system->breaches == std::vector<std::string>{"error_rate"});
  CHECK(e.status == Status::drift);
  CHECK(e.system->latencies == 4);
  CHECK(e.system->errors == 2);
  CHECK(e.system->requests == 5);

  SECTION("JSON round trip") {
    const std::string once = to_json(e);
    const auto j = nlohmann::json::parse(once);
    CHECK(j["system"]["errors"] == 2);
    CHECK(j["system"]["statistics"]["error_rate"] == 0.4);
    CHECK(j["system"]["breaches"] == nlohmann::json::array({"error_rate"}));
    CHECK(to_json(evaluation_from_json(once)) == once);
    CHECK(to_json(evaluation_from_json(reordered(once))) == once);
  }
}

TEST_CASE("a traffic collapse breaches although the window is too small for drift") {
  auto e = evaluation(3, 1200, Status::insufficient_data);
  add_system(e, WindowSystem{}, true, {Threshold::below("volume_change", -0.5)});
  CHECK(value_of(e.system->statistics, "volume_change") == Approx(3.0 / 600 - 1));
  CHECK(e.system->breaches == std::vector<std::string>{"volume_change"});
  CHECK(e.status == Status::insufficient_data);  // never `drift` with too few rows
  CHECK_FALSE(value_of(e.system->statistics, "error_rate"));
  CHECK_FALSE(value_of(e.system->statistics, "latency_p50"));
}

TEST_CASE("without both reference bounds there is no volume change; errors never breach") {
  auto e = evaluation(60, 60);
  add_system(e, WindowSystem{}, false, {});
  CHECK(value_of(e.system->statistics, "throughput_per_minute") == 1);
  CHECK_FALSE(value_of(e.system->statistics, "volume_change"));
  auto failed = evaluation(0, 0, Status::error);
  add_system(failed, WindowSystem{}, true, {Threshold::below("throughput_per_minute", 10)});
  CHECK(failed.system->breaches.empty());
  CHECK(failed.status == Status::error);
}
