// URL parsing for sinks, what of a URL may be logged, and the host allow-list.

#include <algorithm>
#include <cctype>
#include <charconv>

#include "driftd/alerts/notifier.hpp"

namespace driftd::alerts {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<Url> parse_url(std::string_view url) {
  Url u;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const auto auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  rest = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  // The last '@' ends the userinfo: a password may contain '@' when not percent-encoded.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = lower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    u.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  if (u.host.find_first_of(" \t\r\n/\\") != std::string::npos) return std::nullopt;
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p < 1 || p > 65535) {
      return std::nullopt;
    }
    u.port = p;
  }
  std::string_view path = rest.substr(0, rest.find_first_of("?#"));
  u.path = path.empty() ? "/" : std::string(path);
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    u.query = std::string(query.substr(0, query.find('#')));
  }
  if (u.path.find_first_of(" \t\r\n") != std::string::npos ||
      u.query.find_first_of(" \t\r\n") != std::string::npos) {
    return std::nullopt;  // would let a URL inject headers into the request line
  }
  return u;
}

std::string redact_url(std::string_view url) {
  const auto u = parse_url(url);
  if (!u) return "<invalid URL>";  // could be anything, including a secret pasted by mistake
  std::string out = u->scheme + "://";
  if (!u->userinfo.empty()) out += "***@";
  out += u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
  const bool default_port =
      (u->scheme == "https" && u->port == 443) || (u->scheme == "http" && u->port == 80);
  if (!default_port) out += ":" + std::to_string(u->port);
  out += u->path;
  if (!u->query.empty()) out += "?***";
  return out;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  const std::string h = lower(host);
  for (const auto& entry : allowed) {
    const std::string e = lower(entry);
    if (e.size() > 2 && e.starts_with("*.")) {
      const std::string_view suffix = std::string_view(e).substr(1);  // ".example.com"
      if (h.size() > suffix.size() && h.ends_with(suffix)) return true;
    } else if (h == e) {
      return true;
    }
  }
  return false;
}

}  // namespace driftd::alerts
