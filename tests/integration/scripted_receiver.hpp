#pragma once
// A webhook receiver on 127.0.0.1 speaking raw HTTP/1.1, so that it can misbehave the way real
// receivers do: hang without answering, reset the connection, answer slowly, redirect, refuse,
// throttle with Retry-After. What it does with the n-th request (0-based) comes from a script.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace driftd::testing {

class ScriptedReceiver {
 public:
  enum class Act {
    answer,  // after `delay`, answer `status` with `headers` and `body`
    hang,    // read the request, never answer (until the receiver is destroyed)
    reset,   // read the request, then reset the connection (RST)
  };
  struct Reply {
    Act act = Act::answer;
    int status = 200;
    std::string headers;  // extra header lines, each ending in "\r\n"
    std::string body = "{}";
    std::chrono::milliseconds delay{0};

    static Reply ok() { return Reply{}; }
    static Reply with(Act act) {
      Reply r;
      r.act = act;
      return r;
    }
    static Reply with_status(int status, std::string headers = "") {
      Reply r;
      r.status = status;
      r.headers = std::move(headers);
      return r;
    }
    static Reply after(std::chrono::milliseconds delay) {
      Reply r;
      r.delay = delay;
      return r;
    }
  };
  // The n-th request's reply, and the request itself (for echoing).
  using Script = std::function<Reply(int n, const std::string& request)>;

  struct Received {
    std::string webhook_id;
    std::string request;  // request line, headers and body
    std::chrono::steady_clock::time_point at;
    int status = 0;  // what was answered; 0 for hang/reset
  };

  explicit ScriptedReceiver(Script script);
  ~ScriptedReceiver();
  ScriptedReceiver(const ScriptedReceiver&) = delete;
  ScriptedReceiver& operator=(const ScriptedReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Received> received();
  // Requests answered with a 2xx.
  int delivered();
  // Waits until `n` requests have been answered 2xx (true) or the timeout passes (false).
  bool wait_delivered(int n, double timeout_s);
  bool wait_received(std::size_t n, double timeout_s);

 private:
  void serve(int fd, int n);

  Script script_;
  int listener_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int next_ = 0;
  std::vector<Received> received_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace driftd::testing
