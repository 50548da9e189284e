#include "checks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace driftd::config::detail {
namespace {

constexpr std::string_view kListenExample = R"(e.g. "127.0.0.1:9464")";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// "" if `port` is a decimal number in 0..65535.
std::string check_port(std::string_view port) {
  if (port.empty()) return "has an empty port (expected a number from 0 to 65535)";
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
    return "has a bad port (expected a number from 0 to 65535)";
  }
  int value = 0;
  std::from_chars(port.data(), port.data() + port.size(), value);
  if (value > 65535) return "has a port above 65535";
  return "";
}

bool is_ipv4(std::string_view host) {
  std::string h(host);
  in_addr addr{};
  return inet_pton(AF_INET, h.c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view host) {
  std::string h(host);
  in6_addr addr{};
  return inet_pton(AF_INET6, h.c_str(), &addr) == 1;
}

// A DNS name: dot-separated labels of letters, digits and '-', 1..63 bytes each, not starting
// or ending with '-'; 253 bytes at most.
bool is_dns_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // fully qualified form
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "" if `host` is an IPv4 address, a bracketed IPv6 address or a DNS name.
std::string check_host(std::string_view host) {
  if (host.empty()) return "has no host";
  if (host.front() == '[') {
    if (host.back() != ']' || !is_ipv6(host.substr(1, host.size() - 2))) {
      return "has a bad IPv6 address (expected e.g. \"[::1]\")";
    }
    return "";
  }
  bool numeric =
      std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
  if (numeric) return is_ipv4(host) ? "" : "has a bad IPv4 address";
  if (!is_dns_name(host)) return "has a bad host name (letters, digits, '-' and '.')";
  return "";
}

}  // namespace

std::string check_listen(std::string_view listen) {
  if (listen.empty())
    return std::string("is empty (expected host:port, ") + kListenExample.data() + ")";
  std::string_view host;
  std::string_view port;
  if (listen.front() == '[') {
    std::size_t close = listen.find(']');
    if (close == std::string_view::npos)
      return "has an unclosed '[' (expected e.g. \"[::1]:9464\")";
    host = listen.substr(0, close + 1);
    std::string_view rest = listen.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return "has no port (expected e.g. \"[::1]:9464\")";
    port = rest.substr(1);
  } else {
    std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
      return std::string("has no port (expected host:port, ") + kListenExample.data() + ")";
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return "needs brackets around an IPv6 address (e.g. \"[::1]:9464\")";
    }
    if (host.empty()) return "has no host (use \"0.0.0.0:PORT\" to listen on every interface)";
  }
  if (std::string why = check_host(host); !why.empty()) return why;
  return check_port(port);
}

std::string check_http_url(std::string_view url) {
  std::size_t scheme_end = 0;
  if (starts_with_nocase(url, "http://")) {
    scheme_end = 7;
  } else if (starts_with_nocase(url, "https://")) {
    scheme_end = 8;
  } else {
    return "is not an http:// or https:// URL";
  }
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return is_space(c) || static_cast<unsigned char>(c) < 0x20; })) {
    return "contains whitespace or control characters";
  }
  std::string_view rest = url.substr(scheme_end);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an unclosed '[' in its host";
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has a bad host";
      port = after.substr(1);
      has_port = true;
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (std::string why = check_host(host); !why.empty()) return why;
  if (has_port) return check_port(port);
  return "";
}

std::string check_database_url(std::string_view url) {
  if (url.empty()) return "is empty";
  if (starts_with_nocase(url, "postgresql://") || starts_with_nocase(url, "postgres://")) return "";
  if (url.find('=') != std::string_view::npos) return "";
  return "is neither a postgresql:// URI nor a key=value connection string "
         "(e.g. \"host=127.0.0.1 dbname=app user=driftd\")";
}

bool is_plain_identifier(std::string_view s) {
  if (s.empty() || (!is_alpha(s.front()) && s.front() != '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

bool is_monitor_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '.' || c == '-';
  });
}

std::string check_column_name(std::string_view s) {
  if (s.empty()) return "is empty";
  if (s.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (s.size() > kMaxIdentifier) {
    return "is longer than 63 bytes (PostgreSQL truncates identifiers to 63 bytes)";
  }
  return "";
}

std::string check_table_name(std::string_view s) {
  if (s.empty()) return "is empty";
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos) return check_column_name(s);
  if (s.find('.', dot + 1) != std::string_view::npos) {
    return "has more than one '.' (expected \"table\" or \"schema.table\")";
  }
  std::string_view schema = s.substr(0, dot);
  std::string_view table = s.substr(dot + 1);
  if (schema.empty() || table.empty()) {
    return "has an empty schema or table name (expected \"table\" or \"schema.table\")";
  }
  if (std::string why = check_column_name(schema); !why.empty()) return "has a schema that " + why;
  if (std::string why = check_column_name(table); !why.empty())
    return "has a table name that " + why;
  return "";
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  (void)ec;  // 32 bytes always hold the shortest form of a double
  return std::string(buf.data(), end);
}

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 80;
  bool cut = false;
  if (s.size() > kMax) {
    std::size_t n = kMax;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
    cut = true;
  }
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += cut ? "...\"" : "\"";
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace driftd::config::detail
