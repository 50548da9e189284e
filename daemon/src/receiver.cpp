// `driftd receive`: a small webhook receiver for trying sinks out (scripts/demo uses it). Prints
// one JSON line per notification received, with the Standard-Webhooks headers and, when the
// signing secret is given, whether the signature verifies.

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "driftd/common/log.hpp"
#include "driftd/common/time.hpp"
#include "driftd/daemon/api.hpp"
#include "receiver.hpp"

namespace driftd::daemon {

namespace {

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::atomic<httplib::Server*> g_server{nullptr};

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& id, const std::string& timestamp,
                              const std::string& body) {
  std::string payload = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &mac_len);
  return "v1," + base64(mac, mac_len);
}

int run_receiver(const std::string& listen, const std::string& secret_env) {
  auto [host, port] = split_listen(listen);
  std::string secret;
  if (!secret_env.empty()) {
    if (const char* s = std::getenv(secret_env.c_str())) secret = s;
  }
  httplib::Server server;
  std::mutex out_mutex;
  server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json line;
    line["received_at"] = format_rfc3339(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
    line["path"] = req.path;
    line["webhook-id"] = req.get_header_value("webhook-id");
    line["webhook-timestamp"] = req.get_header_value("webhook-timestamp");
    if (!secret.empty()) {
      std::string expected = webhook_signature(secret, req.get_header_value("webhook-id"),
                                               req.get_header_value("webhook-timestamp"), req.body);
      std::string got = req.get_header_value("webhook-signature");
      line["signature_valid"] = got.find(expected) != std::string::npos;
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
