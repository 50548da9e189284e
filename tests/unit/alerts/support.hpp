#pragma once
// Shared by the alerts tests: an in-memory AlertStore, a real HTTP receiver on 127.0.0.1:0,
// and builders for configs and evaluations.

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "driftd/alerts/notifier.hpp"
#include "driftd/alerts/types.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/evaluation.hpp"

namespace driftd::alerts::test {

using namespace std::chrono_literals;

inline Timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) throw std::invalid_argument(rfc3339);
  return *t;
}

inline const Timestamp kT0 = at("2026-11-27T12:00:00Z");

// ---- the store ---------------------------------------------------------------------------

class FakeAlertStore final : public AlertStore {
 public:
  std::vector<Alert> load_alerts(const std::string& monitor) override {
    std::lock_guard lk(mu_);
    std::vector<Alert> out;
    for (const auto& a : alerts_) {
      if (a.key.monitor == monitor) out.push_back(a);
    }
    return out;
  }
  std::vector<Alert> all_alerts() override {
    std::lock_guard lk(mu_);
    return alerts_;
  }
  void commit(std::vector<Alert>& changed, const std::vector<Notification>& queued) override {
    std::lock_guard lk(mu_);
    for (auto& a : changed) {
      auto it = std::find_if(alerts_.begin(), alerts_.end(),
                             [&](const Alert& b) { return b.key == a.key; });
      if (it == alerts_.end()) {
        a.id = ++next_id_;
        alerts_.push_back(a);
      } else {
        a.id = it->id;
        *it = a;
      }
    }
    outbox_.insert(outbox_.end(), queued.begin(), queued.end());
  }
  std::vector<Notification> due(const std::string& sink, Timestamp now,
                                std::size_t limit) override {
    std::lock_guard lk(mu_);
    ++due_calls_;
    if (fail_) throw std::runtime_error("database unreachable");
    std::vector<Notification> out;
    for (const Notification* n : heads(sink)) {
      if (n->next_attempt_at > now) continue;
      out.push_back(*n);
      if (out.size() == limit) break;
    }
    return out;
  }
  std::optional<Timestamp> next_due(const std::string& sink) override {
    std::lock_guard lk(mu_);
    if (fail_) throw std::runtime_error("database unreachable");
    std::optional<Timestamp> best;
    for (const Notification* n : heads(sink)) {
      if (!best || n->next_attempt_at < *best) best = n->next_attempt_at;
    }
    return best;
  }
  void update_delivery(const Notification& n) override {
    std::lock_guard lk(mu_);
    for (auto& m : outbox_) {
      if (m.id == n.id) m = n;
    }
    cv_.notify_all();
  }
  std::int64_t queue_depth(const std::string& sink) override {
    std::lock_guard lk(mu_);
    if (fail_) throw std::runtime_error("database unreachable");
    return std::count_if(outbox_.begin(), outbox_.end(), [&](const Notification& n) {
      return n.sink == sink && n.state == DeliveryState::pending;
    });
  }
  std::vector<Silence> silences(bool include_expired) override {
    std::lock_guard lk(mu_);
    (void)include_expired;
    return silences_;
  }
  void save_silence(const Silence& s) override {
    std::lock_guard lk(mu_);
    silences_.push_back(s);
  }
  bool expire_silence(const std::string& id, Timestamp now) override {
    std::lock_guard lk(mu_);
    for (auto& s : silences_) {
      if (s.id == id) {
        s.ends_at = now;
        return true;
      }
    }
    return false;
  }

  // ---- test helpers
  void queue(Notification n) {
    std::lock_guard lk(mu_);
    outbox_.push_back(std::move(n));
  }
  Notification get(const std::string& id) {
    std::lock_guard lk(mu_);
    for (const auto& n : outbox_) {
      if (n.id == id) return n;
    }
    throw std::out_of_range("no notification " + id);
  }
  // Waits (real time, bounded) until notification `id` leaves the pending state.
  bool wait_settled(const std::string& id, std::chrono::milliseconds limit) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, limit, [&] {
      for (const auto& n : outbox_) {
        if (n.id == id) return n.state != DeliveryState::pending;
      }
      return false;
    });
  }
  void set_failing(bool f) {
    std::lock_guard lk(mu_);
    fail_ = f;
  }
  int due_calls() {
    std::lock_guard lk(mu_);
    return due_calls_;
  }

 private:
  // The oldest pending notification of each monitor of `sink`, oldest first (outbox_ is in
  // queue order). Called with mu_ held.
  std::vector<const Notification*> heads(const std::string& sink) const {
    std::vector<const Notification*> out;
    std::set<std::string> seen;
    for (const auto& n : outbox_) {
      if (n.sink != sink || n.state != DeliveryState::pending) continue;
      if (seen.insert(n.monitor).second) out.push_back(&n);
    }
    return out;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Alert> alerts_;
  std::vector<Notification> outbox_;
  std::vector<Silence> silences_;
  std::int64_t next_id_ = 0;
  bool fail_ = false;
  int due_calls_ = 0;
};

inline Notification notification(std::string id, std::string sink, Timestamp created,
                                 std::string body = R"({"hello":"world"})") {
  Notification n;
  n.id = std::move(id);
  n.sink = std::move(sink);
  n.monitor = "fraud-v2";
  n.status = "firing";
  n.body = std::move(body);
  n.created_at = created;
  n.next_attempt_at = created;
  return n;
}

// ---- a real receiver ---------------------------------------------------------------------

struct Received {
  std::string method;
  std::string path;  // with the query
  httplib::Headers headers;
  std::string body;
  std::string header(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& k) const { return headers.count(k) > 0; }
};

// An HTTP server on 127.0.0.1 and a free port, answering every request with `handler` (200 "ok"
// by default) and recording it.
class Receiver {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit Receiver(httplib::Server* server = nullptr)
      : owned_(server ? nullptr : std::make_unique<httplib::Server>()),
        server_(server ? server : owned_.get()) {
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      Handler h;
      {
        std::lock_guard lk(mu_);
        Received r{req.method, req.target, req.headers, req.body};
        received_.push_back(std::move(r));
        h = handler_;
      }
      cv_.notify_all();
      if (h) {
        h(req, res);
      } else {
        res.set_content("ok", "text/plain");
      }
    };
    server_->Post(".*", record);
    server_->Get(".*", record);
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind a test receiver");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the accept loop runs would be lost and the destructor would hang.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  ~Receiver() {
    release();
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void respond(Handler h) {
    std::lock_guard lk(mu_);
    handler_ = std::move(h);
  }
  std::vector<Received> received() {
    std::lock_guard lk(mu_);
    return received_;
  }
  // For handlers that hang: blocks until release() (or the limit), so teardown is prompt.
  void hold(std::chrono::milliseconds limit) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, limit, [&] { return released_; });
  }
  void release() {
    {
      std::lock_guard lk(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::unique_ptr<httplib::Server> owned_;
  httplib::Server* server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  Handler handler_;
  std::vector<Received> received_;
  bool released_ = false;
};

// ---- configs and evaluations -------------------------------------------------------------

inline config::ThresholdConfig threshold(std::string statistic, double level,
                                         std::optional<double> resolve = std::nullopt,
                                         int for_count = 1, bool below = false,
                                         std::optional<Severity> severity = std::nullopt) {
  config::ThresholdConfig t;
  t.statistic = std::move(statistic);
  t.direction = below ? drift::Threshold::Direction::below : drift::Threshold::Direction::above;
  t.level = level;
  t.resolve_level = resolve.value_or(level);
  t.for_count = for_count;
  t.severity = severity;
  return t;
}

inline config::FeatureConfig feature(std::string name,
                                     drift::FeatureKind kind = drift::FeatureKind::numerical) {
  config::FeatureConfig f;
  f.name = name;
  f.source.column = std::move(name);
  f.kind = kind == drift::FeatureKind::numerical ? config::FeatureKind::numerical
                                                 : config::FeatureKind::categorical;
  return f;
}

// fraud-v2: features amount and income, a prediction, a confidence; psi 0.2, missing_rate 0.05,
// low_confidence_rate 0.2 (the defaults); schedule 5m.
inline config::MonitorConfig monitor_config() {
  config::MonitorConfig m;
  m.name = "fraud-v2";
  m.table = "public.predictions";
  m.timestamp_column = "ts";
  m.schedule = 5min;
  m.window = 1h;
  m.features = {feature("amount"), feature("income")};
  m.prediction = config::FeatureConfig{};
  m.prediction->name = std::string(drift::kPredictionName);
  m.prediction->source.column = "prediction";
  m.confidence = config::ConfidenceConfig{};
  m.confidence->source.column = "confidence";
  m.thresholds = {threshold("psi", 0.2), threshold("missing_rate", 0.05),
                  threshold("low_confidence_rate", 0.2)};
  return m;
}

// Notifier options for the local receivers of these tests: loopback sinks are refused unless
// allowed, and these tests allow 127.0.0.1 by name.
inline NotifierOptions local_receivers() {
  NotifierOptions o;
  o.allowed_hosts = {"127.0.0.1"};
  return o;
}

inline config::SinkConfig sink(std::string name,
                               config::SinkConfig::Type type = config::SinkConfig::Type::webhook,
                               std::string url = "http://127.0.0.1:1/hook") {
  config::SinkConfig s;
  s.name = std::move(name);
  s.type = type;
  s.url = std::move(url);
  return s;
}

using Stats = std::vector<std::pair<std::string, double>>;

// An evaluation of fraud-v2 at `when` with the given statistics per feature ("__prediction__"
// and "__confidence__" go to the prediction and the confidence).
inline drift::Evaluation evaluation(Timestamp when, const std::map<std::string, Stats>& stats,
                                    drift::Status status = drift::Status::ok) {
  drift::Evaluation e;
  e.monitor = "fraud-v2";
  e.evaluated_at = when;
  e.status = status;
  e.current_window = {when - 1h, when, 1234, false, 1234};
  e.reference_window = {at("2026-01-01T00:00:00Z"), at("2026-01-08T00:00:00Z"), 5678, false, 5678};
  for (const auto& [name, values] : stats) {
    if (name == drift::kConfidenceName) {
      e.confidence = drift::ConfidenceResult{};
      e.confidence->statistics.values = values;
      continue;
    }
    drift::FeatureResult f;
    f.name = name;
    f.statistics.values = values;
    f.statistics.top_contributors = {{"(1.5, 2.25]", 0.1, 0.25, 0.137}};
    if (name == drift::kPredictionName) {
      e.prediction = f;
    } else {
      e.features.push_back(f);
    }
  }
  return e;
}

}  // namespace driftd::alerts::test
