"""Fixtures for the tests that run Odoo itself as separate processes against
copies of the demo test database: the prefork server with two cron workers,
upgrading twice, uninstalling.

``tools/run-tests`` runs them after the add-on's tests with
``--conf`` and ``--template-db`` (the installed demo database, which
must have no open connection while it is copied)."""

import configparser
import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from odoo_harness import loopback_args, odoo_bin, start_server

TOP = Path(__file__).resolve().parent.parent
CHECKLOG = TOP / "tools" / "checklog"
ODOO_BIN = odoo_bin()
os.environ.setdefault("PGOPTIONS", "-c client_min_messages=warning")


def pytest_addoption(parser):
    parser.addoption("--conf", help="Odoo configuration file")
    parser.addoption("--template-db", help="installed demo database to copy")


class Odoo:
    """Odoo processes and SQL on one copy of the template database."""

    def __init__(self, config_path, db, logs):
        self.config_path, self.db, self.logs = config_path, db, logs
        options = configparser.ConfigParser(interpolation=None)
        options.read(config_path)
        self.options = options["options"]

    def connect(self, db=None):
        password = self.options.get("db_password", "False")
        connection = psycopg2.connect(
            dbname=db or self.db,
            host=self.options.get("db_host", "127.0.0.1"),
            port=self.options.get("db_port", "5432"),
            user=self.options.get("db_user", "odoo"),
            password=None if password == "False" else password,
        )
        connection.autocommit = True
        return connection

    def sql(self, query, params=None, db=None):
        with closing(self.connect(db)) as connection, connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None

    def command(self, *subcommand):
        return [
            sys.executable,
            "-m",
            "odoo",
            *subcommand,
            "-c",
            self.config_path,
            "-d",
            self.db,
        ]

    def run(self, name, *args):
        """Run Odoo with ``args`` to the end; its log must be clean."""
        log = self.logs / f"{name}.log"
        subprocess.run(
            [*self.command(), *args, "--stop-after-init", f"--logfile={log}"],
            check=True,
            timeout=1800,
        )
        self.check_log(log)
        return log

    def shell(self, name, code):
        """Run ``code`` in ``odoo shell`` (``env`` is the superuser's); the
        code leaves its answer in ``result``, returned decoded from JSON.
        The log must be clean."""
        log = self.logs / f"{name}.log"
        script = f"{code}\nenv.cr.commit()\nprint('RESULT=' + json.dumps(result))\n"
        answer = subprocess.run(
            [*self.command("shell"), "--no-http", f"--logfile={log}"],
            input=f"import json\n{script}",
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        self.check_log(log)
        lines = [x for x in answer.stdout.splitlines() if x.startswith("RESULT=")]
        assert lines, f"{name}: no result\n{answer.stdout}\n{answer.stderr}"
        return json.loads(lines[-1][len("RESULT=") :])

    def serve(self, name, *args):
        """Start an Odoo server on free loopback ports; returns the process
        and its log once it answers. odoo-bin, not ``python -m odoo``: the
        prefork server starts its long-polling process again from its own
        command line."""
        log = self.logs / f"{name}.log"
        command = [
            sys.executable,
            ODOO_BIN,
            *self.command()[3:],
            f"--db-filter=^{self.db}$",
            *loopback_args(log),
            *args,
        ]
        server, __ = start_server(command, log)
        return server, log

    @staticmethod
    def check_log(log):
        subprocess.run([sys.executable, str(CHECKLOG), str(log)], check=True)


@pytest.fixture
def odoo_copy(request, tmp_path):
    """A fresh copy of the demo database, dropped afterwards."""
    config_path = request.config.getoption("--conf")
    template = request.config.getoption("--template-db")
    if not config_path or not template:
        pytest.skip("needs --conf and --template-db (make test)")
    name = f"{template}_{request.node.name[5:]}"[:63]
    odoo = Odoo(config_path, name, tmp_path)
    with closing(odoo.connect("postgres")) as connection, connection.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    filestore = Path(odoo.options["data_dir"]) / "filestore"
    if (filestore / template).is_dir():
        subprocess.run(
            ["cp", "-a", str(filestore / template), str(filestore / name)], check=True
        )
    yield odoo
    with closing(odoo.connect("postgres")) as connection, connection.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    subprocess.run(["rm", "-rf", str(filestore / name)], check=True)
