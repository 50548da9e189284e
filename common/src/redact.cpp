#include "driftd/common/redact.hpp"

#include "driftd/common/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace driftd {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// Where the password of a URI's userinfo is (offset, length): the userinfo ends at the last '@'
// before the query, since passwords may hold '/' or '@'.
std::optional<std::pair<std::size_t, std::size_t>> uri_password(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const std::size_t start = scheme + 3;
  const std::size_t query = url.find('?', start);
  const std::size_t at = url.rfind('@', query);
  if (at == std::string_view::npos || at < start) return std::nullopt;
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon >= at) return std::nullopt;
  return std::pair{colon + 1, at - colon - 1};
}

// Calls `found(offset, length)` for the value of every `password=` parameter (keyword/value
// strings and URI query parameters), quotes included, from the last to the first (so that
// replacing one keeps the offsets of the others).
template <typename Found>
void password_parameters(std::string_view s, Found found) {
  constexpr std::string_view kKey = "password";
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t pos = 0;
  while (pos + kKey.size() <= s.size()) {
    const bool at_boundary =
        pos == 0 || is_space(s[pos - 1]) || s[pos - 1] == '?' || s[pos - 1] == '&';
    if (!at_boundary || !starts_with_nocase(s.substr(pos), kKey)) {
      ++pos;
      continue;
    }
    std::size_t i = pos + kKey.size();
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      ++pos;
      continue;
    }
    ++i;
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t end = i;
    if (end < s.size() && s[end] == '\'') {
      ++end;
      while (end < s.size() && s[end] != '\'') end += (s[end] == '\\') ? 2 : 1;
      end = std::min(end + 1, s.size());
    } else {
      while (end < s.size() && !is_space(s[end]) && s[end] != '&' && s[end] != '#') ++end;
    }
    spans.emplace_back(i, end - i);
    pos = std::max(end, i + 1);
  }
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) found(it->first, it->second);
}

}  // namespace

std::string mask_password(std::string_view url) {
  std::string out(url);
  // Parameters first (they follow the userinfo), so the userinfo's offsets stay valid.
  password_parameters(url, [&](std::size_t at, std::size_t n) { out.replace(at, n, "***"); });
  if (auto p = uri_password(out)) out.replace(p->first, p->second, "***");
  return out;
}

std::vector<std::string> passwords_in(std::string_view url) {
  std::vector<std::string> out;
  if (auto p = uri_password(url)) out.emplace_back(url.substr(p->first, p->second));
  password_parameters(url, [&](std::size_t at, std::size_t n) {
    const std::string v(url.substr(at, n));
    out.push_back(v);
    if (!v.empty() && v.front() == '\'') {
      std::string unquoted;
      for (std::size_t i = 1; i < v.size() && v[i] != '\''; ++i)
        unquoted.push_back(v[i] == '\\' && i + 1 < v.size() ? v[++i] : v[i]);
      out.push_back(std::move(unquoted));
    }
  });
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) out.push_back(percent_decode(out[i]));
  return out;
}

std::string without_password(std::string message, std::string_view url) {
  if (!url.empty()) {
    const std::string masked = mask_password(url);
    for (auto p = message.find(url); p != std::string::npos;
         p = message.find(url, p + masked.size()))
      message.replace(p, url.size(), masked);
  }
  for (const auto& password : passwords_in(url)) {
    if (password.size() < 3) continue;  // would mangle the message more than it protects
    for (auto p = message.find(password); p != std::string::npos; p = message.find(password, p + 3))
      message.replace(p, password.size(), "***");
  }
  return message;
}

}  // namespace driftd
