// libFuzzer target: raw HTTP requests (request line, paths, query strings, headers, JSON bodies)
// sent to the real API server (port 0, fake backend). Whatever arrives, the answer is never a 500
// and the server keeps answering.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "driftd/daemon/api.hpp"

namespace {

using namespace driftd;
using namespace driftd::daemon;

class Backend final : public ApiBackend {
 public:
  std::vector<MonitorSummary> monitors() override {
    return {{"m", "pending", std::nullopt, std::nullopt}};
  }
  bool has_monitor(const std::string& n) override { return n == "m"; }
  std::optional<drift::Evaluation> latest(const std::string&) override { return std::nullopt; }
  std::vector<drift::Evaluation> history(const std::string&, const drift::HistoryQuery&) override {
    return {};
  }
  RetrainDecision retrain(const std::string& n) override {
    return decide_retrain(n, std::nullopt, {});
  }
  drift::Evaluation run_now(const std::string&) override { throw Conflict("busy"); }
  Readiness readiness() override {
    Readiness r;
    r.ready = true;
    return r;
  }
  std::string metrics_text() override { return "x 1\n"; }
  std::string alerts_json() override { return R"({"alerts":[]})"; }
  std::string silences_json() override { return R"({"silences":[]})"; }
  std::string create_silence(const std::string& body) override {
    if (body.empty() || body[0] != '{') throw BadRequest("not a JSON object");
    return "{}";
  }
  void expire_silence(const std::string&) override { throw NotFound("no such silence"); }
  void observe_request(const std::string&, int, double) override {}
};

int server_port() {
  static Backend backend;
  static std::unique_ptr<ApiServer> server = [] {
    ApiOptions o;
    o.port = 0;
    o.max_body_bytes = 4096;
    o.read_timeout = std::chrono::milliseconds(200);
    o.bearer_token = "token";
    auto s = std::make_unique<ApiServer>(backend, o);
    s->start();
    return s;
  }();
  return server->port();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int port = server_port();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::send(fd, data, size, MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (answer.rfind("HTTP/1.1 500", 0) == 0) std::abort();
  return 0;
}
