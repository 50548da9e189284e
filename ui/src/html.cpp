#include "html.hpp"

#include <cmath>
#include <cstdio>

namespace driftd::ui {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace detail {

namespace {

void append_escaped(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* rep = nullptr;
    switch (text[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      case '\'':
        rep = "&#39;";
        break;
      case '\0':
        rep = "\xEF\xBF\xBD";  // U+FFFD: a NUL is no character of an HTML document
        break;
      default:
        continue;
    }
    out.append(text.substr(start, i - start));
    out += rep;
    start = i + 1;
  }
  out.append(text.substr(start));
}

}  // namespace

Html& Html::text(std::string_view data) {
  append_escaped(out_, data);
  return *this;
}

Html& Html::attr(std::string_view name, std::string_view value) {
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  append_escaped(out_, value);
  out_ += '"';
  return *this;
}

Html& Html::number(double v) {
  out_ += format_number(v);
  return *this;
}

Html& Html::percent(double v) {
  out_ += format_percent(v);
  return *this;
}

Html& Html::integer(std::uint64_t v) {
  out_ += std::to_string(v);
  return *this;
}

Html& Html::time(Timestamp t, const PageContext& ctx, bool relative) {
  raw("<time");
  attr("datetime", format_rfc3339(t));
  raw(">");
  text(format_time(t));
  raw("</time>");
  if (relative) {
    const Duration d = ctx.now - t;
    raw(" <span class=\"muted\">(");
    if (d >= Duration::zero()) {
      text(format_ago(d) + " ago");
    } else {
      text("in " + format_ago(-d));
    }
    raw(")</span>");
  }
  return *this;
}

Html& Html::status_badge(std::string_view status) {
  std::string label(status);
  if (status == "insufficient_data") label = "insufficient data";
  raw("<span class=\"badge s-");
  text(status);
  raw("\">");
  text(label);
  raw("</span>");
  return *this;
}

std::string format_number(double v) {
  if (!std::isfinite(v)) return "–";
  char buf[64];
  if (v == 0) return "0";
  if (std::fabs(v) >= 1e4 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", v);
  }
  return buf;
}

std::string format_percent(double share) {
  char buf[64];
  if (share > 0 && share < 0.001) {
    std::snprintf(buf, sizeof buf, "%.2g %%", share * 100);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
  }
  return buf;
}

std::string format_ago(Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min";
  if (s < 86400) {
    const auto m = (s % 3600) / 60;
    return std::to_string(s / 3600) + " h" + (m ? " " + std::to_string(m) + " min" : "");
  }
  return std::to_string(s / 86400) + " d";
}

std::string format_time(Timestamp t) {
  std::string s = format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
  // "2026-11-27T12:00:00Z" -> "2026-11-27 12:00:00 UTC"
  if (s.size() == 20 && s[10] == 'T' && s.back() == 'Z') {
    s[10] = ' ';
    s.pop_back();
    s += " UTC";
  }
  return s;
}

std::string subject_label(std::string_view feature) {
  if (feature == drift::kPredictionName) return "prediction";
  if (feature == "__confidence__") return "confidence";
  if (feature == drift::kDatasetName) return "dataset";
  if (feature == drift::kPerformanceName) return "performance";
  if (feature == drift::kSystemName) return "system";
  if (feature == drift::kChallengerName) return "challenger";
  if (feature == drift::kFreshnessName) return "freshness";
  if (feature == drift::kMetricsName) return "business metrics";
  if (feature == "__monitor__" || feature.empty()) return "monitor";
  return std::string(feature);
}

std::string url_encode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int status_rank(std::string_view status) {
  if (status == "error") return 0;
  if (status == "drift") return 1;
  if (status == "insufficient_data") return 2;
  if (status == "pending") return 3;
  return 4;
}

void open_page(Html& h, std::string_view title, std::string_view current, const PageContext&) {
  h.raw(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light dark\">"
      "<meta name=\"referrer\" content=\"no-referrer\"><title>");
  h.text(title);
  h.raw(" · driftd</title><style>");
  h.raw(style_sheet());
  h.raw(
      "</style></head><body><a class=\"skip\" href=\"#main\">Skip to content</a>"
      "<header class=\"top\"><a class=\"brand\" href=\"/ui/\">driftd</a>"
      "<nav aria-label=\"Pages\"><a href=\"/ui/\"");
  if (current == "monitors") h.raw(" aria-current=\"page\"");
  h.raw(">Monitors</a><a href=\"/ui/alerts\"");
  if (current == "alerts") h.raw(" aria-current=\"page\"");
  h.raw(">Alerts</a></nav></header><main id=\"main\">");
}

void close_page(Html& h, const PageContext& ctx) {
  h.raw("</main><footer><span>driftd ");
  h.text(ctx.version);
  h.raw(" · rendered ");
  h.time(ctx.now, ctx, false);
  h.raw(
      "</span> · <a href=\"/api/v1/monitors\">JSON API</a> · <a href=\"/metrics\">metrics</a>"
      "</footer><script>");
  h.raw(script());
  h.raw("</script></body></html>\n");
}

}  // namespace detail
}  // namespace driftd::ui
