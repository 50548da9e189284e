#include <malloc.h>

#include <cstdlib>

#include "driftd/daemon/cli.hpp"

int main(int argc, char** argv) {
  // Windows live in 512 KiB chunks and sort buffers of a few MiB that come and go with every
  // evaluation. A fixed mmap threshold (setting it turns glibc's adaptive one off) returns them
  // to the system when freed instead of leaving fragmented arenas behind: ~20% less peak RSS.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // glibc gives every thread that allocates its own arena (up to 8 per core): the API, worker and
  // dispatcher threads then each keep freed memory of their own, and a long-running daemon's RSS
  // creeps up (+26% over 1,000 evaluations of 200 monitors in bench/daemon_load, a leak in
  // appearance only). Two arenas keep it flat (-10% over the same run). MALLOC_ARENA_MAX, when
  // set, wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  return driftd::daemon::run_cli(argc, argv);
}
