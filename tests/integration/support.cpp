#include "support.hpp"

#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace driftd::testing {

std::string database_url() {
  const char* url = std::getenv("DRIFTD_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0')
    FAIL("DRIFTD_TEST_DATABASE_URL is not set: run the integration tests through scripts/test");
  return url;
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}

Sql::Sql() : Sql(database_url()) {}

Sql::Sql(const std::string& url) {
  conn_ = PQconnectdb(url.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) FAIL("cannot connect to the test database: " << PQerrorMessage(conn_));
  exec("SET client_min_messages = warning; SET TimeZone = 'UTC'");
}

Sql::~Sql() { PQfinish(conn_); }

bool Sql::ok(const std::string& sql, std::string* error) {
  PGresult* r = PQexec(conn_, sql.c_str());
  auto st = PQresultStatus(r);
  bool good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
  if (!good && error != nullptr) *error = PQresultErrorMessage(r);
  PQclear(r);
  return good;
}

void Sql::exec(const std::string& sql) {
  std::string error;
  if (!ok(sql, &error)) FAIL("SQL failed: " << error << "\n" << sql.substr(0, 2000));
}

std::vector<std::string> Sql::column(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    FAIL("SQL failed: " << e << "\n" << sql);
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetisnull(r, i, 0) ? "" : PQgetvalue(r, i, 0));
  PQclear(r);
  return out;
}

std::string Sql::scalar(const std::string& sql) {
  auto c = column(sql);
  REQUIRE(c.size() == 1);
  return c[0];
}

TestSchema::TestSchema(const std::string& prefix) : name_(unique_name(prefix)) {
  sql_.exec("CREATE SCHEMA " + name_);
}

TestSchema::~TestSchema() { sql_.ok("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }

namespace {
std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}
}  // namespace

namespace {
// Starts DRIFTD_BIN (or the build's driftd) with `args`, extra `env`, stdout/stderr to the fds.
pid_t spawn_driftd(const std::vector<std::string>& args, const std::vector<std::string>& env, int out_fd,
                   int err_fd) {
  const char* bin = std::getenv("DRIFTD_BIN");
  std::string binary = bin != nullptr ? bin : DRIFTD_BINARY_DIR "/driftd";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}
}  // namespace

CommandResult run_driftd(const std::vector<std::string>& args, const std::vector<std::string>& env,
                         double timeout_s) {
  char out_tmpl[] = "/tmp/driftd-out-XXXXXX";
  char err_tmpl[] = "/tmp/driftd-err-XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  pid_t pid = spawn_driftd(args, env, out_fd, err_fd);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("driftd did not finish within " << timeout_s << "s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  lseek(out_fd, 0, SEEK_SET);
  lseek(err_fd, 0, SEEK_SET);
  r.out = read_all(out_fd);
  r.err = read_all(err_fd);
  close(out_fd);
  close(err_fd);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

DaemonProcess::DaemonProcess(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  char tmpl[] = "/tmp/driftd-daemon-XXXXXX";
  int fd = mkstemp(tmpl);
  log_path_ = tmpl;
  pid_ = spawn_driftd(args, env, fd, fd);
  close(fd);
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait_exit(10);
  }
  unlink(log_path_.c_str());
}

std::string DaemonProcess::log() const {
  std::ifstream in(log_path_);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool DaemonProcess::wait_for_log(const std::string& text, double timeout_s, std::size_t from) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string l = log();
    if (l.size() > from && l.find(text, from) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::size_t DaemonProcess::count_in_log(const std::string& text) const {
  std::string l = log();
  std::size_t n = 0;
  for (auto p = l.find(text); p != std::string::npos; p = l.find(text, p + 1)) ++n;
  return n;
}

int DaemonProcess::port() const {
  std::string l = log();
  auto p = l.find("driftd started");
  if (p == std::string::npos) return 0;
  p = l.find("listen=", p);
  if (p == std::string::npos) return 0;
  auto colon = l.find(':', p);
  return std::atoi(l.c_str() + colon + 1);
}

void DaemonProcess::signal(int sig) const { kill(pid_, sig); }

bool DaemonProcess::running() {
  if (exited_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int DaemonProcess::wait_exit(double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (exit_code_ != 0 && exit_code_ != 128 + SIGKILL) {
    // What the process said last is what explains an unexpected exit (a sanitizer report...).
    std::string l = log();
    UNSCOPED_INFO("driftd exited with " << exit_code_ << "; the end of its log:\n"
                                        << l.substr(l.size() > 6000 ? l.size() - 6000 : 0));
  }
  return exit_code_;
}

std::pair<int, std::string> http_get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  auto r = c.Get(path.c_str());
  if (!r) return {0, ""};
  return {r->status, r->body};
}

std::pair<int, std::string> http_post(int port, const std::string& path, const std::string& body) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(60);
  auto r = c.Post(path.c_str(), body, "application/json");
  if (!r) return {0, ""};
  return {r->status, r->body};
}

std::string write_temp_file(const std::string& name, const std::string& content) {
  char tmpl[] = "/tmp/driftd-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/" + name;
  std::ofstream(path) << content;
  return path;
}

namespace {
void pg_ctl(const std::string& action) {
  const char* dir = std::getenv("DRIFTD_TEST_PG_DIR");
  if (dir == nullptr) FAIL("DRIFTD_TEST_PG_DIR is not set: run the integration tests through scripts/test");
  std::string runner = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
  std::string cmd = runner + "/usr/lib/postgresql/15/bin/pg_ctl -D " + std::string(dir) +
                    "/data -m fast -w -t 60 " + action + " -l " + std::string(dir) + "/server.log > /dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0) FAIL("pg_ctl " << action << " failed (" << rc << ")");
}
}  // namespace

void restart_postgres() { pg_ctl("restart"); }
void stop_postgres() { pg_ctl("stop"); }
void start_postgres() { pg_ctl("start"); }

}  // namespace driftd::testing
