#pragma once
// The status pages (docs/ui.md) from an ApiBackend: gathers what each page shows and hands it to
// the ui module's renderers. Transport-free, so the HTTP server only routes to these. Private to
// daemon.

#include <string>
#include <utility>
#include <vector>

#include "driftd/daemon/api.hpp"

namespace driftd::daemon {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct UiOptions {
  bool token_required = false;  // POST/DELETE need the bearer token
};

struct HtmlPage {
  int status = 200;
  std::string body;
  // Content-Type, Content-Security-Policy and the other headers every page carries.
  std::vector<std::pair<std::string, std::string>> headers;
};

// GET / and /ui/ (?status=drift filters).
HtmlPage ui_overview(ApiBackend& backend, const QueryParams& params, const UiOptions& options);
// GET /ui/monitors/{name} (?stat=psi&range=24h choose the history); 404 page for an unknown one.
HtmlPage ui_monitor(ApiBackend& backend, const std::string& name, const QueryParams& params,
                    const UiOptions& options);
// GET /ui/alerts (?monitor=&feature=&statistic= prefill the new-silence form).
HtmlPage ui_alerts(ApiBackend& backend, const QueryParams& params, const UiOptions& options);

// Whether a POST/DELETE was sent by a page of another site (CSRF), so that the API refuses it
// even when no token is configured. Browsers say so in Sec-Fetch-Site (only "same-origin" and
// "none", typed by the user, are ours); older ones only send Origin, which must then name the
// request's Host. Requests with neither (curl, scripts) are not cross-site.
bool cross_site(const std::string& sec_fetch_site, const std::string& origin,
                const std::string& host);

}  // namespace driftd::daemon
