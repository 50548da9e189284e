// The status pages in a real browser (headless Chromium) against a real daemon with real drift:
// the distributions drawn a bar per bin, breaches marked, hostile names shown as text and never
// run, the silence form working end to end with the API token, the report one click from a
// webhook's link, and screenshots at phone and desktop sizes kept in .driftd/ui-screenshots/.

#include <httplib.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "browser.hpp"
#include "support.hpp"

using namespace driftd;
using json = nlohmann::json;
using driftd::testing::Browser;
using driftd::testing::DaemonProcess;
using driftd::testing::TestSchema;

namespace {

const std::string kToken = "ui-t0ken-for-the-test";
// A feature name and categories that would run or break markup if anything were not escaped.
const std::string kHostileFeature = "<script>window.__xss=1</script>\"'&amp;";
const std::string kHostileCategory = "<img src=x onerror=\"window.__xss=2\">";
const std::string kAmpCategory = "Tom & \"Jerry's\"";

std::string screenshots() { return std::string(DRIFTD_SOURCE_DIR) + "/.driftd/ui-screenshots/"; }

// Records the webhooks driftd sends.
class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(req.body);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::optional<json> first(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        if (!bodies_.empty()) return json::parse(bodies_.front());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

// A week-old reference hour and a recent hour: `amount` moved up, the hostile-named feature did
// not, the categories changed (hostile ones among them).
void load(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, amount float8, steady float8, country text)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - interval '7 days' - i * interval '1 s', (i % 100)::float8,"
               " (i % 50)::float8,"
               " CASE i % 4 WHEN 0 THEN 'FR' WHEN 1 THEN 'DE' WHEN 2 THEN 'US'"
               " ELSE '<img src=x onerror=\"window.__xss=2\">' END"
               " FROM generate_series(1, 1000) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - i * interval '1 s', (i % 100)::float8 + 60, (i % 50)::float8,"
               " CASE i % 3 WHEN 0 THEN 'FR' WHEN 1 THEN 'Tom & \"Jerry''s\"'"
               " ELSE '<img src=x onerror=\"window.__xss=2\">' END"
               " FROM generate_series(1, 1000) i");
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string config(TestSchema& s, const std::string& state, int receiver) {
  return "[server]\nlisten = \"127.0.0.1:0\"\napi_token_env = \"DRIFTD_UI_TEST_TOKEN\"\n\n"
         "[database]\nurl = \"" +
         testing::database_url() + "\"\nstate_schema = \"" + state +
         "\"\n\n[alerting]\ninitial_backoff = \"200ms\"\nallowed_hosts = [\"127.0.0.1\"]\n\n"
         "[[sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:" +
         std::to_string(receiver) + "/hook\"\n\n[[monitors]]\nname = \"ui\"\ntable = \"" +
         s.table("p") +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"1s\"\nwindow = \"1h\"\n"
         "reference = { offset = \"7d\" }\n"
         "  [[monitors.features]]\n  name = \"amount\"\n  column = \"amount\"\n"
         "  kind = \"numerical\"\n"
         "  [[monitors.features]]\n  name = " +
         toml_string(kHostileFeature) +
         "\n  column = \"steady\"\n  kind = \"numerical\"\n"
         "  [[monitors.features]]\n  name = \"country\"\n  column = \"country\"\n"
         "  kind = \"categorical\"\n";
}

// No exception, console error or Content-Security-Policy violation on the page.
void check_no_problems(Browser::Page& page) {
  const auto problems = page.problems();
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  INFO(all);
  CHECK(problems.empty());
}

// A JavaScript string literal.
std::string js(const std::string& s) { return json(s).dump(); }

}  // namespace

TEST_CASE("the status pages in a headless browser: report, escaping, silences, screenshots",
          "[ui][browser]") {
  TestSchema s("ui");
  load(s);
  const std::string state = s.name() + "_state";
  Receiver receiver;
  const std::string path =
      testing::write_temp_file("driftd.toml", config(s, state, receiver.port()));
  DaemonProcess d({"--config", path}, {"DRIFTD_UI_TEST_TOKEN=" + kToken});
  REQUIRE(d.wait_for_log("driftd started"));
  const int port = d.port();
  REQUIRE(port > 0);
  // A few evaluations, so the history has points.
  REQUIRE(d.wait_for_log("evaluation finished monitor=ui"));
  for (int i = 0; i < 100 && d.count_in_log("evaluation finished monitor=ui") < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const json drift = json::parse(testing::http_get(port, "/api/v1/monitors/ui/drift").second);
  REQUIRE(drift["status"] == "drift");
  const json& amount = drift["features"][0];
  REQUIRE(amount["name"] == "amount");
  const std::size_t amount_bins = amount["bins"]["reference"].size();
  REQUIRE(amount_bins == 10);
  const json& country = drift["features"][2];
  const std::size_t country_bins = country["bins"]["categories"].size();
  REQUIRE(country_bins == 5);  // FR, DE, US, Tom & "Jerry's" and the hostile one
  Browser browser;
  auto& page = browser.new_page();

  SECTION("overview, then the monitor's report: bars per bin, breaches, history, no XSS") {
    page.viewport(1280, 900, false);
    page.open(base + "/");
    CHECK(page.eval("document.querySelector('tr[data-monitor=\"ui\"]').dataset.status") == "drift");
    CHECK(page.eval("!!document.querySelector('tr[data-monitor=\"ui\"] svg.sparkline')") == true);
    CHECK(page.eval("document.getElementById('autorefresh').checked") == true);
    // Keyboard: the first Tab reaches the skip link.
    page.press("Tab");
    CHECK(page.eval("document.activeElement.textContent") == "Skip to content");
    page.screenshot(screenshots() + "overview-desktop.png");
    page.viewport(390, 844, true);
    page.open(base + "/ui/");
    CHECK(page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1") == true);
    page.screenshot(screenshots() + "overview-phone.png");

    page.viewport(1280, 900, false);
    page.click("tr[data-monitor=\"ui\"] a");
    REQUIRE(page.wait_until("location.pathname === '/ui/monitors/ui'"));
    REQUIRE(page.wait_until("document.readyState === 'complete'"));
    // Reference and current bars for every bin of the JSON, and a breach marked on psi.
    CHECK(page.eval("document.querySelectorAll('#f-amount g.bin').length") == amount_bins);
    CHECK(page.eval("document.querySelectorAll('#f-amount rect.bar.ref').length") == amount_bins);
    CHECK(page.eval("document.querySelectorAll('#f-amount rect.bar.cur').length") == amount_bins);
    CHECK(page.eval("document.querySelector('#f-amount tr[data-statistic=\"psi\"]')"
                    ".dataset.breach") == "true");
    CHECK(page.eval("document.querySelector('#f-amount tr[data-statistic=\"psi\"]')"
                    ".textContent.includes('breach')") == true);
    // The drawn shares are the evaluation's.
    CHECK(page.eval("Number(document.querySelector('#f-amount g.bin[data-bin=\"9\"] rect.cur')"
                    ".dataset.share)") == amount["bins"]["current"][9]);
    CHECK(page.eval("document.querySelectorAll('#f-country g.bin').length") == country_bins);
    CHECK(page.eval("!!document.querySelector('#f-amount svg.history')") == true);
    CHECK(page.eval("document.querySelector('#retrain').dataset.retrain") == "true");
    // Hostile names: shown as text, never run, never markup.
    CHECK(page.eval("window.__xss === undefined") == true);
    CHECK(page.eval("document.querySelectorAll('script').length") == 1);
    CHECK(page.eval("document.querySelectorAll('img').length") == 0);
    CHECK(page.eval("[...document.querySelectorAll('article h3')].some(h => h.textContent"
                    ".includes(" +
                    js(kHostileFeature) + "))") == true);
    CHECK(page.eval("document.body.textContent.includes(" + js(kHostileCategory) + ")") == true);
    CHECK(page.eval("document.body.textContent.includes(" + js(kAmpCategory) + ")") == true);
    // The range selector reloads with the chosen range (and statistic).
    page.eval(
        "(() => { const s = document.getElementById('range'); s.value = '1h';"
        " s.dispatchEvent(new Event('change')); })()");
    REQUIRE(page.wait_until("location.search.includes('range=1h')"));
    REQUIRE(page.wait_until("document.readyState === 'complete'"));
    CHECK(page.eval("document.getElementById('range').value") == "1h");
    // The evaluations of the last seconds share one bucket of the hour: one point, beyond psi's
    // threshold.
    CHECK(page.eval("Number(document.querySelector('#f-amount svg.history').dataset.points)")
              .get<int>() >= 1);
    CHECK(page.eval("document.querySelectorAll('#f-amount svg.history .breach-point').length")
              .get<int>() >= 1);
    page.screenshot(screenshots() + "monitor-desktop.png");
    page.viewport(390, 844, true);
    page.open(base + "/ui/monitors/ui");
    CHECK(page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1") == true);
    page.screenshot(screenshots() + "monitor-phone.png");
    check_no_problems(page);
  }

  SECTION("a silence from the page: refused without the token, created with it, expired") {
    page.viewport(1280, 900, false);
    REQUIRE(json::parse(testing::http_get(port, "/api/v1/alerts").second)["alerts"].size() > 0);
    page.open(base + "/ui/alerts");
    REQUIRE(page.wait_until(
        "!!document.querySelector('#firing-alerts a[href*=\"feature=amount\"]')", 20));
    page.click("#firing-alerts a[href*=\"feature=amount\"]");
    REQUIRE(page.wait_until("location.search.includes('feature=amount')"));
    REQUIRE(page.wait_until("document.readyState === 'complete'"));
    CHECK(page.eval("document.getElementById('sf-monitor').value") == "ui");
    CHECK(page.eval("document.getElementById('sf-feature').value") == "amount");
    CHECK(page.eval("document.getElementById('sf-statistic').value") == "psi");
    page.type("#sf-comment", "deploy of v2.2 <b>in progress</b>");
    // The token field is required: remove the requirement to see the API refuse.
    page.eval("document.getElementById('api-token').required = false");
    page.click("#silence-form button[type=submit]");
    REQUIRE(
        page.wait_until("document.getElementById('silence-result').textContent"
                        ".includes('Not created')"));
    CHECK(page.eval("document.getElementById('silence-result').textContent") ==
          "Not created: the API token is missing or wrong (this request needs \"Authorization: "
          "Bearer <token>\")");
    CHECK(json::parse(testing::http_get(port, "/api/v1/silences").second)["silences"].empty());

    page.type("#api-token", kToken);
    page.click("#silence-form button[type=submit]");
    REQUIRE(
        page.wait_until("document.getElementById('silence-result').textContent"
                        ".includes('created')"));
    const json silences = json::parse(testing::http_get(port, "/api/v1/silences").second);
    REQUIRE(silences["silences"].size() == 1);
    const json& silence = silences["silences"][0];
    CHECK(silence["monitor"] == "ui");
    CHECK(silence["feature"] == "amount");
    CHECK(silence["statistic"] == "psi");
    CHECK(silence["comment"] == "deploy of v2.2 <b>in progress</b>");
    const std::string id = silence["id"];
    CHECK(page.eval("!!document.querySelector('#silence-rows tr[data-silence=" + js(id) + "]')") ==
          true);
    CHECK(page.eval("document.querySelectorAll('#silence-rows b').length") == 0);
    page.screenshot(screenshots() + "alerts-desktop.png");

    // Rendered by the server after a reload: the silence, and the alert it silences.
    page.viewport(390, 844, true);
    page.open(base + "/ui/alerts");
    CHECK(page.eval("!!document.querySelector('#silence-rows tr[data-silence=" + js(id) + "]')") ==
          true);
    CHECK(page.eval("document.querySelector('#firing-alerts').textContent"
                    ".includes('silenced until')") == true);
    CHECK(page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1") == true);
    page.screenshot(screenshots() + "alerts-phone.png");

    page.type("#api-token", kToken);
    page.click("button[data-expire=" + js(id) + "]");
    REQUIRE(
        page.wait_until("document.getElementById('silence-result').textContent"
                        ".includes('expired')"));
    CHECK(page.eval("!!document.querySelector('#silence-rows tr[data-silence=" + js(id) + "]')") ==
          false);
    CHECK(json::parse(testing::http_get(port, "/api/v1/silences").second)["silences"].empty());
    check_no_problems(page);
  }

  SECTION("the webhook's report link opens the distributions") {
    const auto hook = receiver.first(30);
    REQUIRE(hook);
    const std::string report = (*hook)["links"]["report"];
    CHECK(report == base + "/ui/monitors/ui");
    page.viewport(1280, 900, false);
    page.open(report);
    CHECK(page.eval("document.querySelectorAll('#f-amount g.bin').length") == amount_bins);
  }

  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}
