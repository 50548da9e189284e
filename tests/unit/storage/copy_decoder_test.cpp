// The binary COPY decoder and the window builder, on streams written by hand: no database.

#include "driftd/storage/copy_decoder.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace driftd;
using namespace driftd::storage;

namespace {

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A field: a float8, text, or NULL.
struct Field {
  std::optional<std::string> bytes;
  static Field number(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    std::string s;
    put_be(s, bits, 8);
    return {s};
  }
  static Field text(std::string t) { return {std::move(t)}; }
  static Field null() { return {std::nullopt}; }
};

std::string copy_stream(const std::vector<std::vector<Field>>& rows) {
  std::string out("PGCOPY\n\377\r\n\0", 11);
  put_be(out, 0, 4);  // flags
  put_be(out, 0, 4);  // header extension length
  for (const auto& row : rows) {
    put_be(out, row.size(), 2);
    for (const auto& f : row) {
      if (!f.bytes) {
        put_be(out, 0xffffffffu, 4);
        continue;
      }
      put_be(out, f.bytes->size(), 4);
      out += *f.bytes;
    }
  }
  put_be(out, 0xffff, 2);  // trailer: -1
  return out;
}

struct Collect final : RowSink {
  std::vector<std::vector<std::optional<std::string>>> rows;
  void row(std::span<const FieldView> fields) override {
    std::vector<std::optional<std::string>> r;
    for (const auto& f : fields) {
      if (f.length < 0) {
        r.emplace_back(std::nullopt);
      } else {
        r.emplace_back(std::string(f.data, static_cast<std::size_t>(f.length)));
      }
    }
    rows.push_back(std::move(r));
  }
};

drift::ColumnRequest column(drift::FeatureKind kind, std::string json_key = "") {
  drift::ColumnRequest c;
  c.column = std::string(1, 'c');  // (= "c" trips GCC 12's -Wrestrict false positive)
  c.kind = kind;
  c.json_key = std::move(json_key);
  return c;
}

}  // namespace

TEST_CASE("the decoder gives the same rows whatever the chunk boundaries") {
  const std::string stream = copy_stream({{Field::text("a"), Field::null()},
                                          {Field::text(""), Field::text("xyz")},
                                          {Field::null(), Field::text("q")}});
  const std::size_t chunk = GENERATE(1, 2, 3, 7, 19, 1000);
  CAPTURE(chunk);
  CopyBinaryDecoder decoder(2);
  Collect sink;
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    decoder.feed(std::string_view(stream).substr(i, chunk), sink);
  }
  decoder.finish();
  CHECK(decoder.rows() == 3);
  REQUIRE(sink.rows.size() == 3);
  CHECK(sink.rows[0][0] == std::optional<std::string>("a"));
  CHECK_FALSE(sink.rows[0][1]);
  CHECK(sink.rows[1][0] == std::optional<std::string>(""));  // empty text is not NULL
  CHECK(sink.rows[1][1] == std::optional<std::string>("xyz"));
  CHECK_FALSE(sink.rows[2][0]);
}

TEST_CASE("the decoder refuses what is not a complete binary COPY of the expected shape") {
  Collect sink;
  SECTION("a bad signature") {
    CopyBinaryDecoder d(1);
    CHECK_THROWS_AS(d.feed(std::string("PGCOPY\n\377\r\n\1________", 19), sink), DecodeError);
  }
  SECTION("a tuple with another number of fields") {
    CopyBinaryDecoder d(2);
    CHECK_THROWS_AS(d.feed(copy_stream({{Field::text("a")}}), sink), DecodeError);
  }
  SECTION("a field longer than what follows, then the end") {
    std::string s = copy_stream({{Field::text("abcdef")}});
    s.resize(s.size() - 5);  // cut inside the field (and the trailer)
    CopyBinaryDecoder d(1);
    d.feed(s, sink);
    CHECK(sink.rows.empty());
    CHECK_THROWS_AS(d.finish(), DecodeError);
  }
  SECTION("no trailer") {
    std::string s = copy_stream({{Field::text("a")}});
    s.resize(s.size() - 2);
    CopyBinaryDecoder d(1);
    d.feed(s, sink);
    CHECK(sink.rows.size() == 1);
    CHECK_THROWS_AS(d.finish(), DecodeError);
  }
}

TEST_CASE("the window builder turns fields into columns, missing and invalid counted apart") {
  WindowBuilder b({column(drift::FeatureKind::numerical), column(drift::FeatureKind::categorical),
                   column(drift::FeatureKind::numerical, "k")},
                  1000, 42);
  CopyBinaryDecoder d(3);
  d.feed(copy_stream({{Field::number(1.5), Field::text("DE"), Field::text(" 2.5 ")},
                      {Field::null(), Field::null(), Field::text("abc")},
                      {Field::number(std::nan("")), Field::text("FR"), Field::text("Infinity")},
                      {Field::number(-3), Field::text("DE"), Field::null()}}),
         b);
  d.finish();
  drift::WindowData w = b.take();
  CHECK(w.rows == 4);
  CHECK_FALSE(w.sampled);
  REQUIRE(w.columns.size() == 3);
  const auto& num = std::get<drift::NumericalColumn>(w.columns[0]).values;
  REQUIRE(num.size() == 4);
  CHECK(num[0] == 1.5);
  CHECK(std::isnan(num[1]));
  CHECK(std::isnan(num[2]));
  CHECK(num[3] == -3);
  const auto& cat = std::get<drift::CategoricalColumn>(w.columns[1]);
  REQUIRE(cat.ids.size() == 4);
  CHECK(cat.dictionary[cat.ids[0]] == "DE");
  CHECK(cat.ids[1] == drift::CategoricalColumn::kMissingCategory);
  CHECK(cat.ids[3] == cat.ids[0]);  // interned
  const auto& key = std::get<drift::NumericalColumn>(w.columns[2]).values;
  CHECK(key[0] == 2.5);                          // json text parsed, whitespace allowed
  CHECK(drift::is_invalid_value(key[1]));        // present, not a number: invalid
  CHECK(std::isnan(key[2]));                     // Infinity: missing
  CHECK_FALSE(drift::is_invalid_value(key[2]));  // ... but not invalid
  CHECK(std::isnan(key[3]));
}

TEST_CASE("a window over max_rows is sampled reproducibly, whatever the order rows arrive in") {
  std::vector<std::vector<Field>> rows;
  for (int i = 0; i < 5000; ++i) rows.push_back({Field::number(i)});
  auto sample = [&](const std::vector<std::vector<Field>>& in, std::uint64_t seed) {
    WindowBuilder b({column(drift::FeatureKind::numerical)}, 100, seed);
    CopyBinaryDecoder d(1);
    d.feed(copy_stream(in), b);
    d.finish();
    drift::WindowData w = b.take();
    CHECK(w.sampled);
    CHECK(w.rows == 100);
    CHECK(w.rows_in_window == 5000);
    std::vector<double> v;
    const auto& c = std::get<drift::NumericalColumn>(w.columns[0]).values;
    for (std::size_t i = 0; i < c.size(); ++i) v.push_back(c[i]);
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto a = sample(rows, 7);
  std::vector<std::vector<Field>> reversed(rows.rbegin(), rows.rend());
  CHECK(sample(reversed, 7) == a);
  CHECK(sample(rows, 8) != a);
  // Uniform: the sample's mean is near the window's (2499.5; σ of the mean ≈ 144).
  double mean = 0;
  for (double v : a) mean += v / static_cast<double>(a.size());
  CHECK(std::abs(mean - 2499.5) < 600);
}

TEST_CASE("number texts as json keys are read") {
  CHECK(parse_number_text("42") == 42);
  CHECK(parse_number_text("\t-1e3 ") == -1000);
  CHECK(std::isnan(parse_number_text("NaN")));
  CHECK(std::isnan(parse_number_text("-infinity")));
  CHECK(std::isnan(parse_number_text("1e999")));
  CHECK(drift::is_invalid_value(parse_number_text("12abc")));
  CHECK(drift::is_invalid_value(parse_number_text("")));
}
