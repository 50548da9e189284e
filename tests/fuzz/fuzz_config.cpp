// libFuzzer target: the TOML config loader must turn any input into a Config or a ConfigError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driftd/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    driftd::config::load_string(text, "fuzz.toml", [](const char*) -> const char* { return nullptr; });
  } catch (const driftd::config::ConfigError&) {
  }
  return 0;
}
