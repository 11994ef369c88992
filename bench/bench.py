#!/usr/bin/env python3
"""make bench: the add-on's figures beside a reference measured in the same
run, on this machine, with their ratio. The run creates its own databases:

- ``bench_ours``: aftersales_service, no demo data;
- ``bench_peer``: helpdesk_mgmt + helpdesk_mgmt_sla (the OCA peer), no demo
  data, one SLA per team on the same working calendar;
- ``bench_peer_apps``: the same peer, with the Odoo apps the add-on depends
  on (sales, inventory, purchase, repairs, employees, surveys...) installed
  beside it, for the intake rows: what a request costs in such a database
  before the add-on adds anything.

Rows (sizes are options, see ``--help``):

- intake: requests created in one ORM batch, and one by one over JSON-RPC;
- concurrent intake: clients creating requests against a prefork server;
- renewal and plans: the daily scheduled actions over many contracts, a few
  of them due, against one hand-written SQL statement;
- breaches: the breach action over many open requests, a few breached;
- dispatch PDF: printing many dispatch forms at once;
- serial lookup: warranty status by serial number among a million units;
- unit notices: the unit warranty notice action over those units, a few of
  them due, against one hand-written SQL statement;
- maintenance: the maintenance action (reminders and visits) over a million
  units with their maintenance programme, a few of them due, against one
  hand-written SQL statement;
- campaign launch: a product change campaign launched over 100,000 affected
  units (loaded in bulk SQL), then its notice to each customer, against the
  hand-written SQL that selects the units into a table;
- reporting (``rows_reporting.py``): over 1,000,000 requests and 500,000
  dispatch orders (loaded in bulk SQL), the Service KPI pivot and graph as
  their menus open them, one quarter by fault category, a customer's
  quarterly analysis, the request list and a unit's archive, each against the
  hand-written SQL that gives the same answer;
- portal: a customer with 10,000 units and 50,000 requests (among others')
  opens the portal's home, their units and their requests over HTTP, beside
  the hand-written SQL of each list's first page (bench/rows_portal.py);
- surveys: the satisfaction survey action over many customers with a running
  contract, a few of them due their survey, at two sizes;
- complaint breaches: the complaint breach action over many complaints, a
  few of them late, at two sizes.

The table goes to stdout and to bench/RESULTS.md. A goal that is not met is
followed by the cProfile top 10 of the add-on's side.
"""

import argparse
import ast
import cProfile
import io
import itertools
import pstats
import random
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import Cursor, db_connect
from odoo.tools import config

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tools"))
from odoo_harness import (
    OdooClient,
    RpcError,
    loopback_args,
    odoo_bin,
    provenance,
    start_server,
    stop_server,
)
from rows_portal import PortalRows
from rows_reporting import ReportingRows

ODOO_BIN = odoo_bin()
OURS, PEER, PEER_APPS = "bench_ours", "bench_peer", "bench_peer_apps"
LOGS = TOP / ".var" / "log"
RESULTS = TOP / "bench" / "RESULTS.md"


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", help="Odoo configuration file")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rpc-requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--open-requests", type=int, default=20_000)
    parser.add_argument("--breached-percent", type=float, default=2.0)
    parser.add_argument("--pdfs", type=int, nargs=2, default=(20, 200))
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--units-due-percent", type=float, default=1.0)
    parser.add_argument("--campaign-units", type=int, default=100_000)
    parser.add_argument("--kpi-requests", type=int, default=1_000_000)
    parser.add_argument("--portal-units", type=int, default=10_000)
    parser.add_argument("--portal-requests", type=int, default=50_000)
    parser.add_argument("--portal-others", type=int, default=300_000)
    parser.add_argument("--portal-loads", type=int, default=15)
    parser.add_argument("--survey-customers", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep databases from an earlier run"
    )
    return parser.parse_args()


class Row:
    """One line of the table."""

    def __init__(self, name, work, ours, reference, ratio, goal, met, note=""):
        self.name, self.work, self.ours, self.reference = name, work, ours, reference
        self.ratio, self.goal, self.met, self.note = ratio, goal, met, note
        self.profile = ""
        # A goal not met against a reference whose floor is not the add-on's:
        # whether it is met against that floor (the intake rows' peer with
        # the add-on's apps).
        self.met_at_floor = None

    def markdown(self):
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "—"
        verdict = "met" if self.met else "**not met**"
        if not self.met and self.met_at_floor is not None:
            verdict += (
                "; met against the floor (the peer with the add-on's apps)"
                if self.met_at_floor
                else "; not met against the floor either"
            )
        return (
            f"| {self.name} | {self.work} | {self.ours} | {self.reference} | "
            f"{ratio} | {self.goal} | {verdict} |"
        )


def profile_top(function, limit=10):
    """cProfile's top ``limit`` functions by cumulative time of ``function``,
    then the add-on's own top ``limit``."""
    profiler = cProfile.Profile()
    profiler.runcall(function)
    parts = []
    for restriction in ((), ("aftersales_service",)):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(*restriction, limit)
        lines = out.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        parts.append("\n".join(lines[start : start + limit + 1]))
    return "\n\nThe add-on's functions:\n".join(parts)


@contextmanager
def queries_by_text():
    """Count the SQL queries run in the block by their text, with the
    Python call chains that ran each, most frequent first."""
    counts, callers = Counter(), defaultdict(Counter)
    execute = Cursor.execute

    def counting(cr, query, params=None, log_exceptions=True):
        text = " ".join(str(getattr(query, "code", query)).split())[:150]
        counts[text] += 1
        frames = traceback.extract_stack()[-9:-1]
        callers[text][
            " <- ".join(
                f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                for frame in reversed(frames)
            )
        ] += 1
        return execute(cr, query, params, log_exceptions)

    with patch.object(Cursor, "execute", counting):
        yield counts, callers


def apps_floor():
    """Why the peer alone is not the floor of the intake rows."""
    stored = {}
    for db in (PEER, PEER_APPS, OURS):
        with environment(db) as env:
            env.cr.execute(
                """SELECT model, count(*) FROM ir_model_fields
                    WHERE store AND model IN ('res.company', 'res.partner')
                    GROUP BY model"""
            )
            stored[db] = dict(env.cr.fetchall())
    return (
        "The peer runs in a database with its two modules only. The add-on "
        "needs Odoo's sales, inventory, purchase, repairs, employees and "
        "surveys apps; with them, the company and the customer that every "
        "request reads are bigger records: a company has "
        f"{stored[PEER_APPS]['res.company']} stored fields instead of "
        f"{stored[PEER]['res.company']}, a partner "
        f"{stored[PEER_APPS]['res.partner']} instead of "
        f"{stored[PEER]['res.partner']} (with the add-on: "
        f"{stored[OURS]['res.company']} and {stored[OURS]['res.partner']}). "
        "The same peer with those apps installed beside it (bench_peer_apps) "
        "is what a request costs in such a database before the add-on adds "
        "anything; the ratio to it is given beside the peer's."
    )


def with_apps(value, unit, ratio):
    """The peer-with-the-add-on's-apps part of an intake row."""
    return f"with the add-on's apps {value:.1f} {unit} (ratio {ratio:.2f})"


def single_creates_profile(count=50):
    """The add-on's side of one-by-one intake, in this process: ``count``
    requests created one at a time, as JSON-RPC clients do."""
    with environment(OURS) as env:
        vals_list = Bench.intake_values(env, OURS, count)

        def create_one_by_one():
            for vals in vals_list:
                env["helpdesk.ticket"].create(vals)
                env.flush_all()

        try:
            return profile_top(create_one_by_one)
        finally:
            env.cr.rollback()


@contextmanager
def environment(db):
    """A superuser environment on ``db`` that commits when the block ends."""
    with Registry(db).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def query_count(env, function):
    """Seconds and SQL queries that ``function`` costs."""
    env.flush_all()
    before = env.cr.sql_log_count
    seconds, __ = timed(lambda: (function(), env.flush_all()))
    return seconds, env.cr.sql_log_count - before


def as_scheduled(env, cron_xmlid, job):
    """Run ``job(env)`` once as the scheduler runs the scheduled action
    ``cron_xmlid``: with its progress record, so that each batch commits."""
    cron, __ = env.ref(cron_xmlid)._add_progress()
    env.cr.commit()
    scheduled = env(context={**cron.env.context, "cron_id": cron.id})
    job(scheduled)
    env.cr.commit()


def running_contract(env, customer):
    """A contract of ``customer`` on the standard level, started a month ago
    and running for ten years."""
    today = fields.Date.context_today(env.user)
    contract = env["aftersales.contract"].create(
        {
            "partner_id": customer.id,
            "service_level_id": env.ref("aftersales_service.service_level_standard").id,
            "product_id": env.ref("aftersales_service.product_service_contract").id,
            "date_start": today - timedelta(days=30),
            "date_end": today + timedelta(days=3650),
            "amount": 1000,
        }
    )
    contract.action_start()
    return contract


def vacuum(db, *tables):
    """VACUUM ANALYZE ``tables`` of ``db``, as autovacuum does soon after a
    bulk load (and a migration at its end): the rows' visibility is then
    settled before a job reads them, instead of during it."""
    with closing(db_connect(db).cursor()) as cr:
        cr._cnx.autocommit = True
        for table in tables:
            cr.execute(f'VACUUM ANALYZE "{table}"')


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def clone(cr, table, template_id, count, overrides, refs=None):
    """Insert ``count`` copies of one row of ``table`` in one statement;
    ``overrides`` maps columns to SQL expressions of ``g`` (1..count), and
    ``refs`` = (column, ids) gives copy ``g`` the ``g``-th id in that
    column. Returns the new ids in order of ``g``."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cr.fetchall()]
    overrides = dict(overrides)
    if refs:
        overrides[refs[0]] = "u.ref"
        rows, params = "unnest(%s::int[]) WITH ORDINALITY AS u(ref, g)", [refs[1]]
    else:
        rows, params = "generate_series(1, %s) g", [count]
    values = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    cr.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {values} '
        f'FROM "{table}" t, {rows} WHERE t.id = %s ORDER BY g RETURNING id',
        [*params, template_id],
    )
    return [row_id for (row_id,) in cr.fetchall()]


class Bench(ReportingRows, PortalRows):
    def __init__(self, args):
        self.args = args
        self.rows = []
        LOGS.mkdir(parents=True, exist_ok=True)

    # Databases -------------------------------------------------------------

    def odoo(self, *args):
        return [sys.executable, ODOO_BIN, "-c", self.args.config, *args]

    def create_databases(self):
        depends = ast.literal_eval(
            (TOP / "aftersales_service" / "__manifest__.py").read_text()
        )["depends"]
        wanted = {
            OURS: "aftersales_service",
            PEER: "helpdesk_mgmt_sla",
            PEER_APPS: ",".join(["helpdesk_mgmt_sla", *depends]),
        }
        with closing(db_connect("postgres").cursor()) as cr:
            cr.execute("SELECT datname FROM pg_database")
            existing = {name for (name,) in cr.fetchall()}
        if self.args.reuse and set(wanted) <= existing:
            return
        processes = []
        for db, module in wanted.items():
            with closing(db_connect("postgres").cursor()) as cr:
                cr._cnx.autocommit = True
                cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            log = LOGS / f"bench-install-{db}.log"
            log.unlink(missing_ok=True)
            processes.append(
                subprocess.Popen(
                    self.odoo(
                        "-d",
                        db,
                        "-i",
                        module,
                        "--stop-after-init",
                        f"--logfile={log}",
                    )
                )
            )
        for process in processes:
            if process.wait():
                sys.exit("bench: installing a database failed; see .var/log")
        self.seed_intake()

    def seed_intake(self):
        """The same customer, team and calendar in every database; in ours,
        200 units under a running contract on the business-hours level."""
        for db in (OURS, PEER, PEER_APPS):
            with environment(db) as env:
                calendar = env.company.resource_calendar_id
                customer = env["res.partner"].create(
                    {"name": "Bench Customer", "email": "bench@example.com"}
                )
                team = env["helpdesk.ticket.team"].create(
                    {"name": "Bench Hotline", "user_ids": [Command.link(2)]}
                )
                if db != OURS:
                    team.write({"use_sla": True, "resource_calendar_id": calendar.id})
                    env["helpdesk.sla"].create(
                        {"name": "4 h", "team_ids": [Command.set(team.ids)], "hours": 4}
                    )
                    continue
                level = env.ref("aftersales_service.service_level_business")
                level.calendar_id = calendar
                product = env["product.product"].create(
                    {
                        "name": "Bench Pump",
                        "type": "consu",
                        "is_storable": True,
                        "tracking": "serial",
                        "warranty_tracked": True,
                        "warranty_duration": 2,
                    }
                )
                lots = env["stock.lot"].create(
                    [
                        {"name": f"BENCH-{n:04d}", "product_id": product.id}
                        for n in range(200)
                    ]
                )
                today = fields.Date.context_today(env.user)
                contract = env["aftersales.contract"].create(
                    {
                        "partner_id": customer.id,
                        "service_level_id": level.id,
                        "product_id": env.ref(
                            "aftersales_service.product_service_contract"
                        ).id,
                        "date_start": today - timedelta(days=30),
                        "date_end": today + timedelta(days=335),
                        "amount": 1000,
                        "lot_ids": [Command.set(lots.ids)],
                    }
                )
                contract.action_start()

    @staticmethod
    def intake_values(env, db, count):
        customer = env["res.partner"].search([("name", "=", "Bench Customer")])
        team = env["helpdesk.ticket.team"].search([("name", "=", "Bench Hotline")])
        lots = (
            env["stock.lot"].search([("name", "=like", "BENCH-%")]).ids
            if db == OURS
            else []
        )
        return [
            {
                "name": f"Alarm {n}",
                "description": "Cabinet alarm",
                "partner_id": customer.id,
                "team_id": team.id,
                **({"lot_id": lots[n % len(lots)]} if lots else {}),
            }
            for n in range(count)
        ]

    # Rows ------------------------------------------------------------------

    def intake_batch(self):
        total = self.args.requests
        chunk = min(250, total)
        spent = {OURS: 0.0, PEER: 0.0}
        for __ in range(max(1, total // chunk)):
            for db in (OURS, PEER):
                with environment(db) as env:
                    vals = self.intake_values(env, db, chunk)
                    seconds, __ = timed(
                        lambda env=env, vals=vals: (
                            env["helpdesk.ticket"].create(vals),
                            env.flush_all(),
                        )
                    )
                    spent[db] += seconds
        with environment(OURS) as env:
            ticket = env["helpdesk.ticket"].search([], limit=1, order="id desc")
            # The repair clock starts when the engineers arrive.
            assert ticket.service_level_id and ticket.arrival_deadline, (
                "requests must get their service level and deadlines"
            )
        ratio = spent[OURS] / spent[PEER]
        row = Row(
            "intake, ORM batch",
            f"{total} requests, chunks of {chunk}",
            f"{spent[OURS] / total * 1000:.2f} ms/request",
            f"{spent[PEER] / total * 1000:.2f} ms/request",
            ratio,
            "ratio ≤ 1.0",
            ratio <= 1.0,
            "ours: unit, coverage, service level, the on-call engineer and the "
            "deadlines of the clocks that start at intake (acknowledge, plan, "
            "on site); peer: one SLA line per request",
        )
        if not row.met:
            with environment(OURS) as env:
                vals = self.intake_values(env, OURS, chunk)
                row.profile = profile_top(
                    lambda: (env["helpdesk.ticket"].create(vals), env.flush_all())
                )
                env.cr.rollback()
        self.rows.append(row)

    @contextmanager
    def server(self, db, *args):
        log = LOGS / f"bench-server-{db}.log"
        log.unlink(missing_ok=True)
        command = self.odoo("-d", db, f"--db-filter=^{db}$", *loopback_args(log), *args)
        server, url = start_server(command, log)
        try:
            yield url
        finally:
            stop_server(server)

    def intake_rpc(self):
        total = self.args.rpc_requests
        dbs = (OURS, PEER, PEER_APPS)
        times = {db: [] for db in dbs}
        payloads = {}
        for db in dbs:
            with environment(db) as env:
                payloads[db] = self.intake_values(env, db, total)
        with ExitStack() as stack:
            clients = {
                db: OdooClient(
                    stack.enter_context(
                        self.server(db, "--workers=0", "--max-cron-threads=0")
                    ),
                    db,
                    "admin",
                    "admin",
                )
                for db in dbs
            }
            for n in range(total):
                for db in dbs:
                    seconds, __ = timed(
                        lambda db=db, n=n: clients[db].call(
                            "helpdesk.ticket", "create", payloads[db][n]
                        )
                    )
                    times[db].append(seconds)
        mean = {db: statistics.mean(values) for db, values in times.items()}
        ratio = mean[OURS] / mean[PEER]
        apps = with_apps(mean[PEER_APPS] * 1000, "ms", mean[OURS] / mean[PEER_APPS])
        self.rows.append(
            row := Row(
                "intake, JSON-RPC one by one",
                f"{total} requests, alternating",
                f"{mean[OURS] * 1000:.1f} ms (p95 "
                f"{percentile(times[OURS], 0.95) * 1000:.1f})",
                f"{mean[PEER] * 1000:.1f} ms (p95 "
                f"{percentile(times[PEER], 0.95) * 1000:.1f}); {apps}",
                ratio,
                "ratio ≤ 1.0",
                ratio <= 1.0,
                "one by one, each request also looks up the unit's coverage "
                "(contract, warranty), the engineer on call (the company "
                "calendar at that moment, holidays included) and three clocks "
                "on the service level's calendar, where the peer computes one "
                "SLA deadline; in a batch (row above) these look-ups are shared",
            )
        )
        if not row.met:
            row.met_at_floor = mean[OURS] <= mean[PEER_APPS]
            row.profile = apps_floor() + "\n\n" + single_creates_profile()

    def concurrent_intake(self):
        """The three servers run side by side and take turns, in rounds of a
        third of the time each: the machine's drift falls on all three."""
        dbs = (OURS, PEER, PEER_APPS)
        rounds = 3
        counts = {db: {"done": 0, "errors": 0} for db in dbs}
        payloads = {}
        for db in dbs:
            with environment(db) as env:
                # Each client reports the units in turn, as in the row above.
                payloads[db] = self.intake_values(env, db, self.args.clients * 200)
        with ExitStack() as stack:
            urls = {
                db: stack.enter_context(
                    self.server(
                        db, f"--workers={self.args.workers}", "--max-cron-threads=0"
                    )
                )
                for db in dbs
            }
            for __ in range(rounds):
                for db in dbs:
                    self.intake_clients(
                        urls[db],
                        db,
                        payloads[db],
                        self.args.seconds / rounds,
                        counts[db],
                    )
        done = {db: counts[db]["done"] / self.args.seconds for db in dbs}
        errors = {db: counts[db]["errors"] for db in dbs}
        ratio = done[OURS] / done[PEER]
        apps = with_apps(done[PEER_APPS], "requests/s", done[OURS] / done[PEER_APPS])
        self.rows.append(
            row := Row(
                "concurrent intake",
                f"{self.args.clients} clients × {self.args.seconds} s, "
                f"--workers={self.args.workers}",
                f"{done[OURS]:.1f} requests/s, {errors[OURS]} errors",
                f"{done[PEER]:.1f} requests/s, {errors[PEER]} errors; {apps}",
                ratio,
                "zero errors; throughput ratio ≥ 1.0",
                ratio >= 1.0 and not errors[OURS],
                "each client creates one request per call, as in the row above; "
                "the three servers run side by side and take turns, three "
                f"rounds of {self.args.seconds // rounds} s each",
            )
        )
        if not row.met:
            row.met_at_floor = done[OURS] >= done[PEER_APPS] and not errors[OURS]
            row.profile = apps_floor()

    def intake_clients(self, url, db, payloads, seconds, counts):
        """``self.args.clients`` clients creating requests for ``seconds``,
        each with its share of ``payloads`` in turn; ``counts`` adds up the
        calls done and failed."""
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def client(mine):
            rpc = OdooClient(url, db, "admin", "admin")
            for payload in itertools.cycle(mine):
                if time.monotonic() >= stop:
                    break
                try:
                    rpc.call("helpdesk.ticket", "create", payload)
                    outcome = "done"
                except (RpcError, OSError):
                    outcome = "errors"
                with lock:
                    counts[outcome] += 1

        clients = self.args.clients
        with ThreadPoolExecutor(clients) as pool:
            futures = [
                pool.submit(client, payloads[n::clients]) for n in range(clients)
            ]
        for future in futures:
            future.result()

    def seed_contracts(self, env, total, due):
        """``total`` running contracts with a unit each and an approved
        follow-up plan, ``due`` of them due for their renewal notice and
        their next visit; copied in SQL from one contract made by the ORM."""
        cr = env.cr
        today = fields.Date.context_today(env.user)
        template = env["aftersales.contract"].search(
            [("partner_id.name", "=", "Bench Customer")], limit=1
        )
        preset = env.ref("aftersales_service.followup_preset_standard")
        if not template.followup_plan_ids:
            plan = env["aftersales.followup.plan"].create(
                {
                    "contract_id": template.id,
                    "engineer_id": env.ref("base.user_admin").id,
                    "preset_id": preset.id,
                    **preset._terms_values(),
                }
            )
            plan.action_submit()
            plan.approved_by = "Bench"
            plan.action_approve()
        env.flush_all()
        lot = template.lot_ids[:1]
        tag = f"{total}-{random.randrange(10**6)}"
        notice_days = env.company.aftersales_renewal_notice_days
        # The due ones end in three days; the others in four months.
        end = (
            f"CASE WHEN g <= {due} THEN DATE '{today + timedelta(days=3)}' "
            f"ELSE DATE '{today + timedelta(days=120)}' END"
        )
        contract_ids = clone(
            cr,
            "aftersales_contract",
            template.id,
            total,
            {
                "name": f"'BC-{tag}-' || g",
                "date_end": end,
                "renewal_due_date": f"({end}) - {notice_days}",
                "renewal_notice_date": "NULL",
                "expiry_notice_date": "NULL",
                "state": "'running'",
            },
        )
        lot_ids = clone(cr, "stock_lot", lot.id, total, {"name": f"'BU-{tag}-' || g"})
        cr.execute(
            "INSERT INTO aftersales_contract_stock_lot_rel (contract_id, lot_id) "
            "SELECT unnest(%s::int[]), unnest(%s::int[])",
            [contract_ids, lot_ids],
        )
        clone(
            cr,
            "aftersales_followup_plan",
            template.followup_plan_ids.id,
            total,
            {
                "next_visit_date": (
                    f"CASE WHEN g <= {due} THEN DATE '{today}' "
                    f"ELSE DATE '{today + timedelta(days=60)}' END"
                ),
            },
            refs=("contract_id", contract_ids),
        )
        cr.execute("ANALYZE aftersales_contract")
        cr.execute("ANALYZE aftersales_followup_plan")
        env.invalidate_all()

    def renewal_and_plans(self):
        """At a tenth of the size, then at full size, with the same share
        due: seconds per due contract should stay flat while the rows grow
        tenfold."""
        total = self.args.contracts
        due = max(1, int(total * self.args.due_percent / 100))
        runs = []
        for size, size_due in ((total // 10, due // 10), (total, due)):
            with environment(OURS) as env:
                # Up to ``size`` contracts in all, ``size_due`` of them new
                # and due (those of an earlier run are done already).
                existing = env["aftersales.contract"].search_count([])
                self.seed_contracts(env, max(size - existing, size_due), size_due)
            with environment(OURS) as env:
                floor, __ = timed(lambda env=env: self.renewal_floor(env))
                env.cr.rollback()
                notices, queries = query_count(
                    env, env["aftersales.contract"]._cron_send_notices
                )
                visits, visit_queries = query_count(
                    env, env["aftersales.followup.plan"]._cron_schedule_visits
                )
                scanned = env["aftersales.contract"].search_count([])
            runs.append(
                {
                    "size": scanned,
                    "due": size_due,
                    "floor": floor,
                    "notices": notices,
                    "visits": visits,
                    "queries": queries + visit_queries,
                }
            )
        small, big = runs
        per_due = [(run["notices"] + run["visits"]) / run["due"] for run in runs]
        rate = big["size"] / (big["notices"] + big["visits"])
        ratio = (big["notices"] + big["visits"]) / big["floor"]
        self.rows.append(
            Row(
                "renewal and plans",
                f"{big['size']:,} contracts, units and plans; {big['due']} due",
                f"{big['notices']:.1f} s notices + {big['visits']:.1f} s visits; "
                f"{per_due[1] * 1000:.0f} ms per due contract at {big['size']:,} "
                f"rows vs {per_due[0] * 1000:.0f} ms at {small['size']:,}; "
                f"{rate:,.0f} contracts scanned/s",
                f"SQL floor {big['floor'] * 1000:.0f} ms",
                ratio,
                "cost grows with the due rows; ≥ 5,000 contracts scanned/s",
                rate >= 5000 and per_due[1] <= 1.5 * per_due[0],
                "the scheduled actions render and queue a notice mail, two "
                "activities and the due visits per contract; the floor only "
                "marks the rows",
            )
        )

    @staticmethod
    def renewal_floor(env):
        today = fields.Date.context_today(env.user)
        env.cr.execute(
            """UPDATE aftersales_contract
                  SET state = 'to_renew', renewal_notice_date = now()
                WHERE state = 'running' AND renewal_notice_date IS NULL
                  AND renewal_due_date <= %s AND date_end >= %s""",
            [today, today],
        )
        horizon = today + timedelta(days=env.company.aftersales_visit_lead_days)
        env.cr.execute(
            """UPDATE aftersales_followup_plan SET next_visit_date = NULL
                WHERE state = 'approved' AND next_visit_date <= %s""",
            [horizon],
        )

    def breaches(self):
        """The breach action at half the open requests and at all of them,
        with the same number breached: the queries must not change."""
        total = self.args.open_requests
        breached = max(1, int(total * self.args.breached_percent / 100))
        runs = []
        with environment(OURS) as env:
            template = env["helpdesk.ticket"].search([("lot_id", "!=", False)], limit=1)
            env.cr.execute(
                "UPDATE helpdesk_ticket SET next_deadline = NULL WHERE id != %s",
                [template.id],
            )
        for size in (total // 2, total // 2):
            with environment(OURS) as env:
                clone(
                    env.cr,
                    "helpdesk_ticket",
                    template.id,
                    size,
                    {
                        "name": "'Bench alarm ' || g",
                        "number": "'B' || g",
                        "escalated_phases": "NULL",
                        **dict.fromkeys(
                            (
                                "next_deadline",
                                "ack_deadline",
                                "plan_deadline",
                                "arrival_deadline",
                                "repair_deadline",
                            ),
                            f"CASE WHEN g <= {breached} "
                            "THEN now() at time zone 'UTC' - interval '1 hour' "
                            "ELSE now() at time zone 'UTC' + interval '2 days' END",
                        ),
                    },
                )
                env.cr.execute("ANALYZE helpdesk_ticket")
            with environment(OURS) as env:
                open_count = env["helpdesk.ticket"].search_count(
                    [("next_deadline", "!=", False)]
                )
                floor, __ = timed(
                    lambda env=env: env.cr.execute(
                        "SELECT id FROM helpdesk_ticket "
                        "WHERE next_deadline < now() at time zone 'UTC'"
                    )
                )
                seconds, queries = query_count(
                    env, env["helpdesk.ticket"]._cron_escalate_breaches
                )
            runs.append((open_count, seconds, queries, floor))
        (small, __, small_queries, __), (big, seconds, queries, floor) = runs
        self.rows.append(
            Row(
                "breaches",
                f"{big:,} open requests, {breached} breached",
                f"{seconds:.2f} s, {queries} queries "
                f"({small_queries} at {small:,} open)",
                f"SQL on the deadline index {floor * 1000:.1f} ms",
                seconds / floor,
                "queries constant in the open requests",
                # The first run also fills the caches (a few queries more).
                queries <= small_queries + 5,
                "the action writes a message and an activity per breached request",
            )
        )

    def dispatch_pdf(self):
        small, big = self.args.pdfs
        with environment(OURS) as env:
            tickets = env["helpdesk.ticket"].search(
                [("lot_id", "!=", False)], limit=big
            )
            dispatches = env["aftersales.dispatch"].create(
                [{"ticket_id": ticket.id} for ticket in tickets]
            )
        # wkhtmltopdf loads the report's style sheets from the server.
        with (
            self.server(OURS, "--workers=0", "--max-cron-threads=0") as url,
            environment(OURS) as env,
        ):
            env["ir.config_parameter"].set_param("report.url", url)
            env.cr.commit()
            report = env["ir.actions.report"]
            name = "aftersales_service.action_report_dispatch"
            env.invalidate_all()
            report._render_qweb_pdf(name, dispatches.ids[:1])  # warm the caches
            figures, texts = {}, {}
            for count in (small, big):
                env.invalidate_all()
                figures[count] = query_count(
                    env,
                    lambda count=count: report._render_qweb_pdf(
                        name, dispatches.ids[:count]
                    ),
                )
            # Again, untimed: which queries grow with the forms, from where.
            for count in (small, big):
                env.invalidate_all()
                with queries_by_text() as (texts[count], callers):
                    report._render_qweb_pdf(name, dispatches.ids[:count])
            env["ir.config_parameter"].set_param("report.url", False)
        (small_seconds, small_queries), (seconds, queries) = (
            figures[small],
            figures[big],
        )
        growing = [
            f"{texts[big][text] - texts[small].get(text, 0)} more: {text}\n"
            + "\n".join(
                f"    {times}× from {chain}"
                for chain, times in callers[text].most_common(2)
            )
            for text in texts[big]
            if texts[big][text] > texts[small].get(text, 0) + 1
        ]
        self.rows.append(
            row := Row(
                "dispatch PDF",
                f"{small} and {big} forms at once",
                f"{queries} queries for {big} vs {small_queries} for {small}; "
                f"{seconds / big:.3f} s/form ({small_seconds / small:.3f} at {small})",
                "—",
                None,
                f"queries for {big} ≤ queries for {small} + a constant",
                queries <= small_queries + 20,
                "Odoo renders the header and footer layout (web.minimal_layout) "
                "once per form, and that template looks the paper format up by "
                "its XML id each time; Odoo's env.ref checks with a query that "
                "the report exists, the add-on answers from the cached XML id "
                "(ir.actions.report.get_paperformat_by_xmlid), so no query is "
                "made per form",
            )
        )
        if growing:
            row.profile = (
                f"The queries that grow with the forms ({small} -> {big}):\n"
                + "\n".join(growing)
            )

    def serial_lookup(self):
        units = self.args.units
        with environment(OURS) as env:
            warranty = env["aftersales.warranty"].search([], limit=1)
            if not warranty:
                lot = env["stock.lot"].search([("name", "=like", "BENCH-%")], limit=1)
                warranty = env["aftersales.warranty"].create(
                    {
                        "lot_id": lot.id,
                        "partner_id": env["res.partner"]
                        .search([("name", "=", "Bench Customer")])
                        .id,
                        "duration": 2,
                    }
                )
                env.flush_all()
            existing = env["aftersales.warranty"].search_count([])
            missing = units - existing
            if missing > 0:
                lot_ids = clone(
                    env.cr,
                    "stock_lot",
                    warranty.lot_id.id,
                    missing,
                    {"name": "'SN' || lpad(g::text, 8, '0')"},
                )
                clone(
                    env.cr,
                    "aftersales_warranty",
                    warranty.id,
                    missing,
                    {"name": "'WB' || g"},
                    refs=("lot_id", lot_ids),
                )
                env.cr.execute("ANALYZE stock_lot")
                env.cr.execute("ANALYZE aftersales_warranty")
        with environment(OURS) as env:
            count = env["aftersales.warranty"].search_count([])
            serials = [
                f"SN{random.randint(1, max(1, missing)):08d}"
                for __ in range(self.args.lookups)
            ]
            times = []
            Warranty = env["aftersales.warranty"]
            for serial in serials:
                env.invalidate_all()
                seconds, found = timed(
                    lambda serial=serial: Warranty.search_read(
                        [("lot_id.name", "=", serial)],
                        ["warranty_status", "end_date"],
                    )
                )
                assert len(found) <= 1
                times.append(seconds)
        p95 = percentile(times, 0.95)
        self.rows.append(
            Row(
                "serial lookup",
                f"warranty status by serial among {count:,} units",
                f"p95 {p95 * 1000:.2f} ms, median "
                f"{statistics.median(times) * 1000:.2f} ms",
                "—",
                None,
                "p95 ≤ 10 ms",
                p95 <= 0.010,
            )
        )

    def unit_notices(self):
        """The unit notice action with a tenth of the units in service, then
        all of them, the same share due each time: seconds per due unit
        should stay flat while the units grow tenfold. It runs as the
        scheduler runs it, committing each batch (one transaction for the
        whole job would measure PostgreSQL's subtransactions instead: each
        batch is a savepoint, and past 64 of them every snapshot slows)."""
        share = self.args.units_due_percent / 100
        runs = []
        for step in (10, 1):
            with environment(OURS) as env:
                self.seed_unit_ends(env, step, max(1, round(1 / share)))
                env.cr.commit()
                floor, due = timed(lambda env=env: self.unit_notice_floor(env))
                Notice = env["aftersales.warranty.notice"]
                first = (Notice.search([], order="id desc", limit=1).id or 0) + 1
                seconds, queries = query_count(
                    env, lambda env=env: self.send_unit_notices(env)
                )
                notices = Notice.search_count([("id", ">=", first)])
                scanned = env["aftersales.warranty"].search_count(
                    [("state", "=", "accepted")]
                )
            runs.append(
                {
                    "size": scanned,
                    "due": due,
                    "floor": floor,
                    "seconds": seconds,
                    "queries": queries,
                    "notices": notices,
                }
            )
        small, big = runs
        per_due = [run["seconds"] / run["due"] for run in runs]
        ratio = big["seconds"] / big["floor"]
        self.rows.append(
            Row(
                "unit notices",
                f"{big['size']:,} units in service; {big['due']:,} due "
                f"({big['notices']:,} notices)",
                f"{big['seconds']:.1f} s, {big['queries']:,} queries; "
                f"{per_due[1] * 1000:.1f} ms per due unit at {big['size']:,} "
                f"units vs {per_due[0] * 1000:.1f} ms at {small['size']:,}",
                f"SQL floor {big['floor'] * 1000:.0f} ms",
                ratio,
                "cost grows with the due rows: ms per due unit within 1.5× "
                "at ten times the units",
                per_due[1] <= 1.5 * per_due[0],
                "per customer and week, the action writes the notice, renders "
                "and queues its mail, makes the extended-warranty contract and "
                "its quotation and the account manager's activity, and logs "
                "the notice on each unit; the floor only selects the due rows",
            )
        )

    def send_unit_notices(self, env):
        """The scheduled action's runs until no unit is due: the scheduler
        starts the next run at once when one stops at its time budget."""
        while self.unit_notice_floor(env):
            as_scheduled(
                env,
                "aftersales_service.ir_cron_warranty_notices",
                lambda env: env["aftersales.warranty.notice"]._cron_send_notices(),
            )

    @staticmethod
    def seed_unit_ends(env, step, every):
        """Every ``step``-th unit of the serial lookup is in service (accepted
        two years before its end); one in ``every`` of those ends within the
        notice days, the others in a year. The company quotes extended
        warranties."""
        cr = env.cr
        today = fields.Date.context_today(env.user)
        company = env.company
        if not company.aftersales_extension_product_id:
            company.aftersales_extension_product_id = env["product.product"].create(
                {
                    "name": "Bench Extended Warranty",
                    "type": "service",
                    "list_price": 1200,
                    "aftersales_contract": True,
                    "aftersales_service_level_id": env.ref(
                        "aftersales_service.service_level_standard"
                    ).id,
                }
            )
        customers = env["res.partner"].search(
            [("name", "=like", "Bench Unit Customer %")]
        )
        if not customers:
            customers = env["res.partner"].create(
                [{"name": f"Bench Unit Customer {i}"} for i in range(1000)]
            )
        days = company._aftersales_unit_notice_days()
        # The due units, numbered n = id / (step × every), go ten to a
        # customer, one a day: each customer's ten units end over the notice
        # days, in one or two weeks, whatever the size.
        cr.execute("SELECT max(id) FROM aftersales_warranty")
        due = cr.fetchone()[0] // (step * every)
        cr.execute(
            """UPDATE aftersales_warranty w
                  SET state = CASE WHEN w.id %% %(step)s = 0
                                   THEN 'accepted' ELSE 'awaiting' END,
                      end_date = CASE
                          WHEN w.id %% (%(step)s * %(every)s) = 0
                          THEN %(today)s::date + 1
                               + (w.id / (%(step)s * %(every)s) / %(customers)s)
                                 %% %(days)s
                          ELSE %(today)s::date + 365 END,
                      acceptance_date = CASE
                          WHEN w.id %% (%(step)s * %(every)s) = 0
                          THEN %(today)s::date + 1
                               + (w.id / (%(step)s * %(every)s) / %(customers)s)
                                 %% %(days)s
                          ELSE %(today)s::date + 365 END - interval '2 years',
                      partner_id = (%(partners)s::int[])[
                          1 + (w.id / (%(step)s * %(every)s)) %% %(customers)s],
                      renewal_notice_id = NULL,
                      expiry_notice_id = NULL""",
            {
                "step": step,
                "every": every,
                "today": today,
                "days": days,
                "customers": max(1, min(len(customers), due // days)),
                "partners": customers.ids,
            },
        )
        cr.execute("ANALYZE aftersales_warranty")
        env.invalidate_all()

    @staticmethod
    def unit_notice_floor(env):
        """The due units, selected by hand: the floor of any notice job."""
        today = fields.Date.context_today(env.user)
        days = env.company._aftersales_unit_notice_days()
        env.cr.execute(
            """SELECT count(*) FROM aftersales_warranty
                WHERE state = 'accepted' AND renewal_notice_id IS NULL
                  AND partner_id IS NOT NULL
                  AND end_date BETWEEN %s AND %s""",
            [today, today + timedelta(days=days)],
        )
        return env.cr.fetchone()[0]

    def maintenance(self):
        """M1: the maintenance action over a tenth of the units, then all of
        them, the same share due each time: seconds per due unit should stay
        flat while the units grow tenfold. Each due unit gets its customer's
        reminder and its maintenance visit with the engineer's activity; it
        runs as the scheduler runs it, committing each batch."""
        share = self.args.units_due_percent / 100
        runs = []
        for step in (10, 1):
            with environment(OURS) as env:
                self.seed_maintenance(env, step, max(1, round(1 / share)))
                env.cr.commit()
                vacuum(OURS, "stock_lot", "aftersales_contract_stock_lot_rel")
                floor, due = timed(lambda env=env: self.maintenance_floor(env))
                scanned = env["stock.lot"].search_count(
                    [("aftersales_maintenance_due_date", "!=", False)]
                )
                Inspection = env["aftersales.inspection"]
                first = (Inspection.search([], order="id desc", limit=1).id or 0) + 1
                seconds, queries = query_count(
                    env, lambda env=env: self.schedule_maintenance(env)
                )
                visits = Inspection.search_count(
                    [("id", ">=", first), ("maintenance_lot_id", "!=", False)]
                )
            runs.append(
                {
                    "size": scanned,
                    "due": due,
                    "floor": floor,
                    "seconds": seconds,
                    "queries": queries,
                    "visits": visits,
                }
            )
        small, big = runs
        per_due = [run["seconds"] / max(1, run["due"]) for run in runs]
        ratio = big["seconds"] / big["floor"]
        self.rows.append(
            Row(
                "maintenance",
                f"{big['size']:,} units with a programme; {big['due']:,} due "
                f"({big['visits']:,} visits)",
                f"{big['seconds']:.1f} s, {big['queries']:,} queries; "
                f"{per_due[1] * 1000:.1f} ms per due unit at {big['size']:,} "
                f"units vs {per_due[0] * 1000:.1f} ms at {small['size']:,}",
                f"SQL floor {big['floor'] * 1000:.0f} ms",
                ratio,
                "cost grows with the due rows: ms per due unit within 1.5× "
                "at ten times the units",
                per_due[1] <= 1.5 * per_due[0],
                "per due unit, the action renders and queues the customer's "
                "reminder, creates the maintenance visit and the engineer's "
                "activity, and recomputes the unit's next maintenance; the "
                "floor only selects the due rows",
            )
        )

    def schedule_maintenance(self, env):
        """The scheduled action's runs until no unit is due (at most ten)."""
        for __ in range(10):
            if not self.maintenance_floor(env):
                break
            as_scheduled(
                env,
                "aftersales_service.ir_cron_schedule_maintenance",
                lambda env: env["stock.lot"]._cron_schedule_maintenance(),
            )

    def seed_maintenance(self, env, step, every):
        """``--units`` units of a product with a 6-monthly programme, loaded
        as a migration would (SQL in bulk from one unit made by the ORM, their
        stored maintenance dates written with them, then ANALYZE). Every
        ``step``-th unit is in service; one in ``every`` of those is due
        today and under the running contract of a customer who approved its
        follow-up plan, the others fall due in six months. The visits of an
        earlier run are removed first."""
        cr = env.cr
        today = fields.Date.context_today(env.user)
        product = env["product.product"].search(
            [("name", "=", "Bench Maintained Cabinet")], limit=1
        )
        if not product:
            product = env["product.product"].create(
                {
                    "name": "Bench Maintained Cabinet",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial",
                    "aftersales_maintenance_step_ids": [
                        Command.create(
                            {"name": "Bench maintenance", "interval_months": 6}
                        )
                    ],
                }
            )
        maintenance_step = product.aftersales_maintenance_step_ids[:1]
        contract = env["aftersales.contract"].search(
            [("partner_id.name", "=", "Bench Maintenance Customer")], limit=1
        )
        if not contract:
            contract = running_contract(
                env,
                env["res.partner"].create(
                    {
                        "name": "Bench Maintenance Customer",
                        "email": "maintenance@example.com",
                    }
                ),
            )
            plan = env["aftersales.followup.plan"].create(
                {
                    "contract_id": contract.id,
                    "engineer_id": env.ref("base.user_admin").id,
                    "pre_expiry_days": 10,
                }
            )
            plan.action_submit()
            plan.approved_by = "Bench"
            plan.action_approve()
            env["stock.lot"].create({"name": "MT-TEMPLATE", "product_id": product.id})
            env.flush_all()
        cr.execute("SELECT count(*) FROM stock_lot WHERE product_id = %s", [product.id])
        missing = self.args.units - cr.fetchone()[0]
        if missing > 0:
            template = env["stock.lot"].search([("name", "=", "MT-TEMPLATE")], limit=1)
            clone(
                cr,
                "stock_lot",
                template.id,
                missing,
                {"name": "'MT' || lpad(g::text, 8, '0')"},
            )
        # An earlier run's visits and reminders.
        cr.execute(
            """DELETE FROM mail_activity WHERE res_model = 'aftersales.inspection'
                  AND res_id IN (SELECT id FROM aftersales_inspection
                                  WHERE maintenance_lot_id IS NOT NULL)"""
        )
        cr.execute(
            "DELETE FROM aftersales_inspection WHERE maintenance_lot_id IS NOT NULL"
        )
        cr.execute(
            "DELETE FROM aftersales_contract_stock_lot_rel WHERE contract_id = %s",
            [contract.id],
        )
        cr.execute(
            """UPDATE stock_lot l
                  SET aftersales_maintenance_due_date = CASE
                          WHEN l.id %% %(step)s != 0 THEN NULL
                          WHEN l.id %% (%(step)s * %(every)s) = 0 THEN %(today)s::date
                          ELSE %(today)s::date + 180 END,
                      aftersales_next_maintenance_date = CASE
                          WHEN l.id %% %(step)s != 0 THEN NULL
                          WHEN l.id %% (%(step)s * %(every)s) = 0 THEN %(today)s::date
                          ELSE %(today)s::date + 180 END,
                      aftersales_maintenance_due_step_id = %(maintenance_step)s,
                      aftersales_next_maintenance_step_id = %(maintenance_step)s,
                      aftersales_maintenance_due_key = 'bench',
                      aftersales_maintenance_reminded_key = CASE
                          WHEN l.id %% (%(step)s * %(every)s) = 0 THEN NULL
                          ELSE 'bench' END,
                      aftersales_maintenance_reminded
                          = l.id %% (%(step)s * %(every)s) != 0
                WHERE l.product_id = %(product)s""",
            {
                "step": step,
                "every": every,
                "today": today,
                "maintenance_step": maintenance_step.id,
                "product": product.id,
            },
        )
        cr.execute(
            """INSERT INTO aftersales_contract_stock_lot_rel (contract_id, lot_id)
               SELECT %s, id FROM stock_lot
                WHERE product_id = %s AND id %% (%s * %s) = 0""",
            [contract.id, product.id, step, every],
        )
        cr.execute("ANALYZE stock_lot")
        cr.execute("ANALYZE aftersales_contract_stock_lot_rel")
        env.invalidate_all()

    @staticmethod
    def maintenance_floor(env):
        """The due units, selected by hand: the floor of the maintenance job."""
        today = fields.Date.context_today(env.user)
        env.cr.execute(
            """SELECT count(*) FROM stock_lot
                WHERE aftersales_maintenance_due_date
                      <= %s::date + %s""",
            [today, env.company.aftersales_visit_lead_days],
        )
        return env.cr.fetchone()[0]

    def campaign_launch(self):
        """A campaign launched over a tenth of the units, then over all of
        them, a hundred units a customer: launching is set-based (the same
        queries whatever the size, the time near the SQL floor), and the
        notices' cost follows the customers."""
        runs = []
        total = self.args.campaign_units
        # The first launch fills the registry's caches: a warm-up, not counted.
        for size in (100, max(total // 10, 100), total):
            with environment(OURS) as env:
                product = self.seed_campaign_units(env, size)
                env.cr.commit()
                floor, __ = timed(
                    lambda env=env, product=product: self.campaign_floor(env, product)
                )
                campaign = env["aftersales.campaign"].create(
                    {
                        "title": f"Bench firmware {size}",
                        "kind": "firmware",
                        "product_id": product.id,
                        "notice": "Firmware 2.0 fixes the clock drift.",
                    }
                )
                env.cr.commit()
                launch, queries = query_count(env, campaign.action_launch)
                env.cr.commit()
                customers = len(campaign.notice_ids)
                send, __ = timed(lambda env=env: self.send_campaign_notices(env))
            runs.append(
                {
                    "size": size,
                    "customers": customers,
                    "floor": floor,
                    "launch": launch,
                    "queries": queries,
                    "send": send,
                }
            )
        small, big = runs[1:]
        per_unit = [run["launch"] / run["size"] for run in runs[1:]]
        per_customer = [run["send"] / run["customers"] for run in runs[1:]]
        ratio = big["launch"] / big["floor"]
        self.rows.append(
            Row(
                "campaign launch",
                f"a campaign over {big['size']:,} units of {big['customers']:,} "
                "customers, then a notice to each",
                f"launch {big['launch']:.2f} s, {big['queries']} queries "
                f"({small['queries']} at {small['size']:,} units), "
                f"{per_unit[1] * 1000:.3f} ms per unit vs "
                f"{per_unit[0] * 1000:.3f} ms; notices {big['send']:.1f} s, "
                f"{per_customer[1] * 1000:.1f} ms per customer vs "
                f"{per_customer[0] * 1000:.1f} ms",
                f"SQL floor {big['floor'] * 1000:.0f} ms",
                ratio,
                "cost follows the work: the same queries at ten times the units, "
                "ms per unit and ms per customer within 1.5×",
                big["queries"] == small["queries"]
                and per_unit[1] <= 1.5 * per_unit[0]
                and per_customer[1] <= 1.5 * per_customer[0],
                "the launch writes a notice per customer, then a tracking row per "
                "unit with its notice, in two statements; the floor selects the "
                "same units into a temporary table (no foreign keys nor indexes "
                "to maintain, which the tracking rows have). The notices are "
                "sent as the scheduler sends them, in committed batches",
            )
        )

    @staticmethod
    def seed_campaign_units(env, size):
        """A product with ``size`` delivered units (one made by the ORM, the
        others copied in bulk SQL, then ANALYZE), a hundred a customer."""
        product = env["product.product"].create(
            {
                "name": f"Bench Controller {size}",
                "type": "consu",
                "tracking": "serial",
            }
        )
        customers = env["res.partner"].create(
            [
                {
                    "name": f"Bench Campaign Customer {size}-{i}",
                    "email": "c@example.com",
                }
                for i in range(max(size // 100, 1))
            ]
        )
        lot = env["stock.lot"].create(
            {"name": f"CMP{size}-0", "product_id": product.id}
        )
        warranty = env["aftersales.warranty"].create(
            {"lot_id": lot.id, "partner_id": customers[0].id, "duration": 2}
        )
        env.flush_all()
        partners = ",".join(str(partner_id) for partner_id in customers.ids)
        lot_ids = clone(
            env.cr,
            "stock_lot",
            lot.id,
            size - 1,
            {"name": f"'CMP{size}-' || lpad(g::text, 8, '0')"},
        )
        clone(
            env.cr,
            "aftersales_warranty",
            warranty.id,
            size - 1,
            {
                "name": f"'WC{size}-' || g",
                "partner_id": f"(ARRAY[{partners}])[1 + mod(g, {len(customers)})]",
            },
            refs=("lot_id", lot_ids),
        )
        env.cr.execute("ANALYZE stock_lot")
        env.cr.execute("ANALYZE aftersales_warranty")
        env.invalidate_all()
        return product

    @staticmethod
    def campaign_floor(env, product):
        """The affected units and their customers selected into a table by
        hand: the floor of any launch."""
        env.cr.execute(
            """CREATE TEMP TABLE bench_campaign_floor AS
               SELECT lot.id, COALESCE(p.commercial_partner_id, p.id) AS partner_id
                 FROM stock_lot lot
                 JOIN aftersales_warranty w ON w.lot_id = lot.id
                 JOIN res_partner p ON p.id = w.partner_id
                WHERE lot.product_id = %s""",
            [product.id],
        )
        env.cr.execute("DROP TABLE bench_campaign_floor")

    @staticmethod
    def send_campaign_notices(env):
        """The notices' scheduled action, run until none is left to send."""
        Notice = env["aftersales.campaign.notice"]
        while Notice.search_count([("state", "=", "pending")]):
            as_scheduled(
                env,
                "aftersales_service.ir_cron_campaign_notices",
                lambda env: env["aftersales.campaign.notice"]._cron_send_notices(),
            )

    # Report ----------------------------------------------------------------

    def report(self, started):
        lines = [
            "# Benchmark: aftersales_service beside its reference",
            "",
            (
                f"{provenance()}, Odoo {odoo.release.version}, "
                f"{len(self.rows)} rows in "
                f"{(time.monotonic() - started) / 60:.1f} min. Each ratio is ours "
                "divided by the reference measured in the same run."
            ),
            "",
            "| row | work | ours | reference | ratio | goal | |",
            "|---|---|---|---|---|---|---|",
            *(row.markdown() for row in self.rows),
            "",
        ]
        for row in self.rows:
            if row.note:
                lines.append(f"- **{row.name}**: {row.note}.")
        for row in self.rows:
            if row.profile:
                lines += [
                    "",
                    f"## {row.name}: where the time or the queries go",
                    "",
                    "```",
                    row.profile,
                    "```",
                ]
        text = "\n".join(lines) + "\n"
        RESULTS.write_text(text, encoding="utf-8")
        print(text)


def main():
    args = options()
    config.parse_config(
        ["-c", args.config, f"--logfile={LOGS / 'bench.log'}", "--log-level=warn"]
    )
    started = time.monotonic()
    bench = Bench(args)
    bench.create_databases()
    for step in (
        bench.intake_batch,
        bench.intake_rpc,
        bench.concurrent_intake,
        bench.renewal_and_plans,
        bench.breaches,
        bench.dispatch_pdf,
        bench.serial_lookup,
        bench.unit_notices,
        bench.maintenance,
        bench.campaign_launch,
        bench.reporting,
        bench.portal,
        bench.surveys,
        bench.complaint_breaches,
    ):
        print(f"bench: {step.__name__}...", flush=True)
        step()
    bench.report(started)


if __name__ == "__main__":
    main()
