#!/usr/bin/env bash
# One entry point for people and CI. Every step skips itself when already done.
#   scripts/run.sh lab     set up, then start JupyterLab on 127.0.0.1 with the suite
#   scripts/run.sh test    set up, then run every test suite
#   scripts/run.sh bench   set up, then print the benchmarks
#   scripts/run.sh setup   set up only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
export PATH="$VENV/bin:$PATH"
say() { printf '\033[1m[hotstepper]\033[0m %s\n' "$*" >&2; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

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
    "$VENV/bin/pip" install -q --disable-pip-version-check \
      'jupyterlab==4.6.*' 'jupyter-server-proxy>=4.1' 'hatchling>=1.21' 'hatch-jupyter-builder>=0.9' \
      'papermill>=2.6' 'pytest>=8' 'openapi-spec-validator>=0.7' \
      2>&1 | grep -v 'is ignored: it is neither' || true
    "$VENV/bin/python" -c 'import jupyterlab, jupyter_server_proxy' # fail here, not later
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
  say "building (incremental)"
  npm run build --silent >/dev/null
}

install_suite() {
  if ! "$VENV/bin/python" -c 'import hotstepper' 2>/dev/null; then
    say "pip install -e . (the prebuilt extensions and the bundled backend)"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-build-isolation -e . 2>&1 \
      | grep -v 'is ignored: it is neither' || true
    "$VENV/bin/python" -c 'import hotstepper'
  fi
  # Link the built extensions so a rebuild shows up without reinstalling.
  jupyter labextension develop --overwrite . >/dev/null 2>&1
  local listing
  listing=$(jupyter labextension list 2>&1)
  for ext in usage jobs flare storage; do
    grep -q "@hotstepper/$ext.*enabled.*OK" <<<"$listing" \
      || { say "the @hotstepper/$ext extension is not enabled"; echo "$listing"; exit 1; }
  done
}

setup() {
  setup_python
  setup_node
  install_suite
}

case "${1:-}" in
  setup) setup ;;
  lab)
    setup
    say "starting JupyterLab on http://127.0.0.1:${PORT:-8888}/lab"
    exec jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port="${PORT:-8888}" --no-browser \
      $([ "$(id -u)" -eq 0 ] && echo --allow-root)
    ;;
  test)
    # Chromium for the UI tests; a one-node Slurm cluster (and munge) for the Slurm runner's tests.
    # sshfs and an sshd on loopback for the storage tests (a real fuse.sshfs mount).
    apt_install chromium:chromium slurmctld:slurm-wlm munged:munge slurmrestd:slurmrestd \
      sshfs:sshfs sshd:openssh-server
    setup
    exec node scripts/test.mjs
    ;;
  bench)
    apt_install chromium:chromium
    setup
    shift
    exec node scripts/bench.mjs "$@"
    ;;
  *)
    echo "usage: scripts/run.sh lab|test|bench|setup" >&2
    exit 2
    ;;
esac
