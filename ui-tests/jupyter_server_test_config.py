"""Jupyter server configuration for the galata (Playwright) UI tests.

Started by playwright.config.ts (webServer). Token and XSRF are switched off
by galata's helper: these tests prove nothing about authentication.
"""

import os
import shutil
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

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.LabApp.extension_manager = "readonly"  # noqa: F821
c.FileContentsManager.delete_to_trash = False  # noqa: F821
c.ServerApp.root_dir = str(ROOT)  # noqa: F821
