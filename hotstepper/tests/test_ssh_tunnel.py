"""SSH over HTTPS: a real ssh session through a real Jupyter server (token auth on) and
jupyter-server-proxy's raw socket proxy, with `python -m hotstepper.ssh_tunnel` as ProxyCommand."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hotstepper.ssh import KEY_DIR, NAME, setup_ssh

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tunnel-test-token-0123456789"

pytestmark = pytest.mark.skipif(
    shutil.which("sshd", path="/usr/sbin:/usr/bin") is None or shutil.which("ssh") is None,
    reason="openssh-server and openssh-client are needed (scripts/run.sh installs them)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True
    )


def fingerprint(pub: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-l", "-f", str(pub)], check=True, capture_output=True)
    return out.stdout.decode().split()[1]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    """A Jupyter server with a token, serving the entry point's description under its name."""
    base = tmp_path_factory.mktemp("ssh-tunnel")
    home = base / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    config = base / "jupyter_server_config.py"
    config.write_text(
        f"c.ServerProxy.servers = {{{NAME!r}: {setup_ssh()!r}}}\n", encoding="utf-8"
    )
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        # The test's home lives under /tmp, whose modes sshd's StrictModes rejects for any user.
        "HOTSTEPPER_SSH_STRICT_MODES": "no",
    }
    env.pop("HOTSTEPPER_CONFIG", None)
    log = open(base / "jupyter.log", "wb")
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root"],
            *[f"--config={config}", f"--port={port}", "--ServerApp.ip=127.0.0.1"],
            *["--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}"],
            f"--ServerApp.root_dir={home}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}api/status?token={TOKEN}", timeout=5)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError((base / "jupyter.log").read_text(errors="replace"))
            time.sleep(0.1)
    try:
        yield {"url": url, "home": home, "base": base, "env": env}
    finally:
        # The server, the proxy's process and every sshd of it: one session, ended by its group.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def ssh(jupyter, key: Path, token: str | None, *command: str) -> subprocess.CompletedProcess:
    tunnel = f"{sys.executable} -m hotstepper.ssh_tunnel {jupyter['url']}{NAME}/"
    env = {**jupyter["env"], "HOME": str(jupyter["base"])}
    env.pop("HOTSTEPPER_TOKEN", None)
    if token:
        env["HOTSTEPPER_TOKEN"] = token
    options = [
        "IdentitiesOnly=yes",
        "BatchMode=yes",
        f"ProxyCommand={tunnel}",
        "StrictHostKeyChecking=accept-new",
        f"UserKnownHostsFile={jupyter['base'] / 'known_hosts'}",
        "HostKeyAlias=notebook",
    ]
    return subprocess.run(
        ["ssh", "-F", "/dev/null", "-i", str(key)]
        + [arg for option in options for arg in ("-o", option)]
        + [f"{getpass.getuser()}@notebook", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def key(jupyter) -> Path:
    """A key pair of the user's, its public half in the managed authorized_keys."""
    key = jupyter["base"] / "id_ed25519"
    keygen(key, "alice@laptop")
    authorized = jupyter["home"] / ".ssh" / "authorized_keys"
    authorized.write_text((key.with_suffix(".pub")).read_text(), encoding="utf-8")
    authorized.chmod(0o600)
    return key


def test_an_ssh_session_runs_through_the_jupyter_server(jupyter, key):

    result = ssh(jupyter, key, TOKEN, "echo", "hello from $(pwd)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("hello from /")

    # The server's host key is the user's own, kept in the home (the card shows its fingerprint).
    host_pub = jupyter["home"] / KEY_DIR / "ssh_host_ed25519_key.pub"
    known = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(jupyter["base"] / "known_hosts")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert fingerprint(host_pub) in known

    # A second session reuses that key: no warning, the same known_hosts entry works.
    again = ssh(jupyter, key, TOKEN, "true")
    assert again.returncode == 0, again.stderr


def test_a_key_not_in_authorized_keys_is_refused(jupyter, key):
    stranger = jupyter["base"] / "stranger"
    keygen(stranger, "mallory@elsewhere")
    result = ssh(jupyter, stranger, TOKEN, "true")
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr


def test_without_the_token_the_jupyter_server_refuses_the_tunnel(jupyter, key):
    result = ssh(jupyter, key, "not-the-token", "true")
    assert result.returncode == 255
    assert "answered 403" in result.stderr or "answered 401" in result.stderr
    missing = ssh(jupyter, key, None, "true")
    assert "set HOTSTEPPER_TOKEN" in missing.stderr


def test_the_entry_point_is_declared_for_jupyter_server_proxy():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'{NAME} = "hotstepper.ssh:setup_ssh"' in text
    server = setup_ssh()
    assert server["raw_socket_proxy"] is True and server["unix_socket"] is True
    assert "{unix_socket}" in server["command"]
