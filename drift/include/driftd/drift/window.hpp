#pragma once
// The rows of one window as the storage layer hands them over: one column per monitored value
// (features, then prediction, then confidence), in row order, in chunks so that a window of
// unknown size never needs a reallocation that doubles its memory.

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "driftd/common/time.hpp"

namespace driftd::drift {

enum class FeatureKind { numerical, categorical };

// Missing numerical values are stored as NaN. A value that was present but not a number (a
// non-numeric string under a jsonb key) is stored as the NaN `invalid_value()` so it can be
// counted as `invalid_rate` as well as missing.
inline double missing_value() { return std::numeric_limits<double>::quiet_NaN(); }
double invalid_value();
bool is_invalid_value(double v);

// Append-only storage in fixed chunks, with random access (used by reservoir sampling).
template <typename T>
class Chunked {
 public:
  static constexpr std::size_t kChunk = 1 << 16;
  void push_back(T v) {
    if (size_ % kChunk == 0) {
      chunks_.emplace_back(std::make_unique_for_overwrite<T[]>(kChunk));
    }
    chunks_.back()[size_ % kChunk] = v;
    ++size_;
  }
  T& operator[](std::size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  std::size_t size() const { return size_; }
  std::size_t chunk_count() const { return chunks_.size(); }
  // Elements of chunk c (the last one may be partial).
  const T* chunk_data(std::size_t c) const { return chunks_[c].get(); }
  std::size_t chunk_size(std::size_t c) const {
    return c + 1 < chunks_.size() ? kChunk : size_ - c * kChunk;
  }
  // Frees chunk c once a consumer has read it, so that transforming a column into another
  // representation never holds both in full. The chunk's elements must not be accessed afterwards;
  // size() and chunk_size() stay valid until clear().
  void release_chunk(std::size_t c) { chunks_[c].reset(); }
  // Moves every element of `other` to the end of this one.
  void append(Chunked&& other) {
    if (size_ % kChunk == 0) {  // whole chunks can be moved
      for (auto& c : other.chunks_) chunks_.push_back(std::move(c));
      size_ += other.size_;
    } else {
      for (std::size_t i = 0; i < other.size_; ++i) push_back(other[i]);
    }
    other.clear();
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

struct NumericalColumn {
  Chunked<double> values;  // NaN (missing_value / invalid_value) for missing
};

// Categories are interned: `ids` index `dictionary`; kMissingCategory marks a missing value.
struct CategoricalColumn {
  static constexpr std::uint32_t kMissingCategory = std::numeric_limits<std::uint32_t>::max();
  Chunked<std::uint32_t> ids;
  std::vector<std::string> dictionary;
};

using Column = std::variant<NumericalColumn, CategoricalColumn>;

struct WindowData {
  Timestamp from{};  // the window is (from, to]
  Timestamp to{};
  std::uint64_t rows = 0;           // rows held (after sampling)
  std::uint64_t rows_in_window = 0;  // rows the window had before sampling
  bool sampled = false;
  std::vector<Column> columns;
};

}  // namespace driftd::drift
