#pragma once
// Decoding of PostgreSQL's binary COPY stream (header, tuples, trailer) and turning its fields
// into the columns of a drift::WindowData, with reproducible uniform sampling. Exposed for
// tests and fuzzing; no database needed.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/drift/sources.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::storage {

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FieldView {
  const char* data = nullptr;
  std::int32_t length = -1;  // -1: SQL NULL
};

class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void row(std::span<const FieldView> fields) = 0;
};

// Incremental decoder: feed() the CopyData payloads in order (their boundaries do not matter).
class CopyBinaryDecoder {
 public:
  explicit CopyBinaryDecoder(std::size_t field_count);
  // Decodes what it can; keeps an incomplete tail for the next call. Throws DecodeError.
  void feed(std::string_view bytes, RowSink& sink);
  // True once the trailer was seen. Call after the stream ended: throws if it is incomplete.
  void finish() const;
  std::uint64_t rows() const { return rows_; }

 private:
  std::size_t parse(std::string_view data, RowSink& sink);  // returns bytes consumed
  std::size_t field_count_;
  bool header_done_ = false;
  bool trailer_seen_ = false;
  std::string carry_;
  std::vector<FieldView> fields_;
  std::uint64_t rows_ = 0;
};

// Turns decoded fields into WindowData columns: float8 fields for numerical columns, text for
// categorical ones and for json keys (numbers parsed; non-numeric text -> invalid).
// Keeps at most `max_rows` rows: past that, a bottom-k sample by a hash of each row's values
// seeded with `seed`, so the sample is uniform and independent of the order rows arrive in.
class WindowBuilder final : public RowSink {
 public:
  WindowBuilder(const std::vector<drift::ColumnRequest>& columns, std::uint64_t max_rows,
                std::uint64_t seed);
  ~WindowBuilder() override;
  void row(std::span<const FieldView> fields) override;
  // Adds every row held by another builder of the same shape (parallel slices of one window).
  void merge(WindowBuilder&& other);
  std::uint64_t rows_seen() const;
  drift::WindowData take();  // the columns; from/to are left for the caller

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses the text of a number the way driftd reads json keys: surrounding whitespace allowed;
// "NaN", "Infinity", "-Infinity" (any case) and out-of-range values are missing (NaN); anything
// else that is not a number is drift::invalid_value().
double parse_number_text(std::string_view text);

}  // namespace driftd::storage
