"""SSH over HTTPS: an sshd per connection behind jupyter-server-proxy's `raw_socket_proxy`.

jupyter-server-proxy starts `python -m hotstepper.ssh --socket {unix_socket}` on the first
websocket to `{base_url}hotstepper-ssh/` and passes each websocket's bytes to that socket (its own
authentication, token or hub cookie, comes first). Every connection gets its own `sshd -i`, run
as the notebook's user: no root, no TCP port, a host key of the user's own in the home, and the
authorized_keys file the Apps panel manages. `python -m hotstepper.ssh_tunnel` is the other end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

NAME = "hotstepper-ssh"
#: Relative to the home: the server's own host key (the backend shows its fingerprint).
KEY_DIR = ".ssh/hotstepper"
DEFAULT_AUTHORIZED_KEYS = ".ssh/authorized_keys"


def setup_ssh() -> dict:
    """How jupyter-server-proxy runs SSH over HTTPS (entry point `jupyter_serverproxy_servers`)."""
    return {
        "command": [sys.executable, "-m", "hotstepper.ssh", "--socket", "{unix_socket}"],
        # A socket in a fresh 0700 directory: no TCP port another local user could reach.
        "unix_socket": True,
        "raw_socket_proxy": True,
        "timeout": 20,
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }


def find_sshd() -> str | None:
    """sshd as Debian and most images install it (sshd refuses to run from a relative path)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which("sshd", path=path)


def authorized_keys(home: Path) -> Path:
    """The managed file: `apps.ssh.authorizedKeysFile` of hotstepper.json, in the home."""
    from . import find_config

    relative = DEFAULT_AUTHORIZED_KEYS
    config = find_config()
    if config:
        try:
            with open(config, encoding="utf-8") as f:
                ssh = json.load(f).get("apps", {}).get("ssh", {})
            relative = ssh.get("authorizedKeysFile", relative)
        except (OSError, ValueError, AttributeError):
            pass  # the backend names a bad config at its start; the default file stands here
    return home / relative


def host_key(home: Path) -> Path:
    """The user's own host key, made once: it survives restarts because the home does."""
    directory = home / KEY_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = directory / "ssh_host_ed25519_key"
    if not key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", NAME, "-f", str(key)],
            check=True,
            stdin=subprocess.DEVNULL,
        )
    return key


def sshd_command(sshd: str, home: Path) -> list[str]:
    """`sshd -i` reading no system config: key logins of this user only."""
    strict = os.environ.get("HOTSTEPPER_SSH_STRICT_MODES", "yes")
    options = {
        "HostKey": str(host_key(home)),
        "AuthorizedKeysFile": str(authorized_keys(home)),
        "PasswordAuthentication": "no",
        "KbdInteractiveAuthentication": "no",
        "PermitRootLogin": "prohibit-password",
        "UsePAM": "no",
        "PidFile": "none",
        # sshd's check of the modes of the home and ~/.ssh (on unless a test's home lives in /tmp).
        "StrictModes": strict,
        "Subsystem": "sftp internal-sftp",
        "LogLevel": "ERROR",
    }
    command = [sshd, "-i", "-e", "-f", "/dev/null"]
    for key, value in options.items():
        command += ["-o", f"{key}={value}" if key != "Subsystem" else f"{key} {value}"]
    return command


def serve(socket_path: str) -> None:
    """Accepts on the unix socket; each connection becomes an `sshd -i` on that socket."""
    sshd = find_sshd()
    if sshd is None:
        sys.exit("hotstepper-ssh: no sshd in this image (Debian: apt-get install openssh-server)")
    home = Path(os.path.expanduser("~"))
    command = sshd_command(sshd, home)
    if os.geteuid() == 0:
        # sshd run by root chroots its pre-authentication child here (Debian makes it at boot).
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    os.chmod(socket_path, 0o600)
    server.listen(16)
    # Wakes up now and then to reap the sessions that ended.
    server.settimeout(5)
    children: list[subprocess.Popen] = []
    while True:
        children = [child for child in children if child.poll() is None]
        try:
            connection, _ = server.accept()
        except socket.timeout:
            continue
        with connection:
            children.append(
                subprocess.Popen(
                    command, stdin=connection.fileno(), stdout=connection.fileno(), close_fds=True
                )
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hotstepper.ssh", description=__doc__)
    parser.add_argument(
        "--socket", required=True, help="the unix socket jupyter-server-proxy connects to"
    )
    serve(parser.parse_args(argv).socket)


if __name__ == "__main__":
    main()
