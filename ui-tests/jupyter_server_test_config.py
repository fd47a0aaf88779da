"""Jupyter server configuration for the galata (Playwright) UI tests.

Started by playwright.config.ts (webServer). Token and XSRF are switched off
by galata's helper: these tests prove nothing about authentication.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (`c` is injected by traitlets)

# Everything the server writes lives in ui-tests/.tmp (git-ignored) and starts empty:
# the notebook root (galata makes a folder per test in it) and XDG_DATA_HOME, which holds
# the backend's state.db and Jupyter's runtime files. This file is read before the server
# writes anything, and Playwright (CI=1) refuses to start a second server on port 8888.
TMP = Path(__file__).parent / ".tmp"
ROOT = TMP / "jupyter-root"
FRESH = [ROOT]
if os.environ.get("XDG_DATA_HOME", "").startswith(str(TMP)):
    FRESH.append(Path(os.environ["XDG_DATA_HOME"]))
for directory in FRESH:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)

# A usage history for the usage panel's tests (90 days of rollups with a gap, a quiet last day,
# 2 of 4 idle days counted), written into the fresh state.db before the backend first starts
# (jupyter-server-proxy starts it on the first request). Only ever into the test XDG_DATA_HOME.
SEED = Path(__file__).parent.parent / "packages" / "backend" / "scripts" / "seed-usage.mjs"
if len(FRESH) > 1:
    node = os.environ.get("HOTSTEPPER_NODE") or shutil.which("node") or "node"
    seeded = subprocess.run(
        [node, str(SEED), "--db", str(FRESH[1] / "hotstepper" / "state.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    sys.stderr.write(seeded.stdout + seeded.stderr)
    if seeded.returncode != 0:
        raise SystemExit(f"seeding the usage history failed ({SEED}): {seeded.stderr.strip()}")

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.LabApp.extension_manager = "readonly"  # noqa: F821
c.FileContentsManager.delete_to_trash = False  # noqa: F821
c.ServerApp.root_dir = str(ROOT)  # noqa: F821

# nbgrader shares the venv (the course feature drives it) and brings a lab extension with a menu
# and palette entries of its own, and server routes: these tests see JupyterLab as Hotstepper's
# users do, without them.
c.ServerApp.jpserver_extensions = {  # noqa: F821
    f"nbgrader.server_extensions.{name}": False
    for name in ("formgrader", "validate_assignment", "assignment_list", "course_list")
}


def _without_nbgrader(handler, page_config):
    page_config["disabledExtensions"] = [*page_config.get("disabledExtensions", []), "@jupyter/nbgrader"]
    return page_config


c.ServerApp.tornado_settings = {"page_config_hook": _without_nbgrader}  # noqa: F821
