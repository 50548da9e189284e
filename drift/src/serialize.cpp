// Binary form of a FrozenReference, so that a reference window is read and sorted once.
//
// Layout (version 3, every integer and double little-endian):
//   "DRIFTREF" u32 version
//   window: i64 from_us, i64 to_us, u64 rows, u8 sampled, u64 rows_in_window
//   i32 bins, u64 column count, per column: str name, u8 kind (0 numerical, 1 categorical)
//   per column, numerical: i32 bins, u64 rows, u64 missing, u64 invalid, f64 mean, f64 stddev,
//                          f64[] values (sorted), f64[] edges, f64[] point masses, u64[] counts
//               categorical: u64 rows, u64 missing, str[] categories, u64[] counts
//   u64 learned count, per learned threshold: u64 column, str statistic, f64 k, u64 chunks,
//                      f64 value, f64 mean, f64 stddev, u64 chunks used
//   u64 xxHash64 of every byte before it
// where str is u64 length + bytes and T[] is u64 count + elements.
//
// Versions 1 (without learned thresholds) and 2 (with them) binned a point mass of the
// reference together with the values below it; they are refused, so that such a reference is
// read and frozen again rather than compared with bins driftd no longer uses.
//
// The bytes come from the state schema and may have been damaged or tampered with, so reading
// checks the checksum first, every length against the bytes left before allocating, and then
// that the content is a reference compare() can use: it throws std::runtime_error otherwise and
// never reads out of bounds.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "driftd/drift/evaluation.hpp"
#include "numeric.hpp"

namespace driftd::drift {
namespace {

constexpr char kMagic[8] = {'D', 'R', 'I', 'F', 'T', 'R', 'E', 'F'};
constexpr std::uint32_t kVersion = 3;
constexpr std::uint32_t kLastVersionWithoutPointMasses = 2;
constexpr std::size_t kHeaderSize = sizeof kMagic + sizeof(std::uint32_t);
constexpr std::size_t kChecksumSize = sizeof(std::uint64_t);

// xxHash64 (seed 0): fast enough for hundreds of megabytes (a frozen reference of 20 features of
// 1M rows is 160 MB) and, unlike a plain sum, sensitive to any flipped or swapped bytes.
constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL,
                        kP3 = 0x165667B19E3779F9ULL, kP4 = 0x85EBCA77C2B2AE63ULL,
                        kP5 = 0x27D4EB2F165667C5ULL;

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint32_t load32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t xxh_round(std::uint64_t acc, std::uint64_t input) {
  acc += input * kP2;
  acc = std::rotl(acc, 31);
  return acc * kP1;
}

std::uint64_t xxh_merge(std::uint64_t acc, std::uint64_t val) {
  acc ^= xxh_round(0, val);
  return acc * kP1 + kP4;
}

std::uint64_t xxhash64(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t len = bytes.size();
  const unsigned char* end = p + len;
  std::uint64_t h;
  if (len >= 32) {
    std::uint64_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0 - kP1;
    const unsigned char* limit = end - 32;
    do {
      v1 = xxh_round(v1, load64(p));
      v2 = xxh_round(v2, load64(p + 8));
      v3 = xxh_round(v3, load64(p + 16));
      v4 = xxh_round(v4, load64(p + 24));
      p += 32;
    } while (p <= limit);
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = xxh_merge(h, v1);
    h = xxh_merge(h, v2);
    h = xxh_merge(h, v3);
    h = xxh_merge(h, v4);
  } else {
    h = kP5;
  }
  h += len;
  for (; p + 8 <= end; p += 8) {
    h ^= xxh_round(0, load64(p));
    h = std::rotl(h, 27) * kP1 + kP4;
  }
  if (p + 4 <= end) {
    h ^= static_cast<std::uint64_t>(load32(p)) * kP1;
    h = std::rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  for (; p < end; ++p) {
    h ^= static_cast<std::uint64_t>(*p) * kP5;
    h = std::rotl(h, 11) * kP1;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

class Writer {
 public:
  void bytes(const void* data, std::size_t n) {
    if (n > 0) out_.append(static_cast<const char*>(data), n);
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  template <typename T>
  void array(const std::vector<T>& v) {
    static_assert(sizeof(T) == 8);
    u64(v.size());
    if constexpr (std::endian::native == std::endian::little) {
      bytes(v.data(), v.size() * 8);
    } else {
      for (const T& x : v) u64(std::bit_cast<std::uint64_t>(x));
    }
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

[[noreturn]] void malformed(const std::string& what) {
  throw std::runtime_error("malformed frozen reference: " + what);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), left_(bytes.size()) {}
  const char* take(std::size_t n) {
    if (n > left_) malformed("truncated");
    const char* at = p_;
    p_ += n;
    left_ -= n;
    return at;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(*take(1)); }
  std::uint32_t u32() { return load32(reinterpret_cast<const unsigned char*>(take(4))); }
  std::uint64_t u64() { return load64(reinterpret_cast<const unsigned char*>(take(8))); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  double f64() { return std::bit_cast<double>(u64()); }
  bool boolean() {
    const auto v = u8();
    if (v > 1) malformed("bad boolean");
    return v == 1;
  }
  // A count of elements of `size` bytes each, checked against what is left.
  std::size_t count(std::size_t size) {
    const std::uint64_t n = u64();
    if (n > left_ / size) malformed("length beyond the end");
    return static_cast<std::size_t>(n);
  }
  std::string str() {
    const std::size_t n = count(1);
    return std::string(take(n), n);
  }
  template <typename T>
  std::vector<T> array() {
    static_assert(sizeof(T) == 8);
    const std::size_t n = count(8);
    std::vector<T> v(n);
    const char* src = take(n * 8);
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(v.data(), src, n * 8);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = std::bit_cast<T>(load64(reinterpret_cast<const unsigned char*>(src + 8 * i)));
      }
    }
    return v;
  }
  std::size_t left() const { return left_; }

 private:
  const char* p_;
  std::size_t left_;
};

// Years 0001 to 9999, the range of RFC 3339: anything else could not be formatted later.
Timestamp read_time(Reader& r) {
  constexpr std::int64_t kMin = -62'135'596'800'000'000;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253'402'300'799'999'999;  // 9999-12-31T23:59:59.999999Z
  const std::int64_t us = r.i64();
  if (us < kMin || us > kMax) malformed("time out of range");
  return Timestamp(Duration(us));
}

void write_numerical(Writer& w, const FrozenNumerical& f) {
  w.i32(f.bins);
  w.u64(f.sample.rows);
  w.u64(f.sample.missing);
  w.u64(f.sample.invalid);
  w.f64(f.sample.mean);
  w.f64(f.sample.stddev);
  w.array(f.sample.values);
  w.array(f.edges);
  w.array(f.point_masses);
  w.array(f.counts);
}

FrozenNumerical read_numerical(Reader& r, int bins) {
  FrozenNumerical f;
  f.bins = r.i32();
  f.sample.rows = r.u64();
  f.sample.missing = r.u64();
  f.sample.invalid = r.u64();
  f.sample.mean = r.f64();
  f.sample.stddev = r.f64();
  f.sample.values = r.array<double>();
  f.edges = r.array<double>();
  f.point_masses = r.array<double>();
  f.counts = r.array<std::uint64_t>();
  const auto& v = f.sample.values;
  if (f.bins != bins) malformed("bins differ between the reference and a column");
  if (f.sample.invalid > f.sample.missing || f.sample.missing > f.sample.rows ||
      f.sample.rows - f.sample.missing != v.size()) {
    malformed("row counts do not add up");
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    // Sorted, finite, and without -0.0 (the sort turns it into +0.0).
    if (!std::isfinite(v[i]) || (std::signbit(v[i]) && v[i] == 0) || (i > 0 && v[i - 1] > v[i])) {
      malformed("values not sorted finite numbers");
    }
  }
  // Moments, edges and counts are a function of the values, computed deterministically: any
  // difference means a corrupt reference.
  const auto moments = detail::moments_of(v);
  if (std::bit_cast<std::uint64_t>(moments.mean) != std::bit_cast<std::uint64_t>(f.sample.mean) ||
      std::bit_cast<std::uint64_t>(moments.stddev) !=
          std::bit_cast<std::uint64_t>(f.sample.stddev)) {
    malformed("moments do not match the values");
  }
  if (f.point_masses != point_masses(v, bins)) malformed("point masses do not match the values");
  if (f.edges != bin_edges(v, bins, f.point_masses)) {
    malformed("bin edges do not match the values");
  }
  if (f.counts != bin_counts(v, f.edges, f.point_masses)) {
    malformed("bin counts do not match the values");
  }
  return f;
}

void write_categorical(Writer& w, const FrozenCategorical& f) {
  w.u64(f.counts.rows);
  w.u64(f.counts.missing);
  w.u64(f.counts.categories.size());
  for (const auto& c : f.counts.categories) w.str(c);
  w.array(f.counts.counts);
}

FrozenCategorical read_categorical(Reader& r) {
  FrozenCategorical f;
  auto& c = f.counts;
  c.rows = r.u64();
  c.missing = r.u64();
  const std::size_t n = r.count(8);  // each category takes at least its 8-byte length
  c.categories.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    c.categories.push_back(r.str());
    if (i > 0 && !(c.categories[i - 1] < c.categories[i])) malformed("categories not sorted");
  }
  c.counts = r.array<std::uint64_t>();
  if (c.counts.size() != n) malformed("category counts do not match the categories");
  std::uint64_t total = 0;
  for (auto k : c.counts) {
    if (k == 0 || total + k < total) malformed("bad category count");
    total += k;
  }
  if (c.missing > c.rows || c.rows - c.missing != total) malformed("row counts do not add up");
  return f;
}

}  // namespace

std::string serialize(const FrozenReference& ref) {
  if (ref.columns.size() != ref.frozen.size()) {
    throw std::invalid_argument("frozen reference with mismatched columns");
  }
  Writer w;
  std::size_t reserve = 256;
  for (const auto& f : ref.frozen) {
    if (const auto* n = std::get_if<FrozenNumerical>(&f)) reserve += 8 * n->sample.values.size();
  }
  w.out().reserve(reserve);
  w.bytes(kMagic, sizeof kMagic);
  w.u32(kVersion);
  w.i64(ref.info.from.time_since_epoch().count());
  w.i64(ref.info.to.time_since_epoch().count());
  w.u64(ref.info.rows);
  w.u8(ref.info.sampled ? 1 : 0);
  w.u64(ref.info.rows_in_window);
  w.i32(ref.bins);
  w.u64(ref.columns.size());
  for (const auto& c : ref.columns) {
    w.str(c.name);
    w.u8(c.kind == FeatureKind::numerical ? 0 : 1);
  }
  for (std::size_t i = 0; i < ref.frozen.size(); ++i) {
    const bool numerical = std::holds_alternative<FrozenNumerical>(ref.frozen[i]);
    if (numerical != (ref.columns[i].kind == FeatureKind::numerical)) {
      throw std::invalid_argument("frozen reference column " + ref.columns[i].name +
                                  " does not have the kind of its spec");
    }
    if (numerical) {
      write_numerical(w, std::get<FrozenNumerical>(ref.frozen[i]));
    } else {
      write_categorical(w, std::get<FrozenCategorical>(ref.frozen[i]));
    }
  }
  w.u64(ref.learned.size());
  for (const auto& l : ref.learned) {
    if (l.column >= ref.columns.size()) {
      throw std::invalid_argument("a learned threshold refers to no column");
    }
    w.u64(l.column);
    w.str(l.statistic);
    w.f64(l.k);
    w.u64(l.chunks);
    w.f64(l.threshold.value);
    w.f64(l.threshold.mean);
    w.f64(l.threshold.stddev);
    w.u64(l.threshold.chunks);
  }
  w.u64(xxhash64(w.out()));
  return std::move(w.out());
}

FrozenReference deserialize_frozen_reference(std::string_view bytes) {
  if (bytes.size() < kHeaderSize + kChecksumSize) malformed("truncated");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) malformed("not a frozen reference");
  const auto version = load32(reinterpret_cast<const unsigned char*>(bytes.data() + sizeof kMagic));
  if (version >= 1 && version <= kLastVersionWithoutPointMasses) {
    throw std::runtime_error("frozen reference of version " + std::to_string(version) +
                             ", from a driftd that binned point masses with the values below them");
  }
  if (version != kVersion) malformed("unsupported version " + std::to_string(version));
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumSize);
  const auto stored = load64(reinterpret_cast<const unsigned char*>(bytes.data() + body.size()));
  if (xxhash64(body) != stored) malformed("checksum mismatch");

  Reader r(body.substr(kHeaderSize));
  FrozenReference ref;
  ref.info.from = read_time(r);
  ref.info.to = read_time(r);
  ref.info.rows = r.u64();
  ref.info.sampled = r.boolean();
  ref.info.rows_in_window = r.u64();
  ref.bins = r.i32();
  if (ref.bins < 1) malformed("bins below 1");
  const std::size_t columns = r.count(9);  // a name length and a kind at least
  ref.columns.reserve(columns);
  for (std::size_t i = 0; i < columns; ++i) {
    ColumnSpec c;
    c.name = r.str();
    const auto kind = r.u8();
    if (kind > 1) malformed("bad column kind");
    c.kind = kind == 0 ? FeatureKind::numerical : FeatureKind::categorical;
    ref.columns.push_back(std::move(c));
  }
  ref.frozen.reserve(columns);
  for (std::size_t i = 0; i < columns; ++i) {
    if (ref.columns[i].kind == FeatureKind::numerical) {
      ref.frozen.emplace_back(read_numerical(r, ref.bins));
    } else {
      ref.frozen.emplace_back(read_categorical(r));
    }
  }
  const std::size_t n = r.count(8 * 8);  // the fixed part of an entry takes 64 bytes
  for (std::size_t i = 0; i < n; ++i) {
    LearnedColumnThreshold l;
    const std::uint64_t column = r.u64();
    if (column >= ref.columns.size()) malformed("a learned threshold refers to no column");
    l.column = static_cast<std::size_t>(column);
    l.statistic = r.str();
    l.threshold.statistic = l.statistic;
    l.k = r.f64();
    l.chunks = r.u64();
    l.threshold.value = r.f64();
    l.threshold.mean = r.f64();
    l.threshold.stddev = r.f64();
    l.threshold.chunks = r.u64();
    if (!std::isfinite(l.k) || !std::isfinite(l.threshold.value) ||
        !std::isfinite(l.threshold.mean) || !std::isfinite(l.threshold.stddev) ||
        l.threshold.chunks > l.chunks) {
      malformed("bad learned threshold");
    }
    ref.learned.push_back(std::move(l));
  }
  if (r.left() != 0) malformed("trailing bytes");
  return ref;
}

}  // namespace driftd::drift
