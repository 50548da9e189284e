// System-health statistics against numpy's percentiles and hand-computed rates.

#include "driftd/drift/system_health.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace driftd::drift;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("latency percentiles follow numpy's linear interpolation") {
  // np.percentile(np.arange(1, 101), [50, 95, 99]) = [50.5, 95.05, 99.01]: virtual index
  // q·(n − 1) = 49.5, 94.05, 98.01 between the values 50/51, 95/96, 99/100.
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // order does not matter
  const auto st = latency_statistics(v);
  CHECK(st.count == 100);
  CHECK(st.get("mean").value() == 50.5);
  CHECK(st.get("p50").value() == 50.5);
  CHECK(st.get("p95").value() == Approx(95.05).epsilon(1e-15));
  CHECK(st.get("p99").value() == Approx(99.01).epsilon(1e-15));
  CHECK(st.get("max").value() == 100);
}

TEST_CASE("latency: missing and negative values are counted and left out") {
  const std::vector<double> v{0.2, kNaN, 0.1, -0.5, kInf, 0.3, -0.0};
  const auto st = latency_statistics(v);
  CHECK(st.count == 4);  // 0.2, 0.1, 0.3 and -0.0 (a zero latency)
  CHECK(st.missing == 2);
  CHECK(st.negative == 1);
  // sorted 0, 0.1, 0.2, 0.3: p50 at index 1.5 = 0.15
  CHECK(st.get("p50").value() == Approx(0.15).epsilon(1e-15));
  CHECK(st.get("max").value() == 0.3);
  const auto none = latency_statistics(std::vector<double>{kNaN, -1});
  CHECK(none.values.empty());
  CHECK(none.count == 0);
  CHECK(latency_statistics({}).values.empty());
}

TEST_CASE("latency of 10^6 requests") {
  // Latencies 1..10^6 ms in a random order: p99 at virtual index 0.99·999999 = 989999.01,
  // i.e. 989999 + 1 + 0.01 = 990000.01.
  std::vector<double> v(1'000'000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i + 1);
  std::shuffle(v.begin(), v.end(), std::mt19937_64(3));
  const auto st = latency_statistics(v);
  CHECK(st.get("p99").value() == Approx(990000.01).epsilon(1e-15));
  CHECK(st.get("p50").value() == 500000.5);
}

TEST_CASE("error rate") {
  CHECK(error_rate(5, 100).value() == 0.05);
  CHECK(error_rate(0, 100).value() == 0.0);
  CHECK(error_rate(100, 100).value() == 1.0);
  CHECK_FALSE(error_rate(0, 0));
  CHECK_FALSE(error_rate(101, 100));
}

TEST_CASE("throughput per minute") {
  CHECK(throughput_per_minute(600, 300).value() == 120);  // 600 rows in 5 minutes
  CHECK(throughput_per_minute(0, 60).value() == 0);
  CHECK(throughput_per_minute(1, 0.5).value() == 120);
  CHECK_FALSE(throughput_per_minute(10, 0));
  CHECK_FALSE(throughput_per_minute(10, -60));
  CHECK_FALSE(throughput_per_minute(10, kNaN));
  CHECK_FALSE(throughput_per_minute(10, kInf));
  CHECK_FALSE(throughput_per_minute(10, 1e-320));  // the rate overflows
}

TEST_CASE("volume change compares rates") {
  // 1200 rows in the last hour (20/min) against 24000 rows a day (16.67/min): +20%.
  CHECK(volume_change(1200, 3600, 24000, 86400).value() == Approx(0.2).epsilon(1e-14));
  CHECK(volume_change(500, 3600, 1000, 3600).value() == -0.5);
  CHECK(volume_change(0, 3600, 1000, 3600).value() == -1.0);
  CHECK(volume_change(1000, 3600, 1000, 3600).value() == 0.0);
  CHECK_FALSE(volume_change(1000, 3600, 0, 3600));  // no reference volume
  CHECK_FALSE(volume_change(1000, 0, 1000, 3600));
  CHECK_FALSE(volume_change(1000, 3600, 1000, kNaN));
}
