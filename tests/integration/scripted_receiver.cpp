#include "scripted_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

namespace driftd::testing {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The value of header `name` in a raw request, or "".
std::string header(const std::string& request, const std::string& name) {
  const std::string head = lower(request.substr(0, request.find("\r\n\r\n")));
  const auto p = head.find("\r\n" + lower(name) + ":");
  if (p == std::string::npos) return "";
  auto start = p + 2 + name.size() + 1;
  auto end = head.find("\r\n", start);
  std::string v = request.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

// Reads a whole request (headers and a Content-Length body); "" when the peer went away.
std::string read_request(int fd) {
  std::string data;
  char buf[8192];
  while (true) {
    auto end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t length = std::strtoul(header(data, "Content-Length").c_str(), nullptr, 10);
      if (data.size() >= end + 4 + length) return data;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return "";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    data.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

ScriptedReceiver::ScriptedReceiver(Script script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener_, 64) == 0);
  socklen_t len = sizeof a;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] {
    while (true) {
      pollfd p{listener_, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      if (r <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd, n = next_++] { serve(fd, n); });
    }
  });
}

ScriptedReceiver::~ScriptedReceiver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listener_);
}

void ScriptedReceiver::serve(int fd, int n) {
  std::string request = read_request(fd);
  if (request.empty()) {
    ::close(fd);
    return;
  }
  Reply reply = script_(n, request);
  Received r{header(request, "webhook-id"), request, std::chrono::steady_clock::now(), 0};
  {
    std::lock_guard lock(mutex_);
    if (reply.act == Act::answer) r.status = reply.status;
    received_.push_back(r);
  }
  cv_.notify_all();
  switch (reply.act) {
    case Act::hang: {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_; });
      break;
    }
    case Act::reset: {
      linger l{1, 0};  // close() sends RST instead of FIN
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      break;
    }
    case Act::answer: {
      if (reply.delay.count() > 0) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, reply.delay, [this] { return stopping_; });
      }
      std::string answer = "HTTP/1.1 " + std::to_string(reply.status) +
                           " Scripted\r\nContent-Length: " + std::to_string(reply.body.size()) +
                           "\r\nContent-Type: application/json\r\n" + "Connection: close\r\n" +
                           reply.headers + "\r\n" + reply.body;
      (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      char drain[256];
      pollfd p{fd, POLLIN, 0};
      while (::poll(&p, 1, 1000) > 0 && ::recv(fd, drain, sizeof drain, 0) > 0) {
      }
      break;
    }
  }
  ::close(fd);
}

std::vector<ScriptedReceiver::Received> ScriptedReceiver::received() {
  std::lock_guard lock(mutex_);
  return received_;
}

int ScriptedReceiver::delivered() {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(received_.begin(), received_.end(), [](const Received& r) {
    return r.status >= 200 && r.status < 300;
  }));
}

bool ScriptedReceiver::wait_delivered(int n, double timeout_s) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] {
    return std::count_if(received_.begin(), received_.end(),
                         [](const Received& r) { return r.status >= 200 && r.status < 300; }) >= n;
  });
}

bool ScriptedReceiver::wait_received(std::size_t n, double timeout_s) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::duration<double>(timeout_s),
                      [&] { return received_.size() >= n; });
}

}  // namespace driftd::testing
