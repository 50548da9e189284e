// The service's answers when a reload changed the monitors under a request: no database needed
// (nothing here connects).

#include "driftd/daemon/service.hpp"

#include <catch2/catch.hpp>

#include "driftd/config/config.hpp"
#include "fakes/fake_clock.hpp"

using namespace driftd;
using namespace driftd::daemon;

namespace {

const char* no_env(const char*) { return nullptr; }

config::Config config_with(const std::string& monitors) {
  return config::load_string(R"([database]
url = "postgresql://driftd@127.0.0.1:1/nowhere"
connect_timeout = "1s"
)" + monitors,
                             "t.toml", &no_env);
}

std::string monitor(const std::string& name, const std::string& extra = "") {
  return "[[monitors]]\nname = \"" + name +
         "\"\ntable = \"p\"\ntimestamp_column = \"ts\"\nschedule = \"1m\"\nwindow = \"1h\"\n"
         "reference = { offset = \"7d\" }\nfeatures = [{ name = \"x\", column = \"x\", kind = "
         "\"numerical\" }]\n" +
         extra;
}

}  // namespace

TEST_CASE("a monitor removed by a reload answers 404, never a crash (retrain, silences)") {
  testing::FakeClock clock(*parse_rfc3339("2026-01-01T00:00:00Z"));
  const std::string labels =
      "prediction = { column = \"prediction\", kind = \"categorical\" }\n"
      "labels = { column = \"label\", task = \"binary\", positive = \"1\", lookback = \"1d\" }\n";
  Service service(config_with(monitor("a", labels) + monitor("b")), clock);
  CHECK(service.has_monitor("a"));
  const RetrainDecision before = service.retrain("a");
  CHECK(before.status == "pending");
  CHECK_FALSE(before.should_retrain);
  // The API checked has_monitor("a"); a SIGHUP removes it before retrain() runs.
  service.reload(config_with(monitor("b")));
  CHECK_FALSE(service.has_monitor("a"));
  CHECK_THROWS_AS(service.retrain("a"), NotFound);
  CHECK_THROWS_AS(service.create_silence(
                      R"({"monitor":"a","ends_at":"2026-01-02T00:00:00Z","comment":"deploy"})"),
                  NotFound);
  CHECK(service.retrain("b").status == "pending");
  CHECK(service.thresholds("a").empty());
  CHECK_FALSE(service.thresholds("b").empty());
}
