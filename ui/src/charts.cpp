#include "charts.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace driftd::ui::detail {
namespace {

constexpr double kEpsilon = 1e-4;  // PSI's smoothing of an empty bin (CONTRACT section 5)

// Coordinates with one decimal: small pages, no visible loss.
std::string c(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Cuts text to at most `n` code points (never inside a UTF-8 sequence), marking the cut.
std::string cut(std::string_view s, std::size_t n) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (points == n) return std::string(s.substr(0, i)) + "…";
      ++points;
    }
  }
  return std::string(s);
}

// A round upper bound for shares: 0.05, 0.1, 0.2, 0.3 ... 1.
double share_axis_max(double m) {
  if (m <= 0.05) return 0.05;
  if (m <= 0.1) return 0.1;
  return std::min(1.0, std::ceil(m * 10 - 1e-9) / 10);
}

double psi_term(double r, double cur) {
  const double rs = r == 0 ? kEpsilon : r, cs = cur == 0 ? kEpsilon : cur;
  return (cs - rs) * std::log(cs / rs);
}

std::string short_time(Timestamp t, Duration span) {
  std::string s = format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
  // "2026-11-27T12:00:00Z": the time of day for short spans, the date and hour for long ones
  if (s.size() < 19) return s;
  if (span <= std::chrono::hours(24)) return s.substr(11, 5);
  return s.substr(5, 5) + " " + s.substr(11, 5);
}

}  // namespace

std::string edge_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string bin_name(const drift::BinShares& bins, std::size_t j) {
  return drift::bin_label(bins.edges, bins.point_masses, j, &edge_text);
}

std::string exact_bin_name(const drift::BinShares& bins, std::size_t j) {
  return drift::bin_label(bins.edges, bins.point_masses, j);
}

void distribution_chart(Html& h, const drift::BinShares& bins, bool numerical,
                        std::string_view subject, std::string_view id) {
  struct Bar {
    std::string label;  // full
    std::string tick;   // under the bar (categorical)
    double ref, cur;
    bool other;
  };
  std::vector<Bar> bars;
  bars.reserve(bins.reference.size() + 1);
  for (std::size_t j = 0; j < bins.reference.size(); ++j) {
    Bar b;
    if (numerical) {
      b.label = bin_name(bins, j);
    } else {
      b.label = j < bins.categories.size() ? bins.categories[j] : "";
      b.tick = cut(b.label, 9);
    }
    b.ref = bins.reference[j];
    b.cur = j < bins.current.size() ? bins.current[j] : 0;
    b.other = false;
    bars.push_back(std::move(b));
  }
  if (!numerical && bins.other_categories > 0) {
    Bar b;
    b.label = std::to_string(bins.other_categories) + " other categories";
    b.tick = "other";
    b.ref = bins.other_reference;
    b.cur = bins.other_current;
    b.other = true;
    bars.push_back(std::move(b));
  }
  const std::size_t n = bars.size();
  if (n == 0) return;
  double top = 0;
  for (const auto& b : bars) top = std::max({top, b.ref, b.cur});
  const double ymax = share_axis_max(top);
  const double left = 44, right = 8, upper = 10, bottom = numerical ? 34 : 46;
  const double width = std::max(320.0, left + right + 34.0 * static_cast<double>(n));
  const double height = 190;
  const double plot_w = width - left - right, plot_h = height - upper - bottom;
  const double gw = plot_w / static_cast<double>(n);
  const double bw = std::max(2.0, gw * 0.38);
  auto y_of = [&](double share) { return upper + plot_h * (1 - share / ymax); };

  h.raw("<figure class=\"dist\"><svg viewBox=\"0 0 ").raw(c(width)).raw(" ").raw(c(height));
  h.raw("\" role=\"img\"").attr("aria-labelledby", std::string(id) + "-t");
  h.attr("data-bins", std::to_string(n));
  h.raw("><title").attr("id", std::string(id) + "-t").raw(">");
  h.text("Distribution of " + std::string(subject) + ", reference against current, " +
         std::to_string(n) + (numerical ? " bins" : " categories"));
  h.raw("</title>");
  // grid: 0, half, max
  for (double f : {0.0, 0.5, 1.0}) {
    const double y = y_of(ymax * f);
    h.raw("<line class=\"axis\" x1=\"").raw(c(left)).raw("\" x2=\"").raw(c(width - right));
    h.raw("\" y1=\"").raw(c(y)).raw("\" y2=\"").raw(c(y)).raw("\"/>");
    h.raw("<text x=\"").raw(c(left - 4)).raw("\" y=\"").raw(c(y + 4));
    h.raw("\" text-anchor=\"end\">").text(format_percent(ymax * f)).raw("</text>");
  }
  for (std::size_t j = 0; j < n; ++j) {
    const Bar& b = bars[j];
    const double x0 = left + gw * static_cast<double>(j);
    const double cx = x0 + gw / 2;
    h.raw("<g class=\"bin\"").attr("data-bin", std::to_string(j)).raw("><title>");
    h.text(b.label + ": reference " + format_percent(b.ref) + ", current " + format_percent(b.cur));
    h.raw("</title>");
    for (int side = 0; side < 2; ++side) {
      const double share = side == 0 ? b.ref : b.cur;
      double bh = plot_h * std::min(1.0, share / ymax);
      if (share > 0) bh = std::max(bh, 1.0);  // a share, however small, stays visible
      const double x = side == 0 ? cx - bw - 1 : cx + 1;
      h.raw("<rect class=\"bar ").raw(side == 0 ? "ref" : "cur").raw("\" x=\"").raw(c(x));
      h.raw("\" y=\"").raw(c(upper + plot_h - bh)).raw("\" width=\"").raw(c(bw));
      h.raw("\" height=\"").raw(c(bh)).raw("\"").attr("data-share", shortest(share)).raw("/>");
    }
    h.raw("</g>");
    if (!numerical) {
      h.raw("<text x=\"").raw(c(cx)).raw("\" y=\"").raw(c(height - bottom + 14));
      h.raw("\" text-anchor=\"end\" transform=\"rotate(-35 ").raw(c(cx)).raw(" ");
      h.raw(c(height - bottom + 14)).raw(")\">").text(b.tick).raw("</text>");
    }
  }
  if (numerical) {
    // The edges at the boundaries between bins (a point mass under the middle of its own bin);
    // every k-th when many.
    std::vector<double> positions;  // in bin widths from the left
    std::size_t boundary = 0, p = 0;
    for (const double e : bins.edges) {
      while (p < bins.point_masses.size() && bins.point_masses[p] < e) ++p;
      const bool mass = p < bins.point_masses.size() && bins.point_masses[p] == e;
      positions.push_back(static_cast<double>(boundary) + (mass ? 1.5 : 1.0));
      boundary += mass ? 2 : 1;
    }
    const std::size_t edges = bins.edges.size();
    const std::size_t step = std::max<std::size_t>(1, (edges + 9) / 10);
    for (std::size_t e = 0; e < edges; e += step) {
      const double x = left + gw * positions[e];
      h.raw("<line class=\"axis\" x1=\"").raw(c(x)).raw("\" x2=\"").raw(c(x)).raw("\" y1=\"");
      h.raw(c(upper + plot_h)).raw("\" y2=\"").raw(c(upper + plot_h + 4)).raw("\"/>");
      h.raw("<text x=\"").raw(c(x)).raw("\" y=\"").raw(c(upper + plot_h + 16));
      h.raw("\" text-anchor=\"middle\">").text(format_number(bins.edges[e])).raw("</text>");
    }
    h.raw("<text x=\"").raw(c(left + plot_w / 2)).raw("\" y=\"").raw(c(height - 2));
    h.raw("\" text-anchor=\"middle\">bin edges (reference quantiles)</text>");
  }
  h.raw(
      "</svg><figcaption class=\"legend\"><span><span class=\"key ref\"></span>reference</span>"
      "<span><span class=\"key cur\"></span>current</span></figcaption></figure>");
  // The same as a table.
  h.raw("<details><summary>").raw(numerical ? "Bins" : "Categories");
  h.raw(" as a table</summary><div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">");
  h.raw(numerical ? "bin" : "category");
  h.raw(
      "</th><th scope=\"col\" class=\"num\">reference</th><th scope=\"col\" "
      "class=\"num\">current</th><th scope=\"col\" class=\"num\">PSI "
      "term</th></tr></thead><tbody>");
  for (const auto& b : bars) {
    h.raw("<tr><td class=\"name\">").text(b.label).raw("</td><td class=\"num\">").percent(b.ref);
    h.raw("</td><td class=\"num\">").percent(b.cur).raw("</td><td class=\"num\">");
    if (b.other) {
      h.raw("–");  // a sum of bins has no single term
    } else {
      h.number(psi_term(b.ref, b.cur));
    }
    h.raw("</td></tr>");
  }
  h.raw("</tbody></table></div></details>");
}

void sparkline(Html& h, const std::vector<drift::StatisticPoint>& points,
               std::optional<double> threshold, bool below, std::string_view label) {
  const double width = 120, height = 30, pad = 3;
  std::string alt = std::string(label);
  if (points.empty()) {
    h.raw("<span class=\"muted\">no history</span>");
    return;
  }
  double lo = points.front().value, hi = lo;
  for (const auto& p : points) {
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
  }
  alt += ": " + std::to_string(points.size()) + " evaluations, from " +
         format_number(points.front().value) + " to " + format_number(points.back().value) +
         " (lowest " + format_number(lo) + ", highest " + format_number(hi) + ")";
  if (threshold && std::isfinite(*threshold)) {
    lo = std::min(lo, *threshold);
    hi = std::max(hi, *threshold);
  }
  const double span = hi - lo > 0 ? hi - lo : 1;
  const double t0 = static_cast<double>(points.front().at.time_since_epoch().count());
  const double t1 = static_cast<double>(points.back().at.time_since_epoch().count());
  const double tspan = t1 - t0 > 0 ? t1 - t0 : 1;
  auto x_of = [&](Timestamp t) {
    return points.size() == 1
               ? width / 2
               : pad + (width - 2 * pad) *
                           (static_cast<double>(t.time_since_epoch().count()) - t0) / tspan;
  };
  auto y_of = [&](double v) { return pad + (height - 2 * pad) * (1 - (v - lo) / span); };
  h.raw("<svg class=\"sparkline\" viewBox=\"0 0 120 30\" width=\"120\" height=\"30\" ");
  h.raw("role=\"img\"").attr("aria-label", alt).raw(">");
  if (threshold && std::isfinite(*threshold)) {
    const double y = y_of(*threshold);
    h.raw("<line class=\"thr\" x1=\"0\" x2=\"120\" y1=\"").raw(c(y)).raw("\" y2=\"").raw(c(y));
    h.raw("\"/>");
  }
  h.raw("<polyline class=\"spark\" points=\"");
  for (const auto& p : points) h.raw(c(x_of(p.at))).raw(",").raw(c(y_of(p.value))).raw(" ");
  h.raw("\"/>");
  const auto& last = points.back();
  const bool beyond = threshold && (below ? last.value < *threshold : last.value > *threshold);
  h.raw("<circle class=\"").raw(beyond ? "breach-point" : "last-point").raw("\" cx=\"");
  h.raw(c(x_of(last.at))).raw("\" cy=\"").raw(c(y_of(last.value))).raw("\" r=\"2.5\"/></svg>");
}

void history_chart(Html& h, const std::vector<drift::StatisticPoint>& points,
                   std::optional<double> threshold, bool below, Timestamp from, Timestamp to,
                   std::string_view label) {
  const double width = 600, height = 170, left = 52, right = 10, upper = 10, bottom = 24;
  const double plot_w = width - left - right, plot_h = height - upper - bottom;
  if (points.empty()) {
    h.raw("<p class=\"muted\">No evaluation of ").text(label).raw(" in this range.</p>");
    return;
  }
  double lo = points.front().value, hi = lo;
  std::size_t beyond = 0;
  for (const auto& p : points) {
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
    if (threshold && (below ? p.value < *threshold : p.value > *threshold)) ++beyond;
  }
  std::string alt = std::string(label) + " from " + format_time(from) + " to " + format_time(to) +
                    ": " + std::to_string(points.size()) + " points, lowest " + format_number(lo) +
                    ", highest " + format_number(hi) + ", latest " +
                    format_number(points.back().value);
  if (threshold) {
    alt += "; threshold " + std::string(below ? "below " : "above ") + format_number(*threshold) +
           ", crossed at " + std::to_string(beyond) + " points";
    lo = std::min(lo, *threshold);
    hi = std::max(hi, *threshold);
  }
  if (lo > 0 && lo < (hi - lo)) lo = 0;  // start at zero when that costs little room
  double span = hi - lo;
  if (span <= 0) {
    span = std::fabs(hi) > 0 ? std::fabs(hi) * 0.2 : 1;
    lo -= span / 2;
    hi += span / 2;
  }
  hi += span * 0.05;
  span = hi - lo;
  const double t0 = static_cast<double>(from.time_since_epoch().count());
  const double tspan = std::max(1.0, static_cast<double>((to - from).count()));
  auto x_of = [&](Timestamp t) {
    const double f = (static_cast<double>(t.time_since_epoch().count()) - t0) / tspan;
    return left + plot_w * std::clamp(f, 0.0, 1.0);
  };
  auto y_of = [&](double v) { return upper + plot_h * (1 - (v - lo) / span); };

  h.raw("<svg class=\"history\" viewBox=\"0 0 600 170\" role=\"img\"").attr("aria-label", alt);
  h.attr("data-points", std::to_string(points.size())).raw(">");
  for (double v : {lo, lo + span / 2, hi}) {
    const double y = y_of(v);
    h.raw("<line class=\"axis\" x1=\"").raw(c(left)).raw("\" x2=\"").raw(c(width - right));
    h.raw("\" y1=\"").raw(c(y)).raw("\" y2=\"").raw(c(y)).raw("\"/><text x=\"");
    h.raw(c(left - 4)).raw("\" y=\"").raw(c(y + 4)).raw("\" text-anchor=\"end\">");
    h.text(format_number(v)).raw("</text>");
  }
  const Duration range = to - from;
  h.raw("<text x=\"").raw(c(left)).raw("\" y=\"").raw(c(height - 6)).raw("\">");
  h.text(short_time(from, range)).raw("</text><text x=\"").raw(c(width - right));
  h.raw("\" y=\"").raw(c(height - 6)).raw("\" text-anchor=\"end\">");
  h.text(short_time(to, range)).raw("</text>");
  if (threshold) {
    const double y = y_of(*threshold);
    h.raw("<line class=\"thr\" x1=\"").raw(c(left)).raw("\" x2=\"").raw(c(width - right));
    h.raw("\" y1=\"").raw(c(y)).raw("\" y2=\"").raw(c(y)).raw("\"/>");
  }
  h.raw("<polyline class=\"line\" points=\"");
  for (const auto& p : points) h.raw(c(x_of(p.at))).raw(",").raw(c(y_of(p.value))).raw(" ");
  h.raw("\"/>");
  for (const auto& p : points) {
    const bool over = threshold && (below ? p.value < *threshold : p.value > *threshold);
    if (!over && points.size() > 1) continue;
    h.raw("<circle class=\"").raw(over ? "breach-point" : "last-point").raw("\" cx=\"");
    h.raw(c(x_of(p.at))).raw("\" cy=\"").raw(c(y_of(p.value))).raw("\" r=\"3\"/>");
  }
  h.raw("</svg>");
}

}  // namespace driftd::ui::detail
