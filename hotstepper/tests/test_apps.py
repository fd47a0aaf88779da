"""The app entry points the package ships, and the supervision that records what each app does."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from hotstepper import apps


@pytest.fixture
def path_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Puts stand-in programs (empty executables) alone on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))

    def add(*names: str) -> None:
        for name in names:
            program = bin_dir / name
            program.write_text("#!/bin/sh\n")
            program.chmod(0o755)

    return add


def test_code_server_listens_on_a_unix_socket_only(path_with) -> None:
    path_with("code-server")
    config = apps.setup_code_server()
    assert config["unix_socket"] is True
    command = config["command"]
    assert command[:3] == [command[0], "--socket", "{unix_socket}"]
    assert command[0].endswith("/code-server")
    # No password only because no TCP port is opened: the Jupyter server authenticates.
    assert "--auth" in command and "{port}" not in command and "--bind-addr" not in command


def test_openvscode_server_when_it_is_the_one_installed(path_with) -> None:
    path_with("openvscode-server")
    command = apps.setup_code_server()["command"]
    assert command[0].endswith("/openvscode-server")
    assert command[1:3] == ["--socket-path", "{unix_socket}"]
    assert "{port}" not in command


def test_tensorboard_runs_with_the_servers_python_on_the_chosen_log_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(apps.TENSORBOARD_LOGDIR_ENV, str(tmp_path))
    command = apps.setup_tensorboard()["command"]
    assert command[:3] == [sys.executable, "-m", "tensorboard.main"]
    assert command[command.index("--logdir") + 1] == str(tmp_path)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    monkeypatch.delenv(apps.TENSORBOARD_LOGDIR_ENV)
    from hotstepper import _root_dir

    command = apps.setup_tensorboard()["command"]
    assert command[command.index("--logdir") + 1] == _root_dir()


def test_an_app_process_is_recorded_with_its_output_and_not_restarted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(apps.APPS_DIR_ENV, str(tmp_path))
    from jupyter_server_proxy import handlers

    monkeypatch.setattr(handlers, "_hotstepper_supervised", False, raising=False)
    monkeypatch.setattr(handlers, "SupervisedProcess", handlers.SupervisedProcess)
    monkeypatch.setattr(
        handlers.SuperviseAndProxyHandler,
        "ensure_process",
        handlers.SuperviseAndProxyHandler.ensure_process,
    )
    apps.supervise()

    async def run() -> None:
        proc = handlers.SupervisedProcess(
            "my app", "sh", "-c", "echo one; echo two >&2; exit 3", env=dict(os.environ)
        )
        await proc.start()
        await proc._restart_process_future
        assert proc.running is False

    asyncio.run(run())
    record = json.loads((tmp_path / "my_app.json").read_text())
    assert record["code"] == 3 and record["exited"] >= record["started"]
    assert record["ready"] is False and record["pid"] > 0
    assert (tmp_path / "my_app.log").read_text().split() == ["one", "two"]


def test_an_app_the_proxy_kills_is_recorded_as_ended_by_the_signal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(apps.APPS_DIR_ENV, str(tmp_path))
    from jupyter_server_proxy import handlers

    monkeypatch.setattr(handlers, "_hotstepper_supervised", False, raising=False)
    monkeypatch.setattr(handlers, "SupervisedProcess", handlers.SupervisedProcess)
    monkeypatch.setattr(
        handlers.SuperviseAndProxyHandler,
        "ensure_process",
        handlers.SuperviseAndProxyHandler.ensure_process,
    )
    apps.supervise()

    async def run() -> None:
        proc = handlers.SupervisedProcess("slow", "sleep", "60", env=dict(os.environ))
        await proc.start()
        # What jupyter-server-proxy does when the app is not ready in time.
        await proc.kill()

    asyncio.run(run())
    record = json.loads((tmp_path / "slow.json").read_text())
    assert record["code"] == -9 and record["ready"] is False


def test_the_backend_keeps_its_log_on_the_servers_stderr_and_no_record(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(apps.APPS_DIR_ENV, str(tmp_path))
    from jupyter_server_proxy import handlers

    monkeypatch.setattr(handlers, "_hotstepper_supervised", False, raising=False)
    monkeypatch.setattr(handlers, "SupervisedProcess", handlers.SupervisedProcess)
    monkeypatch.setattr(
        handlers.SuperviseAndProxyHandler,
        "ensure_process",
        handlers.SuperviseAndProxyHandler.ensure_process,
    )
    apps.supervise()

    async def run() -> None:
        proc = handlers.SupervisedProcess(
            apps.BACKEND_SERVER, "sh", "-c", "exit 0", env=dict(os.environ)
        )
        await proc.start()
        assert "stdout" not in proc._proc_kwargs
        await proc._restart_process_future

    asyncio.run(run())
    assert list(tmp_path.iterdir()) == []
