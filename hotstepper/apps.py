"""Platform apps started through jupyter-server-proxy: our entry points, and on-demand supervision.

jupyter-server-proxy (4.6) cannot stop an app, and never starts again an app whose process
exited with code 0: its handler keeps the dead process and answers 500 (its issue #213). The
backend stops an app by signalling its process tree; `supervise()` makes that leave the app
startable by the next request, and records what each app does in a directory the backend reads:

- `<name>.json`: pid, start time, ready timeout, whether it answered, exit code and time;
- `<name>.log`: its output (stdout and stderr) since its last start.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ICONS = HERE / "icons"
APPS_DIR_ENV = "HOTSTEPPER_APPS_DIR"
TENSORBOARD_LOGDIR_ENV = "HOTSTEPPER_TENSORBOARD_LOGDIR"
# The entry point of the backend itself (pyproject.toml), also supervised by the proxy.
BACKEND_SERVER = "hotstepper"


def apps_dir() -> Path:
    """The directory of the apps' state files, private to the user; made once per server."""
    if not os.environ.get(APPS_DIR_ENV):
        # Inherited by the backend, which jupyter-server-proxy starts later from this environment.
        os.environ[APPS_DIR_ENV] = tempfile.mkdtemp(prefix="hotstepper-apps-")
    path = Path(os.environ[APPS_DIR_ENV])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _remove_socket(path: str | None) -> None:
    """The socket an ended app leaves behind: the next start binds the same path."""
    try:
        if path and stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass


def supervise() -> None:
    """Patches jupyter-server-proxy's supervision once: apps start on demand, also after they ended."""
    try:
        from jupyter_server_proxy import handlers
        from simpervisor import SupervisedProcess
        from simpervisor.atexitasync import remove_handler
    except ImportError:  # no jupyter-server-proxy: nothing to supervise
        return
    if getattr(handlers, "_hotstepper_supervised", False):
        return
    state_dir = apps_dir()

    class AppProcess(SupervisedProcess):
        """An app's process: its output kept in a file, its life in a state file, never restarted
        behind the user's back (a crash shows as one; the next Open starts it again)."""

        @property
        def _recorded(self) -> bool:
            # The backend is not an app: its log stays the Jupyter server's.
            return self.name != BACKEND_SERVER

        def _write(self, **fields) -> None:
            if not self._recorded:
                return
            path = state_dir / f"{_file_name(self.name)}.json"
            tmp = path.with_suffix(".json.tmp")
            self._state = {**getattr(self, "_state", {}), **fields}
            tmp.write_text(json.dumps(self._state))
            os.replace(tmp, path)

        async def start(self):
            if self.running or not self._recorded:
                return await super().start()
            log = open(state_dir / f"{_file_name(self.name)}.log", "wb", buffering=0)  # noqa: SIM115
            try:
                self._proc_kwargs.update(stdout=log, stderr=subprocess.STDOUT)
                await super().start()
            finally:
                log.close()  # the child holds its own copy
            self._state = {}
            self._write(pid=self.proc.pid, started=time.time(), timeout=self.ready_timeout, ready=False)

        async def ready(self):
            ok = await super().ready()
            self._write(ready=bool(ok))
            return ok

        async def _signal_and_wait(self, signum):
            # The proxy's own kill (not ready in time) cancels the watch below: record it here.
            await super()._signal_and_wait(signum)
            self._write(exited=time.time(), code=self.proc.returncode)

        async def _restart_process_if_needed(self):
            if not self._recorded:
                return await super()._restart_process_if_needed()
            code = await self.proc.wait()
            remove_handler(self._handle_signal)
            self.running = False
            self._write(exited=time.time(), code=code)

    original = handlers.SuperviseAndProxyHandler.ensure_process

    async def ensure_process(self):
        proc = self.state.get("proc")
        if isinstance(proc, SupervisedProcess) and not proc.running:
            async with self.state["proc_lock"]:
                # Ended (stopped, crashed or exited 0): forget it, so this request starts it anew.
                if self.state.get("proc") is proc and not proc.running:
                    del self.state["proc"]
                    _remove_socket(self.state.get("unix_socket"))
        return await original(self)

    handlers.SupervisedProcess = AppProcess
    handlers.SuperviseAndProxyHandler.ensure_process = ensure_process
    handlers._hotstepper_supervised = True


def _root_dir() -> str:
    from hotstepper import _root_dir as root_dir

    return root_dir()


def setup_tensorboard() -> dict:
    """TensorBoard with the server's Python, over the runs under a log directory.

    The directory: HOTSTEPPER_TENSORBOARD_LOGDIR, else the Jupyter root. TensorBoard has no unix
    socket option: it listens on loopback only, behind the server's authentication.
    """
    logdir = os.environ.get(TENSORBOARD_LOGDIR_ENV) or _root_dir()
    return {
        "command": [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            logdir,
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--path_prefix",
            "{base_url}tensorboard",
        ],
        "absolute_url": True,
        "timeout": 60,
        "new_browser_tab": True,
        "launcher_entry": {
            "title": "TensorBoard",
            "icon_path": str(ICONS / "tensorboard.svg"),
            "enabled": False,
        },
    }


def setup_code_server() -> dict:
    """VS Code in the browser (code-server, else openvscode-server) on a unix socket.

    The socket lives in a fresh 0700 directory and the Jupyter server authenticates every
    request, so the editor's own password is off; it never listens on a TCP port.
    """
    openvscode = shutil.which("openvscode-server")
    if openvscode and not shutil.which("code-server"):
        command = [openvscode, "--socket-path", "{unix_socket}", "--without-connection-token"]
        command += ["--telemetry-level", "off", "--default-folder", _root_dir()]
    else:
        command = [shutil.which("code-server") or "code-server", "--socket", "{unix_socket}"]
        command += ["--auth", "none", "--disable-telemetry", "--disable-update-check", _root_dir()]
    return {
        "command": command,
        "unix_socket": True,
        "timeout": 60,
        "new_browser_tab": True,
        "launcher_entry": {
            "title": "VS Code",
            "icon_path": str(ICONS / "code-server.svg"),
            "enabled": False,
        },
    }
