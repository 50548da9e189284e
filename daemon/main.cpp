#include "driftd/daemon/cli.hpp"

int main(int argc, char** argv) { return driftd::daemon::run_cli(argc, argv); }
