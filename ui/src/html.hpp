#pragma once
// Building blocks of the pages: an output buffer that escapes whatever is not markup, number and
// time formats, and the page frame (head, navigation, footer).

#include <optional>
#include <string>
#include <string_view>

#include "driftd/common/time.hpp"
#include "driftd/ui/pages.hpp"

namespace driftd::ui::detail {

// Markup goes in through raw() (literals of this module only); data goes in through text() and
// attr(), which escape it.
class Html {
 public:
  Html() { out_.reserve(1 << 16); }
  Html& raw(std::string_view markup) {
    out_ += markup;
    return *this;
  }
  Html& text(std::string_view data);
  // ` name="value"` with the value escaped.
  Html& attr(std::string_view name, std::string_view value);
  Html& number(double v);   // four significant digits
  Html& percent(double v);  // a share as "12.3 %"
  Html& integer(std::uint64_t v);
  // <time datetime="...">2026-11-27 12:00:00 UTC</time>, then " (3 min ago)" when `relative`.
  Html& time(Timestamp t, const PageContext& ctx, bool relative = true);
  Html& status_badge(std::string_view status);
  std::string str() && { return std::move(out_); }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

std::string format_number(double v);  // four significant digits: "0.3142", "1.2e-05", "12345"
std::string format_percent(double share);
std::string format_ago(Duration d);  // "45 s", "3 min", "2 h 5 min", "3 d"
// "2026-11-27 12:00:00 UTC"
std::string format_time(Timestamp t);

// Human names of the pseudo-features of the statistics table.
std::string subject_label(std::string_view feature);

// Query-string encoding of one value (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);

// "drift" -> 0 (worst) ... "ok" -> 4: the order of the overview.
int status_rank(std::string_view status);

// The page up to <main>, and from </main> to the end. `current` is "monitors" or "alerts".
void open_page(Html& h, std::string_view title, std::string_view current, const PageContext& ctx);
void close_page(Html& h, const PageContext& ctx);

// The style sheet and the script, inline in every page, and their CSP hashes.
std::string_view style_sheet();
std::string_view script();
const std::string& style_hash();
const std::string& script_hash();

}  // namespace driftd::ui::detail
