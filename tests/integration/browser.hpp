#pragma once
// A real headless Chromium driven over the DevTools protocol (a WebSocket, spoken with
// Boost.Beast), for the status pages' tests: load a page, query its DOM, type and click like a
// user, take screenshots. Debian's `chromium` (scripts/test installs it; DRIFTD_CHROMIUM
// overrides the path). Runs with a fresh profile and every background network feature off, so it
// talks to nothing but the pages it is given.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace driftd::testing {

class Browser {
 public:
  Browser();  // starts Chromium and connects; fails the test when it cannot
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  class Page {
   public:
    // Navigates and waits for the load event.
    void open(const std::string& url);
    // Evaluates a JavaScript expression (promises awaited); its value as JSON. Fails the test on
    // an exception.
    nlohmann::json eval(const std::string& expression);
    // Polls `expression` until it is true; false after `seconds`.
    bool wait_until(const std::string& expression, double seconds = 10);
    // The viewport: a phone (mobile, touch, 3x) or a desktop.
    void viewport(int width, int height, bool mobile);
    // A PNG of the whole page.
    void screenshot(const std::string& path);
    // A mouse click in the middle of the first element matching `selector` (scrolled to).
    void click(const std::string& selector);
    // Focuses the element and types `text` as a keyboard would.
    void type(const std::string& selector, const std::string& text);
    // One key press, e.g. "Tab", "Enter".
    void press(const std::string& key);
    // Exceptions, console errors and Content-Security-Policy violations seen so far, except
    // failed requests (a 401 is part of some tests).
    std::vector<std::string> problems();

   private:
    friend class Browser;
    Page(Browser& b, std::string session) : browser_(b), session_(std::move(session)) {}
    nlohmann::json call(const std::string& method,
                        nlohmann::json params = nlohmann::json::object());
    Browser& browser_;
    std::string session_;
  };

  // A new tab.
  Page& new_page();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::unique_ptr<Page>> pages_;
};

}  // namespace driftd::testing
