#pragma once
#include <string>

namespace driftd::daemon {

// Serves POSTs on `listen` until SIGTERM/SIGINT, printing each as a JSON line. Returns the exit
// code.
int run_receiver(const std::string& listen, const std::string& secret_env);

// Whether `header` (a webhook-signature value: space-separated "v1,<base64>" entries) holds the
// Standard Webhooks signature of id.timestamp.body under `secret`, keyed exactly as driftd signs
// (alerts::webhook_signature: a "whsec_" secret's key is its base64-decoded rest). Throws
// std::invalid_argument for a whsec_ secret that is not base64.
bool webhook_signature_valid(const std::string& secret, const std::string& id,
                             const std::string& timestamp, const std::string& body,
                             const std::string& header);

}  // namespace driftd::daemon
