#pragma once
// A TCP proxy on 127.0.0.1 for fault tests: put between driftd and PostgreSQL (or a receiver), it
// forwards bytes both ways until told to stall. A stalled proxy keeps accepting connections and
// keeps every socket open, but moves no byte: the peer's kernel acknowledges what driftd sends, so
// nothing but driftd's own deadlines can notice (a hung pooler, a stopped server process).

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace driftd::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to target_host:target_port.
  TcpProxy(std::string target_host, int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // From now on nothing is forwarded on any connection, existing or new.
  void stall();
  // Forwards again on connections accepted from now on. Those opened before resume() stay
  // stalled for good, as after a middlebox lost their state: only reconnecting recovers.
  void resume();
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  struct Pair {
    int client = -1;
    int server = -1;
    bool stalled = false;  // for good: opened before (or during) a stall
  };
  void run();
  void close_pair(Pair& p);

  std::string target_host_;
  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // self-pipe: stall/resume/stop wake the poll loop
  std::atomic<bool> stalled_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::vector<Pair> pairs_;  // owned by the proxy thread
  std::thread thread_;
};

}  // namespace driftd::testing
