// Where sinks may deliver (SSRF protection): the refused address ranges, the policy that opens
// them, names resolving into them (through an injected resolver, and the real one for
// "localhost"), and secrets of a sink's URL masked in what a receiver echoes back.

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "driftd/alerts/notifier.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;

namespace {

// A resolver answering from a table: no DNS in unit tests.
HostResolver resolver_of(std::map<std::string, std::vector<std::string>> table) {
  return [table](const std::string& host, std::string& error) -> std::vector<std::string> {
    auto it = table.find(host);
    if (it == table.end()) {
      error = "cannot resolve host " + host + ": Name or service not known";
      return {};
    }
    return it->second;
  };
}

HttpNotifier notifier_with(std::vector<std::string> allowed, bool allow_loopback,
                           HostResolver resolve = system_resolve) {
  NotifierOptions o;
  o.allowed_hosts = std::move(allowed);
  o.allow_loopback = allow_loopback;
  o.resolve = std::move(resolve);
  o.secrets = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return HttpNotifier(o);
}

std::string with_port(const std::string& host, int port, const std::string& path = "/hook") {
  return "http://" + host + ":" + std::to_string(port) + path;
}

}  // namespace

TEST_CASE("address_range: loopback, link-local and metadata addresses, IPv4 and IPv6") {
  struct Case {
    const char* ip;
    AddressRange range;
  };
  auto c = GENERATE(values<Case>({
      {"127.0.0.1", AddressRange::loopback},
      {"127.255.3.4", AddressRange::loopback},
      {"0.0.0.0", AddressRange::loopback},
      {"::1", AddressRange::loopback},
      {"::", AddressRange::loopback},
      {"::ffff:127.0.0.1", AddressRange::loopback},
      {"169.254.0.1", AddressRange::link_local},
      {"169.254.170.2", AddressRange::link_local},
      {"169.254.169.254", AddressRange::metadata},
      {"::ffff:169.254.169.254", AddressRange::metadata},
      {"100.100.100.200", AddressRange::metadata},
      {"fd00:ec2::254", AddressRange::metadata},
      {"fe80::1", AddressRange::link_local},
      {"fe80::1%eth0", AddressRange::link_local},
      {"febf:ffff::1", AddressRange::link_local},
      {"fec0::1", AddressRange::ordinary},
      {"10.0.0.1", AddressRange::ordinary},
      {"192.168.1.20", AddressRange::ordinary},
      {"8.8.8.8", AddressRange::ordinary},
      {"126.255.255.255", AddressRange::ordinary},
      {"128.0.0.1", AddressRange::ordinary},
      {"169.253.255.255", AddressRange::ordinary},
      {"2001:db8::1", AddressRange::ordinary},
      {"::2", AddressRange::ordinary},
      {"hooks.slack.com", AddressRange::ordinary},
  }));
  CAPTURE(c.ip);
  CHECK(address_range(c.ip) == c.range);
}

TEST_CASE("host_range: names and literals") {
  struct Case {
    const char* host;
    AddressRange range;
  };
  auto c = GENERATE(values<Case>({
      {"localhost", AddressRange::loopback},
      {"LOCALHOST.", AddressRange::loopback},
      {"api.localhost", AddressRange::loopback},
      {"metadata.google.internal", AddressRange::metadata},
      {"Metadata.Google.Internal.", AddressRange::metadata},
      {"127.0.0.1", AddressRange::loopback},
      {"::1", AddressRange::loopback},
      {"169.254.169.254", AddressRange::metadata},
      {"localhost.example.com", AddressRange::ordinary},
      {"hooks.slack.com", AddressRange::ordinary},
  }));
  CAPTURE(c.host);
  CHECK(host_range(c.host) == c.range);
}

TEST_CASE("destination_refusal: what the default refuses and what opens it") {
  struct Case {
    const char* host;
    std::vector<std::string> addresses;
    std::vector<std::string> allowed;
    bool allow_loopback;
    const char* refusal;  // "" when allowed, else a part of the message
  };
  auto c = GENERATE(values<Case>({
      // the default: public names go, loopback / link-local / metadata do not
      {"hooks.slack.com", {"52.1.2.3"}, {}, false, ""},
      {"10.0.0.7", {"10.0.0.7"}, {}, false, ""},
      {"127.0.0.1", {}, {}, false, "host 127.0.0.1 is a loopback address: refused unless"},
      {"localhost", {}, {}, false, "host localhost is a loopback address"},
      {"::1", {}, {}, false, "is a loopback address"},
      {"169.254.169.254", {}, {}, false, "is a cloud metadata service address"},
      {"metadata.google.internal", {}, {}, false, "is a cloud metadata service address"},
      {"fe80::1", {}, {}, false, "is a link-local address"},
      // names resolving into the ranges
      {"evil.example.com",
       {"127.0.0.1"},
       {},
       false,
       "host evil.example.com resolves to 127.0.0.1, a loopback address"},
      {"evil.example.com",
       {"52.1.2.3", "169.254.169.254"},
       {},
       false,
       "resolves to 169.254.169.254, a cloud metadata service address"},
      {"evil.example.com", {"::ffff:127.0.0.2"}, {}, false, "a loopback address"},
      // allow_loopback opens loopback only
      {"127.0.0.1", {"127.0.0.1"}, {}, true, ""},
      {"localhost", {"::1", "127.0.0.1"}, {}, true, ""},
      {"evil.example.com", {"127.0.0.1"}, {}, true, ""},
      {"169.254.169.254", {"169.254.169.254"}, {}, true, "cloud metadata"},
      {"fe80::1", {"fe80::1"}, {}, true, "link-local"},
      // an exact entry vouches for its host; a wildcard or another entry does not
      {"127.0.0.1", {"127.0.0.1"}, {"127.0.0.1"}, false, ""},
      {"LocalHost", {"127.0.0.1"}, {"localhost"}, false, ""},
      {"169.254.169.254", {"169.254.169.254"}, {"169.254.169.254"}, false, ""},
      {"sidecar.internal", {"127.0.0.1"}, {"sidecar.internal"}, false, ""},
      {"sidecar.internal", {"127.0.0.1"}, {"*.internal"}, false, "resolves to 127.0.0.1"},
      {"metadata.google.internal", {"169.254.169.254"}, {"*.internal"}, false, "metadata"},
      {"localhost", {"127.0.0.1"}, {"127.0.0.1"}, false, "not in alerting.allowed_hosts"},
      // the allow-list itself
      {"hooks.slack.com", {"52.1.2.3"}, {"*.example.com"}, false, "not in alerting.allowed_hosts"},
      {"a.example.com", {"52.1.2.3"}, {"*.example.com"}, false, ""},
      {"a.example.com.", {"52.1.2.3"}, {"*.example.com"}, false, ""},
  }));
  CAPTURE(c.host, c.addresses, c.allowed, c.allow_loopback);
  const std::string why = destination_refusal(c.host, c.addresses, {c.allowed, c.allow_loopback});
  if (std::string(c.refusal).empty()) {
    CHECK(why.empty());
  } else {
    CHECK_THAT(why, Catch::Contains(c.refusal));
  }
}

TEST_CASE("sinks on loopback are refused by default, before any request") {
  Receiver r;
  const auto n = notification("id", "h", kT0);
  auto res =
      notifier_with({}, false).send(sink("h", config::SinkConfig::Type::webhook, r.url()), n, kT0);
  CHECK(res.permanent);
  CHECK(res.http_status == 0);
  CHECK(res.error ==
        "sink h: host 127.0.0.1 is a loopback address: refused unless [alerting] allow_loopback = "
        "true or the host is listed in [alerting] allowed_hosts");
  // "localhost" resolves through /etc/hosts: refused too
  res = notifier_with({}, false).send(
      sink("h", config::SinkConfig::Type::webhook, with_port("localhost", r.port())), n, kT0);
  CHECK(res.permanent);
  CHECK_THAT(res.error, Catch::Contains("loopback"));
  CHECK(r.received().empty());

  SECTION("allow_loopback lets them through, localhost included") {
    CHECK(notifier_with({}, true)
              .send(sink("h", config::SinkConfig::Type::webhook, r.url()), n, kT0)
              .http_status == 200);
    // localhost may resolve to ::1 first: the next address is tried when it refuses
    CHECK(notifier_with({}, true)
              .send(sink("h", config::SinkConfig::Type::webhook, with_port("localhost", r.port())),
                    n, kT0)
              .http_status == 200);
    CHECK(r.received().size() == 2);
  }
  SECTION("so does listing the host") {
    CHECK(notifier_with({"127.0.0.1"}, false)
              .send(sink("h", config::SinkConfig::Type::webhook, r.url()), n, kT0)
              .http_status == 200);
    CHECK(r.received().size() == 1);
  }
}

TEST_CASE("a name resolving to a refused address is refused; the checked address is the one used") {
  Receiver r;
  const auto n = notification("id", "h", kT0);
  auto resolve = resolver_of({{"hooks.example.test", {"127.0.0.1"}},
                              {"meta.example.test", {"203.0.113.9", "169.254.169.254"}},
                              {"dual.example.test", {"::1", "127.0.0.1"}}});
  auto to = [&](const std::string& host) {
    return sink("h", config::SinkConfig::Type::webhook, with_port(host, r.port()));
  };

  auto res = notifier_with({}, false, resolve).send(to("hooks.example.test"), n, kT0);
  CHECK(res.permanent);
  CHECK(res.error ==
        "sink h: host hooks.example.test resolves to 127.0.0.1, a loopback address: refused "
        "unless [alerting] allow_loopback = true or the host is listed in [alerting] "
        "allowed_hosts");
  res = notifier_with({}, true, resolve).send(to("meta.example.test"), n, kT0);
  CHECK(res.permanent);
  CHECK(res.error ==
        "sink h: host meta.example.test resolves to 169.254.169.254, a cloud metadata service "
        "address: refused unless the host is listed in [alerting] allowed_hosts");
  res = notifier_with({"*.example.test"}, false, resolve).send(to("hooks.example.test"), n, kT0);
  CHECK(res.permanent);
  CHECK(r.received().empty());

  // Listed exactly: delivered, to the address that was checked. The name exists in no DNS, so
  // the request can only have reached the receiver through that address.
  res =
      notifier_with({"hooks.example.test"}, false, resolve).send(to("hooks.example.test"), n, kT0);
  CHECK(res.http_status == 200);
  REQUIRE(r.received().size() == 1);
  CHECK(r.received()[0].header("Host") == "hooks.example.test:" + std::to_string(r.port()));
  // several addresses: the next one when the first refuses the connection
  res = notifier_with({}, true, resolve).send(to("dual.example.test"), n, kT0);
  CHECK(res.http_status == 200);
  CHECK(r.received().size() == 2);
}

TEST_CASE("a name that does not resolve is retried, not failed") {
  auto res = notifier_with({}, false, resolver_of({}))
                 .send(sink("h", config::SinkConfig::Type::webhook, "https://gone.example.test/x"),
                       notification("id", "h", kT0), kT0);
  CHECK_FALSE(res.permanent);
  CHECK(res.http_status == 0);
  CHECK(res.error == "cannot resolve host gone.example.test: Name or service not known");
}

TEST_CASE("secrets of the URL and the body are masked in every form an answer echoes them") {
  Receiver r;
  // Echoes what it got, as an error: request line, headers and body.
  r.respond([](const httplib::Request& req, httplib::Response& res) {
    std::string echo = req.method + " " + req.target + "\n";
    for (const auto& [k, v] : req.headers) echo += k + ": " + v + "\n";
    res.status = 500;
    res.set_content(echo + req.body, "text/plain");
  });
  const std::string slack_token = "xoxoT0kenInThePath0123456789";
  auto slack = sink("chat", config::SinkConfig::Type::slack,
                    r.url("/services/T0001/B0001/" + slack_token + "?auth=query-secret-42"));
  auto res = notifier_with({"127.0.0.1"}, false).send(slack, notification("id", "chat", kT0), kT0);
  CHECK(res.http_status == 500);
  CHECK_THAT(res.error, Catch::Contains("HTTP 500: POST /services/T0001/B0001/***"));
  CHECK_THAT(res.error, !Catch::Contains(slack_token.substr(0, 12)));
  CHECK_THAT(res.error, !Catch::Contains("query-secret-42"));

  // A routing key that JSON escapes, echoed escaped, and placed past the excerpt's cut.
  const std::string key = R"(rk"with\quote-and-more-0123456789)";
  const std::string body = R"({"padding":")" + std::string(170, 'p') + R"(","routing_key":)" +
                           nlohmann::json(key).dump() + "}";
  auto pd = sink("pd", config::SinkConfig::Type::pagerduty, r.url("/v2/enqueue"));
  r.respond([](const httplib::Request& req, httplib::Response& res) {
    res.status = 400;
    res.set_content(req.body, "application/json");  // starts with the padding: the key straddles
  });
  res = notifier_with({"127.0.0.1"}, false).send(pd, notification("id", "pd", kT0, body), kT0);
  CHECK(res.http_status == 400);
  CHECK_THAT(res.error, !Catch::Contains("rk\\\"with"));
  CHECK_THAT(res.error, !Catch::Contains("rk\"with"));

  // Basic authentication comes back base64-encoded in an echoed Authorization header.
  r.respond([](const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content("got " + req.get_header_value("Authorization"), "text/plain");
  });
  auto am = sink("am", config::SinkConfig::Type::alertmanager,
                 "http://driftd:s3cr%40t-pw@127.0.0.1:" + std::to_string(r.port()));
  res = notifier_with({"127.0.0.1"}, false).send(am, notification("id", "am", kT0, "[]"), kT0);
  CHECK(res.error == "HTTP 401: got Basic ***");

  // A redirect to the same URL over https repeats the path's token in its Location.
  r.respond([slack_token](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("https://hooks.example.com/services/T0001/B0001/" + slack_token, 301);
  });
  res = notifier_with({"127.0.0.1"}, false).send(slack, notification("id", "chat", kT0), kT0);
  CHECK(res.http_status == 301);
  CHECK(res.error ==
        "HTTP 301: redirects are not followed (Location: "
        "https://hooks.example.com/services/T0001/B0001/***)");
}
