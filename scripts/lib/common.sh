# Shared by scripts/run and scripts/test: install what is missing, configure, build.
# Sourced, not executed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the build, the program and the tests need.
RTAI_PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev
    libqt6sql6-psql libqt6sql6-sqlite libgl-dev
    postgresql pgbouncer openssl
    clang-format ccache
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

# build_tree DIR [cmake options…]: configures once, then builds incrementally.
build_tree() {
    local dir="$1"; shift
    if [ ! -f "$dir/build.ninja" ]; then
        local compiler_launcher=()
        command -v ccache >/dev/null && compiler_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
        log "configuring $dir"
        cmake -S "$ROOT" -B "$dir" -G Ninja "${compiler_launcher[@]}" "$@" >/dev/null || die "cmake configure failed in $dir"
    fi
    log "building $dir"
    cmake --build "$dir" --parallel "$(nproc)" || die "build failed in $dir"
}
