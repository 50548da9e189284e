// Where a sink may deliver: the host allow-list plus refused address ranges (loopback,
// link-local, cloud metadata), checked on the URL's host and on every address it resolves to.

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "driftd/alerts/notifier.hpp"

namespace driftd::alerts {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Example.COM." -> "example.com": a trailing dot names the same host.
std::string normalized_host(std::string_view host) {
  std::string h = lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

AddressRange ipv4_range(const std::array<unsigned char, 4>& a) {
  if (a[0] == 127 || a[0] == 0) return AddressRange::loopback;  // 0.0.0.0/8 reaches this host
  if (a[0] == 169 && a[1] == 254) {
    return a[2] == 169 && a[3] == 254 ? AddressRange::metadata : AddressRange::link_local;
  }
  if (a == std::array<unsigned char, 4>{100, 100, 100, 200}) return AddressRange::metadata;
  return AddressRange::ordinary;
}

std::string_view describe(AddressRange r) {
  switch (r) {
    case AddressRange::loopback:
      return "a loopback address";
    case AddressRange::link_local:
      return "a link-local address";
    case AddressRange::metadata:
      return "a cloud metadata service address";
    case AddressRange::ordinary:
      break;
  }
  return "an ordinary address";
}

bool listed_exactly(const std::string& host, const std::vector<std::string>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    return !entry.starts_with("*.") && normalized_host(entry) == host;
  });
}

bool permitted(AddressRange r, const DestinationPolicy& policy) {
  return r == AddressRange::ordinary || (r == AddressRange::loopback && policy.allow_loopback);
}

std::string how_to_allow(AddressRange r) {
  return r == AddressRange::loopback
             ? "refused unless [alerting] allow_loopback = true or the host is listed in "
               "[alerting] allowed_hosts"
             : "refused unless the host is listed in [alerting] allowed_hosts";
}

}  // namespace

AddressRange address_range(std::string_view ip) {
  std::string text(ip.substr(0, ip.find('%')));  // fe80::1%eth0: the zone does not matter
  std::array<unsigned char, 4> v4{};
  if (::inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return ipv4_range(v4);
  std::array<unsigned char, 16> v6{};
  if (::inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return AddressRange::ordinary;
  const bool zero_prefix = std::all_of(v6.begin(), v6.begin() + 10, [](auto b) { return b == 0; });
  if (zero_prefix && v6[10] == 0xff && v6[11] == 0xff) {  // ::ffff:a.b.c.d, an IPv4 address
    return ipv4_range({v6[12], v6[13], v6[14], v6[15]});
  }
  if (zero_prefix && v6[10] == 0 && v6[11] == 0 && v6[12] == 0 && v6[13] == 0 && v6[14] == 0 &&
      v6[15] <= 1) {
    return AddressRange::loopback;  // ::1, and :: (connecting to it reaches this host)
  }
  if (v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80) return AddressRange::link_local;  // fe80::/10
  static constexpr std::array<unsigned char, 16> kAwsMetadata = {
      0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};  // fd00:ec2::254
  if (v6 == kAwsMetadata) return AddressRange::metadata;
  return AddressRange::ordinary;
}

AddressRange host_range(std::string_view host) {
  const std::string h = normalized_host(host);
  if (h == "localhost" || h.ends_with(".localhost")) return AddressRange::loopback;
  if (h == "metadata.google.internal") return AddressRange::metadata;
  return address_range(h);
}

std::string destination_refusal(std::string_view host, const std::vector<std::string>& addresses,
                                const DestinationPolicy& policy) {
  const std::string h = normalized_host(host);
  if (!host_allowed(h, policy.allowed_hosts) && !host_allowed(host, policy.allowed_hosts)) {
    return "host " + std::string(host) + " is not in alerting.allowed_hosts";
  }
  if (listed_exactly(h, policy.allowed_hosts)) return "";
  if (const AddressRange r = host_range(h); !permitted(r, policy)) {
    return "host " + std::string(host) + " is " + std::string(describe(r)) + ": " + how_to_allow(r);
  }
  for (const auto& a : addresses) {
    if (const AddressRange r = address_range(a); !permitted(r, policy)) {
      return "host " + std::string(host) + " resolves to " + a + ", " + std::string(describe(r)) +
             ": " + how_to_allow(r);
    }
  }
  return "";
}

std::vector<std::string> system_resolve(const std::string& host, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    error = "cannot resolve host " + host + ": " + ::gai_strerror(rc);
    return {};
  }
  std::vector<std::string> out;
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr = nullptr;
    if (ai->ai_family == AF_INET) {
      addr = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      addr = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (::inet_ntop(ai->ai_family, addr, text, sizeof text) == nullptr) continue;
    if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
  }
  ::freeaddrinfo(result);
  if (out.empty()) error = "cannot resolve host " + host + ": no IPv4 or IPv6 address";
  return out;
}

}  // namespace driftd::alerts
