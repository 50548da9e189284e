#pragma once
// HTTP delivery of one notification (HttpNotifier) and the pieces of it worth testing alone: URL
// handling, the host allow-list, Standard Webhooks signatures and Retry-After.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/alerts/types.hpp"

namespace driftd::alerts {

// Resolves a host name to its addresses (numeric text, best first); on failure returns nothing
// and sets `error`. Injected so tests can make a name point anywhere without DNS.
using HostResolver =
    std::function<std::vector<std::string>(const std::string& host, std::string& error)>;
// getaddrinfo(3).
std::vector<std::string> system_resolve(const std::string& host, std::string& error);

struct NotifierOptions {
  std::string user_agent;                  // empty: default_user_agent()
  std::vector<std::string> allowed_hosts;  // AlertingOptions::allowed_hosts; empty: any host
  bool allow_loopback = false;             // AlertingOptions::allow_loopback
  HostResolver resolve = system_resolve;
  SecretLookup secrets = env_secret;  // webhook signing secrets, PagerDuty routing keys
  // A PEM bundle of CAs trusted for https sinks instead of the system's (private CAs, tests).
  std::string ca_cert_path;
  // What is kept of a receiver's answer (for last_error); the rest is read and dropped.
  std::size_t max_response_bytes = 64 * 1024;
};

// Delivers over HTTP(S) with cpp-httplib: one POST per attempt on a fresh connection, with the
// sink's timeout for connecting, for every read and write, and as a bound on reading the answer's
// body; redirects are not followed (a 3xx is reported as is). Thread-safe: the sink threads share
// one instance.
//   webhook       POST url; webhook-id / webhook-timestamp / webhook-signature headers
//   slack         POST url (the incoming-webhook URL)
//   pagerduty     POST url (https://events.pagerduty.com/v2/enqueue); refused if the body has
//                 no routing key (secret_env unset)
//   alertmanager  POST <url>/api/v2/alerts (url is Alertmanager's base URL)
// A URL's user:password is sent as HTTP basic authentication. Refusals (bad URL, host not
// allowed, a destination in a refused range (see destination_refusal), missing routing key or a
// malformed whsec_ secret) return `permanent`. The host name is resolved once per attempt, every
// address is checked, and the connection goes to those checked addresses only (no second lookup
// a DNS rebinding could answer differently); a failed lookup is retried like a refused connection.
class HttpNotifier final : public Notifier {
 public:
  explicit HttpNotifier(NotifierOptions options = {});
  DeliveryResult send(const config::SinkConfig& sink, const Notification& n,
                      Timestamp now) override;

 private:
  NotifierOptions options_;
};

// "driftd/<version>".
std::string default_user_agent();

struct Url {
  std::string scheme;    // "http" | "https"
  std::string userinfo;  // "user:password" (still percent-encoded), or ""
  std::string host;      // lowercased; IPv6 without brackets
  int port = 0;          // the scheme's default when absent
  std::string path;      // "/" when absent
  std::string query;     // without '?'
};
// Accepts http and https URLs with a host; nullopt for anything else.
std::optional<Url> parse_url(std::string_view url);

// What may be logged of a URL: userinfo and query replaced by "***", fragment dropped. The path
// is kept; note that some receivers (Slack) put their token in it, so driftd's own logs name the
// sink and the host only.
std::string redact_url(std::string_view url);

// Whether `host` passes the allow-list: empty list, an exact (case-insensitive) entry, or a
// "*.example.com" entry matching any name ending in ".example.com" (not example.com itself).
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);

// Address ranges a sink may not reach unless the configuration says so (SSRF protection).
enum class AddressRange {
  ordinary,    // anything else, private networks included
  loopback,    // 127.0.0.0/8, 0.0.0.0/8, ::1, :: (and IPv4-mapped forms), "localhost"
  link_local,  // 169.254.0.0/16, fe80::/10
  metadata,    // cloud metadata services: 169.254.169.254, fd00:ec2::254, 100.100.100.200,
               // metadata.google.internal
};
// The range of a numeric IPv4/IPv6 address (an IPv6 zone "%eth0" is ignored); `ordinary` for
// text that is not an address.
AddressRange address_range(std::string_view ip);
// The range of a URL's host: IP literals by their address, "localhost" and names under
// ".localhost" loopback, "metadata.google.internal" metadata, other names `ordinary` (their
// addresses are checked once resolved).
AddressRange host_range(std::string_view host);

struct DestinationPolicy {
  std::vector<std::string> allowed_hosts;
  bool allow_loopback = false;
};
// Why a delivery to `host`, whose name resolved to `addresses`, is refused; "" when it may go.
// In order: a host not matching a non-empty allowed_hosts is refused. Then, unless the host is
// listed in allowed_hosts by an exact (not "*.") entry, which vouches for it whatever it resolves
// to, the host and each of its addresses must be outside the refused ranges: loopback (allowed
// by allow_loopback), link-local and metadata (no switch; list the host to reach them).
std::string destination_refusal(std::string_view host, const std::vector<std::string>& addresses,
                                const DestinationPolicy& policy);

// The Standard Webhooks signature header value: "v1," + base64(HMAC-SHA256(key,
// "{id}.{timestamp}.{body}")). The key is the secret's bytes, or for a secret "whsec_<base64>"
// the base64-decoded rest (throws std::invalid_argument when that is not valid base64).
std::string webhook_signature(std::string_view secret, std::string_view id, std::int64_t timestamp,
                              std::string_view body);

// A Retry-After value: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
// relative to `now`; a past date is 0). nullopt when malformed.
std::optional<Duration> parse_retry_after(std::string_view value, Timestamp now);

}  // namespace driftd::alerts
