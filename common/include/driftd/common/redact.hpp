#pragma once
// Keeping database passwords out of what driftd says: logs, /readyz, API answers and error
// messages. One implementation for the config's messages and the database's errors.

#include <string>
#include <string_view>
#include <vector>

namespace driftd {

// `url` (a postgresql:// URI or a key=value connection string) with every password replaced by
// "***": the URI's userinfo password and every `password=` parameter (quoted or not).
std::string mask_password(std::string_view url);

// Every way the password of `url` may be spelled in a message: as written, unquoted, and
// percent-decoded.
std::vector<std::string> passwords_in(std::string_view url);

// `message` with `url` replaced by its masked form and every spelling of its password by "***":
// libpq quotes what it could not parse ("invalid percent-encoded token: "<password>"", "... in
// URI: "<url>""), and such messages reach logs, /readyz and the API.
std::string without_password(std::string message, std::string_view url);

}  // namespace driftd
