# Shared by scripts/demo, scripts/test, scripts/pg and bench scripts. Source it; do not run it.
# Installs missing Debian packages, builds driftd, and runs a private PostgreSQL cluster.

DRIFTD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DRIFTD_STATE="${DRIFTD_STATE:-$DRIFTD_ROOT/.driftd}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

say() { printf '\033[1m==> [%dm%02ds] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}

DRIFTD_PACKAGES=(build-essential cmake ninja-build ccache pkg-config libpqxx-dev libboost-dev
  prometheus-cpp-dev libcpp-httplib-dev libtomlplusplus-dev catch2 nlohmann-json3-dev libssl-dev zlib1g-dev
  postgresql curl clang libclang-rt-14-dev prometheus jq)

# ensure_packages [extra...]: installs whatever of the build/test dependencies is missing.
ensure_packages() {
  local missing=()
  for p in "${DRIFTD_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# run_ninja DIR WHAT [targets...]: builds quietly; on failure shows the end of the output and dies.
run_ninja() {
  local dir="$1" what="$2"; shift 2
  local log; log="$(mktemp)"
  if ! ninja -C "$dir" "$@" >"$log" 2>&1; then
    grep -v '^\[' "$log" | tail -60 >&2
    rm -f "$log"
    die "$what failed"
  fi
  rm -f "$log"
}

# build [build-dir] [cmake args...]: configures once, then builds with Ninja (+ ccache).
build() {
  local dir="${1:-$DRIFTD_ROOT/build}"; shift || true
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$DRIFTD_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
  say "building in ${dir#$DRIFTD_ROOT/}"
  run_ninja "$dir" "the build" ${DRIFTD_NINJA_TARGETS:-}
}

# build_sanitized [targets...]: clang with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer's coverage instrumentation, in build-san/ (shared by scripts/test and scripts/fuzz).
# -O1 -g0: fast to build, still fast enough to run the suite.
build_sanitized() {
  local dir="$DRIFTD_ROOT/build-san"
  if [ ! -f "$dir/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S "$DRIFTD_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
      -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g0" -DDRIFTD_FUZZ=ON -DDRIFTD_SANITIZE=address,undefined \
      -DDRIFTD_BUILD_BENCH=OFF >/dev/null
  fi
  say "building with AddressSanitizer + UndefinedBehaviorSanitizer (clang) in build-san"
  run_ninja "$dir" "the sanitizer build" "$@"
}

# build_tsan targets...: gcc with ThreadSanitizer in build-tsan/.
build_tsan() {
  local dir="$DRIFTD_ROOT/build-tsan"
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$DRIFTD_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g0" \
      -DDRIFTD_SANITIZE=thread -DDRIFTD_BUILD_BENCH=OFF >/dev/null
  fi
  say "building with ThreadSanitizer in build-tsan"
  run_ninja "$dir" "the ThreadSanitizer build" "$@"
}

# ---- private PostgreSQL cluster ------------------------------------------------------------
# pg_start DIR PORT: initdb (once) into DIR, start on 127.0.0.1:PORT with the socket in DIR.
# The server refuses to run as root, so it runs as the `postgres` user, which must own DIR.
pg_start() {
  local dir="$1" port="$2"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN"
  mkdir -p "$dir"
  local runner=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "the postgres user does not exist (is the postgresql package installed?)"
    # postgres must be able to reach DIR: every parent needs o+x.
    if ! runuser -u postgres -- test -x "$dir/.." 2>/dev/null; then
      die "the postgres user cannot reach $dir; run from a checkout outside a private home, or chmod o+x its parents"
    fi
    chown postgres:postgres "$dir"
    runner=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${runner[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<CONF
# driftd private cluster: loopback only, its own port, fast and unsafe (test data only)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_connections = 300
max_wal_size = 2GB
checkpoint_timeout = 30min
logging_collector = off
log_min_messages = warning
CONF
  fi
  if "${runner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    return 0
  fi
  # The port lives in the config file so that a plain `pg_ctl start` (tests do that) keeps it.
  sed -i '/^port = /d' "$dir/data/postgresql.conf"
  echo "port = $port" >>"$dir/data/postgresql.conf"
  "${runner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; die "PostgreSQL did not start (see $dir/server.log)"; }
  for _ in $(seq 1 50); do
    "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    sleep 0.1
  done
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_roles WHERE rolname = 'driftd'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE ROLE driftd LOGIN SUPERUSER" >/dev/null
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'driftd'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE driftd OWNER driftd" >/dev/null
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/data/PG_VERSION" ] || return 0
  local runner=()
  [ "$(id -u)" = 0 ] && runner=(runuser -u postgres --)
  "${runner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# pg_port DIR: the port a cluster in DIR was started with (from postmaster.pid).
pg_port() { sed -n 4p "$1/data/postmaster.pid" 2>/dev/null || true; }

# free_port START: the first port >= START nobody listens on.
free_port() {
  local p="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
