#pragma once
// Validators for the text values of the configuration (listen addresses, URLs, identifiers),
// kept apart from the TOML walk so they stay free of toml++. Each check_* returns "" when the
// value is fine, else what is wrong with it (a phrase that completes "<key>: ...").

#include <string>
#include <string_view>

namespace driftd::config::detail {

// "host:port": host an IPv4 address, a [bracketed] IPv6 address or a DNS name; port 0..65535.
std::string check_listen(std::string_view listen);

// An absolute http:// or https:// URL with a host.
std::string check_http_url(std::string_view url);

// A libpq connection string: a postgresql:// (or postgres://) URI, or "key=value ..." pairs.
std::string check_database_url(std::string_view url);

// [A-Za-z_][A-Za-z0-9_]*: a PostgreSQL identifier that never needs quoting, or an env var name.
bool is_plain_identifier(std::string_view s);

// [a-z0-9_.-]+: a monitor name (safe in URLs, metric labels and file names).
bool is_monitor_name(std::string_view s);

// A table or column name as written in the config: non-empty, no NUL, at most kMaxIdentifier
// bytes (PostgreSQL silently truncates longer names, so they would never match).
inline constexpr std::size_t kMaxIdentifier = 63;
std::string check_column_name(std::string_view s);
// "table" or "schema.table", each part a column-like name.
std::string check_table_name(std::string_view s);

// Shortest text that reads back as the same double ("0.1", "3", "1e+20"); PostgreSQL's spelling
// for the special values ("NaN", "Infinity", "-Infinity").
std::string format_double(double v);

// `s` as a TOML basic string ("..." with escapes), cut to about 80 characters.
std::string quote(std::string_view s);

// Optimal-string-alignment distance (Damerau–Levenshtein with adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace driftd::config::detail
