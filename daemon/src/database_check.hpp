#pragma once
// The database checks of `driftd check` and of a SIGHUP reload: every window read of every
// monitor planned against the catalog (tables, columns, their types, privileges, filters), no
// rows read. Each problem is said once, at the line of the configuration it is about, naming what
// it is about (a column five features read is one problem naming the five).

#include <string>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/config/config.hpp"
#include "driftd/daemon/plan.hpp"

namespace driftd::storage {
class PgWindowSource;
}

namespace driftd::daemon {

struct DatabaseCheck {
  bool reachable = true;  // false: the database could not be asked (no problems were looked for)
  std::string error;      // why, when not reachable (one line, no password)
  // "monitor NAME: feature \"x\": column \"x\" does not exist in table \"t\"" at FILE:LINE, in
  // file order within each monitor.
  std::vector<config::Problem> problems;
  bool ok() const { return reachable && problems.empty(); }
};

// Checks every monitor of `config` as of `now` (which only places the windows). Never throws for
// what the database says; a failure of the database itself (cannot connect, connection lost,
// timeout) makes the result unreachable.
DatabaseCheck check_database(const CompiledConfig& config, storage::PgWindowSource& source,
                             Timestamp now);

}  // namespace driftd::daemon
