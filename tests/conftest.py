"""Fixtures for the tests that drive the add-on from outside, as a client
would: an Odoo server started on a free loopback port against the test
database that pytest-odoo has loaded."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import odoo


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def odoo_command(*args):
    """The command line of an Odoo process on the test configuration and
    database, with ``args`` added."""
    config = odoo.tools.config
    return [
        sys.executable,
        "-m",
        "odoo",
        "-c",
        config.rcfile,
        "-d",
        config["db_name"],
        *args,
    ]


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    config = odoo.tools.config
    db = config["db_name"]
    port = _free_port()
    log = tmp_path_factory.mktemp("odoo") / "server.log"
    command = odoo_command(
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={_free_port()}",
        "--workers=0",
        "--max-cron-threads=0",
        f"--logfile={log}",
    )
    server = subprocess.Popen(command, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/web/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Odoo did not start; see {log}:\n{log.read_text()}")
            time.sleep(0.5)
        yield {"url": url, "db": db, "log": log}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def admin(odoo_server):
    """The administrator of the demo database."""
    return OdooClient(odoo_server["url"], odoo_server["db"], "admin", "admin")
