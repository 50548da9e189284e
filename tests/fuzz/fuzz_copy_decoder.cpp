// libFuzzer target: the binary COPY decoder and the window builder behind it, fed arbitrary bytes
// in arbitrary pieces, for a mix of numerical, jsonb-number and categorical columns with sampling.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "driftd/storage/copy_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first byte picks the piece size, the second the sample size.
  std::size_t piece = 1 + data[0] % 64;
  std::uint64_t max_rows = 1 + data[1] % 8;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<driftd::drift::ColumnRequest> cols = {
      {"a", "", driftd::drift::FeatureKind::numerical},
      {"f", "k", driftd::drift::FeatureKind::numerical},
      {"c", "", driftd::drift::FeatureKind::categorical}};
  driftd::storage::WindowBuilder builder(cols, max_rows, 7);
  driftd::storage::CopyBinaryDecoder decoder(cols.size());
  try {
    for (std::size_t p = 0; p < bytes.size(); p += piece) decoder.feed(bytes.substr(p, piece), builder);
    decoder.finish();
  } catch (const driftd::storage::DecodeError&) {
  }
  auto w = builder.take();
  (void)w;
  driftd::storage::parse_number_text(bytes);
  return 0;
}
