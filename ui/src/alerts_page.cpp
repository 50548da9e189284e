// GET /ui/alerts: what fires, what is silenced, and a form to silence more.

#include <algorithm>

#include "html.hpp"

namespace driftd::ui {

using detail::Html;

namespace {

struct Duration_ {
  const char* label;
  int seconds;
};
constexpr Duration_ kSilenceDurations[] = {
    {"1 hour", 3600}, {"2 hours", 7200},  {"4 hours", 14400}, {"8 hours", 28800},
    {"1 day", 86400}, {"3 days", 259200}, {"1 week", 604800}};

std::string silence_href(const AlertView& a) {
  std::string href = "/ui/alerts?monitor=" + detail::url_encode(a.monitor);
  if (!a.feature.empty()) href += "&feature=" + detail::url_encode(a.feature);
  if (!a.statistic.empty()) href += "&statistic=" + detail::url_encode(a.statistic);
  return href + "#new-silence";
}

const SilenceView* silenced_by(const AlertView& a, const std::vector<SilenceView>& silences) {
  for (const auto& s : silences) {
    if (s.matches(a)) return &s;
  }
  return nullptr;
}

void alert_table(Html& h, const std::vector<const AlertView*>& alerts,
                 const std::vector<SilenceView>& silences, bool firing, const PageContext& ctx,
                 const char* id) {
  h.raw("<div class=\"table-wrap\"><table")
      .attr("id", id)
      .raw(
          "><thead><tr><th scope=\"col\">monitor</th><th scope=\"col\">subject</th><th "
          "scope=\"col\">statistic</th><th scope=\"col\" class=\"num\">value</th><th scope=\"col\" "
          "class=\"num\">threshold</th><th scope=\"col\">severity</th><th scope=\"col\">");
  h.raw(firing ? "since" : "resolved");
  if (firing) h.raw("</th><th scope=\"col\"><span class=\"muted\">silence</span>");
  h.raw("</th></tr></thead><tbody>");
  for (const AlertView* a : alerts) {
    h.raw("<tr").attr("data-alert", a->id).raw("><td class=\"name\"><a");
    h.attr("href", "/ui/monitors/" + detail::url_encode(a->monitor)).raw(">").text(a->monitor);
    h.raw("</a></td><td class=\"name\">").text(detail::subject_label(a->feature));
    if (!a->segment.empty()) h.raw(" <span class=\"muted\">in segment</span> ").text(a->segment);
    if (!a->message.empty()) h.raw("<div class=\"muted\">").text(a->message).raw("</div>");
    h.raw("</td><td>").text(a->statistic).raw("</td><td class=\"num\">");
    if (a->value) h.number(*a->value);
    h.raw("</td><td class=\"num\">");
    if (a->threshold) h.raw(a->below ? "&lt; " : "&gt; ").number(*a->threshold);
    h.raw("</td><td><span").attr("class", "sev-" + a->severity).raw(">").text(a->severity);
    h.raw("</span></td><td>");
    const auto& when = firing ? a->started_at : a->resolved_at;
    if (when) h.time(*when, ctx);
    h.raw("</td>");
    if (firing) {
      h.raw("<td>");
      if (const SilenceView* s = silenced_by(*a, silences)) {
        h.raw("<span class=\"muted\">silenced until ");
        if (s->ends_at) h.time(*s->ends_at, ctx, false);
        h.raw("</span>");
      } else {
        h.raw("<a").attr("href", silence_href(*a)).raw(">Silence…</a>");
      }
      h.raw("</td>");
    }
    h.raw("</tr>");
  }
  h.raw("</tbody></table></div>");
}

void silences_table(Html& h, const std::vector<SilenceView>& silences, const PageContext& ctx) {
  h.raw(
      "<div class=\"table-wrap\"><table id=\"silences\"><thead><tr><th "
      "scope=\"col\">monitor</th><th scope=\"col\">feature</th><th scope=\"col\">statistic</th>"
      "<th scope=\"col\">starts</th><th scope=\"col\">ends</th><th scope=\"col\">comment</th>"
      "<th scope=\"col\">by</th><th scope=\"col\"><span class=\"muted\">action</span></th>"
      "</tr></thead><tbody id=\"silence-rows\">");
  if (silences.empty()) {
    h.raw("<tr id=\"no-silences\"><td colspan=\"8\" class=\"muted\">No silence.</td></tr>");
  }
  for (const auto& s : silences) {
    h.raw("<tr").attr("data-silence", s.id).raw("><td class=\"name\">").text(s.monitor);
    h.raw("</td><td class=\"name\">").text(s.feature.value_or("any"));
    h.raw("</td><td>").text(s.statistic.value_or("any")).raw("</td><td>");
    if (s.starts_at) h.time(*s.starts_at, ctx, false);
    if (!s.active) h.raw(" <span class=\"muted\">(not yet)</span>");
    h.raw("</td><td>");
    if (s.ends_at) h.time(*s.ends_at, ctx);
    h.raw("</td><td class=\"name\">").text(s.comment).raw("</td><td class=\"name\">");
    h.text(s.created_by).raw("</td><td><button type=\"button\"").attr("data-expire", s.id);
    h.attr("aria-label", "Expire the silence of " + s.monitor + ": " + s.comment);
    h.raw(">Expire</button></td></tr>");
  }
  h.raw("</tbody></table></div>");
}

void silence_form(Html& h, const AlertsPage& page, const PageContext& ctx) {
  h.raw(
      "<section aria-labelledby=\"new-silence\"><h2 id=\"new-silence\">New silence</h2>"
      "<p class=\"muted\">Matching alerts keep their state but notify nothing until the silence "
      "ends. Leave feature or statistic empty to match any.</p>"
      "<noscript><p class=\"notice\">This form needs JavaScript; without it, POST to "
      "/api/v1/silences.</p></noscript>"
      "<form id=\"silence-form\" autocomplete=\"off\"><div class=\"grid-form\">"
      "<div class=\"field\"><label for=\"sf-monitor\">Monitor</label>"
      "<select id=\"sf-monitor\" name=\"monitor\" required>");
  for (const auto& m : page.monitors) {
    h.raw("<option").attr("value", m);
    if (m == page.prefill.monitor) h.raw(" selected");
    h.raw(">").text(m).raw("</option>");
  }
  h.raw(
      "</select></div><div class=\"field\"><label for=\"sf-feature\">Feature (optional)</label>"
      "<input id=\"sf-feature\" name=\"feature\" maxlength=\"200\"");
  h.attr("value", page.prefill.feature)
      .raw(
          "></div><div class=\"field\"><label for=\"sf-statistic\">Statistic (optional)</label>"
          "<input id=\"sf-statistic\" name=\"statistic\" list=\"known-statistics\" "
          "maxlength=\"200\"");
  h.attr("value", page.prefill.statistic).raw("><datalist id=\"known-statistics\">");
  for (const auto& s : page.statistics) h.raw("<option").attr("value", s).raw(">");
  h.raw(
      "</datalist></div><div class=\"field\"><label for=\"sf-duration\">For</label>"
      "<select id=\"sf-duration\" name=\"duration\">");
  for (const auto& d : kSilenceDurations) {
    h.raw("<option value=\"").integer(static_cast<std::uint64_t>(d.seconds)).raw("\"");
    if (d.seconds == 7200) h.raw(" selected");
    h.raw(">").raw(d.label).raw("</option>");
  }
  h.raw(
      "</select></div><div class=\"field\"><label for=\"sf-by\">Your name (optional)</label>"
      "<input id=\"sf-by\" name=\"created_by\" maxlength=\"200\"></div>");
  if (ctx.token_required) {
    h.raw(
        "<div class=\"field\"><label for=\"api-token\">API token</label><input "
        "id=\"api-token\" name=\"token\" type=\"password\" required autocomplete=\"off\" "
        "aria-describedby=\"token-help\"><div id=\"token-help\" class=\"muted\">Sent as "
        "<code>Authorization: Bearer</code> with this request only; not stored.</div></div>");
  }
  h.raw(
      "</div><div class=\"field\"><label for=\"sf-comment\">Why (required)</label><textarea "
      "id=\"sf-comment\" name=\"comment\" required maxlength=\"2000\"></textarea></div>"
      "<button type=\"submit\" class=\"primary\">Create the silence</button></form>"
      "<div id=\"silence-result\" class=\"result\" role=\"status\" aria-live=\"polite\"></div>"
      "</section>");
}

}  // namespace

std::string render_alerts(const AlertsPage& page, const PageContext& ctx) {
  Html h;
  detail::open_page(h, "Alerts", "alerts", ctx);
  h.raw("<h1>Alerts and silences</h1>");
  std::vector<const AlertView*> firing, resolved;
  for (const auto& a : page.alerts) {
    if (a.state == "firing") firing.push_back(&a);
    if (a.state == "resolved" && a.resolved_at) resolved.push_back(&a);
  }
  auto worse = [](const AlertView* a, const AlertView* b) {
    auto rank = [](const std::string& s) {
      return s == "critical" ? 0 : s == "high" ? 1 : s == "medium" ? 2 : 3;
    };
    if (rank(a->severity) != rank(b->severity)) return rank(a->severity) < rank(b->severity);
    return a->started_at < b->started_at;
  };
  std::stable_sort(firing.begin(), firing.end(), worse);
  std::stable_sort(resolved.begin(), resolved.end(), [](const AlertView* a, const AlertView* b) {
    return a->resolved_at > b->resolved_at;
  });
  if (resolved.size() > page.resolved_limit) resolved.resize(page.resolved_limit);

  h.raw("<section aria-labelledby=\"firing\"><h2 id=\"firing\">Firing (");
  h.integer(firing.size()).raw(")</h2>");
  if (page.alerts_error) {
    h.raw("<p class=\"notice\" role=\"status\">Alerts unavailable: ").text(*page.alerts_error);
    h.raw("</p>");
  } else if (firing.empty()) {
    h.raw("<p>Nothing fires.</p>");
  } else {
    alert_table(h, firing, page.silences, true, ctx, "firing-alerts");
  }
  h.raw("</section><section aria-labelledby=\"silences-h\"><h2 id=\"silences-h\">Silences</h2>");
  if (page.silences_error) {
    h.raw("<p class=\"notice\" role=\"status\">Silences unavailable: ");
    h.text(*page.silences_error).raw("</p>");
  } else {
    silences_table(h, page.silences, ctx);
  }
  h.raw("</section>");
  silence_form(h, page, ctx);
  if (!page.alerts_error) {
    h.raw("<section aria-labelledby=\"resolved\"><h2 id=\"resolved\">Recently resolved</h2>");
    if (resolved.empty()) {
      h.raw("<p class=\"muted\">None.</p>");
    } else {
      alert_table(h, resolved, page.silences, false, ctx, "resolved-alerts");
    }
    h.raw("</section>");
  }
  detail::close_page(h, ctx);
  return std::move(h).str();
}

}  // namespace driftd::ui
