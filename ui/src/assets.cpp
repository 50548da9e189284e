// The pages' style sheet and script, inline in every page (nothing is fetched), and their
// SHA-256 hashes for the Content-Security-Policy, which allows no other inline code: markup that
// slipped through escaping still could not run.

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "html.hpp"

namespace driftd::ui {
namespace detail {
namespace {

// Colours meet WCAG AA contrast (4.5:1 for text) on their background in both schemes; status is
// never told by colour alone (every badge carries its word).
constexpr std::string_view kStyle = R"css(
:root{--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--card:#f6f8fa;--line:#d1d9e0;--link:#0550ae;
--ok:#1a7f37;--drift:#cf222e;--warn:#9a6700;--err:#8250df;--pending:#59636e;--ref:#0969da;
--cur:#bc4c00;--focus:#0969da;--bad-bg:#ffebe9;--good-bg:#dafbe1}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;
--line:#3d444d;--link:#4493f8;--ok:#3fb950;--drift:#ff7b72;--warn:#d29922;--err:#bc8cff;
--pending:#9198a1;--ref:#4493f8;--cur:#f0883e;--focus:#4493f8;--bad-bg:#3c1618;--good-bg:#12261e}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px;z-index:9}
header.top{display:flex;flex-wrap:wrap;gap:4px 20px;align-items:center;padding:10px 16px;border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:18px;color:var(--fg);text-decoration:none}
nav a{margin-right:14px;padding:6px 2px;display:inline-block}
nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{padding:12px 16px;max-width:1400px;margin:0 auto}
footer{padding:16px;color:var(--muted);font-size:13px;border-top:1px solid var(--line);margin-top:24px}
h1{font-size:22px;margin:8px 0 4px;overflow-wrap:anywhere}
h2{font-size:18px;margin:22px 0 8px}
h3{font-size:16px;margin:0 0 6px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;font-weight:600;border:1px solid currentColor;white-space:nowrap}
.s-ok{color:var(--ok)}.s-drift,.s-firing{color:var(--drift)}.s-insufficient_data,.s-pending{color:var(--warn)}
.s-error{color:var(--err)}.s-resolved,.s-inactive{color:var(--muted)}
.sev-high,.sev-critical{color:var(--drift)}.sev-medium{color:var(--warn)}.sev-low{color:var(--muted)}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.breach td{background:var(--bad-bg)}
.mark{font-weight:700;color:var(--drift);white-space:nowrap}
.name{overflow-wrap:anywhere;word-break:break-word}
.filters{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0;padding:0;list-style:none}
.filters a{display:inline-block;padding:6px 12px;border:1px solid var(--line);border-radius:16px;text-decoration:none;min-height:32px}
.filters a[aria-current=true]{background:var(--card);font-weight:700;border-color:var(--fg)}
.toolbar{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:6px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;min-width:0}
.card.drift{border-color:var(--drift);border-width:2px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0;font-size:14px}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
svg{display:block;max-width:100%;height:auto}
svg text{fill:var(--muted);font-size:11px;font-family:inherit}
svg .ref{fill:var(--ref)}svg .cur{fill:var(--cur)}
svg .line{fill:none;stroke:var(--cur);stroke-width:2}
svg .spark{fill:none;stroke:var(--fg);stroke-width:1.5}
svg .thr{stroke:var(--drift);stroke-width:1.5;stroke-dasharray:5 4}
svg .axis{stroke:var(--line);stroke-width:1}
svg .breach-point{fill:var(--drift)}svg .last-point{fill:var(--fg)}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:13px;color:var(--muted);margin:4px 0}
.key{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
.key.ref{background:var(--ref)}.key.cur{background:var(--cur)}.key.thr{border-top:2px dashed var(--drift);height:0;border-radius:0}
details summary{cursor:pointer;padding:4px 0}
.notice{border:1px solid var(--warn);border-radius:6px;padding:8px 12px;margin:8px 0}
.notice.bad{border-color:var(--drift);background:var(--bad-bg)}
form.inline{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end}
label{display:block;font-size:13px;color:var(--muted);margin-bottom:2px}
input,select,textarea,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 8px;min-height:36px;max-width:100%}
textarea{width:100%;min-height:60px}
button{cursor:pointer;background:var(--card);font-weight:600}
button.primary{background:var(--link);color:#fff;border-color:var(--link)}
@media (prefers-color-scheme:dark){button.primary{color:#0d1117}}
.field{margin:6px 0}.grid-form{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,220px),1fr));gap:8px 14px}
.result{margin:8px 0;padding:8px 12px;border-radius:6px}.result:empty{display:none}
.result.good{background:var(--good-bg)}.result.bad{background:var(--bad-bg)}
.spark-cell{min-width:130px}
td:not(.name){white-space:nowrap}
.inline-check{display:inline-flex;gap:6px;align-items:center;color:var(--fg);font-size:14px;margin:0}
.grid-form input,.grid-form select{width:100%}
@media (max-width:640px){main{padding:8px}th,td{padding:5px 6px}.hide-narrow{display:none}h1{font-size:20px}}
)css";

// Auto-refresh of the overview, the history selectors, and the silence form: the API token (when
// one is set) goes in an Authorization header of a same-origin fetch, never in a cookie, so
// another site cannot make the browser send it (CSRF).
constexpr std::string_view kScript = R"js(
(function () {
  'use strict';
  var d = document;
  var box = d.getElementById('autorefresh');
  if (box) {
    var key = 'driftd.autorefresh', timer = null;
    try { if (sessionStorage.getItem(key) === 'off') box.checked = false; } catch (e) {}
    var period = (Number(box.getAttribute('data-seconds')) || 30) * 1000;
    var arm = function () {
      clearTimeout(timer);
      if (!box.checked) return;
      timer = setTimeout(function () {
        if (d.visibilityState === 'hidden') { arm(); } else { location.reload(); }
      }, period);
    };
    box.addEventListener('change', function () {
      try { sessionStorage.setItem(key, box.checked ? 'on' : 'off'); } catch (e) {}
      arm();
    });
    arm();
  }
  Array.prototype.forEach.call(d.querySelectorAll('select[data-autosubmit]'), function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
  var out = d.getElementById('silence-result');
  var token = d.getElementById('api-token');
  var say = function (text, bad) {
    if (!out) return;
    out.textContent = text;
    out.className = 'result ' + (bad ? 'bad' : 'good');
  };
  var headers = function (json) {
    var h = {};
    if (json) h['Content-Type'] = 'application/json';
    if (token && token.value) h['Authorization'] = 'Bearer ' + token.value;
    return h;
  };
  var failure = function (r) {
    return r.text().then(function (t) {
      var m = t;
      try { m = JSON.parse(t).error || t; } catch (e) {}
      if (r.status === 401) m = 'the API token is missing or wrong (' + m + ')';
      throw new Error(m);
    });
  };
  var cell = function (row, text) {
    var td = d.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  };
  var form = d.getElementById('silence-form');
  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = form.elements;
      var body = {
        monitor: f.monitor.value,
        comment: f.comment.value,
        ends_at: new Date(Date.now() + Number(f.duration.value) * 1000).toISOString()
      };
      if (f.feature.value) body.feature = f.feature.value;
      if (f.statistic.value) body.statistic = f.statistic.value;
      if (f.created_by.value) body.created_by = f.created_by.value;
      var button = form.querySelector('button[type=submit]');
      button.disabled = true;
      say('Creating the silence…', false);
      fetch('/api/v1/silences', {
        method: 'POST', headers: headers(true), body: JSON.stringify(body),
        credentials: 'omit', cache: 'no-store'
      }).then(function (r) { return r.ok ? r.json() : failure(r); }).then(function (s) {
        var rows = d.getElementById('silence-rows');
        if (rows) {
          var none = d.getElementById('no-silences');
          if (none) none.remove();
          var tr = d.createElement('tr');
          tr.setAttribute('data-silence', s.id);
          cell(tr, s.monitor);
          cell(tr, s.feature || 'any');
          cell(tr, s.statistic || 'any');
          cell(tr, s.starts_at);
          cell(tr, s.ends_at);
          cell(tr, s.comment).className = 'name';
          cell(tr, s.created_by || '');
          var td = cell(tr, '');
          var b = d.createElement('button');
          b.type = 'button';
          b.setAttribute('data-expire', s.id);
          b.textContent = 'Expire';
          td.appendChild(b);
          rows.appendChild(tr);
        }
        say('Silence ' + s.id + ' created, until ' + s.ends_at + '.', false);
        f.comment.value = '';
      }).catch(function (e) { say('Not created: ' + e.message, true); })
        .then(function () { button.disabled = false; });
    });
  }
  d.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button[data-expire]') : null;
    if (!b) return;
    var id = b.getAttribute('data-expire');
    b.disabled = true;
    fetch('/api/v1/silences/' + encodeURIComponent(id), {
      method: 'DELETE', headers: headers(false), credentials: 'omit', cache: 'no-store'
    }).then(function (r) {
      if (!r.ok) return failure(r);
      var row = b.closest('tr');
      if (row) row.remove();
      say('Silence ' + id + ' expired.', false);
    }).catch(function (e) { b.disabled = false; say('Not expired: ' + e.message, true); });
  });
})();
)js";

std::string sha256_base64(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return "'sha256-" + std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n)) +
         "'";
}

}  // namespace

std::string_view style_sheet() { return kStyle; }
std::string_view script() { return kScript; }

const std::string& style_hash() {
  static const std::string h = sha256_base64(kStyle);
  return h;
}

const std::string& script_hash() {
  static const std::string h = sha256_base64(kScript);
  return h;
}

}  // namespace detail

std::vector<std::pair<std::string, std::string>> page_headers() {
  return {
      {"Content-Type", "text/html; charset=utf-8"},
      {"Content-Security-Policy",
       "default-src 'none'; style-src " + detail::style_hash() + "; script-src " +
           detail::script_hash() +
           "; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  };
}

}  // namespace driftd::ui
