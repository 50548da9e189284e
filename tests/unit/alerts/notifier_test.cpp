// HttpNotifier against real receivers on 127.0.0.1 (HTTP and HTTPS), and its parts: URLs, the
// host allow-list, signatures (checked with an HMAC computed here, and a published test vector)
// and Retry-After.

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "driftd/alerts/notifier.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using nlohmann::json;

namespace {

std::string b64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  return out;
}

// The receiver's side of Standard Webhooks, written independently of the notifier.
std::string expected_signature(const std::string& key, const std::string& id,
                               const std::string& timestamp, const std::string& body) {
  const std::string msg = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  return "v1," + b64(std::string(reinterpret_cast<char*>(mac), len));
}

std::string unix_seconds(Timestamp t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

SecretLookup secrets_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

HttpNotifier notifier(std::map<std::string, std::string> secrets = {},
                      std::vector<std::string> allowed = {"127.0.0.1"}) {
  NotifierOptions o;
  o.secrets = secrets_of(std::move(secrets));
  o.allowed_hosts = std::move(allowed);
  return HttpNotifier(o);
}

// A self-signed certificate for 127.0.0.1, its key, and the certificate as a PEM file.
struct SelfSigned {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string pem_path;
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(cert, key, EVP_sha256());
    char path[] = "/tmp/driftd-alerts-ca-XXXXXX";
    const int fd = mkstemp(path);
    FILE* f = fdopen(fd, "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    pem_path = path;
  }
  ~SelfSigned() {
    std::remove(pem_path.c_str());
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

}  // namespace

TEST_CASE("webhook: the exact body, Standard Webhooks headers and a verifiable signature") {
  Receiver r;
  auto s = sink("oncall", config::SinkConfig::Type::webhook, r.url("/hook?team=ml"));
  s.secret_env = "HOOK_SECRET";
  const auto n = notification("0b7f2c7e-1d2a-4c59-8f0e-2b9f4f1f7a10", "oncall", kT0,
                              R"({"id":"0b7f2c7e","status":"firing"})");
  auto res = notifier({{"HOOK_SECRET", "s3cret-key"}}).send(s, n, kT0 + 7s);
  CHECK(res.http_status == 200);
  CHECK(res.error.empty());
  CHECK_FALSE(res.permanent);
  const auto got = r.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].path == "/hook?team=ml");
  CHECK(got[0].body == n.body);
  CHECK(got[0].header("Content-Type") == "application/json");
  CHECK(got[0].header("User-Agent") == "driftd/0.1.0");
  CHECK(got[0].header("webhook-id") == n.id);
  CHECK(got[0].header("webhook-timestamp") == unix_seconds(kT0 + 7s));
  CHECK(got[0].header("webhook-signature") ==
        expected_signature("s3cret-key", n.id, unix_seconds(kT0 + 7s), n.body));
}

TEST_CASE("webhook: a whsec_ secret is keyed by its base64-decoded rest") {
  Receiver r;
  auto s = sink("oncall", config::SinkConfig::Type::webhook, r.url());
  s.secret_env = "HOOK_SECRET";
  const std::string raw_key = std::string("\x01\x02\xfe\xff key bytes", 14);
  const auto n = notification("id-1", "oncall", kT0);
  REQUIRE(notifier({{"HOOK_SECRET", "whsec_" + b64(raw_key)}}).send(s, n, kT0).http_status == 200);
  CHECK(r.received().at(0).header("webhook-signature") ==
        expected_signature(raw_key, "id-1", unix_seconds(kT0), n.body));
}

TEST_CASE("webhook_signature matches the Standard Webhooks test vector") {
  CHECK(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                          1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK_THROWS_AS(webhook_signature("whsec_not base64!", "id", 1, "{}"), std::invalid_argument);
}

TEST_CASE("webhook: no signature without a secret (unset, empty or not configured)") {
  Receiver r;
  auto s = sink("oncall", config::SinkConfig::Type::webhook, r.url());
  const auto n = notification("id-1", "oncall", kT0);
  SECTION("no secret_env") { REQUIRE(notifier().send(s, n, kT0).http_status == 200); }
  SECTION("env var unset") {
    s.secret_env = "UNSET";
    REQUIRE(notifier().send(s, n, kT0).http_status == 200);
  }
  SECTION("env var empty") {
    s.secret_env = "EMPTY";
    REQUIRE(notifier({{"EMPTY", ""}}).send(s, n, kT0).http_status == 200);
  }
  const auto got = r.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].header("webhook-id") == "id-1");
  CHECK_FALSE(got[0].has("webhook-signature"));
}

TEST_CASE("webhook: a malformed whsec_ secret is refused, nothing is sent") {
  Receiver r;
  auto s = sink("oncall", config::SinkConfig::Type::webhook, r.url());
  s.secret_env = "HOOK_SECRET";
  auto res =
      notifier({{"HOOK_SECRET", "whsec_%%%"}}).send(s, notification("id", "oncall", kT0), kT0);
  CHECK(res.permanent);
  CHECK(res.error.find("whsec_") != std::string::npos);
  CHECK(res.error.find("%%%") == std::string::npos);
  CHECK(r.received().empty());
}

TEST_CASE("slack: the body to the incoming-webhook URL, no webhook-* headers") {
  Receiver r;
  auto s = sink("chat", config::SinkConfig::Type::slack, r.url("/services/T0/B0/XYZ"));
  const auto n = notification("id", "chat", kT0, R"({"text":"hi","blocks":[]})");
  REQUIRE(notifier().send(s, n, kT0).http_status == 200);
  const auto got = r.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0].path == "/services/T0/B0/XYZ");
  CHECK(got[0].body == n.body);
  CHECK(got[0].header("Content-Type") == "application/json");
  CHECK_FALSE(got[0].has("webhook-id"));
  CHECK_FALSE(got[0].has("webhook-signature"));
}

TEST_CASE("pagerduty: sent with its routing key; refused without one") {
  Receiver r;
  r.respond([](const httplib::Request&, httplib::Response& res) {
    res.status = 202;
    res.set_content(R"({"status":"success","dedup_key":"driftd/fraud-v2"})", "application/json");
  });
  auto s = sink("pd", config::SinkConfig::Type::pagerduty, r.url("/v2/enqueue"));
  s.secret_env = "PD_KEY";
  auto with_key =
      notification("id", "pd", kT0, R"({"routing_key":"R0UT","event_action":"trigger"})");
  auto res = notifier().send(s, with_key, kT0);
  CHECK(res.http_status == 202);
  REQUIRE(r.received().size() == 1);
  CHECK(r.received()[0].path == "/v2/enqueue");
  CHECK(json::parse(r.received()[0].body)["routing_key"] == "R0UT");

  auto without = notification("id2", "pd", kT0, R"({"routing_key":"","event_action":"trigger"})");
  res = notifier().send(s, without, kT0);
  CHECK(res.permanent);
  CHECK(res.error ==
        "sink pd: no PagerDuty routing key (env PD_KEY was unset when the "
        "notification was queued)");
  CHECK(r.received().size() == 1);
}

TEST_CASE("alertmanager: posts to <url>/api/v2/alerts") {
  Receiver r;
  struct Case {
    std::string path;
    std::string expected;
  };
  auto c = GENERATE(values<Case>({{"", "/api/v2/alerts"},
                                  {"/", "/api/v2/alerts"},
                                  {"/am/", "/am/api/v2/alerts"},
                                  {"/api/v2/alerts", "/api/v2/alerts"}}));
  auto s = sink("am", config::SinkConfig::Type::alertmanager,
                "http://127.0.0.1:" + std::to_string(r.port()) + c.path);
  REQUIRE(notifier().send(s, notification("id", "am", kT0, "[]"), kT0).http_status == 200);
  CHECK(r.received().at(0).path == c.expected);
}

TEST_CASE("a URL's user:password becomes basic authentication") {
  Receiver r;
  auto s = sink("am", config::SinkConfig::Type::alertmanager,
                "http://driftd:p%40ss@127.0.0.1:" + std::to_string(r.port()));
  REQUIRE(notifier().send(s, notification("id", "am", kT0, "[]"), kT0).http_status == 200);
  CHECK(r.received().at(0).header("Authorization") == "Basic " + b64("driftd:p@ss"));
}

TEST_CASE("the receiver's status, an excerpt of its answer, and Retry-After come back") {
  Receiver r;
  auto status = GENERATE(200, 201, 204, 400, 401, 404, 408, 429, 500, 502, 503);
  r.respond([status](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    if (status >= 400) res.set_content("went\nwrong", "text/plain");
    if (status == 429 || status == 503) res.set_header("Retry-After", "120");
  });
  auto res = notifier().send(sink("h", config::SinkConfig::Type::webhook, r.url()),
                             notification("id", "h", kT0), kT0);
  CHECK(res.http_status == status);
  CHECK_FALSE(res.permanent);
  if (status < 300) {
    CHECK(res.error.empty());
  } else {
    CHECK(res.error == "HTTP " + std::to_string(status) + ": went wrong");
  }
  if (status == 429 || status == 503) {
    CHECK(res.retry_after == std::chrono::seconds(120));
  } else {
    CHECK_FALSE(res.retry_after);
  }
}

TEST_CASE("redirects are reported, not followed") {
  Receiver r;
  r.respond([](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/hook") res.set_redirect("http://127.0.0.1:1/elsewhere?token=abc", 307);
  });
  auto res = notifier().send(sink("h", config::SinkConfig::Type::webhook, r.url()),
                             notification("id", "h", kT0), kT0);
  CHECK(res.http_status == 307);
  CHECK(res.error ==
        "HTTP 307: redirects are not followed (Location: http://127.0.0.1:1/elsewhere?***)");
  CHECK(r.received().size() == 1);
}

TEST_CASE("secrets a receiver echoes back are masked in the error") {
  Receiver r;
  r.respond([](const httplib::Request& req, httplib::Response& res) {
    res.status = 400;
    res.set_content(
        "invalid event: " + req.body + " auth=" + req.get_header_value("webhook-signature"),
        "text/plain");
  });
  auto pd = sink("pd", config::SinkConfig::Type::pagerduty, r.url());
  auto res =
      notifier().send(pd, notification("id", "pd", kT0, R"({"routing_key":"SECRETKEY123"})"), kT0);
  CHECK(res.http_status == 400);
  CHECK(res.error.find("SECRETKEY123") == std::string::npos);
  CHECK(res.error.find("***") != std::string::npos);

  auto hook = sink("h", config::SinkConfig::Type::webhook,
                   "http://u:pa55word@127.0.0.1:" + std::to_string(r.port()) + "/hook");
  hook.secret_env = "S";
  res = notifier({{"S", "signing-secret"}})
            .send(hook, notification("id", "h", kT0, R"({"echo":"signing-secret pa55word"})"), kT0);
  CHECK(res.error.find("signing-secret") == std::string::npos);
  CHECK(res.error.find("pa55word") == std::string::npos);
}

TEST_CASE("no receiver listening: no HTTP status, retryable") {
  int port;
  {
    Receiver gone;
    port = gone.port();
  }
  auto res = notifier().send(
      sink("h", config::SinkConfig::Type::webhook, "http://127.0.0.1:" + std::to_string(port)),
      notification("id", "h", kT0), kT0);
  CHECK(res.http_status == 0);
  CHECK_FALSE(res.permanent);
  CHECK_FALSE(res.error.empty());
}

TEST_CASE("a receiver that does not answer is abandoned after the sink's timeout") {
  Receiver r;
  r.respond([&r](const httplib::Request&, httplib::Response&) { r.hold(10s); });
  auto s = sink("h", config::SinkConfig::Type::webhook, r.url());
  s.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto res = notifier().send(s, notification("id", "h", kT0), kT0);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(res.http_status == 0);
  CHECK(res.error == "no answer in time (read failed or timed out)");
  CHECK(took < 3s);
  CHECK(took >= 250ms);
}

TEST_CASE("allowed_hosts: a sink on another host is refused before any request") {
  Receiver r;
  auto s = sink("h", config::SinkConfig::Type::webhook, r.url());
  auto res =
      notifier({}, {"hooks.example.com", "*.internal"}).send(s, notification("id", "h", kT0), kT0);
  CHECK(res.permanent);
  CHECK(res.error == "sink h: host 127.0.0.1 is not in alerting.allowed_hosts");
  CHECK(r.received().empty());
  res = notifier({}, {"hooks.example.com", "127.0.0.1"}).send(s, notification("id", "h", kT0), kT0);
  CHECK(res.http_status == 200);
}

TEST_CASE("an unusable sink URL is refused") {
  auto res = notifier().send(sink("h", config::SinkConfig::Type::webhook, "ftp://host/x"),
                             notification("id", "h", kT0), kT0);
  CHECK(res.permanent);
  CHECK(res.error == "sink h: the URL is not a valid http(s) URL");
}

TEST_CASE("https: delivered to a receiver whose certificate is trusted, refused otherwise") {
  SelfSigned cert;
  httplib::SSLServer server(cert.cert, cert.key);
  REQUIRE(server.is_valid());
  Receiver r(&server);
  auto s = sink("h", config::SinkConfig::Type::webhook,
                "https://127.0.0.1:" + std::to_string(r.port()) + "/secure");
  s.secret_env = "S";
  NotifierOptions o = local_receivers();
  o.secrets = secrets_of({{"S", "k"}});
  o.ca_cert_path = cert.pem_path;
  const auto n = notification("id-tls", "h", kT0);
  auto res = HttpNotifier(o).send(s, n, kT0);
  CHECK(res.http_status == 200);
  REQUIRE(r.received().size() == 1);
  CHECK(r.received()[0].path == "/secure");
  CHECK(r.received()[0].header("webhook-signature") ==
        expected_signature("k", "id-tls", unix_seconds(kT0), n.body));

  res = notifier().send(s, n, kT0);  // the system's CAs do not know this certificate
  CHECK(res.http_status == 0);
  CHECK(res.error.find("TLS") != std::string::npos);
  CHECK(r.received().size() == 1);
}

TEST_CASE("parse_url") {
  auto u = parse_url("https://User:p%40ss@Hooks.Example.com:8443/a/b?x=1&y=2#frag");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->userinfo == "User:p%40ss");
  CHECK(u->host == "hooks.example.com");
  CHECK(u->port == 8443);
  CHECK(u->path == "/a/b");
  CHECK(u->query == "x=1&y=2");
  u = parse_url("http://[::1]:9093");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 9093);
  CHECK(u->path == "/");
  CHECK(parse_url("http://h")->port == 80);
  CHECK(parse_url("HTTPS://h")->port == 443);
  auto bad =
      GENERATE("", "h/x", "ftp://h/", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
               "http://h:8x/", "http://[::1/", "http://h/a b", "http://h/\r\nX-Injected: 1");
  CHECK_FALSE(parse_url(bad));
}

TEST_CASE("redact_url hides credentials and query strings") {
  CHECK(redact_url("https://user:secret@hooks.example.com/services/x?token=abc#f") ==
        "https://***@hooks.example.com/services/x?***");
  CHECK(redact_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook");
  CHECK(redact_url("http://[::1]:9093/") == "http://[::1]:9093/");
  CHECK(redact_url("not a url with password=x") == "<invalid URL>");
}

TEST_CASE("host_allowed: exact names and *. suffix wildcards") {
  const std::vector<std::string> allowed = {"hooks.slack.com", "*.example.com", "10.0.0.7"};
  struct Case {
    const char* host;
    bool ok;
  };
  auto c = GENERATE(values<Case>({{"hooks.slack.com", true},
                                  {"HOOKS.slack.com", true},
                                  {"a.example.com", true},
                                  {"b.a.example.com", true},
                                  {"example.com", false},
                                  {"evilexample.com", false},
                                  {"hooks.slack.com.evil.net", false},
                                  {"10.0.0.7", true},
                                  {"10.0.0.70", false}}));
  CHECK(host_allowed(c.host, allowed) == c.ok);
  CHECK(host_allowed(c.host, {}));
}

TEST_CASE("parse_retry_after: delta-seconds and HTTP-date") {
  const Timestamp now = at("2015-10-21T07:27:00Z");
  CHECK(parse_retry_after("120", now) == std::chrono::seconds(120));
  CHECK(parse_retry_after(" 0 ", now) == Duration(0));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == std::chrono::seconds(60));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:20:00 GMT", now) == Duration(0));  // past
  auto bad =
      GENERATE("", "-1", "1.5", "soon", "Wed, 21 Oct 2015 07:28:00 UTC",
               "Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT", "99999999999");
  CHECK_FALSE(parse_retry_after(bad, now));
}
