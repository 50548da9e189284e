#include "browser.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace driftd::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;

namespace {

std::string chromium_path() {
  if (const char* p = std::getenv("DRIFTD_CHROMIUM"); p != nullptr && *p != '\0') return p;
  return "/usr/bin/chromium";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

struct Browser::Impl {
  pid_t pid = -1;
  std::filesystem::path dir;
  net::io_context io;
  websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;
  std::vector<json> answers;  // not yet taken by their caller
  std::vector<json> events;
  bool closed = false;
  int next_id = 1;

  void start() {
    const std::string exe = chromium_path();
    if (access(exe.c_str(), X_OK) != 0)
      FAIL("no Chromium at " << exe << ": scripts/test installs Debian's `chromium` package");
    char tmpl[] = "/tmp/driftd-chromium-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    const std::string profile = (dir / "profile").string();
    const std::string log = (dir / "chromium.log").string();
    std::vector<std::string> args = {exe,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-dev-shm-usage",
                                     "--disable-quic",
                                     "--no-first-run",
                                     "--no-default-browser-check",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--disable-extensions",
                                     "--disable-default-apps",
                                     "--metrics-recording-only",
                                     "--mute-audio",
                                     "--hide-scrollbars",
                                     "--user-data-dir=" + profile,
                                     "--remote-debugging-address=127.0.0.1",
                                     "--remote-debugging-port=0",
                                     "about:blank"};
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      setpgid(0, 0);  // its renderers go with it
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Chromium writes the port it bound (port 0: a free one) and the browser's WebSocket path.
    const std::string active = profile + "/DevToolsActivePort";
    std::string port, path;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::istringstream in(read_file(active));
      if (std::getline(in, port) && std::getline(in, path) && !path.empty()) break;
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        FAIL("Chromium exited at start:\n" << read_file(log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (path.empty()) FAIL("Chromium did not open its DevTools port:\n" << read_file(log));
    tcp::resolver resolver(io);
    net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", port));
    ws.read_message_max(512u << 20);  // full-page screenshots
    ws.handshake("127.0.0.1:" + port, path);
    arm_read();
  }

  // One thread does everything: a read is always pending, and the io_context runs while a
  // caller waits for something (an answer, an event), up to a deadline.
  void arm_read() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        closed = true;
        return;
      }
      json m = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.consume(buffer.size());
      if (!m.is_discarded()) {
        if (m.contains("id")) {
          answers.push_back(std::move(m));
        } else {
          events.push_back(std::move(m));
        }
      }
      arm_read();
    });
  }

  template <typename Done>
  bool pump(const Done& done, std::chrono::steady_clock::time_point deadline) {
    while (!done()) {
      if (closed) return false;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      if (io.stopped()) io.restart();
      io.run_one_for(deadline - now);
    }
    return true;
  }

  json call(const std::string& method, json params, const std::string& session) {
    const int id = next_id++;
    json m = {{"id", id}, {"method", method}, {"params", std::move(params)}};
    if (!session.empty()) m["sessionId"] = session;
    const std::string text = m.dump();
    bool written = false;
    beast::error_code write_error;
    ws.async_write(net::buffer(text), [&](beast::error_code ec, std::size_t) {
      write_error = ec;
      written = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto answered = [&] {
      return std::any_of(answers.begin(), answers.end(),
                         [&](const json& a) { return a["id"] == id; });
    };
    const bool ok = pump([&] { return written && answered(); }, deadline);
    if (write_error) FAIL("cannot send " << method << " to Chromium: " << write_error.message());
    if (!ok)
      FAIL((closed ? "Chromium closed the DevTools connection during "
                   : "no answer from Chromium to ")
           << method);
    const auto it =
        std::find_if(answers.begin(), answers.end(), [&](const json& a) { return a["id"] == id; });
    json answer = std::move(*it);
    answers.erase(it);
    if (answer.contains("error")) FAIL("DevTools " << method << ": " << answer["error"].dump());
    return answer.value("result", json::object());
  }

  // Waits for an event of `session` after position `from` of the event list.
  bool wait_event(const std::string& method, const std::string& session, std::size_t from,
                  double seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::duration<double>(seconds));
    return pump(
        [&] {
          for (std::size_t i = from; i < events.size(); ++i) {
            if (events[i].value("method", "") == method &&
                events[i].value("sessionId", "") == session)
              return true;
          }
          return false;
        },
        deadline);
  }

  std::size_t event_count() const { return events.size(); }

  void stop() {
    if (pid > 0) {
      beast::error_code ec;
      ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
      // Let the pending read end (with an error) before the stream goes away.
      if (io.stopped()) io.restart();
      io.run_for(std::chrono::seconds(2));
      kill(-pid, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
      }
      pid = -1;
    }
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

Browser::Browser() : impl_(std::make_unique<Impl>()) { impl_->start(); }

Browser::~Browser() { impl_->stop(); }

Browser::Page& Browser::new_page() {
  const json target = impl_->call("Target.createTarget", {{"url", "about:blank"}}, "");
  const json attached = impl_->call("Target.attachToTarget",
                                    {{"targetId", target["targetId"]}, {"flatten", true}}, "");
  pages_.push_back(std::unique_ptr<Page>(new Page(*this, attached["sessionId"])));
  Page& p = *pages_.back();
  p.call("Page.enable");
  p.call("Runtime.enable");
  p.call("Log.enable");
  return p;
}

json Browser::Page::call(const std::string& method, json params) {
  return browser_.impl_->call(method, std::move(params), session_);
}

void Browser::Page::open(const std::string& url) {
  const std::size_t from = browser_.impl_->event_count();
  const json r = call("Page.navigate", {{"url", url}});
  if (r.contains("errorText")) FAIL("cannot open " << url << ": " << r["errorText"]);
  if (!browser_.impl_->wait_event("Page.loadEventFired", session_, from, 30))
    FAIL("no load event for " << url);
}

json Browser::Page::eval(const std::string& expression) {
  const json r =
      call("Runtime.evaluate",
           {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (r.contains("exceptionDetails")) {
    FAIL("JavaScript failed: " << expression << "\n" << r["exceptionDetails"].dump());
  }
  return r["result"].value("value", json());
}

bool Browser::Page::wait_until(const std::string& expression, double seconds) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(seconds));
  for (;;) {
    if (eval("Boolean(" + expression + ")") == true) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Browser::Page::viewport(int width, int height, bool mobile) {
  call("Emulation.setDeviceMetricsOverride", {{"width", width},
                                              {"height", height},
                                              {"deviceScaleFactor", mobile ? 3 : 1},
                                              {"mobile", mobile}});
  call("Emulation.setTouchEmulationEnabled", {{"enabled", mobile}});
}

void Browser::Page::screenshot(const std::string& path) {
  const json metrics = call("Page.getLayoutMetrics");
  const json size =
      metrics.contains("cssContentSize") ? metrics["cssContentSize"] : metrics["contentSize"];
  const double width = size.value("width", 800.0);
  const double height = std::min(size.value("height", 600.0), 12000.0);
  const json r =
      call("Page.captureScreenshot",
           {{"format", "png"},
            {"captureBeyondViewport", true},
            {"clip", {{"x", 0}, {"y", 0}, {"width", width}, {"height", height}, {"scale", 1}}}});
  const std::string b64 = r["data"].get<std::string>();
  std::string png(beast::detail::base64::decoded_size(b64.size()), '\0');
  const auto [written, read] = beast::detail::base64::decode(png.data(), b64.data(), b64.size());
  (void)read;
  png.resize(written);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << png;
  REQUIRE(png.size() > 1000);
}

void Browser::Page::click(const std::string& selector) {
  const json at = eval("(() => { const e = document.querySelector(" + json(selector).dump() +
                       "); if (!e) return null; e.scrollIntoView({block: 'center'});"
                       " const r = e.getBoundingClientRect();"
                       " return [r.left + r.width / 2, r.top + r.height / 2]; })()");
  if (!at.is_array()) FAIL("nothing to click at " << selector);
  const double x = at[0].get<double>(), y = at[1].get<double>();
  call("Input.dispatchMouseEvent", {{"type", "mouseMoved"}, {"x", x}, {"y", y}});
  call("Input.dispatchMouseEvent",
       {{"type", "mousePressed"}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
  call("Input.dispatchMouseEvent",
       {{"type", "mouseReleased"}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
}

void Browser::Page::type(const std::string& selector, const std::string& text) {
  if (eval("(() => { const e = document.querySelector(" + json(selector).dump() +
           "); if (!e) return false; e.focus(); return document.activeElement === e; })()") != true)
    FAIL("cannot focus " << selector);
  call("Input.insertText", {{"text", text}});
}

void Browser::Page::press(const std::string& key) {
  const int code = key == "Tab" ? 9 : key == "Enter" ? 13 : 0;
  json down = {{"type", "keyDown"}, {"key", key}, {"code", key}, {"windowsVirtualKeyCode", code}};
  if (key == "Enter") down["text"] = "\r";
  call("Input.dispatchKeyEvent", down);
  call("Input.dispatchKeyEvent",
       {{"type", "keyUp"}, {"key", key}, {"code", key}, {"windowsVirtualKeyCode", code}});
}

std::vector<std::string> Browser::Page::problems() {
  std::vector<std::string> out;
  for (const auto& e : browser_.impl_->events) {
    if (e.value("sessionId", "") != session_) continue;
    const std::string method = e.value("method", "");
    const json& p = e.contains("params") ? e["params"] : json::object();
    if (method == "Runtime.exceptionThrown") {
      out.push_back("exception: " + p.dump());
    } else if (method == "Runtime.consoleAPICalled" && p.value("type", "") == "error") {
      out.push_back("console.error: " + p.dump());
    } else if (method == "Log.entryAdded") {
      const json& entry = p.contains("entry") ? p["entry"] : json::object();
      if (entry.value("level", "") == "error" && entry.value("source", "") != "network")
        out.push_back(entry.value("source", "") + ": " + entry.value("text", ""));
    }
  }
  return out;
}

}  // namespace driftd::testing
