// HttpNotifier: one POST per attempt with cpp-httplib (httplib stays inside this file).

#include "driftd/alerts/notifier.hpp"

#include <httplib.h>
#include <openssl/evp.h>

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "driftd/common/text.hpp"

#ifndef DRIFTD_VERSION
#define DRIFTD_VERSION "dev"
#endif

namespace driftd::alerts {
namespace {

using config::SinkConfig;

constexpr std::size_t kErrorExcerpt = 200;
constexpr std::string_view kAlertmanagerPath = "/api/v2/alerts";

DeliveryResult refused(std::string why) {
  DeliveryResult r;
  r.permanent = true;
  r.error = std::move(why);
  return r;
}

std::string target_of(const Url& u, SinkConfig::Type type) {
  std::string path = u.path;
  if (type == SinkConfig::Type::alertmanager && !path.ends_with(kAlertmanagerPath)) {
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += kAlertmanagerPath;
  }
  return u.query.empty() ? path : path + "?" + u.query;
}

std::string transport_error(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "connection failed";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer in time (read failed or timed out)";
    case httplib::Error::Write:
      return "sending the request failed or timed out";
    case httplib::Error::Canceled:
      return "the answer took longer than the sink's timeout";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "loading the trusted CA certificates failed";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate verification failed";
    default:
      return "HTTP transport error: " + httplib::to_string(e);
  }
}

std::string json_escaped(std::string_view s) {
  std::string quoted =
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

std::string percent_encoded(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string base64_of(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  return out;
}

// `text` with every secret we know of masked, in each form a receiver could echo it in (as is,
// JSON-escaped, percent-encoded): a receiver that echoes the request must not leak a routing key
// or a URL token into logs or the outbox's last_error.
std::string masked(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // masking tiny strings would mangle the text, not protect
    for (const std::string& form : {secret, json_escaped(secret), percent_encoded(secret)}) {
      for (auto pos = text.find(form); pos != std::string::npos; pos = text.find(form, pos + 3)) {
        text.replace(pos, form.size(), "***");
      }
    }
  }
  return text;
}

// A short, single-line excerpt of an answer, secrets masked before it is cut (a secret cut in
// half would no longer be recognised).
std::string excerpt(std::string_view body, const std::vector<std::string>& secrets) {
  std::string s = masked(std::string(body), secrets);
  for (auto& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (s.size() > kErrorExcerpt) {
    s.resize(kErrorExcerpt);
    s += "...";
  }
  return s;
}

// What of a sink's URL may be a credential: the password and the basic-auth header made of it,
// query values, and long path segments (Slack, Discord and Teams keep their token in the path).
std::vector<std::string> url_secrets(const Url& u) {
  constexpr std::size_t kTokenLength = 12;
  std::vector<std::string> out;
  if (!u.userinfo.empty()) {
    const auto colon = u.userinfo.find(':');
    if (colon != std::string::npos) {
      out.push_back(u.userinfo.substr(colon + 1));
      out.push_back(percent_decode(u.userinfo.substr(colon + 1)));
      out.push_back(base64_of(percent_decode(u.userinfo.substr(0, colon)) + ":" +
                              percent_decode(u.userinfo.substr(colon + 1))));
    }
  }
  for (std::size_t start = 0; start < u.path.size();) {
    const auto end = std::min(u.path.find('/', start), u.path.size());
    if (end - start >= kTokenLength) {
      out.push_back(u.path.substr(start, end - start));
      out.push_back(percent_decode(u.path.substr(start, end - start)));
    }
    start = end + 1;
  }
  for (std::size_t start = 0; start < u.query.size();) {
    const auto end = std::min(u.query.find('&', start), u.query.size());
    const std::string_view pair = std::string_view(u.query).substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.size() - eq - 1 >= 4) {
      out.emplace_back(pair.substr(eq + 1));
      out.push_back(percent_decode(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string default_user_agent() { return std::string("driftd/") + DRIFTD_VERSION; }

std::optional<Duration> parse_retry_after(std::string_view value, Timestamp now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;  // > 31 years: not a real answer
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  // IMF-fixdate, the only HTTP-date form senders may generate (RFC 9110 section 5.6.7):
  // "Sun, 06 Nov 1994 08:49:37 GMT".
  if (value.size() != 29 || value[3] != ',' || value.substr(25) != " GMT") return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(value[i]))) return std::nullopt;
      v = v * 10 + (value[i] - '0');
    }
    return v;
  };
  const auto day = digits(5, 2), year = digits(12, 4), hh = digits(17, 2), mm = digits(20, 2),
             ss = digits(23, 2);
  if (!day || !year || !hh || !mm || !ss || value[4] != ' ' || value[7] != ' ' ||
      value[11] != ' ' || value[16] != ' ' || value[19] != ':' || value[22] != ':') {
    return std::nullopt;
  }
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (value.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  if (month == 0 || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  const Timestamp at =
      std::chrono::time_point_cast<Duration>(std::chrono::sys_days(ymd) + std::chrono::hours(*hh) +
                                             std::chrono::minutes(*mm) + std::chrono::seconds(*ss));
  return at > now ? at - now : Duration(0);
}

HttpNotifier::HttpNotifier(NotifierOptions options) : options_(std::move(options)) {
  if (options_.user_agent.empty()) options_.user_agent = default_user_agent();
}

DeliveryResult HttpNotifier::send(const SinkConfig& sink, const Notification& n, Timestamp now) {
  const auto url = parse_url(sink.url);
  if (!url) return refused("sink " + sink.name + ": the URL is not a valid http(s) URL");
  const DestinationPolicy policy{options_.allowed_hosts, options_.allow_loopback};
  // The allow-list and the host itself first: no DNS lookup for what is refused anyway.
  if (auto why = destination_refusal(url->host, {}, policy); !why.empty()) {
    return refused("sink " + sink.name + ": " + why);
  }

  std::vector<std::string> secrets = url_secrets(*url);  // values to mask in what we report
  httplib::Headers headers = {{"Content-Type", "application/json"},
                              {"User-Agent", options_.user_agent},
                              {"Accept", "application/json, */*;q=0.5"}};
  if (sink.type == SinkConfig::Type::webhook) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    headers.emplace("webhook-id", n.id);
    headers.emplace("webhook-timestamp", std::to_string(seconds));
    const std::optional<std::string> secret = sink.secret_env.empty() || !options_.secrets
                                                  ? std::nullopt
                                                  : options_.secrets(sink.secret_env);
    if (secret) {
      secrets.push_back(*secret);
      try {
        headers.emplace("webhook-signature", webhook_signature(*secret, n.id, seconds, n.body));
      } catch (const std::invalid_argument& e) {
        return refused("sink " + sink.name + ": " + e.what() + " (env " + sink.secret_env + ")");
      }
    }
  }
  if (sink.type == SinkConfig::Type::pagerduty) {
    // The key was rendered into the body when the notification was queued; an empty one means
    // secret_env was unset then, and PagerDuty would answer 400 anyway.
    const auto body = nlohmann::json::parse(n.body, nullptr, false);
    const bool has_key = body.is_object() && body.contains("routing_key") &&
                         body["routing_key"].is_string() &&
                         !body["routing_key"].get<std::string>().empty();
    if (!has_key) {
      return refused("sink " + sink.name + ": no PagerDuty routing key (env " +
                     (sink.secret_env.empty() ? std::string("secret_env not configured")
                                              : sink.secret_env + " was unset") +
                     " when the notification was queued)");
    }
    secrets.push_back(body["routing_key"].get<std::string>());
  }

  // Resolve once and check every address: a name pointing at 127.0.0.1 or 169.254.169.254 is
  // refused like the literal. The connection then goes to these addresses only.
  std::string resolve_error;
  const std::vector<std::string> addresses = options_.resolve
                                                 ? options_.resolve(url->host, resolve_error)
                                                 : std::vector<std::string>{url->host};
  if (addresses.empty()) {
    DeliveryResult r;  // DNS may be back at the next attempt
    r.error = resolve_error.empty() ? "cannot resolve host " + url->host : resolve_error;
    return r;
  }
  if (auto why = destination_refusal(url->host, addresses, policy); !why.empty()) {
    return refused("sink " + sink.name + ": " + why);
  }

  const std::string host =
      url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  // Per-read timeouts alone let a receiver that trickles its answer hold the sink forever.
  const auto deadline = std::chrono::steady_clock::now() + sink.timeout;
  const std::size_t keep = options_.max_response_bytes;
  std::string answer;
  auto post_to = [&](const std::string& address) -> std::optional<httplib::Result> {
    httplib::Client client(url->scheme + "://" + host + ":" + std::to_string(url->port));
    if (!client.is_valid()) return std::nullopt;
    client.set_hostname_addr_map({{url->host, address}});
    client.set_follow_location(false);
    client.set_keep_alive(false);
    client.set_connection_timeout(sink.timeout);
    client.set_read_timeout(sink.timeout);
    client.set_write_timeout(sink.timeout);
    if (!url->userinfo.empty()) {
      const auto colon = url->userinfo.find(':');
      client.set_basic_auth(percent_decode(url->userinfo.substr(0, colon)),
                            colon == std::string::npos
                                ? std::string()
                                : percent_decode(url->userinfo.substr(colon + 1)));
    }
    if (url->scheme == "https") {
      client.enable_server_certificate_verification(true);
      if (!options_.ca_cert_path.empty()) client.set_ca_cert_path(options_.ca_cert_path);
    }
    httplib::Request req;
    req.method = "POST";
    req.path = target_of(*url, sink.type);
    req.headers = headers;
    req.body = n.body;
    answer.clear();
    req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
      if (answer.size() < keep) answer.append(data, std::min(len, keep - answer.size()));
      return std::chrono::steady_clock::now() <= deadline;
    };
    return client.send(req);
  };

  DeliveryResult r;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    std::optional<httplib::Result> res = post_to(addresses[i]);
    if (!res) return refused("sink " + sink.name + ": cannot make an HTTP client");
    if (!*res) {
      // Refused or unreachable: the next address, as a client given the name would.
      if (res->error() == httplib::Error::Connection && i + 1 < addresses.size() &&
          std::chrono::steady_clock::now() < deadline) {
        continue;
      }
      r.error = transport_error(res->error());
      return r;
    }
    const httplib::Response& answered = **res;
    r.http_status = answered.status;
    if (answered.has_header("Retry-After")) {
      r.retry_after = parse_retry_after(answered.get_header_value("Retry-After"), now);
    }
    if (r.http_status >= 200 && r.http_status < 300) return r;
    r.error = "HTTP " + std::to_string(r.http_status);
    if (r.http_status >= 300 && r.http_status < 400) {
      r.error += ": redirects are not followed";
      if (answered.has_header("Location")) {
        r.error += " (Location: " + redact_url(answered.get_header_value("Location")) + ")";
      }
    } else if (!answer.empty()) {
      r.error += ": " + excerpt(answer, secrets);
    }
    r.error = masked(std::move(r.error), secrets);  // a Location may repeat the sink's token
    return r;
  }
  r.error = "no address to connect to";
  return r;
}

}  // namespace driftd::alerts
