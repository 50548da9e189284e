// GET / and /ui/: every monitor, the most troubled first.

#include <algorithm>
#include <map>

#include "charts.hpp"
#include "html.hpp"

namespace driftd::ui {

using detail::Html;

namespace {

constexpr const char* kStatuses[] = {"error", "drift", "insufficient_data", "pending", "ok"};

void worst_cell(Html& h, const MonitorRow& m) {
  if (!m.worst) {
    h.raw("<td class=\"muted\">–</td><td class=\"spark-cell hide-narrow\"></td>");
    return;
  }
  const auto& w = *m.worst;
  h.raw("<td class=\"name\">");
  if (w.breached) h.raw("<span class=\"mark\" aria-hidden=\"true\">▲ </span>");
  h.text(w.statistic).raw(" of ").text(detail::subject_label(w.feature)).raw(" <strong>");
  h.number(w.value).raw("</strong>");
  if (w.threshold) {
    h.raw(" <span class=\"muted\">(").raw(w.below ? "&lt; " : "&gt; ").number(*w.threshold);
    h.raw(")</span>");
  }
  if (w.breached) h.raw(" <span class=\"mark\">breach</span>");
  h.raw("</td><td class=\"spark-cell hide-narrow\">");
  detail::sparkline(h, m.worst_history, w.threshold, w.below,
                    w.statistic + " of " + detail::subject_label(w.feature));
  h.raw("</td>");
}

}  // namespace

std::string render_overview(const OverviewPage& page, const PageContext& ctx) {
  Html h;
  detail::open_page(h, "Monitors", "monitors", ctx);
  std::map<std::string, std::size_t> firing;
  for (const auto& a : page.alerts) {
    if (a.state == "firing") ++firing[a.monitor];
  }
  std::map<std::string, std::size_t> counts;
  for (const auto& m : page.monitors) ++counts[m.status];

  h.raw("<h1>Monitors</h1><div class=\"toolbar\"><span>").integer(page.monitors.size());
  h.raw(page.monitors.size() == 1 ? " monitor" : " monitors");
  std::size_t total_firing = 0;
  for (const auto& [name, n] : firing) total_firing += n;
  h.raw(", <a href=\"/ui/alerts\">").integer(total_firing).raw(" firing alert");
  h.raw(total_firing == 1 ? "" : "s").raw("</a></span>");
  if (page.auto_refresh) {
    h.raw(
        "<label class=\"inline-check\"><input type=\"checkbox\" id=\"autorefresh\" "
        "data-seconds=\"30\" checked> Refresh every 30 s</label>");
  }
  h.raw("</div>");

  h.raw("<ul class=\"filters\" aria-label=\"Filter by status\"><li><a href=\"/ui/\"");
  if (page.status_filter.empty()) h.raw(" aria-current=\"true\"");
  h.raw(">All (").integer(page.monitors.size()).raw(")</a></li>");
  for (const char* s : kStatuses) {
    const auto it = counts.find(s);
    const std::size_t n = it == counts.end() ? 0 : it->second;
    if (n == 0 && page.status_filter != s) continue;
    h.raw("<li><a").attr("href", std::string("/ui/?status=") + s);
    if (page.status_filter == s) h.raw(" aria-current=\"true\"");
    h.raw(">");
    h.status_badge(s).raw(" ").integer(n).raw("</a></li>");
  }
  h.raw("</ul>");
  if (page.alerts_error) {
    h.raw("<p class=\"notice\" role=\"status\">Alerts unavailable: ").text(*page.alerts_error);
    h.raw("</p>");
  }
  if (page.history_error) {
    h.raw("<p class=\"notice\" role=\"status\">History unavailable: ").text(*page.history_error);
    h.raw("</p>");
  }

  std::vector<const MonitorRow*> rows;
  for (const auto& m : page.monitors) {
    if (page.status_filter.empty() || m.status == page.status_filter) rows.push_back(&m);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const MonitorRow* a, const MonitorRow* b) {
    const int ra = detail::status_rank(a->status), rb = detail::status_rank(b->status);
    if (ra != rb) return ra < rb;
    return a->name < b->name;
  });
  if (rows.empty()) {
    h.raw("<p>No monitor");
    if (!page.status_filter.empty()) h.raw(" with this status");
    h.raw(".</p>");
    detail::close_page(h, ctx);
    return std::move(h).str();
  }
  h.raw(
      "<div class=\"table-wrap\"><table id=\"monitors\"><caption class=\"muted\">The most "
      "troubled first: error, drift, insufficient data, pending, ok</caption><thead><tr>"
      "<th scope=\"col\">monitor</th><th scope=\"col\">status</th>"
      "<th scope=\"col\">last evaluation</th><th scope=\"col\" class=\"hide-narrow\">next run</th>"
      "<th scope=\"col\" class=\"num\">firing</th><th scope=\"col\">worst statistic</th>"
      "<th scope=\"col\" class=\"hide-narrow\">recent</th></tr></thead><tbody>");
  for (const MonitorRow* m : rows) {
    h.raw("<tr").attr("data-monitor", m->name).attr("data-status", m->status).raw(">");
    h.raw("<th scope=\"row\" class=\"name\"><a").attr("href", "/ui/monitors/" + m->name);
    h.raw(">").text(m->name).raw("</a></th><td>").status_badge(m->status);
    if (m->error) {
      h.raw("<div class=\"muted name\">").text(*m->error).raw("</div>");
    }
    h.raw("</td><td>");
    if (m->evaluated_at) {
      h.time(*m->evaluated_at, ctx);
    } else {
      h.raw("<span class=\"muted\">never</span>");
    }
    h.raw("</td><td class=\"hide-narrow\">");
    if (m->next_run_at) {
      h.time(*m->next_run_at, ctx);
    } else {
      h.raw("<span class=\"muted\">–</span>");
    }
    const auto f = firing.find(m->name);
    const std::size_t n = f == firing.end() ? 0 : f->second;
    h.raw("</td><td class=\"num\">");
    if (n > 0) {
      h.raw("<a class=\"mark\" href=\"/ui/alerts#firing\">").integer(n).raw("</a>");
    } else {
      h.raw("0");
    }
    h.raw("</td>");
    worst_cell(h, *m);
    h.raw("</tr>");
  }
  h.raw("</tbody></table></div>");
  detail::close_page(h, ctx);
  return std::move(h).str();
}

std::string render_error(int status, std::string_view message, const PageContext& ctx) {
  Html h;
  const std::string title = status == 404 ? "Not found" : status == 503 ? "Unavailable" : "Error";
  detail::open_page(h, title, "", ctx);
  h.raw("<h1>").text(title).raw("</h1><p class=\"notice bad\" role=\"alert\">").text(message);
  h.raw("</p><p><a href=\"/ui/\">All monitors</a></p>");
  detail::close_page(h, ctx);
  return std::move(h).str();
}

}  // namespace driftd::ui
