#include "driftd/storage/copy_decoder.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace driftd::storage {
namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // plus the terminating '\0': 11 bytes
constexpr std::size_t kSignatureSize = 11;
constexpr std::size_t kHeaderFixedSize = kSignatureSize + 4 + 4;

std::int32_t read_i32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return static_cast<std::int32_t>(v);
}

std::int16_t read_i16(const char* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  return static_cast<std::int16_t>(v);
}

double read_f64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return std::bit_cast<double>(v);
}

// 64-bit mixer (the splitmix64 finalizer): good avalanche, cheap.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = mix(seed ^ (0x9e3779b97f4a7c15ULL + s.size()));
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix(h ^ w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return mix(h ^ tail ^ (static_cast<std::uint64_t>(s.size() - i) << 56));
}

// Canonical bits of a value for hashing: every missing NaN alike, invalid distinct, -0 == 0.
std::uint64_t value_bits(double v) {
  if (std::isnan(v)) return drift::is_invalid_value(v) ? 0x7ff80000000000a1ULL : 0x7ff8000000000001ULL;
  if (v == 0) return 0;
  return std::bit_cast<std::uint64_t>(v);
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// ---- CopyBinaryDecoder ------------------------------------------------------------------

CopyBinaryDecoder::CopyBinaryDecoder(std::size_t field_count)
    : field_count_(field_count), fields_(field_count) {}

void CopyBinaryDecoder::feed(std::string_view bytes, RowSink& sink) {
  if (carry_.empty()) {
    std::size_t used = parse(bytes, sink);
    carry_.assign(bytes.substr(used));
  } else {
    carry_.append(bytes);
    std::size_t used = parse(carry_, sink);
    carry_.erase(0, used);
  }
}

void CopyBinaryDecoder::finish() const {
  if (!header_done_) throw DecodeError("binary COPY stream ended before its header");
  if (!trailer_seen_ || !carry_.empty())
    throw DecodeError("binary COPY stream ended in the middle of a row");
}

std::size_t CopyBinaryDecoder::parse(std::string_view data, RowSink& sink) {
  std::size_t pos = 0;
  const std::size_t size = data.size();
  const char* base = data.data();
  if (!header_done_) {
    if (size < kHeaderFixedSize) return 0;
    if (std::memcmp(base, kSignature, kSignatureSize) != 0)
      throw DecodeError("not a binary COPY stream (bad signature)");
    std::int32_t flags = read_i32(base + kSignatureSize);
    if ((flags & (1 << 16)) != 0) throw DecodeError("binary COPY stream with OIDs is not supported");
    std::int32_t ext = read_i32(base + kSignatureSize + 4);
    if (ext < 0) throw DecodeError("binary COPY header extension has a negative length");
    if (size - kHeaderFixedSize < static_cast<std::size_t>(ext)) return 0;
    pos = kHeaderFixedSize + static_cast<std::size_t>(ext);
    header_done_ = true;
  }
  while (pos < size) {
    if (trailer_seen_) throw DecodeError("data after the end of the binary COPY stream");
    if (size - pos < 2) return pos;
    std::int16_t n = read_i16(base + pos);
    if (n == -1) {
      trailer_seen_ = true;
      pos += 2;
      continue;
    }
    if (n < 0 || static_cast<std::size_t>(n) != field_count_)
      throw DecodeError("binary COPY row has " + std::to_string(n) + " fields, expected " +
                        std::to_string(field_count_));
    std::size_t p = pos + 2;
    for (std::size_t i = 0; i < field_count_; ++i) {
      if (size - p < 4) return pos;
      std::int32_t len = read_i32(base + p);
      p += 4;
      if (len == -1) {
        fields_[i] = FieldView{nullptr, -1};
        continue;
      }
      if (len < 0) throw DecodeError("binary COPY field with a negative length");
      if (size - p < static_cast<std::size_t>(len)) return pos;
      fields_[i] = FieldView{base + p, len};
      p += static_cast<std::size_t>(len);
    }
    sink.row(fields_);
    ++rows_;
    pos = p;
  }
  return pos;
}

// ---- parse_number_text ------------------------------------------------------------------

double parse_number_text(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return drift::invalid_value();
  std::string_view body = s;
  if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
  if (body.size() >= 3 && body.size() <= 8) {
    char lower[9] = {};
    for (std::size_t i = 0; i < body.size(); ++i)
      lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(body[i])));
    std::string_view l(lower, body.size());
    if (l == "nan" || l == "inf" || l == "infinity") return drift::missing_value();
  }
  if (s.front() == '+') s.remove_prefix(1);  // from_chars takes '-' but not '+'
  if (s.empty() || s.front() == '+' || (s.front() == '-' && s.size() > 1 && s[1] == '+'))
    return drift::invalid_value();
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (end != s.data() + s.size()) return drift::invalid_value();
  if (ec == std::errc::result_out_of_range) {
    // Overflow is an infinite value (missing); underflow is a tiny number, as strtod rounds it.
    std::string copy(s);
    v = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc()) {
    return drift::invalid_value();
  }
  if (!std::isfinite(v)) return drift::missing_value();
  return v;
}

// ---- WindowBuilder ----------------------------------------------------------------------

struct WindowBuilder::Impl {
  struct CategoricalState {
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> index;
    std::vector<std::uint64_t> hashes;  // per dictionary entry, for row hashing
  };

  std::vector<drift::ColumnRequest> requests;
  std::uint64_t max_rows;
  std::uint64_t seed;
  drift::WindowData data;
  std::vector<CategoricalState> cats;  // parallel to columns (unused for numerical)
  std::uint64_t held = 0;
  std::uint64_t seen = 0;
  bool sampling = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> heap;  // (hash, slot), max-heap
  std::vector<double> row_num;                                // scratch: one row's values
  std::vector<std::uint32_t> row_cat;
  // Resolved once: how each field is decoded and where it goes (no variant access per value).
  enum class Decode : std::uint8_t { float8, number_text, category };
  std::vector<Decode> decode;
  std::vector<drift::Chunked<double>*> num_out;
  std::vector<drift::Chunked<std::uint32_t>*> cat_out;

  Impl(const std::vector<drift::ColumnRequest>& cols, std::uint64_t max, std::uint64_t s)
      : requests(cols), max_rows(std::max<std::uint64_t>(max, 1)), seed(s) {
    data.columns.reserve(cols.size());
    for (const auto& c : cols) {
      if (c.kind == drift::FeatureKind::numerical) {
        data.columns.emplace_back(drift::NumericalColumn{});
      } else {
        data.columns.emplace_back(drift::CategoricalColumn{});
      }
    }
    cats.resize(cols.size());
    row_num.resize(cols.size());
    row_cat.resize(cols.size());
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (cols[c].kind == drift::FeatureKind::numerical) {
        decode.push_back(cols[c].is_json() ? Decode::number_text : Decode::float8);
        num_out.push_back(&std::get<drift::NumericalColumn>(data.columns[c]).values);
        cat_out.push_back(nullptr);
      } else {
        decode.push_back(Decode::category);
        num_out.push_back(nullptr);
        cat_out.push_back(&std::get<drift::CategoricalColumn>(data.columns[c]).ids);
      }
    }
  }

  std::uint32_t intern(std::size_t col, std::string_view text) {
    auto& st = cats[col];
    auto it = st.index.find(text);
    if (it != st.index.end()) return it->second;
    auto& dict = std::get<drift::CategoricalColumn>(data.columns[col]).dictionary;
    auto id = static_cast<std::uint32_t>(dict.size());
    if (id == drift::CategoricalColumn::kMissingCategory)
      throw DecodeError("too many distinct categories");
    dict.emplace_back(text);
    st.index.emplace(std::string(text), id);
    st.hashes.push_back(hash_bytes(text, 0x5eed));
    return id;
  }

  std::uint64_t row_hash() const {
    std::uint64_t h = mix(seed ^ 0x243f6a8885a308d3ULL);
    for (std::size_t c = 0; c < requests.size(); ++c) {
      if (!requests[c].hashed) continue;
      std::uint64_t v;
      if (requests[c].kind == drift::FeatureKind::numerical) {
        v = value_bits(row_num[c]);
      } else {
        v = row_cat[c] == drift::CategoricalColumn::kMissingCategory ? 0x6d697373ULL
                                                                     : cats[c].hashes[row_cat[c]];
      }
      h = mix(h ^ v ^ (c * 0x9e3779b97f4a7c15ULL));
    }
    return h;
  }

  void load_slot(std::uint64_t slot) {
    for (std::size_t c = 0; c < requests.size(); ++c) {
      if (requests[c].kind == drift::FeatureKind::numerical) {
        row_num[c] = std::get<drift::NumericalColumn>(data.columns[c]).values[slot];
      } else {
        row_cat[c] = std::get<drift::CategoricalColumn>(data.columns[c]).ids[slot];
      }
    }
  }

  void store_slot(std::uint64_t slot) {
    for (std::size_t c = 0; c < requests.size(); ++c) {
      if (requests[c].kind == drift::FeatureKind::numerical) {
        std::get<drift::NumericalColumn>(data.columns[c]).values[slot] = row_num[c];
      } else {
        std::get<drift::CategoricalColumn>(data.columns[c]).ids[slot] = row_cat[c];
      }
    }
  }

  void append_row() {
    for (std::size_t c = 0; c < requests.size(); ++c) {
      if (requests[c].kind == drift::FeatureKind::numerical) {
        std::get<drift::NumericalColumn>(data.columns[c]).values.push_back(row_num[c]);
      } else {
        std::get<drift::CategoricalColumn>(data.columns[c]).ids.push_back(row_cat[c]);
      }
    }
  }

  void start_sampling() {
    // Hash every held row once; from now on each new row competes for a slot.
    std::vector<double> saved_num = row_num;
    std::vector<std::uint32_t> saved_cat = row_cat;
    heap.reserve(held);
    for (std::uint64_t slot = 0; slot < held; ++slot) {
      load_slot(slot);
      heap.emplace_back(row_hash(), slot);
    }
    std::make_heap(heap.begin(), heap.end());
    row_num = std::move(saved_num);
    row_cat = std::move(saved_cat);
    sampling = true;
  }

  // Adds the row in row_num/row_cat.
  void insert() {
    ++seen;
    if (held < max_rows) {
      append_row();
      ++held;
      return;
    }
    if (!sampling) start_sampling();
    std::uint64_t h = row_hash();
    if (h >= heap.front().first) return;
    std::pop_heap(heap.begin(), heap.end());
    std::uint64_t slot = heap.back().second;
    heap.back() = {h, slot};
    std::push_heap(heap.begin(), heap.end());
    store_slot(slot);
  }
};

WindowBuilder::WindowBuilder(const std::vector<drift::ColumnRequest>& columns,
                             std::uint64_t max_rows, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(columns, max_rows, seed)) {}

WindowBuilder::~WindowBuilder() = default;

void WindowBuilder::row(std::span<const FieldView> fields) {
  Impl& m = *impl_;
  const std::size_t n = m.decode.size();
  if (fields.size() != n) throw DecodeError("row has the wrong number of fields");
  // Until the window outgrows max_rows, values go straight into their columns.
  const bool direct = m.held < m.max_rows;
  for (std::size_t c = 0; c < n; ++c) {
    const FieldView& f = fields[c];
    switch (m.decode[c]) {
      case Impl::Decode::float8: {
        double v = drift::missing_value();
        if (f.length == 8) {
          double x = read_f64(f.data);
          if (std::isfinite(x)) v = x;
        } else if (f.length >= 0) {
          throw DecodeError("float8 field of " + std::to_string(f.length) + " bytes");
        }
        if (direct) {
          m.num_out[c]->push_back(v);
        } else {
          m.row_num[c] = v;
        }
        break;
      }
      case Impl::Decode::number_text: {
        double v = f.length < 0 ? drift::missing_value()
                                : parse_number_text(std::string_view(f.data, static_cast<std::size_t>(f.length)));
        if (direct) {
          m.num_out[c]->push_back(v);
        } else {
          m.row_num[c] = v;
        }
        break;
      }
      case Impl::Decode::category: {
        std::uint32_t id = f.length < 0 ? drift::CategoricalColumn::kMissingCategory
                                        : m.intern(c, std::string_view(f.data, static_cast<std::size_t>(f.length)));
        if (direct) {
          m.cat_out[c]->push_back(id);
        } else {
          m.row_cat[c] = id;
        }
        break;
      }
    }
  }
  if (direct) {
    ++m.held;
    ++m.seen;
  } else {
    m.insert();
  }
}

void WindowBuilder::merge(WindowBuilder&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  if (o.requests.size() != m.requests.size()) throw DecodeError("merging windows of different shapes");
  // Map the other builder's category ids to ours once.
  std::vector<std::vector<std::uint32_t>> remap(m.requests.size());
  for (std::size_t c = 0; c < m.requests.size(); ++c) {
    if (m.requests[c].kind != drift::FeatureKind::categorical) continue;
    const auto& dict = std::get<drift::CategoricalColumn>(o.data.columns[c]).dictionary;
    remap[c].reserve(dict.size());
    for (const auto& s : dict) remap[c].push_back(m.intern(c, s));
  }
  std::uint64_t unsampled_extra = o.seen - o.held;  // rows the other slice already sampled away
  for (std::uint64_t slot = 0; slot < o.held; ++slot) {
    o.load_slot(slot);
    for (std::size_t c = 0; c < m.requests.size(); ++c) {
      if (m.requests[c].kind == drift::FeatureKind::numerical) {
        m.row_num[c] = o.row_num[c];
      } else {
        m.row_cat[c] = o.row_cat[c] == drift::CategoricalColumn::kMissingCategory
                           ? drift::CategoricalColumn::kMissingCategory
                           : remap[c][o.row_cat[c]];
      }
    }
    m.insert();
  }
  m.seen += unsampled_extra;
  other.impl_ = std::make_unique<Impl>(o.requests, o.max_rows, o.seed);
}

std::uint64_t WindowBuilder::rows_seen() const { return impl_->seen; }

drift::WindowData WindowBuilder::take() {
  Impl& m = *impl_;
  drift::WindowData out = std::move(m.data);
  out.rows = m.held;
  out.rows_in_window = m.seen;
  out.sampled = m.seen > m.held;
  impl_ = std::make_unique<Impl>(m.requests, m.max_rows, m.seed);
  return out;
}

}  // namespace driftd::storage
