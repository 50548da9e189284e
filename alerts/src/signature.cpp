// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// "{id}.{timestamp}.{body}", base64, prefixed with the scheme version "v1,".

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "driftd/alerts/notifier.hpp"

namespace driftd::alerts {
namespace {

constexpr std::string_view kWhsecPrefix = "whsec_";

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// Strict standard-alphabet base64; '=' padding optional. EVP_DecodeBlock cannot tell padding
// from data, so the few lines are written out.
std::optional<std::string> unbase64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character carries no whole byte
  return out;
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::string_view id, std::int64_t timestamp,
                              std::string_view body) {
  std::string key(secret);
  if (secret.starts_with(kWhsecPrefix)) {
    auto decoded = unbase64(secret.substr(kWhsecPrefix.size()));
    if (!decoded || decoded->empty()) {
      throw std::invalid_argument(
          "the webhook secret starts with \"whsec_\" but the rest is not "
          "valid base64");
    }
    key = std::move(*decoded);
  }
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return "v1," + base64(mac, mac_len);
}

}  // namespace driftd::alerts
