"""ssh's ProxyCommand for SSH over HTTPS: one websocket to the notebook's `hotstepper-ssh/`.

    Host my-notebook
      User jovyan
      ProxyCommand python3 -m hotstepper.ssh_tunnel https://hub.example.org/user/al/hotstepper-ssh/

The token (one made on the hub's Token page, or the Jupyter server's own) comes from the
HOTSTEPPER_TOKEN environment variable or `--token-file`, never from the command line, where
other users of the machine could read it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import aiohttp

CHUNK = 64 * 1024


def websocket_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


def read_token(token_file: str | None) -> str:
    if token_file:
        with open(token_file, encoding="utf-8") as f:
            return f.read().strip()
    token = os.environ.get("HOTSTEPPER_TOKEN", "").strip()
    if not token:
        sys.exit(
            "hotstepper.ssh_tunnel: set HOTSTEPPER_TOKEN to a token from your hub's Token page "
            "(or pass --token-file)"
        )
    return token


async def tunnel(url: str, token: str) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=CHUNK)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    stdout = sys.stdout.buffer
    headers = {"Authorization": f"token {token}"}
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(websocket_url(url), headers=headers, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as err:
            hints = {403: "the token is not accepted here", 404: "no such server or URL"}
            hint = f": {hints[err.status]}" if err.status in hints else ""
            sys.exit(f"hotstepper.ssh_tunnel: {url} answered {err.status} {err.message}{hint}")

        async def upstream() -> None:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await ws.send_bytes(data)
            await ws.close()

        sending = asyncio.ensure_future(upstream())
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    stdout.write(message.data)
                    stdout.flush()
                elif message.type == aiohttp.WSMsgType.TEXT:
                    stdout.write(message.data.encode())
                    stdout.flush()
                else:
                    break
        finally:
            sending.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hotstepper.ssh_tunnel",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", help="the notebook's https://…/user/NAME/hotstepper-ssh/")
    parser.add_argument("--token-file", help="a file holding the token (else $HOTSTEPPER_TOKEN)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(tunnel(args.url, read_token(args.token_file)))
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
