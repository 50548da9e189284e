#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <tuple>

namespace driftd::testing {

namespace {

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int connect_to(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TcpProxy::TcpProxy(std::string target_host, int target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener_, 64) == 0);
  socklen_t len = sizeof a;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  REQUIRE(::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) == 0);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  char c = 's';
  (void)!::write(wake_[1], &c, 1);
  thread_.join();
  for (auto& p : pairs_) close_pair(p);
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void TcpProxy::stall() {
  stalled_ = true;
  char c = 'x';
  (void)!::write(wake_[1], &c, 1);
  // Bytes read just before are still being written: let the loop come round once.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void TcpProxy::resume() {
  stalled_ = false;
  char c = 'r';
  (void)!::write(wake_[1], &c, 1);
}

void TcpProxy::close_pair(Pair& p) {
  if (p.client >= 0) ::close(p.client);
  if (p.server >= 0) ::close(p.server);
  p.client = p.server = -1;
}

void TcpProxy::run() {
  char buf[65536];
  while (!stopping_) {
    const bool stalled = stalled_.load();
    if (stalled) {
      for (auto& p : pairs_) p.stalled = true;
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listener_, POLLIN, 0});
    for (const auto& p : pairs_) {
      if (p.stalled) {
        fds.push_back({p.client, POLLRDHUP, 0});  // only to notice that the client gave up
        fds.push_back({-1, 0, 0});
      } else {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
    }
    if (::poll(fds.data(), fds.size(), 200) < 0) continue;
    if (fds[0].revents & POLLIN) {
      while (::read(wake_[0], buf, sizeof buf) > 0) {
      }
      continue;  // stall/resume: take the new state before moving any byte
    }
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      Pair& p = pairs_[i];
      const pollfd& c = fds[2 + 2 * i];
      const pollfd& s = fds[3 + 2 * i];
      if (p.stalled) {
        if (c.revents & (POLLRDHUP | POLLHUP | POLLERR)) close_pair(p);
        continue;
      }
      for (auto [from, to, revents] :
           {std::tuple{p.client, p.server, c.revents}, std::tuple{p.server, p.client, s.revents}}) {
        if (p.client < 0 || (revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0 || !write_all(to, buf, static_cast<std::size_t>(n))) close_pair(p);
      }
    }
    std::erase_if(pairs_, [](const Pair& p) { return p.client < 0; });
    if (fds[1].revents & POLLIN) {
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        ++accepted_;
        Pair p;
        p.client = client;
        if (stalled_) {
          p.stalled = true;
        } else {
          p.server = connect_to(target_host_, target_port_);
          if (p.server < 0) {
            ::close(client);
            continue;
          }
        }
        pairs_.push_back(p);
      }
    }
  }
}

}  // namespace driftd::testing
