// GET /ui/monitors/{name}: what moved, against what, since when — and what to do about it.

#include <algorithm>
#include <map>

#include "charts.hpp"
#include "html.hpp"

namespace driftd::ui {

using detail::Html;

namespace {

struct Level {
  double value = 0;
  bool below = false;
  bool learned = false;
};

// The threshold that applies to `statistic` of a subject (learned ones need the feature).
std::optional<Level> level_of(const std::vector<drift::Threshold>& thresholds,
                              std::string_view statistic, const drift::FeatureResult* f) {
  for (const auto& t : thresholds) {
    if (t.statistic != statistic) continue;
    if (t.learned) {
      if (f == nullptr) continue;
      if (const auto l = f->learned_level(statistic)) return Level{*l, t.below(), true};
      continue;
    }
    return Level{t.level, t.below(), false};
  }
  return std::nullopt;
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The card of a feature: "f-" and its name percent-encoded, as alerts::report_link links to it.
std::string card_id(std::string_view feature) { return "f-" + detail::url_encode(feature); }

std::string silence_href(std::string_view monitor, std::string_view feature,
                         std::string_view statistic) {
  std::string href = "/ui/alerts?monitor=" + detail::url_encode(monitor);
  if (!feature.empty()) href += "&feature=" + detail::url_encode(feature);
  if (!statistic.empty()) href += "&statistic=" + detail::url_encode(statistic);
  return href + "#new-silence";
}

class MonitorRenderer {
 public:
  MonitorRenderer(const MonitorPage& page, const PageContext& ctx) : p_(page), ctx_(ctx) {
    for (const auto& s : page.series) series_[{s.key.feature, s.key.statistic}] = &s;
  }

  std::string render() && {
    detail::open_page(h_, p_.name, "monitors", ctx_);
    header();
    if (!p_.latest) {
      h_.raw("<p class=\"notice\">Not evaluated yet.");
      if (p_.next_run_at) h_.raw(" The first evaluation is due ").time(*p_.next_run_at, ctx_);
      h_.raw("</p>");
      detail::close_page(h_, ctx_);
      return std::move(h_).str();
    }
    const auto& e = *p_.latest;
    retrain();
    alerts();
    history_form(e);
    summary(e);
    h_.raw("<h2 id=\"features\">Features</h2><div class=\"cards\">");
    for (std::size_t i = 0; i < e.features.size(); ++i) {
      feature_card(e.features[i], e.features[i].name, card_id(e.features[i].name));
    }
    if (e.prediction)
      feature_card(*e.prediction, std::string(drift::kPredictionName), "prediction");
    h_.raw("</div>");
    if (e.confidence) confidence(*e.confidence);
    if (e.dataset) dataset(*e.dataset);
    if (e.performance) performance(*e.performance);
    if (e.system) system(*e.system);
    if (!e.segment_column.empty()) segments(e);
    if (e.challenger) challenger(*e.challenger);
    if (e.freshness) freshness(*e.freshness);
    if (!e.metrics.empty()) metrics(e.metrics);
    detail::close_page(h_, ctx_);
    return std::move(h_).str();
  }

 private:
  void window(const char* name, const drift::WindowInfo& w) {
    h_.raw("<dt>").raw(name).raw("</dt><dd>").time(w.from, ctx_, false).raw(" → ");
    h_.time(w.to, ctx_, false).raw(", ").integer(w.rows).raw(" rows");
    if (w.sampled) h_.raw(" (sampled from ").integer(w.rows_in_window).raw(")");
    h_.raw("</dd>");
  }

  void header() {
    h_.raw("<h1>").text(p_.name).raw(" ").status_badge(p_.status).raw("</h1><dl class=\"facts\">");
    if (p_.latest) {
      const auto& e = *p_.latest;
      h_.raw("<dt>evaluated</dt><dd>").time(e.evaluated_at, ctx_);
      if (std::string(drift::to_string(e.status)) != p_.status) {
        h_.raw(" <span class=\"muted\">(the last good evaluation, ")
            .text(drift::to_string(e.status));
        h_.raw(")</span>");
      }
      h_.raw("</dd>");
    }
    if (p_.next_run_at) h_.raw("<dt>next run</dt><dd>").time(*p_.next_run_at, ctx_).raw("</dd>");
    if (p_.latest) {
      window("current window", p_.latest->current_window);
      window("reference window", p_.latest->reference_window);
      if (p_.latest->error) {
        h_.raw("<dt>error</dt><dd class=\"s-error\">").text(*p_.latest->error).raw("</dd>");
      }
    }
    const std::string api = "/api/v1/monitors/" + detail::url_encode(p_.name);
    h_.raw("<dt>JSON</dt><dd><a").attr("href", api + "/drift").raw(">drift</a> · <a");
    h_.attr("href", api + "/history?limit=20").raw(">history</a> · <a");
    h_.attr("href", api + "/retrain").raw(">retrain</a></dd></dl>");
  }

  void retrain() {
    h_.raw("<section aria-labelledby=\"retrain-h\"><h2 id=\"retrain-h\">Retrain?</h2>");
    if (p_.retrain_error) {
      h_.raw("<p class=\"notice\">Unavailable: ").text(*p_.retrain_error).raw("</p></section>");
      return;
    }
    if (!p_.retrain) {
      h_.raw("<p class=\"muted\">No decision yet.</p></section>");
      return;
    }
    const auto& r = *p_.retrain;
    h_.raw("<p id=\"retrain\"").attr("data-retrain", r.should_retrain ? "true" : "false").raw(">");
    if (r.should_retrain) {
      h_.raw("<strong class=\"mark\">Yes</strong>: ");
      h_.raw(r.reasons.size() == 1 ? "one statistic is" : "these statistics are");
      h_.raw(" beyond the thresholds that decide retraining.");
    } else {
      h_.raw("<strong>No</strong>: no statistic that decides retraining is beyond its threshold");
      if (r.status != "ok" && r.status != "drift") {
        h_.raw(" (the latest evaluation is ").text(r.status).raw(": it does not change it)");
      }
      h_.raw(".");
    }
    if (r.evaluated_at) h_.raw(" Based on the evaluation of ").time(*r.evaluated_at, ctx_, false);
    h_.raw("</p>");
    if (!r.reasons.empty()) {
      h_.raw(
          "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">subject</th><th "
          "scope=\"col\">statistic</th><th scope=\"col\" class=\"num\">value</th><th "
          "scope=\"col\" class=\"num\">threshold</th><th scope=\"col\">evaluated</th></tr>"
          "</thead><tbody>");
      for (const auto& reason : r.reasons) {
        h_.raw("<tr><td class=\"name\">").text(detail::subject_label(reason.feature));
        h_.raw("</td><td>").text(reason.statistic).raw("</td><td class=\"num\">");
        h_.number(reason.value).raw("</td><td class=\"num\">").number(reason.threshold);
        h_.raw("</td><td>");
        if (reason.evaluated_at) {
          h_.time(*reason.evaluated_at, ctx_, false);
        } else {
          h_.raw("latest");
        }
        h_.raw("</td></tr>");
      }
      h_.raw("</tbody></table></div>");
    }
    h_.raw("</section>");
  }

  void alerts() {
    h_.raw("<section aria-labelledby=\"alerts-h\"><h2 id=\"alerts-h\">Alerts</h2>");
    if (p_.alerts_error) {
      h_.raw("<p class=\"notice\">Unavailable: ").text(*p_.alerts_error).raw("</p></section>");
      return;
    }
    std::vector<const AlertView*> firing;
    for (const auto& a : p_.alerts) {
      if (a.state == "firing") firing.push_back(&a);
    }
    if (firing.empty()) {
      h_.raw("<p>None firing.");
    } else {
      h_.raw(
          "<div class=\"table-wrap\"><table id=\"monitor-alerts\"><thead><tr><th "
          "scope=\"col\">subject</th><th scope=\"col\">statistic</th><th scope=\"col\" "
          "class=\"num\">value</th><th scope=\"col\" class=\"num\">threshold</th><th "
          "scope=\"col\">severity</th><th scope=\"col\">since</th><th scope=\"col\"><span "
          "class=\"muted\">action</span></th></tr></thead><tbody>");
      for (const AlertView* a : firing) {
        h_.raw("<tr><td class=\"name\">").text(detail::subject_label(a->feature));
        if (!a->segment.empty())
          h_.raw(" <span class=\"muted\">in segment</span> ").text(a->segment);
        h_.raw("</td><td>").text(a->statistic).raw("</td><td class=\"num\">");
        if (a->value) h_.number(*a->value);
        h_.raw("</td><td class=\"num\">");
        if (a->threshold) h_.raw(a->below ? "&lt; " : "&gt; ").number(*a->threshold);
        h_.raw("</td><td><span").attr("class", "sev-" + a->severity).raw(">").text(a->severity);
        h_.raw("</span></td><td>");
        if (a->started_at) h_.time(*a->started_at, ctx_);
        h_.raw("</td><td><a").attr("href", silence_href(p_.name, a->feature, a->statistic));
        h_.raw(">Silence…</a></td></tr>");
      }
      h_.raw("</tbody></table></div><p>");
    }
    h_.raw(" <a").attr("href", silence_href(p_.name, "", "")).raw(">Silence this monitor…</a>");
    h_.raw(" · <a href=\"/ui/alerts\">all alerts and silences</a></p></section>");
  }

  void history_form(const drift::Evaluation& e) {
    std::vector<std::string> stats;
    auto collect = [&](const drift::FeatureResult& f) {
      for (const auto& [name, v] : f.statistics.values) {
        if (!has(stats, name)) stats.push_back(name);
      }
    };
    for (const auto& f : e.features) collect(f);
    if (e.prediction) collect(*e.prediction);
    h_.raw(
        "<form class=\"inline\" method=\"get\" id=\"history-form\" aria-label=\"History "
        "charts\"><div><label for=\"stat\">History of</label><select id=\"stat\" name=\"stat\" "
        "data-autosubmit>");
    for (const auto& s : stats) {
      h_.raw("<option").attr("value", s);
      if (s == p_.history.statistic) h_.raw(" selected");
      h_.raw(">").text(s).raw("</option>");
    }
    h_.raw(
        "</select></div><div><label for=\"range\">over the last</label><select id=\"range\" "
        "name=\"range\" data-autosubmit>");
    for (const auto r : history_ranges()) {
      const std::string text = format_duration(r);
      h_.raw("<option").attr("value", text);
      if (r == p_.history.range) h_.raw(" selected");
      h_.raw(">").text(text).raw("</option>");
    }
    h_.raw("</select></div><div><button type=\"submit\">Show</button></div></form>");
    if (p_.history_error) {
      h_.raw("<p class=\"notice\" role=\"status\">History unavailable: ").text(*p_.history_error);
      h_.raw("</p>");
    }
  }

  void summary(const drift::Evaluation& e) {
    h_.raw(
        "<details open><summary>All features at a glance</summary><div "
        "class=\"table-wrap\"><table id=\"feature-summary\"><thead><tr><th "
        "scope=\"col\">feature</th><th scope=\"col\">kind</th><th scope=\"col\">status</th><th "
        "scope=\"col\" class=\"num\">psi</th><th scope=\"col\">breaches</th></tr></thead><tbody>");
    auto row = [&](const drift::FeatureResult& f, std::string_view label, const std::string& id) {
      h_.raw("<tr><th scope=\"row\" class=\"name\"><a").attr("href", "#" + id).raw(">");
      h_.text(label).raw("</a></th><td>").text(drift::to_string(f.kind)).raw("</td><td>");
      h_.status_badge(drift::to_string(f.status)).raw("</td><td class=\"num\">");
      if (const auto psi = f.statistics.get("psi")) h_.number(*psi);
      h_.raw("</td><td class=\"name\">");
      for (std::size_t i = 0; i < f.breaches.size(); ++i) {
        if (i > 0) h_.raw(", ");
        h_.raw("<span class=\"mark\">").text(f.breaches[i]).raw("</span>");
      }
      h_.raw("</td></tr>");
    };
    for (std::size_t i = 0; i < e.features.size(); ++i) {
      row(e.features[i], e.features[i].name, card_id(e.features[i].name));
    }
    if (e.prediction) row(*e.prediction, "prediction", "prediction");
    h_.raw("</tbody></table></div></details>");
  }

  // A table of statistics against their thresholds; a breach is marked by word and colour.
  void statistics_table(const drift::NamedValues& values, const std::vector<std::string>& breaches,
                        const drift::FeatureResult* f) {
    h_.raw(
        "<div class=\"table-wrap\"><table class=\"stats\"><thead><tr><th "
        "scope=\"col\">statistic</th><th scope=\"col\" class=\"num\">value</th><th scope=\"col\" "
        "class=\"num\">threshold</th><th scope=\"col\"><span class=\"muted\">breach</span></th>"
        "</tr></thead><tbody>");
    for (const auto& [name, v] : values) {
      const bool breach = has(breaches, name);
      h_.raw("<tr").attr("data-statistic", name);
      if (breach) h_.raw(" class=\"breach\" data-breach=\"true\"");
      h_.raw("><th scope=\"row\">").text(name).raw("</th><td class=\"num\">").number(v);
      h_.raw("</td><td class=\"num\">");
      if (const auto l = level_of(p_.thresholds, name, f)) {
        h_.raw(l->below ? "&lt; " : "&gt; ").number(l->value);
        if (l->learned) h_.raw(" <span class=\"muted\">learned</span>");
      }
      h_.raw("</td><td>");
      if (breach) h_.raw("<span class=\"mark\">▲ breach</span>");
      h_.raw("</td></tr>");
    }
    h_.raw("</tbody></table></div>");
  }

  void history(std::string_view feature, std::string_view statistic, const drift::FeatureResult* f,
               std::string_view subject) {
    const auto it = series_.find({std::string(feature), std::string(statistic)});
    if (it == series_.end()) return;
    const auto level = level_of(p_.thresholds, statistic, f);
    const Timestamp to = ctx_.now, from = ctx_.now - p_.history.range;
    h_.raw("<h4 class=\"muted\">").text(statistic).raw(", last ");
    h_.text(format_duration(p_.history.range)).raw("</h4>");
    detail::history_chart(
        h_, it->second->points, level ? std::optional<double>(level->value) : std::nullopt,
        level && level->below, from, to, std::string(statistic) + " of " + std::string(subject));
  }

  // A numerical bin is named with the edges' six digits, as in the chart's table.
  void contributors(const std::vector<drift::Contributor>& top, const drift::BinShares* bins) {
    if (top.empty()) return;
    h_.raw(
        "<h4>Top contributors to PSI</h4><div class=\"table-wrap\"><table "
        "class=\"contributors\"><thead><tr><th scope=\"col\">bin</th><th scope=\"col\" "
        "class=\"num\">reference</th><th scope=\"col\" class=\"num\">current</th><th "
        "scope=\"col\" class=\"num\">PSI term</th></tr></thead><tbody>");
    for (const auto& c : top) {
      std::string name = c.bin;
      if (bins != nullptr) {
        for (std::size_t j = 0; j < bins->reference.size(); ++j) {
          if (detail::exact_bin_name(*bins, j) == c.bin) name = detail::bin_name(*bins, j);
        }
      }
      h_.raw("<tr><td class=\"name\">").text(name).raw("</td><td class=\"num\">");
      h_.percent(c.reference_share).raw("</td><td class=\"num\">").percent(c.current_share);
      h_.raw("</td><td class=\"num\">").number(c.psi).raw("</td></tr>");
    }
    h_.raw("</tbody></table></div>");
  }

  void feature_card(const drift::FeatureResult& f, const std::string& key, const std::string& id) {
    const std::string label = detail::subject_label(key);
    h_.raw("<article class=\"card");
    if (f.status == drift::Status::drift) h_.raw(" drift");
    h_.raw("\"").attr("id", id).attr("data-feature", key).attr("aria-labelledby", id + "-h");
    h_.raw("><h3").attr("id", id + "-h").raw(">").text(label).raw(" <span class=\"muted\">");
    h_.text(drift::to_string(f.kind)).raw("</span> ").status_badge(drift::to_string(f.status));
    h_.raw("</h3><p class=\"muted\">").integer(f.statistics.reference_count);
    h_.raw(" reference and ").integer(f.statistics.current_count);
    h_.raw(" current values compared</p>");
    if (!f.statistics.bins.empty()) {
      detail::distribution_chart(h_, f.statistics.bins, f.kind == drift::FeatureKind::numerical,
                                 label, id + "-dist");
    } else if (f.statistics.distribution_defined) {
      h_.raw("<p class=\"muted\">No bins in this evaluation (stored by an older driftd).</p>");
    } else {
      h_.raw("<p class=\"muted\">No distribution: a window has no value of it.</p>");
    }
    statistics_table(f.statistics.values, f.breaches, &f);
    contributors(f.statistics.top_contributors,
                 f.kind == drift::FeatureKind::numerical && !f.statistics.bins.empty()
                     ? &f.statistics.bins
                     : nullptr);
    history(key, p_.history.statistic, &f, label);
    h_.raw("</article>");
  }

  void section_history(std::string_view feature, std::string_view subject) {
    for (const auto& s : p_.series) {
      if (s.key.feature == feature) history(feature, s.key.statistic, nullptr, subject);
    }
  }

  void open_section(const char* id, const char* title, std::optional<drift::Status> status) {
    h_.raw("<section class=\"card\"").attr("id", id).raw("><h2>").raw(title);
    if (status) h_.raw(" ").status_badge(drift::to_string(*status));
    h_.raw("</h2>");
  }

  void confidence(const drift::ConfidenceResult& c) {
    open_section("confidence", "Confidence", std::nullopt);
    h_.raw("<p class=\"muted\">")
        .integer(c.statistics.count)
        .raw(" predictions with a confidence</p>");
    statistics_table(c.statistics.values, c.breaches, nullptr);
    section_history("__confidence__", "confidence");
    h_.raw("</section>");
  }

  void dataset(const drift::DatasetResult& d) {
    open_section("dataset", "Dataset drift", std::nullopt);
    h_.raw("<p>").integer(d.drifted).raw(" of ").integer(d.tested);
    h_.raw(" tested features drift after ").text(drift::to_string(d.correction));
    h_.raw(" correction at α = ").number(d.alpha);
    if (!d.drifted_features.empty()) {
      h_.raw(": ");
      for (std::size_t i = 0; i < d.drifted_features.size(); ++i) {
        if (i > 0) h_.raw(", ");
        h_.raw("<span class=\"name\">").text(d.drifted_features[i]).raw("</span>");
      }
    }
    h_.raw(".</p>");
    statistics_table(d.statistics, d.breaches, nullptr);
    section_history(drift::kDatasetName, "the dataset");
    h_.raw("</section>");
  }

  void performance(const drift::PerformanceResult& r) {
    open_section("performance", "Performance", r.status);
    h_.raw("<p>").text(r.task).raw(": ").integer(r.labelled).raw(" of ").integer(r.rows);
    h_.raw(" predictions labelled (").integer(r.unlabelled).raw(" waiting, ").integer(r.skipped);
    h_.raw(" unusable); reference ").integer(r.reference_labelled).raw(" of ");
    h_.integer(r.reference_rows).raw(".</p>");
    h_.raw(
        "<div class=\"table-wrap\"><table class=\"stats\"><thead><tr><th "
        "scope=\"col\">statistic</th><th scope=\"col\" class=\"num\">current</th><th "
        "scope=\"col\" class=\"num\">reference</th><th scope=\"col\" class=\"num\">threshold</th>"
        "<th scope=\"col\"><span class=\"muted\">breach</span></th></tr></thead><tbody>");
    auto row = [&](const std::string& name, double v, std::optional<double> ref) {
      const bool breach = has(r.breaches, name);
      h_.raw("<tr").attr("data-statistic", name);
      if (breach) h_.raw(" class=\"breach\" data-breach=\"true\"");
      h_.raw("><th scope=\"row\">").text(name).raw("</th><td class=\"num\">").number(v);
      h_.raw("</td><td class=\"num\">");
      if (ref) h_.number(*ref);
      h_.raw("</td><td class=\"num\">");
      if (const auto l = level_of(p_.thresholds, name, nullptr)) {
        h_.raw(l->below ? "&lt; " : "&gt; ").number(l->value);
      }
      h_.raw("</td><td>");
      if (breach) h_.raw("<span class=\"mark\">▲ breach</span>");
      h_.raw("</td></tr>");
    };
    for (const auto& [name, v] : r.statistics) row(name, v, drift::value_of(r.reference, name));
    for (const auto& [name, v] : r.changes) row(name, v, std::nullopt);
    h_.raw("</tbody></table></div>");
    section_history(drift::kPerformanceName, "performance");
    h_.raw("</section>");
  }

  void system(const drift::SystemResult& s) {
    open_section("system", "System health", std::nullopt);
    h_.raw("<p>").integer(s.requests).raw(" requests, ").integer(s.errors).raw(" errors, ");
    h_.integer(s.latencies).raw(" latencies (ms).</p>");
    statistics_table(s.statistics, s.breaches, nullptr);
    section_history(drift::kSystemName, "system health");
    h_.raw("</section>");
  }

  void freshness(const drift::FreshnessResult& f) {
    open_section("freshness", "Freshness and volume", std::nullopt);
    h_.raw("<p>");
    if (f.checked) {
      h_.raw("Newest row ");
      if (f.newest_row) {
        h_.time(*f.newest_row, ctx_);
      } else {
        h_.raw("none");
      }
      h_.raw(". ");
    }
    h_.integer(f.rows).raw(" rows in the current window");
    if (!f.baseline.empty()) h_.raw(", volume against ").text(f.baseline);
    h_.raw(".</p>");
    statistics_table(f.statistics, f.breaches, nullptr);
    section_history(drift::kFreshnessName, "freshness");
    h_.raw("</section>");
  }

  void metrics(const std::vector<drift::MetricResult>& metrics) {
    open_section("metrics", "Business metrics", std::nullopt);
    h_.raw(
        "<div class=\"table-wrap\"><table class=\"stats\"><thead><tr><th scope=\"col\">metric</th>"
        "<th scope=\"col\" class=\"num\">value</th><th scope=\"col\" class=\"num\">baseline</th>"
        "<th scope=\"col\" class=\"num\">change</th><th scope=\"col\" class=\"num\">p-value</th>"
        "<th scope=\"col\">status</th></tr></thead><tbody>");
    auto cell = [&](const std::optional<double>& v, bool percent) {
      h_.raw("<td class=\"num\">");
      if (v) percent ? h_.percent(*v) : h_.number(*v);
      h_.raw("</td>");
    };
    for (const auto& m : metrics) {
      const bool breach = !m.breaches.empty();
      h_.raw("<tr").attr("data-metric", m.name);
      if (breach) h_.raw(" class=\"breach\" data-breach=\"true\"");
      h_.raw("><th scope=\"row\" class=\"name\">").text(m.name).raw("</th>");
      const bool rate = m.kind == "rate";
      cell(drift::value_of(m.statistics, "value"), rate);
      cell(drift::value_of(m.statistics, "baseline"), rate);
      cell(drift::value_of(m.statistics, "change"), true);
      cell(drift::value_of(m.statistics, "p_value"), false);
      h_.raw("<td>").status_badge(m.status);
      if (breach) h_.raw(" <span class=\"mark\">▲ breach</span>");
      h_.raw("</td></tr>");
    }
    h_.raw("</tbody></table></div><ul class=\"muted\">");
    for (const auto& m : metrics) {
      if (!m.message.empty()) h_.raw("<li>").text(m.message).raw("</li>");
    }
    h_.raw("</ul>");
    section_history(drift::kMetricsName, "business metrics");
    h_.raw("</section>");
  }

  void segments(const drift::Evaluation& e) {
    open_section("segments", "Segments", std::nullopt);
    h_.raw("<p>By <span class=\"name\">").text(e.segment_column).raw("</span>, largest first.</p>");
    h_.raw(
        "<div class=\"table-wrap\"><table id=\"segment-table\"><thead><tr><th "
        "scope=\"col\">segment</th><th scope=\"col\">status</th><th scope=\"col\" "
        "class=\"num\">current rows</th><th scope=\"col\" class=\"num\">reference rows</th><th "
        "scope=\"col\">breaches</th></tr></thead><tbody>");
    for (const auto& s : e.segments) {
      h_.raw("<tr><th scope=\"row\" class=\"name\">").text(s.segment).raw("</th><td>");
      h_.status_badge(drift::to_string(s.status)).raw("</td><td class=\"num\">");
      h_.integer(s.current_rows).raw("</td><td class=\"num\">").integer(s.reference_rows);
      h_.raw("</td><td class=\"name\">");
      bool first = true;
      auto list = [&](std::string_view subject, const std::vector<std::string>& breaches) {
        if (breaches.empty()) return;
        if (!first) h_.raw("; ");
        first = false;
        h_.text(subject).raw(": <span class=\"mark\">");
        for (std::size_t i = 0; i < breaches.size(); ++i) {
          if (i > 0) h_.raw(", ");
          h_.text(breaches[i]);
        }
        h_.raw("</span>");
      };
      for (const auto& f : s.features) list(f.name, f.breaches);
      if (s.prediction) list("prediction", s.prediction->breaches);
      if (s.confidence) list("confidence", s.confidence->breaches);
      h_.raw("</td></tr>");
    }
    h_.raw("</tbody></table></div>");
    for (const auto& s : e.segments) {
      h_.raw("<details><summary>Segment <span class=\"name\">").text(s.segment);
      h_.raw(
          "</span></summary><div class=\"table-wrap\"><table><thead><tr><th "
          "scope=\"col\">feature</th><th scope=\"col\">status</th><th scope=\"col\" "
          "class=\"num\">psi</th><th scope=\"col\">breaches</th></tr></thead><tbody>");
      auto row = [&](const drift::FeatureResult& f, std::string_view label) {
        h_.raw("<tr><th scope=\"row\" class=\"name\">").text(label).raw("</th><td>");
        h_.status_badge(drift::to_string(f.status)).raw("</td><td class=\"num\">");
        if (const auto psi = f.statistics.get("psi")) h_.number(*psi);
        h_.raw("</td><td class=\"name\">");
        for (std::size_t i = 0; i < f.breaches.size(); ++i) {
          if (i > 0) h_.raw(", ");
          h_.text(f.breaches[i]);
        }
        h_.raw("</td></tr>");
      };
      for (const auto& f : s.features) row(f, f.name);
      if (s.prediction) row(*s.prediction, "prediction");
      h_.raw("</tbody></table></div></details>");
    }
    h_.raw("</section>");
  }

  void challenger(const drift::ChallengerResult& c) {
    open_section("challenger", "Champion / challenger", c.status);
    if (c.error) h_.raw("<p class=\"notice bad\">").text(*c.error).raw("</p>");
    h_.raw("<p>Verdict: <strong").attr("data-verdict", c.verdict).raw(">");
    h_.text(c.verdict == "no_difference" ? "no significant difference" : c.verdict);
    h_.raw("</strong>");
    if (!c.metric.empty()) {
      h_.raw(" on ").text(c.metric).raw(" (").text(c.test).raw(", α = ").number(c.alpha);
      h_.raw(c.paired ? ", paired" : "").raw(")");
    }
    h_.raw(". Champion ").integer(c.champion.rows).raw(" rows (").integer(c.champion.labelled);
    h_.raw(" labelled), challenger ").integer(c.challenger.rows).raw(" rows (");
    h_.integer(c.challenger.labelled).raw(" labelled).</p>");
    statistics_table(c.statistics, c.breaches, nullptr);
    section_history(drift::kChallengerName, "champion / challenger");
    h_.raw("</section>");
  }

  const MonitorPage& p_;
  const PageContext& ctx_;
  Html h_;
  std::map<std::pair<std::string, std::string>, const drift::StatisticSeries*> series_;
};

}  // namespace

std::string render_monitor(const MonitorPage& page, const PageContext& ctx) {
  return MonitorRenderer(page, ctx).render();
}

}  // namespace driftd::ui
