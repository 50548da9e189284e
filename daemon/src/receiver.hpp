#pragma once
#include <string>

namespace driftd::daemon {

// Serves POSTs on `listen` until SIGTERM/SIGINT, printing each as a JSON line. Returns the exit code.
int run_receiver(const std::string& listen, const std::string& secret_env);

// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" (Standard Webhooks), for checking deliveries.
std::string webhook_signature(const std::string& secret, const std::string& id, const std::string& timestamp,
                              const std::string& body);

}  // namespace driftd::daemon
