#pragma once
// Shared helpers of the config tests: a fake environment and problem lookups.

#include <catch2/catch.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "driftd/config/config.hpp"

namespace driftd::config::test {

// The fake environment read by fake_getenv (a plain function, as load_string takes a pointer).
inline std::map<std::string, std::string>& fake_env() {
  static std::map<std::string, std::string> env;
  return env;
}

inline const char* fake_getenv(const char* name) {
  auto it = fake_env().find(name);
  return it == fake_env().end() ? nullptr : it->second.c_str();
}

// Sets the fake environment for one scope; empties it on the way out.
struct ScopedEnv {
  explicit ScopedEnv(std::initializer_list<std::pair<const std::string, std::string>> env) {
    fake_env() = env;
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() { fake_env().clear(); }
};

inline Config load(const std::string& text) {
  return load_string(text, "driftd.toml", &fake_getenv);
}

// Every problem found in `text` (none when it loads).
inline std::vector<Problem> problems_of(const std::string& text) {
  try {
    load(text);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

inline std::string dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.to_string() + "\n";
  return out;
}

// `text` with the first occurrence of `from` replaced by `to` (which must be found).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  if (pos == std::string::npos) FAIL("test bug: \"" << from << "\" is not in the document");
  text.replace(pos, from.size(), to);
  return text;
}

}  // namespace driftd::config::test
