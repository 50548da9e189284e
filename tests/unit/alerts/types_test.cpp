// Names of the enums, keys, silence matching, delivery ids.

#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "driftd/alerts/types.hpp"
#include "driftd/alerts/uuid.hpp"

using namespace driftd::alerts;

TEST_CASE("alert and delivery states round-trip through their names") {
  for (auto s :
       {AlertState::inactive, AlertState::pending, AlertState::firing, AlertState::resolved}) {
    CHECK(parse_alert_state(to_string(s)) == s);
  }
  CHECK(to_string(AlertState::firing) == "firing");
  CHECK_FALSE(parse_alert_state("FIRING"));
  for (auto s : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::failed,
                 DeliveryState::dead}) {
    CHECK(parse_delivery_state(to_string(s)) == s);
  }
  CHECK(to_string(DeliveryState::dead) == "dead");
  CHECK_FALSE(parse_delivery_state("gone"));
}

TEST_CASE("AlertKey::to_string and ordering") {
  AlertKey k{"fraud-v2", "amount", "psi"};
  CHECK(k.to_string() == "fraud-v2/amount/psi");
  CHECK(AlertKey{"a", "b", "c"} < AlertKey{"a", "b", "d"});
}

TEST_CASE("Silence::matches and active") {
  Silence s;
  s.monitor = "m";
  CHECK(s.matches({"m", "f", "psi"}));
  CHECK_FALSE(s.matches({"n", "f", "psi"}));
  s.feature = "f";
  CHECK(s.matches({"m", "f", "psi"}));
  CHECK_FALSE(s.matches({"m", "g", "psi"}));
  s.statistic = "psi";
  CHECK_FALSE(s.matches({"m", "f", "missing_rate"}));
  s.starts_at = driftd::Timestamp(std::chrono::seconds(10));
  s.ends_at = driftd::Timestamp(std::chrono::seconds(20));
  CHECK_FALSE(s.active(driftd::Timestamp(std::chrono::seconds(9))));
  CHECK(s.active(driftd::Timestamp(std::chrono::seconds(10))));
  CHECK_FALSE(s.active(driftd::Timestamp(std::chrono::seconds(20))));
}

TEST_CASE("uuid_v4: canonical version-4 form, no repeats") {
  const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = uuid_v4();
    CHECK(std::regex_match(id, form));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("env_secret: unset and empty variables are no secret") {
  ::setenv("DRIFTD_ALERTS_TEST_SECRET", "value", 1);
  CHECK(env_secret("DRIFTD_ALERTS_TEST_SECRET") == "value");
  ::setenv("DRIFTD_ALERTS_TEST_SECRET", "", 1);
  CHECK_FALSE(env_secret("DRIFTD_ALERTS_TEST_SECRET"));
  ::unsetenv("DRIFTD_ALERTS_TEST_SECRET");
  CHECK_FALSE(env_secret("DRIFTD_ALERTS_TEST_SECRET"));
  CHECK_FALSE(env_secret(""));
}
