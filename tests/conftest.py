"""Fixtures for the tests that drive the add-on from outside, as a client
would: an Odoo server started on a free loopback port against the test
database that pytest-odoo has loaded."""

import sys

import pytest
from odoo_harness import OdooClient, RpcError, loopback_args, start_server, stop_server

import odoo

__all__ = ["OdooClient", "RpcError", "odoo_command"]


def odoo_test_db():
    """The test database, the one pytest-odoo loaded (Odoo 19 keeps a
    list of database names)."""
    return odoo.tools.config["db_name"][0]


def odoo_command(*args):
    """The command line of an Odoo process on the test configuration and
    database, with ``args`` added."""
    config = odoo.tools.config
    return [
        sys.executable,
        "-m",
        "odoo",
        "-c",
        config["config"],
        "-d",
        odoo_test_db(),
        *args,
    ]


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    db = odoo_test_db()
    log = tmp_path_factory.mktemp("odoo") / "server.log"
    command = odoo_command(
        f"--db-filter=^{db}$",
        "--workers=0",
        "--max-cron-threads=0",
        *loopback_args(log),
    )
    server, url = start_server(command, log)
    try:
        yield {"url": url, "db": db, "log": log}
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def admin(odoo_server):
    """The administrator of the demo database."""
    return OdooClient(odoo_server["url"], odoo_server["db"], "admin", "admin")
