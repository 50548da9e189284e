#pragma once
// Helpers for integration tests: the private PostgreSQL started by scripts/test
// (DRIFTD_TEST_DATABASE_URL), plain SQL through libpq, unique names, running the driftd binary.

#include <libpq-fe.h>

#include <string>
#include <vector>

namespace driftd::testing {

// The test database URL; fails the test (never skips) when scripts/test did not provide one.
std::string database_url();

// A schema of its own per test, dropped at the end.
std::string unique_name(const std::string& prefix);

class Sql {
 public:
  Sql();
  explicit Sql(const std::string& url);
  ~Sql();
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;
  // Runs statements; fails the test with the server's message on error.
  void exec(const std::string& sql);
  // First column of every row, as text ("" for NULL).
  std::vector<std::string> column(const std::string& sql);
  std::string scalar(const std::string& sql);
  bool ok(const std::string& sql, std::string* error = nullptr);  // no failure, reports instead

 private:
  PGconn* conn_;
};

// A schema created for one test and dropped (with everything in it) at the end.
class TestSchema {
 public:
  explicit TestSchema(const std::string& prefix = "t");
  ~TestSchema();
  const std::string& name() const { return name_; }
  std::string table(const std::string& t) const { return name_ + "." + t; }
  Sql& sql() { return sql_; }

 private:
  Sql sql_;
  std::string name_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the driftd binary (DRIFTD_BIN) with arguments and optional extra environment.
CommandResult run_driftd(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}, double timeout_s = 120);

// A driftd daemon running in the background (stderr captured to a file).
class DaemonProcess {
 public:
  DaemonProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {});
  ~DaemonProcess();  // SIGKILL if still running
  // Waits until the log contains `text` (true) or the timeout passes (false).
  bool wait_for_log(const std::string& text, double timeout_s = 30, std::size_t from = 0) const;
  std::string log() const;
  std::size_t count_in_log(const std::string& text) const;
  // The API port from the "driftd started ... listen=host:port" line.
  int port() const;
  void signal(int sig) const;
  // Waits for the process to exit; returns its exit code, or -1 on timeout.
  int wait_exit(double timeout_s);
  bool running();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  std::string log_path_;
  int exit_code_ = -1;
  bool exited_ = false;
};

// GET/POST on the daemon's API; returns (status, body); status 0 when nothing answered.
std::pair<int, std::string> http_get(int port, const std::string& path);
std::pair<int, std::string> http_post(int port, const std::string& path, const std::string& body = "");

// Writes a file under a fresh temporary directory and returns its path.
std::string write_temp_file(const std::string& name, const std::string& content);

// Restarts the private cluster (pg_ctl restart) — for connection-loss tests.
void restart_postgres();
void stop_postgres();
void start_postgres();

}  // namespace driftd::testing
