#pragma once
// The `driftd` command line (CONTRACT section 1). Returns the process exit code.

namespace driftd::daemon {

int run_cli(int argc, char** argv);

// "driftd 0.1.0"
const char* version();

}  // namespace driftd::daemon
