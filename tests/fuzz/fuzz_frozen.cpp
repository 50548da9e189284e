// libFuzzer target: frozen references and evaluations read back from storage must be rejected
// cleanly (std::runtime_error) when malformed, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "driftd/drift/evaluation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto ref = driftd::drift::deserialize_frozen_reference(bytes);
    (void)driftd::drift::serialize(ref);
  } catch (const std::runtime_error&) {
  }
  try {
    auto e = driftd::drift::evaluation_from_json(bytes);
    (void)driftd::drift::to_json(e);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
