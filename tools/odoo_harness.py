"""Odoo as an outside program sees it: a server started on free loopback
ports, and a JSON-RPC client. Shared by the outside-client tests
(``tests/``), the lifecycle tests (``lifecycle/``), the benchmark and the
soak run (``bench/``)."""

import http.cookiejar
import json
import os
import platform
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def odoo_bin():
    """The odoo-bin of the Odoo tree python3 imports (its parent folder), or
    the ``odoo`` command pip installed. The prefork server starts its
    long-polling process again from its own command line, which
    ``python -m odoo`` can't give it."""
    import odoo

    tree = Path(odoo.__path__[0]).resolve().parent / "odoo-bin"
    return str(tree) if tree.exists() else shutil.which("odoo")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(command, log, timeout=120):
    """Start Odoo with ``command`` (its ports among the arguments) and return
    the process and its URL once ``/web/health`` answers."""
    port = next(
        int(arg.split("=", 1)[1]) for arg in command if arg.startswith("--http-port=")
    )
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(command)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as answer:
                if answer.status == 200:
                    return server, url
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"Odoo did not start; see {log}")
        time.sleep(0.5)


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def loopback_args(log):
    """The arguments that bind a server to free loopback ports and log to
    ``log``."""
    return [
        "--http-interface=127.0.0.1",
        f"--http-port={free_port()}",
        f"--gevent-port={free_port()}",
        f"--logfile={log}",
    ]


class RpcError(Exception):
    """An error that Odoo answered over JSON-RPC; ``str()`` is its message."""


class OdooClient:
    """JSON-RPC client bound to one database and user, as an integration
    would use the external API."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        self.uid = self._rpc("common", "authenticate", db, login, password, {})
        assert self.uid, f"cannot log in as {login}"

    def _rpc(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": 1,
        }
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as answer:
            reply = json.load(answer)
        if "error" in reply:
            raise RpcError(reply["error"]["data"]["message"])
        return reply.get("result")  # Odoo leaves out a None result

    def call(self, model, method, *args, **kwargs):
        return self._rpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


def provenance():
    """When, on what code and machine a measurement ran, for its report."""
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).resolve().parent,
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, code `{revision}`, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )


def web_session(url, db, login, password):
    """An HTTP client (a urllib opener with its cookies) logged in as
    ``login``, the way the web client logs in."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"db": db, "login": login, "password": password},
    }
    request = urllib.request.Request(
        f"{url}/web/session/authenticate",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=120) as answer:
        reply = json.load(answer)
    assert reply.get("result", {}).get("uid"), f"cannot log in as {login}"
    return opener
