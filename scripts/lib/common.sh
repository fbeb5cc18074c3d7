# Shared by the scripts in scripts/: where things are, and installing what is missing.
# Every Debian package the project needs is listed here, by purpose, and nowhere else.

HK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export HK_ROOT

# Packages by purpose. The CMake configure step names the package of anything still missing.
HK_PKGS_BUILD="g++ cmake ninja-build ccache pkg-config libboost-dev libsqlite3-dev \
libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libsystemd-dev nlohmann-json3-dev \
libserialport-dev libudev-dev libusb-1.0-0-dev libsimdjson-dev libsodium-dev \
libfreetype-dev libpng-dev libqrencode-dev libzxing-dev"
HK_PKGS_TEST="catch2 sqlite3 fonts-wqy-microhei"
# The screens' end-to-end tests: Debian's Chromium, and a Chinese font so that the screenshots
# show the screens as a hall sees them.
HK_PKGS_E2E="chromium fonts-wqy-microhei"
HK_PKGS_LINT="clang-format clang-tidy-19"
HK_PKGS_FUZZ="clang-19 libclang-rt-19-dev"

hk_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
hk_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
hk_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    hk_die "need root to run '$*' (run as root or install sudo)"
  fi
}

# hk_install_packages PKG...: installs the Debian packages that are not installed yet.
hk_install_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  hk_log "installing Debian packages: ${missing[*]}"
  hk_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  hk_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}

# hk_build_ui: builds kiosk-ui into kiosk-ui/dist, first running `npm ci` when node_modules is
# missing or package-lock.json is newer than the last install. Node.js (>= 20.19) and npm are not
# installed from Debian here (the Debian nodejs is 18, too old for Vite; the machines have a
# Node.js 20 with its npm): they must already be on PATH.
hk_build_ui() {
  local ui="$HK_ROOT/kiosk-ui"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    hk_die "kiosk-ui needs Node.js (>= 20.19) and npm on PATH; install them first"
  fi
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    hk_die "kiosk-ui needs Node.js >= 20.19, found $(node --version)"
  if [ ! -d "$ui/node_modules" ] || [ ! -f "$ui/node_modules/.package-lock.json" ] ||
    [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    hk_log "installing kiosk-ui's npm packages"
    (cd "$ui" && npm ci --no-audit --no-fund) || hk_die "npm ci failed in kiosk-ui"
  fi
  hk_log "building kiosk-ui"
  (cd "$ui" && npm run --silent build) || hk_die "the kiosk-ui build failed"
}

# hk_e2e_deps: installs tests/e2e's npm packages (playwright-core, which drives Debian's
# Chromium) when missing or older than its package-lock.json.
hk_e2e_deps() {
  local e2e="$HK_ROOT/tests/e2e"
  if [ ! -d "$e2e/node_modules" ] || [ ! -f "$e2e/node_modules/.package-lock.json" ] ||
    [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    hk_log "installing the end-to-end tests' npm packages"
    (cd "$e2e" && npm ci --no-audit --no-fund) || hk_die "npm ci failed in tests/e2e"
  fi
}

# hk_build PRESET [TARGET...]: configures (once) and builds a CMake preset.
hk_build() {
  local preset="$1"
  shift
  cd "$HK_ROOT"
  if [ ! -f "build/$preset/CMakeCache.txt" ]; then
    hk_log "configuring ($preset)"
    cmake --preset "$preset" >/dev/null
  fi
  hk_log "building ($preset)"
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" --target "$@"
  else
    cmake --build --preset "$preset"
  fi
}
