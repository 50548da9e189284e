// Per-segment drift: the ranking and cap of the segments (the rest as __other__), each segment
// compared with the reference rows of the same segment, min_rows per segment, and JSON.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "columns.hpp"
#include "driftd/drift/segments.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace driftd::drift::test;
using namespace std::chrono_literals;

namespace {

struct Row {
  std::optional<std::string> segment;
  double x;
  std::string c;
};

EvaluationSpec spec() {
  EvaluationSpec s;
  s.monitor = "segmented";
  s.columns = {{"x", FeatureKind::numerical}, {"c", FeatureKind::categorical}};
  s.bins = 10;
  s.min_rows = 50;
  s.thresholds = {Threshold::above("psi", 0.2)};
  return s;
}

// The spec's two columns, then the segment column (as the daemon lays a request out).
WindowData window(const std::vector<Row>& rows, Timestamp to) {
  WindowData w;
  w.from = to - 1h;
  w.to = to;
  w.rows = w.rows_in_window = rows.size();
  std::vector<double> x;
  std::vector<std::optional<std::string>> c, seg;
  for (const auto& r : rows) {
    x.push_back(r.x);
    c.push_back(r.c);
    seg.push_back(r.segment);
  }
  w.columns.push_back(numerical_column(x));
  w.columns.push_back(categorical_column(c));
  w.columns.push_back(categorical_column(seg));
  return w;
}

// `n` rows of a segment: x spread over [shift, shift + 100), c cycling over three categories.
void add_rows(std::vector<Row>& rows, const std::optional<std::string>& segment, int n,
              double shift = 0) {
  for (int i = 0; i < n; ++i) {
    rows.push_back({segment, shift + (i * 37) % 100, i % 3 == 0 ? "u" : i % 3 == 1 ? "v" : "w"});
  }
}

// The whole pipeline as the daemon runs it: overall compare, then the segments.
Evaluation evaluate(const std::vector<Row>& current, const std::vector<Row>& reference,
                    std::size_t max) {
  const Timestamp at = *parse_rfc3339("2026-03-01T12:00:00Z");
  const EvaluationSpec s = spec();
  WindowData cur = window(current, at);
  WindowData ref = window(reference, at - 24h);
  SegmentedRows cur_seg = segmented_rows(cur, 2, cur.columns[2]);
  SegmentedRows ref_seg = segmented_rows(ref, 2, ref.columns[2]);
  cur.columns.resize(2);
  ref.columns.resize(2);
  FrozenReference frozen = freeze(s, prepare_window(s, std::move(ref), serial_for));
  Evaluation e = compare(s, frozen, prepare_window(s, std::move(cur), serial_for), at, serial_for);
  add_segments(e, s, "country", max, std::move(cur_seg), std::move(ref_seg), serial_for);
  return e;
}

const SegmentResult* find(const Evaluation& e, const std::string& name) {
  for (const auto& s : e.segments) {
    if (s.segment == name) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("segments rank by current rows, ties by name, capped at max") {
  Column seg = categorical_column(
      {"fr", "de", "de", std::nullopt, "us", "fr", "de", std::nullopt, "it", "__other__"});
  const auto& c = std::get<CategoricalColumn>(seg);
  CHECK(top_segments(c, 10) ==
        std::vector<std::string>{"de", "__missing__", "fr", "it", "us"});  // __other__ never
  CHECK(top_segments(c, 2) == std::vector<std::string>{"de", "__missing__"});
  CHECK(top_segments(c, 3) == std::vector<std::string>{"de", "__missing__", "fr"});
  CHECK(top_segments(CategoricalColumn{}, 3).empty());
}

TEST_CASE("each segment against the reference rows of the same segment, the rest as __other__") {
  std::vector<Row> current, reference;
  // Five segments in the current window; "de" drifts (x shifted by 60), the others do not.
  add_rows(current, "de", 400, 60);
  add_rows(current, "fr", 300);
  add_rows(current, "it", 200);
  add_rows(current, "es", 100);
  add_rows(current, std::nullopt, 80);
  for (const char* s : {"de", "fr", "it", "es"}) add_rows(reference, std::string(s), 300);
  add_rows(reference, std::nullopt, 100);
  add_rows(reference, "pt", 100);  // only in the reference: joins __other__

  const Evaluation e = evaluate(current, reference, 2);
  CHECK(e.segment_column == "country");
  REQUIRE(e.segments.size() == 3);  // max = 2, plus __other__
  CHECK(e.segments[0].segment == "de");
  CHECK(e.segments[1].segment == "fr");
  CHECK(e.segments[2].segment == "__other__");

  const SegmentResult& de = e.segments[0];
  CHECK(de.status == Status::drift);
  CHECK(de.current_rows == 400);
  CHECK(de.reference_rows == 300);
  REQUIRE(de.features.size() == 2);
  CHECK(de.features[0].name == "x");
  CHECK(de.features[0].status == Status::drift);
  CHECK(de.features[0].breaches == std::vector<std::string>{"psi"});
  CHECK(de.features[1].name == "c");
  CHECK(de.features[1].status == Status::ok);
  CHECK(de.features[0].statistics.current_count == 400);

  const SegmentResult& fr = e.segments[1];
  CHECK(fr.status == Status::ok);
  CHECK(*fr.features[0].statistics.get("psi") == Approx(0).margin(1e-9));

  const SegmentResult& other = e.segments[2];
  CHECK(other.current_rows == 200 + 100 + 80);
  CHECK(other.reference_rows == 300 + 300 + 100 + 100);
  CHECK(other.status == Status::ok);

  // The overall statistics are those of the whole windows (the drift of "de" is diluted there),
  // and the drifting segment makes the evaluation `drift`.
  CHECK(e.features[0].statistics.current_count == 1080);
  CHECK(e.status == Status::drift);
}

TEST_CASE("min_rows applies per segment; __other__ only when some row falls outside") {
  std::vector<Row> current, reference;
  add_rows(current, "big", 200);
  add_rows(current, "small", 20);  // fewer than min_rows = 50
  add_rows(reference, "big", 200);
  add_rows(reference, "small", 200);

  const Evaluation e = evaluate(current, reference, 5);
  REQUIRE(e.segments.size() == 2);  // two values, max 5: no __other__
  CHECK(e.segments[0].segment == "big");
  CHECK(e.segments[0].status == Status::ok);
  CHECK(e.segments[1].segment == "small");
  CHECK(e.segments[1].status == Status::insufficient_data);
  CHECK(e.segments[1].features[0].status == Status::insufficient_data);
  CHECK(e.segments[1].features[0].breaches.empty());
  CHECK(e.status == Status::ok);

  // The current window holds no row of a segment the reference has: __other__ has only reference
  // rows, so it is insufficient_data.
  std::vector<Row> reference2 = reference;
  add_rows(reference2, "gone", 100);
  const Evaluation e2 = evaluate(current, reference2, 2);
  REQUIRE(e2.segments.size() == 3);
  CHECK(e2.segments[2].segment == "__other__");
  CHECK(e2.segments[2].current_rows == 0);
  CHECK(e2.segments[2].reference_rows == 100);
  CHECK(e2.segments[2].status == Status::insufficient_data);
}

TEST_CASE("a segment's statistics equal those of its rows evaluated alone") {
  std::vector<Row> current, reference, de_current, de_reference;
  add_rows(current, "de", 300, 25);
  add_rows(current, "fr", 300, 5);
  add_rows(reference, "de", 250);
  add_rows(reference, "fr", 250, 10);
  for (const auto& r : current)
    if (r.segment == "de") de_current.push_back(r);
  for (const auto& r : reference)
    if (r.segment == "de") de_reference.push_back(r);
  const Evaluation whole = evaluate(current, reference, 1);
  const Evaluation alone = evaluate(de_current, de_reference, 1);
  REQUIRE(whole.segments.size() == 2);
  const SegmentResult* de = find(whole, "de");
  REQUIRE(de != nullptr);
  for (std::size_t f = 0; f < 2; ++f) {
    CHECK(de->features[f].statistics.values == alone.features[f].statistics.values);
  }
}

TEST_CASE("segments in the evaluation JSON, read back") {
  std::vector<Row> current, reference;
  add_rows(current, "de", 200, 60);
  add_rows(current, "fr", 100);
  add_rows(current, "it", 60);
  add_rows(reference, "de", 200);
  add_rows(reference, "fr", 200);
  add_rows(reference, "it", 200);
  const Evaluation e = evaluate(current, reference, 2);
  const std::string json = to_json(e);
  const auto j = nlohmann::json::parse(json);
  CHECK(j["segment_column"] == "country");
  REQUIRE(j["segments"].size() == 3);
  CHECK(j["segments"][0]["segment"] == "de");
  CHECK(j["segments"][0]["status"] == "drift");
  CHECK(j["segments"][0]["current_rows"] == 200);
  CHECK(j["segments"][0]["reference_rows"] == 200);
  CHECK(j["segments"][0]["features"][0]["name"] == "x");
  CHECK(j["segments"][0]["features"][0]["breaches"] == nlohmann::json::array({"psi"}));
  CHECK(j["segments"][0]["prediction"].is_null());
  CHECK(j["segments"][2]["segment"] == "__other__");

  const Evaluation back = evaluation_from_json(reordered(json));
  CHECK(to_json(back) == json);

  // Without a segment the evaluation has neither member.
  Evaluation plain = e;
  plain.segment_column.clear();
  plain.segments.clear();
  const auto p = nlohmann::json::parse(to_json(plain));
  CHECK_FALSE(p.contains("segment_column"));
  CHECK_FALSE(p.contains("segments"));
}

TEST_CASE("the segment column must match the window") {
  WindowData w = window({{"de", 1, "u"}, {"fr", 2, "v"}}, *parse_rfc3339("2026-03-01T12:00:00Z"));
  CHECK_THROWS_WITH(segmented_rows(w, 2, w.columns[0]),
                    Catch::Contains("segment column must be categorical"));
  Column short_column = categorical_column({"de"});
  CHECK_THROWS_WITH(segmented_rows(w, 2, short_column), Catch::Contains("1 values for 2 rows"));
}

TEST_CASE("learned thresholds apply overall only: a segment has no learned level") {
  std::vector<Row> current, reference;
  add_rows(current, "de", 300, 60);
  add_rows(reference, "de", 300);
  const Timestamp at = *parse_rfc3339("2026-03-01T12:00:00Z");
  EvaluationSpec s = spec();
  Threshold learned = Threshold::above("psi", 0);
  learned.learned = true;
  s.thresholds = {learned};
  WindowData cur = window(current, at);
  WindowData ref = window(reference, at - 24h);
  SegmentedRows cur_seg = segmented_rows(cur, 2, cur.columns[2]);
  SegmentedRows ref_seg = segmented_rows(ref, 2, ref.columns[2]);
  cur.columns.resize(2);
  ref.columns.resize(2);
  FrozenReference frozen = freeze(s, prepare_window(s, std::move(ref), serial_for));
  frozen.learned.push_back({0, "psi", 3, 20, AppliedThreshold{"psi", 0.05, 0.02, 0.01, 20}});
  Evaluation e = compare(s, frozen, prepare_window(s, std::move(cur), serial_for), at, serial_for);
  CHECK(e.features[0].breaches == std::vector<std::string>{"psi"});  // overall: learned level
  add_segments(e, s, "country", 3, std::move(cur_seg), std::move(ref_seg), serial_for);
  REQUIRE(e.segments.size() == 1);
  CHECK(e.segments[0].features[0].thresholds.empty());
  CHECK(e.segments[0].features[0].breaches.empty());
  CHECK(e.segments[0].status == Status::ok);
}
