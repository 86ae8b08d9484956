# Shared by scripts/run and scripts/test: install what is missing, configure, build.
# Sourced, not executed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the build, the program and the tests need.
RTAI_PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-charts-dev libqt6opengl6-dev # the console's charts
    libqt6sql6-psql libqt6sql6-sqlite libgl-dev
    postgresql pgbouncer openssl libssl-dev # libcrypto: JWT signatures
    haproxy dpkg-dev systemd # the load-balancer recipe, the package (CPack, systemd-analyze)
    clang-format ccache
    clang-15 libclang-common-15-dev # the fuzz targets; the latter has clang's libFuzzer runtime
    chromium
    git python3-pip
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages given (or RTAI_PACKAGES) that are not installed yet; a no-op otherwise.
ensure_packages() {
    local wanted=("$@")
    [ ${#wanted[@]} -gt 0 ] || wanted=("${RTAI_PACKAGES[@]}")
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" || die "apt-get could not install ${missing[*]}"
}

# Node.js and npm for the web client's vendored libraries and the browser tests. A machine that
# already has them (e.g. from NodeSource) keeps its own; otherwise Debian's packages.
ensure_node() {
    command -v node >/dev/null && command -v npm >/dev/null && return 0
    ensure_packages nodejs npm
}

# ccache makes a second build (and the sanitizer build of unchanged files) cheap.
export CCACHE_BASEDIR="$ROOT"

# build_tree DIR [--target NAME] [cmake options…]: configures once, then builds incrementally
# (everything, or only NAME and what it depends on).
build_tree() {
    local dir="$1"; shift
    local target=()
    if [ "${1:-}" = --target ]; then
        target=(--target "$2"); shift 2
    fi
    if [ ! -f "$dir/build.ninja" ]; then
        local compiler_launcher=()
        command -v ccache >/dev/null && compiler_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
        log "configuring $dir"
        cmake -S "$ROOT" -B "$dir" -G Ninja "${compiler_launcher[@]}" "$@" >/dev/null || die "cmake configure failed in $dir"
    fi
    log "building $dir"
    cmake --build "$dir" --parallel "$(nproc)" "${target[@]}" || die "build failed in $dir"
}

# The libFuzzer targets (tests/fuzz): clang-15 with ASan + UBSan, only the module libraries.
FUZZ_DIR="$ROOT/build-fuzz"
build_fuzz_tree() {
    build_tree "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-15 \
        -DRTAI_FUZZ=ON
}

# run_fuzzers SECONDS [REGEX]: every fuzz target (or those whose name matches), two at a time,
# each for SECONDS after replaying its committed corpus. New inputs go to
# build-fuzz/fuzz-corpus/NAME, never into tests/fuzz/corpus; a crash is saved to
# build-fuzz/fuzz-artifacts/NAME/ and fails the run. Logs: build-fuzz/fuzz-logs/NAME.log.
run_fuzzers() {
    local seconds="$1" filter="${2:-}" name names=() failed=()
    for name in "$ROOT"/tests/fuzz/fuzz_*.cpp; do
        name="$(basename "$name" .cpp)"
        name="${name#fuzz_}"
        [[ -z "$filter" || "$name" =~ $filter ]] && names+=("$name")
    done
    mkdir -p "$FUZZ_DIR/fuzz-logs"
    local symbolizer
    symbolizer="$(command -v llvm-symbolizer-15 || command -v llvm-symbolizer || true)"
    log "fuzzing ${#names[@]} targets for ${seconds} s each, two at a time"
    local running=0
    for name in "${names[@]}"; do
        if [ "$running" -ge 2 ]; then
            wait -n || true
            running=$((running - 1))
        fi
        fuzz_one "$name" "$seconds" "$symbolizer" &
        running=$((running + 1))
    done
    wait || true
    printf '%-22s %12s %10s %8s  %s\n' target executions exec/s "new" result >&2
    for name in "${names[@]}"; do
        local logfile="$FUZZ_DIR/fuzz-logs/$name.log" result
        result="$(cat "$FUZZ_DIR/fuzz-logs/$name.rc")"
        [ "$result" = 0 ] && result=ok || { result="FAILED (exit $result)"; failed+=("$name"); }
        printf '%-22s %12s %10s %8s  %s\n' "$name" \
            "$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile")" \
            "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logfile")" \
            "$(sed -n 's/^stat::new_units_added: *//p' "$logfile")" "$result" >&2
    done
    for name in "${failed[@]}"; do
        printf '\n==> %s (log: %s)\n' "$name" "$FUZZ_DIR/fuzz-logs/$name.log" >&2
        grep -v -e '^#[0-9]' -e '^\s*"' "$FUZZ_DIR/fuzz-logs/$name.log" | tail -40 >&2
        ls "$FUZZ_DIR/fuzz-artifacts/$name/" >&2
    done
    [ ${#failed[@]} -eq 0 ] || die "fuzz targets failed: ${failed[*]} (reproduce: build-fuzz/tests/fuzz/fuzz_NAME FILE)"
}

fuzz_one() {
    local name="$1" seconds="$2" symbolizer="$3"
    local scratch="$FUZZ_DIR/fuzz-corpus/$name" artifacts="$FUZZ_DIR/fuzz-artifacts/$name"
    local options=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
                   -artifact_prefix="$artifacts/")
    [ -f "$ROOT/tests/fuzz/$name.dict" ] && options+=(-dict="$ROOT/tests/fuzz/$name.dict")
    mkdir -p "$scratch" "$artifacts"
    local rc=0
    ASAN_OPTIONS=abort_on_error=1 ASAN_SYMBOLIZER_PATH="$symbolizer" \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$FUZZ_DIR/tests/fuzz/fuzz_$name" "${options[@]}" "$scratch" "$ROOT/tests/fuzz/corpus/$name" \
        >"$FUZZ_DIR/fuzz-logs/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$FUZZ_DIR/fuzz-logs/$name.rc"
}
