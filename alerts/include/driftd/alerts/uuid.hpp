#pragma once
// Random identifiers for notifications (the receivers' idempotency key).

#include <string>

namespace driftd::alerts {

// A random (version 4) UUID in its canonical lowercase form, e.g.
// "3b241101-e2bb-4255-8caf-4136c566a962". Drawn from OpenSSL's CSPRNG (std::random_device if that
// ever fails), so ids are unguessable and do not repeat across processes. Thread-safe.
std::string uuid_v4();

}  // namespace driftd::alerts
