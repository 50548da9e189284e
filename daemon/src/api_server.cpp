#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>

#include "driftd/common/hash.hpp"
#include "driftd/common/log.hpp"
#include "driftd/daemon/api.hpp"
#include "http_server.hpp"
#include "ui_pages.hpp"

namespace driftd::daemon {

using json = nlohmann::json;

std::pair<std::string, int> split_listen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      throw std::invalid_argument("listen \"" + listen + "\" must be [IPv6]:port");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("listen \"" + listen + "\" must be host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("listen \"" + listen + "\" has no valid port");
  int p = std::stoi(port);
  if (p > 65535) throw std::invalid_argument("listen \"" + listen + "\" has no valid port");
  if (host.empty()) host = "0.0.0.0";
  return {host, p};
}

bool constant_time_equals(const std::string& a, const std::string& b) {
  // Hash both so that the comparison takes the same time whatever the lengths.
  unsigned char ha[SHA256_DIGEST_LENGTH];
  unsigned char hb[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), ha);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), hb);
  return CRYPTO_memcmp(ha, hb, SHA256_DIGEST_LENGTH) == 0;
}

std::string to_json(const RetrainDecision& d) {
  json j;
  j["monitor"] = d.monitor;
  j["should_retrain"] = d.should_retrain;
  j["reasons"] = json::array();
  for (const auto& r : d.reasons) {
    json reason = {{"feature", r.feature},
                   {"statistic", r.statistic},
                   {"value", r.value},
                   {"threshold", r.threshold}};
    if (r.evaluated_at) reason["evaluated_at"] = format_rfc3339(*r.evaluated_at);
    j["reasons"].push_back(std::move(reason));
  }
  j["evaluated_at"] = d.evaluated_at ? json(format_rfc3339(*d.evaluated_at)) : json(nullptr);
  j["status"] = d.status;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string challenger_decision_json(const drift::Evaluation& e) {
  if (!e.challenger) {
    if (e.status == drift::Status::error) {
      throw Unavailable("the latest evaluation of monitor \"" + e.monitor +
                        "\" failed: " + e.error.value_or("unknown error"));
    }
    throw NotFound("monitor \"" + e.monitor +
                   "\" has no champion / challenger comparison (configure [monitors.challenger])");
  }
  const drift::ChallengerResult& c = *e.challenger;
  if (c.status == drift::Status::error) {
    throw Unavailable("the champion / challenger comparison of monitor \"" + e.monitor +
                      "\" failed: " + c.error.value_or("unknown error"));
  }
  auto value = [&](const char* name) {
    auto v = drift::value_of(c.statistics, name);
    return v ? json(*v) : json(nullptr);
  };
  json j;
  j["monitor"] = e.monitor;
  j["evaluated_at"] = format_rfc3339(e.evaluated_at);
  j["verdict"] = c.verdict;
  j["significantly_better"] = c.verdict == "better";
  j["significantly_worse"] = c.verdict == "worse";
  j["metric"] = c.metric.empty() ? json(nullptr) : json(c.metric);
  j["test"] = c.test.empty() ? json(nullptr) : json(c.test);
  j["alpha"] = c.alpha;
  j["champion"] = value("champion_performance");
  j["challenger"] = value("challenger_performance");
  j["difference"] = value("performance_difference");
  j["p_value"] = value("performance_pvalue");
  j["champion_labelled_rows"] = c.champion.labelled;
  j["challenger_labelled_rows"] = c.challenger.labelled;
  j["min_rows"] = c.min_rows;
  j["status"] = drift::to_string(c.status);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Messages may quote what the client sent, which need not be UTF-8: replace, never throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string error_body(const std::string& message) { return dump(json{{"error", message}}); }

std::string etag_of(const std::string& body) {
  const std::uint64_t h = fnv1a64(body);
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool etag_matches(const std::string& header, const std::string& etag) {
  if (header.empty()) return false;
  std::string h = header;
  if (h.find('*') != std::string::npos) return true;
  // a list of (possibly weak) tags
  std::size_t pos = 0;
  while (pos < h.size()) {
    auto comma = h.find(',', pos);
    std::string tag = h.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.erase(0, 1);
    while (!tag.empty() && tag.back() == ' ') tag.pop_back();
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == etag) return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

using Captures = std::vector<std::string>;

// Probes are answered apart from everything else, so that neither a slow handler (POST /run
// evaluates for seconds) nor slow clients delay them: /healthz on the transport's I/O thread
// itself (it only says the process runs), /readyz and /metrics on threads of their own.
http::Lane lane_of(const std::string& handler) {
  if (handler == "healthz") return http::Lane::io;
  if (handler == "readyz" || handler == "metrics") return http::Lane::probe;
  return http::Lane::worker;
}

struct Endpoint {
  std::string method;
  std::regex pattern;
  std::string name;  // the handler label in metrics
  std::function<void(const http::Request&, http::Response&, const Captures&)> fn;
  http::Lane lane = http::Lane::worker;
  bool json_body = false;  // reads a JSON body (require_json)
};

// JSON endpoints answer 400 naming the type they expect to a body of another declared type
// (`curl -d` sends application/x-www-form-urlencoded unless told otherwise), whatever its size;
// a body without a Content-Type is taken for JSON.
void require_json(const http::Request& req) {
  if (!req.has_header("Content-Type")) return;
  const std::string declared = req.get_header_value("Content-Type");
  std::string type = declared.substr(0, declared.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(0, 1);
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool json_suffix = type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0;
  if (type == "application/json" || json_suffix) return;
  throw BadRequest("expected a JSON body with \"Content-Type: application/json\", got \"" +
                   declared + "\" (with curl: -H 'Content-Type: application/json')");
}

}  // namespace

struct ApiServer::Impl {
  ApiBackend& backend;
  ApiOptions options;
  std::unique_ptr<http::Server> server;

  Impl(ApiBackend& b, ApiOptions o) : backend(b), options(std::move(o)) {}

  void send_json(http::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
  }

  // Runs a handler: maps errors to statuses (never a 500 for what the client sent) and counts.
  void serve(const std::string& name, const http::Request& req, http::Response& res,
             const std::function<void()>& f) {
    auto start = std::chrono::steady_clock::now();
    try {
      if (changes_state(req) &&
          cross_site(req.get_header_value("Sec-Fetch-Site"), req.get_header_value("Origin"),
                     req.get_header_value("Host"))) {
        send_json(res, 403, error_body("cross-site request refused (Sec-Fetch-Site/Origin)"));
      } else if (needs_auth_for(req) && !authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"driftd\"");
        send_json(res, 401, error_body("this request needs \"Authorization: Bearer <token>\""));
      } else {
        f();
      }
    } catch (const NotFound& e) {
      send_json(res, 404, error_body(e.what()));
    } catch (const BadRequest& e) {
      send_json(res, 400, error_body(e.what()));
    } catch (const Conflict& e) {
      send_json(res, 409, error_body(e.what()));
    } catch (const Unavailable& e) {
      res.set_header("Retry-After", "5");
      send_json(res, 503, error_body(e.what()));
    } catch (const std::exception& e) {
      log::error("api request failed", {{"path", req.path}, {"error", e.what()}});
      send_json(res, 500, error_body(std::string("internal error: ") + e.what()));
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (lane_of(name) == http::Lane::worker) {
      backend.observe_request(name, res.status, seconds);
    } else {
      // A probe's answer must not wait for the metrics lock, which rendering /metrics holds.
      server->defer([this, name, status = res.status, seconds] {
        backend.observe_request(name, status, seconds);
      });
    }
  }

  static bool changes_state(const http::Request& req) {
    return req.method == "POST" || req.method == "DELETE";
  }

  bool needs_auth_for(const http::Request& req) const {
    return !options.bearer_token.empty() && changes_state(req);
  }

  // The status pages (docs/ui.md), rendered by ui_pages.cpp.
  void send_html(http::Response& res, const HtmlPage& page) {
    res.status = page.status;
    std::string type = "text/html; charset=utf-8";
    for (const auto& [k, v] : page.headers) {
      if (k == "Content-Type") {
        type = v;
      } else {
        res.set_header(k, v);
      }
    }
    res.set_content(page.body, type);
  }

  UiOptions ui_options() const { return UiOptions{!options.bearer_token.empty()}; }

  static QueryParams params_of(const http::Request& req) {
    return QueryParams(req.params.begin(), req.params.end());
  }

  bool authorized(const http::Request& req) const {
    std::string h = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (h.size() <= prefix.size() || h.compare(0, prefix.size(), prefix) != 0) {
      constant_time_equals(h, options.bearer_token);  // the same work either way
      return false;
    }
    return constant_time_equals(h.substr(prefix.size()), options.bearer_token);
  }

  std::string monitor_of(const Captures& c) {
    const std::string& name = c.at(1);
    if (!backend.has_monitor(name)) throw NotFound("no monitor named \"" + name + "\"");
    return name;
  }

  drift::HistoryQuery history_query(const http::Request& req) {
    drift::HistoryQuery q;
    for (const auto& [k, v] : req.params) {
      if (k == "from" || k == "to") {
        auto t = parse_rfc3339(v);
        if (!t)
          throw BadRequest("parameter " + k + "=\"" + v +
                           "\" is not an RFC 3339 time (e.g. 2026-11-27T12:00:00Z)");
        (k == "from" ? q.from : q.to) = *t;
      } else if (k == "limit") {
        if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
          throw BadRequest("parameter limit=\"" + v + "\" must be an integer from 1 to 1000");
        int n = std::stoi(v);
        if (n < 1 || n > 1000)
          throw BadRequest("parameter limit=\"" + v + "\" must be an integer from 1 to 1000");
        q.limit = static_cast<std::size_t>(n);
      }
    }
    if (q.from && q.to && *q.from > *q.to) throw BadRequest("from is after to");
    return q;
  }

  std::vector<Endpoint> endpoints;

  void route(const std::string& method, const std::string& pattern, const std::string& name,
             std::function<void(const http::Request&, http::Response&, const Captures&)> fn,
             bool json_body = false) {
    endpoints.push_back(
        {method, std::regex(pattern), name, std::move(fn), lane_of(name), json_body});
  }

  // The lane of the endpoint a request goes to (the worker pool for what matches none). Runs on
  // the transport's I/O thread: only the probes' short paths are worth matching there.
  http::Lane lane(const http::Request& req) const {
    if (req.path.size() > 64) return http::Lane::worker;
    for (const auto& e : endpoints) {
      if (e.lane == http::Lane::worker) continue;
      if (e.method == req.method && std::regex_match(req.path, e.pattern)) return e.lane;
    }
    return http::Lane::worker;
  }

  // 405 when the path exists for another method, else 404.
  void no_route(const http::Request& req, http::Response& res) {
    serve("not_found", req, res, [&] {
      std::string allowed;
      for (const auto& e : endpoints) {
        if (std::regex_match(req.path, e.pattern) && allowed.find(e.method) == std::string::npos)
          allowed += (allowed.empty() ? "" : ", ") + e.method;
      }
      if (!allowed.empty()) {
        res.set_header("Allow", allowed);
        send_json(res, 405,
                  error_body("method " + req.method + " is not allowed on " + req.path +
                             " (allowed: " + allowed + ")"));
      } else {
        send_json(res, 404, error_body("no such endpoint: " + req.path));
      }
    });
  }

  // Finds and runs the endpoint for a request; true when one matched.
  bool dispatch(const http::Request& req, http::Response& res) {
    for (const auto& e : endpoints) {
      if (e.method != req.method) continue;
      std::smatch m;
      if (!std::regex_match(req.path, m, e.pattern)) continue;
      Captures c;
      for (const auto& g : m) c.push_back(g.str());
      serve(e.name, req, res, [&] {
        if (req.body_over_limit) {
          // What the head says is judged first: the wrong content type is the mistake to fix.
          if (e.json_body) require_json(req);
          return send_json(res, 413,
                           error_body("request body too large: the limit is " +
                                      std::to_string(options.max_body_bytes) +
                                      " bytes ([server] max_body_bytes)"));
        }
        e.fn(req, res, c);
      });
      return true;
    }
    return false;
  }

  void define_endpoints() {
    route("GET", "/healthz", "healthz", [this](const auto&, auto& res, const auto&) {
      send_json(res, 200, R"({"status":"ok"})");
    });
    route("GET", "/readyz", "readyz", [this](const auto&, auto& res, const auto&) {
      Readiness r = backend.readiness();
      json body = r.ready ? json{{"status", "ready"}}
                          : json{{"status", "unavailable"}, {"reason", r.reason}};
      if (!r.reload_error.empty()) {
        body["reload"] = {
            {"status", "rejected"}, {"error", r.reload_error}, {"problems", r.reload_problems}};
      }
      send_json(res, r.ready ? 200 : 503, dump(body));
    });
    route("GET", "/metrics", "metrics", [this](const auto&, auto& res, const auto&) {
      res.status = 200;
      res.set_content(backend.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
    });
    route("GET", "/|/ui/?", "ui", [this](const auto& req, auto& res, const auto&) {
      send_html(res, ui_overview(backend, params_of(req), ui_options()));
    });
    route("GET", R"(/ui/monitors/([^/]+))", "ui_monitor",
          [this](const auto& req, auto& res, const auto& c) {
            send_html(res, ui_monitor(backend, c.at(1), params_of(req), ui_options()));
          });
    route("GET", "/ui/alerts", "ui_alerts", [this](const auto& req, auto& res, const auto&) {
      send_html(res, ui_alerts(backend, params_of(req), ui_options()));
    });
    route("GET", "/api/v1/monitors", "monitors", [this](const auto&, auto& res, const auto&) {
      std::string body = R"({"monitors":[)";
      bool first = true;
      for (const auto& m : backend.monitors()) {
        if (!first) body += ',';
        first = false;
        body += R"({"name":)" + dump(json(m.name)) + R"(,"status":)" + dump(json(m.status)) +
                R"(,"last_evaluation":)" +
                (m.last_evaluation ? drift::to_json(*m.last_evaluation) : "null") +
                R"(,"next_run_at":)" +
                (m.next_run_at ? json(format_rfc3339(*m.next_run_at)).dump() : "null") + "}";
      }
      body += "]}";
      send_json(res, 200, body);
    });
    route("GET", R"(/api/v1/monitors/([^/]+)/drift)", "drift",
          [this](const auto&, auto& res, const auto& c) {
            std::string name = monitor_of(c);
            auto e = backend.latest(name);
            if (!e) throw NotFound("monitor \"" + name + "\" has not been evaluated yet");
            send_json(res, 200, drift::to_json(*e));
          });
    route("GET", R"(/api/v1/monitors/([^/]+)/history)", "history",
          [this](const auto& req, auto& res, const auto& c) {
            std::string name = monitor_of(c);
            auto q = history_query(req);
            std::string body = R"({"evaluations":[)";
            bool first = true;
            for (const auto& e : backend.history(name, q)) {
              if (!first) body += ',';
              first = false;
              body += drift::to_json(e);
            }
            body += "]}";
            send_json(res, 200, body);
          });
    route("GET", R"(/api/v1/monitors/([^/]+)/retrain)", "retrain",
          [this](const auto& req, auto& res, const auto& c) {
            std::string name = monitor_of(c);
            std::string body = to_json(backend.retrain(name));
            std::string etag = etag_of(body);
            res.set_header("ETag", etag);
            res.set_header("Cache-Control", "no-cache");
            if (etag_matches(req.get_header_value("If-None-Match"), etag)) {
              res.status = 304;
              return;
            }
            send_json(res, 200, body);
          });
    route("GET", R"(/api/v1/monitors/([^/]+)/challenger)", "challenger",
          [this](const auto&, auto& res, const auto& c) {
            std::string name = monitor_of(c);
            auto e = backend.latest(name);
            if (!e) throw NotFound("monitor \"" + name + "\" has not been evaluated yet");
            send_json(res, 200, challenger_decision_json(*e));
          });
    route("POST", R"(/api/v1/monitors/([^/]+)/run)", "run",
          [this](const auto&, auto& res, const auto& c) {
            std::string name = monitor_of(c);
            send_json(res, 200, drift::to_json(backend.run_now(name)));
          });
    route("GET", "/api/v1/alerts", "alerts", [this](const auto&, auto& res, const auto&) {
      send_json(res, 200, backend.alerts_json());
    });
    route("GET", "/api/v1/silences", "silences", [this](const auto&, auto& res, const auto&) {
      send_json(res, 200, backend.silences_json());
    });
    route(
        "POST", "/api/v1/silences", "silences",
        [this](const auto& req, auto& res, const auto&) {
          require_json(req);
          send_json(res, 201, backend.create_silence(req.body));
        },
        true);
    route("DELETE", R"(/api/v1/silences/([^/]+))", "silences",
          [this](const auto&, auto& res, const auto& c) {
            backend.expire_silence(c.at(1));
            res.status = 204;
          });
  }
};

ApiServer::ApiServer(ApiBackend& backend, ApiOptions options)
    : impl_(std::make_unique<Impl>(backend, std::move(options))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() {
  auto& m = *impl_;
  m.define_endpoints();
  http::ServerOptions o;
  o.host = m.options.host;
  o.port = m.options.port;
  o.max_body_bytes = m.options.max_body_bytes;
  o.read_timeout = m.options.read_timeout;
  o.write_timeout = m.options.write_timeout;
  o.workers = m.options.threads;
  o.max_connections = m.options.max_connections;
  o.max_connections_per_client = m.options.max_connections_per_client;
  http::Server::Handlers h;
  h.lane = [&m](const http::Request& req) { return m.lane(req); };
  h.handle = [&m](const http::Request& req, http::Response& res) {
    if (!m.dispatch(req, res)) m.no_route(req, res);
  };
  // Requests the transport answered itself (malformed, too large, too slow, over a cap).
  h.rejected = [&m](int status) { m.backend.observe_request("rejected", status, 0); };
  m.server = std::make_unique<http::Server>(std::move(o), std::move(h));
  m.server->start();
}

int ApiServer::port() const { return impl_->server ? impl_->server->port() : 0; }

void ApiServer::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace driftd::daemon
