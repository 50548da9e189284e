// `driftd receive`: a small webhook receiver for trying sinks out (scripts/demo uses it). Prints
// one JSON line per notification received, with the Standard-Webhooks headers and, when the
// signing secret is given, whether the signature verifies.

#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "driftd/alerts/notifier.hpp"
#include "driftd/common/log.hpp"
#include "driftd/common/time.hpp"
#include "driftd/daemon/api.hpp"
#include "receiver.hpp"

namespace driftd::daemon {

namespace {

std::atomic<httplib::Server*> g_server{nullptr};

}  // namespace

bool webhook_signature_valid(const std::string& secret, const std::string& id,
                             const std::string& timestamp, const std::string& body,
                             const std::string& header) {
  std::int64_t ts = 0;
  const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) return false;
  // The sender's own function: the key is the secret's bytes, or the decoded rest of whsec_.
  const std::string expected = alerts::webhook_signature(secret, id, ts, body);
  // Several space-separated signatures may be sent (key rotation); one must match exactly.
  std::size_t pos = 0;
  while (pos <= header.size()) {
    const std::size_t next = std::min(header.find(' ', pos), header.size());
    if (header.compare(pos, next - pos, expected) == 0) return true;
    pos = next + 1;
  }
  return false;
}

int run_receiver(const std::string& listen, const std::string& secret_env) {
  auto [host, port] = split_listen(listen);
  std::string secret;
  if (!secret_env.empty()) {
    if (const char* s = std::getenv(secret_env.c_str())) secret = s;
    if (secret.empty()) {
      log::warn("signing secret unset or empty: signatures are not checked",
                {{"secret_env", secret_env}});
    }
    try {
      (void)alerts::webhook_signature(secret, "", 0, "");  // refuses a malformed whsec_ secret
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "error: --secret-env %s: %s\n", secret_env.c_str(), e.what());
      return 2;
    }
  }
  httplib::Server server;
  std::mutex out_mutex;
  server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json line;
    line["received_at"] =
        format_rfc3339(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
    line["path"] = req.path;
    line["webhook-id"] = req.get_header_value("webhook-id");
    line["webhook-timestamp"] = req.get_header_value("webhook-timestamp");
    if (!secret.empty()) {
      line["signature_valid"] = webhook_signature_valid(
          secret, req.get_header_value("webhook-id"), req.get_header_value("webhook-timestamp"),
          req.body, req.get_header_value("webhook-signature"));
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    line["body"] = body.is_discarded() ? nlohmann::json(req.body) : body;
    {
      std::lock_guard lock(out_mutex);
      std::string text = line.dump() + "\n";
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
    res.status = 200;
    res.set_content("{\"ok\":true}", "application/json");
  });
  g_server = &server;
  auto stop = [](int) {
    if (auto* s = g_server.load()) s->stop();
  };
  ::signal(SIGTERM, stop);
  ::signal(SIGINT, stop);
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    std::fprintf(stderr, "error: cannot listen on %s\n", listen.c_str());
    return 2;
  }
  log::info("receiver listening", {{"listen", host + ":" + std::to_string(bound)}});
  server.listen_after_bind();
  g_server = nullptr;
  return 0;
}

}  // namespace driftd::daemon
