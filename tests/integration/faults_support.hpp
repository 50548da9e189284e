#pragma once
// Shared by the fault and security tests: drifted data, a config with short timeouts, reading
// log fields and metrics, waiting for a condition.

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "support.hpp"

namespace driftd::testing::faults {

// A week-old reference hour and a recent hour shifted by +80: psi fires at once.
inline void insert_drifted_rows(TestSchema& s) {
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - interval '7 days' - i * interval '1 s', (i % 100)::float8"
               " FROM generate_series(1, 600) i");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT now() - i * interval '1 s', (i % 100)::float8 + 80 FROM generate_series(1, 600) i");
}

inline void load_drifted(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  insert_drifted_rows(s);
}

// "postgresql://user@host:PORT/db" with another port.
inline std::string url_with_port(const std::string& url, int port) {
  const auto at = url.find('@');
  const auto colon = url.find(':', at == std::string::npos ? url.find("//") + 2 : at);
  const auto slash = url.find('/', colon);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

inline int database_port() {
  const std::string url = database_url();
  const auto at = url.find('@');
  const auto colon = url.find(':', at == std::string::npos ? url.find("//") + 2 : at);
  return std::atoi(url.c_str() + colon + 1);
}

struct ConfigOptions {
  std::string database_url = testing::database_url();
  std::string state_schema;
  std::string table;
  std::string sinks;                     // [[sinks]] tables
  std::string statement_timeout = "1s";  // + 5 s grace: the longest a stalled query may take
  std::string connect_timeout = "2s";    // libpq's minimum
  std::string schedule = "1s";
  std::string alerting = "allow_loopback = true\n";  // the receivers of these tests are local
  std::string server;                                // extra [server] keys
};

inline std::string config(const ConfigOptions& o) {
  return "[server]\nlisten = \"127.0.0.1:0\"\n" + o.server + "\n[database]\nurl = \"" +
         o.database_url + "\"\nstate_schema = \"" + o.state_schema + "\"\nstatement_timeout = \"" +
         o.statement_timeout + "\"\nconnect_timeout = \"" + o.connect_timeout +
         "\"\n\n[scheduler]\nshutdown_grace = \"5s\"\n\n[alerting]\ninitial_backoff = \"200ms\"\n"
         "max_backoff = \"1s\"\n" +
         o.alerting + "\n" + o.sinks + "\n[[monitors]]\nname = \"m\"\ntable = \"" + o.table +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"" + o.schedule +
         "\"\nwindow = \"1h\"\nreference = { offset = \"7d\" }\n"
         "  [[monitors.features]]\n  name = \"x\"\n  column = \"x\"\n  kind = \"numerical\"\n";
}

inline std::string sink_toml(const std::string& name, const std::string& url,
                             const std::string& timeout = "1s", const std::string& type = "webhook",
                             const std::string& extra = "") {
  return "[[sinks]]\nname = \"" + name + "\"\ntype = \"" + type + "\"\nurl = \"" + url +
         "\"\ntimeout = \"" + timeout + "\"\n" + extra + "\n";
}

// The first log line at or after `from` containing `text`, or "".
inline std::string line_with(const std::string& log, const std::string& text,
                             std::size_t from = 0) {
  const auto p = log.find(text, from);
  if (p == std::string::npos) return "";
  const auto start = log.rfind('\n', p);
  const auto end = log.find('\n', p);
  return log.substr(start == std::string::npos ? 0 : start + 1,
                    end == std::string::npos ? std::string::npos
                                             : end - (start == std::string::npos ? 0 : start + 1));
}

// The number after `key=` in a text log line; NaN when absent.
inline double field_number(const std::string& line, const std::string& key) {
  const auto p = line.find(" " + key + "=");
  if (p == std::string::npos) return std::nan("");
  return std::strtod(line.c_str() + p + key.size() + 2, nullptr);
}

// The value of one series in a Prometheus exposition (`name{labels}` exactly); -1 when absent.
inline double metric(const std::string& exposition, const std::string& series) {
  const auto p = exposition.find("\n" + series + " ");
  if (p == std::string::npos) return -1;
  return std::strtod(exposition.c_str() + p + series.size() + 2, nullptr);
}

inline bool eventually(const std::function<bool()>& condition, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

}  // namespace driftd::testing::faults
