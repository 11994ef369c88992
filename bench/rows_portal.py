"""Bench rows of the customer portal and of the survey and complaint
scheduled actions, mixed into ``Bench`` (bench/bench.py)."""

import json
import re
import statistics
import time
import urllib.request

from odoo_harness import web_session
from rows_reporting import bench_module

from odoo import Command, fields

PORTAL_LOGIN = "bench_portal"
# The portal pages a customer opens, each with the hand-written SQL that
# selects what its first page shows (the floor).
# ``/my/counters`` is what the home page asks next, for its counters.
PORTAL_PAGES = ("/my", "/my/home", "/my/counters", "/my/units", "/my/tickets")


class PortalSession:
    """A browser's session on the portal: logs in, then GETs pages."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.opener = web_session(url, db, login, password)

    def get(self, path):
        with self.opener.open(f"{self.url}{path}", timeout=300) as answer:
            assert answer.status == 200, path
            return answer.read().decode()

    def post_json(self, path, params):
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps({"jsonrpc": "2.0", "params": params}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=300) as answer:
            reply = json.load(answer)
        assert "result" in reply, reply
        return json.dumps(reply["result"])


def request_queries(log, path):
    """The queries that the last request of ``path`` cost, from the server's
    request log line (``"GET path HTTP/1.1" 200 - <queries> <sql s> <other s>``)."""
    pattern = re.compile(rf'"(?:GET|POST) {re.escape(path)} HTTP/1\.1" 200 - (\d+) ')
    found = pattern.findall(log.read_text(encoding="utf-8", errors="replace"))
    return int(found[-1]) if found else None


class PortalRows:
    """The portal at a customer's size, and the survey and complaint
    scheduled actions over a large base with a few due."""

    # The portal ------------------------------------------------------------

    def portal(self):
        """A customer with ``--portal-units`` units and ``--portal-requests``
        requests, among other customers' units and requests, opens the
        portal's home, their units and their requests, logged in as their
        portal contact over HTTP. Each page loads several times; its median
        and p95 are set beside the hand-written SQL of its first page."""
        with bench_module().environment(bench_module().OURS) as env:
            customer, contact = self.seed_portal(env)
        loads = self.args.portal_loads
        times, queries, sizes = {}, {}, {}
        with self.server(
            bench_module().OURS, "--workers=0", "--max-cron-threads=0"
        ) as url:
            session = PortalSession(
                url, bench_module().OURS, PORTAL_LOGIN, PORTAL_LOGIN
            )
            log = bench_module().LOGS / f"bench-server-{bench_module().OURS}.log"
            counters = sorted(
                set(re.findall(r'data-placeholder_count="(\w+)"', session.get("/my")))
            )
            for path in PORTAL_PAGES:

                def load(path=path):
                    if path == "/my/counters":
                        return session.post_json(path, {"counters": counters})
                    return session.get(path)

                load()  # warm the caches
                times[path] = []
                for __ in range(loads):
                    seconds, page = bench_module().timed(load)
                    times[path].append(seconds)
                time.sleep(0.2)  # the request's log line
                queries[path] = request_queries(log, path)
                sizes[path] = len(page)
        with bench_module().environment(bench_module().OURS) as env:
            floors = self.portal_floors(env, customer, contact)
            units = env["aftersales.warranty"].search_count(
                [("partner_id", "=", customer)]
            )
            requests = env["helpdesk.ticket"].search_count(
                [("partner_id", "=", contact)]
            )
            all_units = env["aftersales.warranty"].search_count([])
            all_requests = env["helpdesk.ticket"].search_count([])
        medians = {path: statistics.median(values) for path, values in times.items()}
        p95 = {
            path: bench_module().percentile(values, 0.95)
            for path, values in times.items()
        }
        worst = max(medians["/my/units"], medians["/my/tickets"])
        self.rows.append(
            bench_module().Row(
                "portal",
                f"a customer with {units:,} units and {requests:,} requests "
                f"(of {all_units:,} and {all_requests:,}) opens the portal, "
                f"{loads} loads a page",
                "; ".join(
                    f"{path} median {medians[path] * 1000:.0f} ms "
                    f"(p95 {p95[path] * 1000:.0f}), {queries[path]} queries, "
                    f"{sizes[path] // 1024} KB"
                    for path in PORTAL_PAGES
                ),
                "SQL floor: "
                + "; ".join(
                    f"{path} {seconds * 1000:.1f} ms"
                    for path, seconds in floors.items()
                ),
                worst / max(floors.values()),
                "My units and My tickets (first page) ≤ 300 ms each",
                medians["/my/units"] <= 0.3 and medians["/my/tickets"] <= 0.3,
                "over HTTP on one server worker, logged in as the customer's "
                "portal contact; the lists show 80 rows a page. The floor is "
                "each list's first page and its count by hand, without the "
                "portal's layout; My tickets counts and reads the customer's "
                "requests under helpdesk_mgmt's record rule (their company's "
                "or followed by its contacts), each side on its index, and "
                "helpdesk_mgmt's controller adds that rule to the domain a "
                "second time",
            )
        )

    def seed_portal(self, env):
        """The portal customer and their contact (a portal user), with
        ``--portal-units`` units and ``--portal-requests`` requests; other
        customers hold ``--portal-others`` units and as many requests. One
        unit and one request are made by the ORM, the others copied from them
        in bulk SQL (with the requests' followers), then ANALYZE. Returns
        the ids of the customer and of the contact."""
        args = self.args
        Partner = env["res.partner"]
        customer = Partner.search([("name", "=", "Bench Portal Customer")], limit=1)
        if not customer:
            customer = Partner.create(
                {"name": "Bench Portal Customer", "is_company": True}
            )
            contact = Partner.create(
                {
                    "name": "Bench Portal Contact",
                    "parent_id": customer.id,
                    "email": "portal@example.com",
                }
            )
            env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": "Bench Portal Contact",
                    "login": PORTAL_LOGIN,
                    "password": PORTAL_LOGIN,
                    "partner_id": contact.id,
                    "group_ids": [Command.set([env.ref("base.group_portal").id])],
                }
            )
            others = Partner.create(
                [
                    {"name": f"Bench Portal Other {n}", "is_company": True}
                    for n in range(200)
                ]
            )
            product = env["product.product"].create(
                {
                    "name": "Bench Portal Pump",
                    "type": "consu",
                    "tracking": "serial",
                }
            )
            lot = env["stock.lot"].create(
                {"name": "PT-UNIT-0", "product_id": product.id}
            )
            env["aftersales.warranty"].create(
                {"lot_id": lot.id, "partner_id": customer.id, "duration": 2}
            )
            env["helpdesk.ticket"].create(
                {
                    "name": "Bench portal alarm",
                    "description": "Cabinet alarm",
                    "partner_id": contact.id,
                    "lot_id": lot.id,
                }
            )
            env.flush_all()
            warranty = env["aftersales.warranty"].search([("lot_id", "=", lot.id)])
            ticket = env["helpdesk.ticket"].search([("partner_id", "=", contact.id)])
            others_array = f"ARRAY[{','.join(map(str, others.ids))}]"
            pick = f"({others_array})[1 + mod(g, {len(others)})]"
            for count, partner, prefix in (
                (args.portal_units - 1, str(customer.id), "PTU"),
                (args.portal_others, pick, "PTO"),
            ):
                lot_ids = bench_module().clone(
                    env.cr,
                    "stock_lot",
                    lot.id,
                    count,
                    {"name": f"'{prefix}' || lpad(g::text, 8, '0')"},
                )
                bench_module().clone(
                    env.cr,
                    "aftersales_warranty",
                    warranty.id,
                    count,
                    {
                        "name": f"'{prefix}W' || g",
                        "partner_id": partner,
                        "end_date": "DATE '2030-01-01' - mod(g, 3000)::int",
                    },
                    refs=("lot_id", lot_ids),
                )
            for count, partner, prefix in (
                (args.portal_requests - 1, str(contact.id), "PTR"),
                (args.portal_others, pick, "PTX"),
            ):
                ticket_ids = bench_module().clone(
                    env.cr,
                    "helpdesk_ticket",
                    ticket.id,
                    count,
                    {
                        "name": "'Bench portal alarm ' || g",
                        "number": f"'{prefix}' || g",
                        "partner_id": partner,
                        "create_date": "now() at time zone 'UTC' "
                        "- mod(g, 2000) * interval '1 hour'",
                        "next_deadline": "NULL",
                    },
                )
                # helpdesk_mgmt makes the customer a follower of their request.
                env.cr.execute(
                    """INSERT INTO mail_followers (res_model, res_id, partner_id)
                       SELECT 'helpdesk.ticket', t.id, t.partner_id
                         FROM helpdesk_ticket t WHERE t.id = ANY(%s)""",
                    [ticket_ids],
                )
            for table in (
                "stock_lot",
                "aftersales_warranty",
                "helpdesk_ticket",
                "mail_followers",
            ):
                env.cr.execute(f"ANALYZE {table}")
        contact = Partner.search([("name", "=", "Bench Portal Contact")], limit=1)
        return customer.id, contact.id

    def portal_floors(self, env, customer, contact):
        """The first page of each list (80 rows) and its count, by hand: the
        customer's units by warranty end, their requests newest first (their
        company's or followed by its contacts, as the portal's record rule
        says)."""
        # The requests of the customer's company or followed by its contacts,
        # each side on its index.
        mine = """(t.partner_id IN (%(customer)s, %(contact)s)
                   OR t.id = ANY(ARRAY(
                       SELECT res_id FROM mail_followers
                        WHERE res_model = 'helpdesk.ticket'
                          AND partner_id IN (%(customer)s, %(contact)s))))"""
        statements = {
            "/my/units": [
                """SELECT w.id, l.name, p.default_code, w.end_date, w.state
                     FROM aftersales_warranty w
                     JOIN stock_lot l ON l.id = w.lot_id
                     JOIN product_product p ON p.id = w.product_id
                    WHERE w.partner_id = %(customer)s
                    ORDER BY w.end_date DESC, w.id DESC LIMIT 80""",
                """SELECT count(*) FROM aftersales_warranty
                    WHERE partner_id = %(customer)s""",
            ],
            "/my/tickets": [
                f"""SELECT t.id, t.number, t.name, t.create_date
                      FROM helpdesk_ticket t
                     WHERE {mine}
                     ORDER BY t.create_date DESC, t.id DESC LIMIT 80""",
                f"SELECT count(*) FROM helpdesk_ticket t WHERE {mine}",
            ],
        }
        floors = {}
        for path, queries in statements.items():
            runs = []
            for __ in range(5):
                seconds, __ = bench_module().timed(
                    lambda queries=queries: [
                        env.cr.execute(
                            query, {"customer": customer, "contact": contact}
                        )
                        for query in queries
                    ]
                )
                runs.append(seconds)
            floors[path] = statistics.median(runs)
        return floors

    # Scheduled actions over a large base, a few due ------------------------

    def scheduled_row(self, name, sizes, seed, floor, run, scanned, work, note):
        """The scheduled action ``run(env)`` at a tenth of the base, then at
        all of it, one in a hundred due each time (``seed(env, size,
        every)``): seconds per due row should stay flat and the queries per
        due row constant while the base grows tenfold. ``floor(env)`` selects
        the due rows by hand and returns how many; ``scanned(env)`` counts
        the base."""
        core = bench_module()
        every = max(1, round(100 / self.args.units_due_percent))
        runs = []
        for size in sizes:
            with core.environment(core.OURS) as env:
                seed(env, size, every)
                env.cr.commit()
                floor_seconds, due = core.timed(lambda env=env: floor(env))
                seconds, queries = core.query_count(env, lambda env=env: run(env))
                runs.append(
                    {
                        "size": scanned(env),
                        "due": due,
                        "floor": floor_seconds,
                        "seconds": seconds,
                        "queries": queries,
                    }
                )
        small, big = runs
        per_due = [run["seconds"] / max(1, run["due"]) for run in runs]
        per_due_queries = [run["queries"] / max(1, run["due"]) for run in runs]
        self.rows.append(
            core.Row(
                name,
                f"{big['size']:,} {work}; {big['due']:,} due",
                f"{big['seconds']:.1f} s, {big['queries']:,} queries; "
                f"{per_due[1] * 1000:.1f} ms and {per_due_queries[1]:.2f} queries "
                f"per due row at {big['size']:,} vs {per_due[0] * 1000:.1f} ms and "
                f"{per_due_queries[0]:.2f} at {small['size']:,}",
                f"SQL floor {big['floor'] * 1000:.0f} ms",
                big["seconds"] / big["floor"],
                "cost grows with the due rows: ms per due row within 1.5× at "
                "ten times the base, queries per due row constant",
                per_due[1] <= 1.5 * per_due[0]
                and per_due_queries[1] <= 1.1 * per_due_queries[0],
                note,
            )
        )

    def surveys(self):
        """The satisfaction survey action over a tenth of
        ``--survey-customers`` customers with a running contract, then all
        of them, one in a hundred without this period's survey."""
        total = self.args.survey_customers
        self.scheduled_row(
            "satisfaction surveys",
            (total // 10, total),
            self.seed_surveys,
            self.survey_floor,
            lambda env: self.run_until_done(
                env,
                "aftersales_service.ir_cron_satisfaction_surveys",
                "aftersales.satisfaction.survey",
                "_cron_send_surveys",
                self.survey_floor,
            ),
            lambda env: env["aftersales.contract"].search_count(
                [
                    ("partner_id.name", "=like", "Bench Survey Customer%"),
                    ("state", "=", "running"),
                ]
            ),
            "customers with a running contract",
            "per due customer, the action records the period's survey, opens "
            "the customer's answer in the survey app, links the contracts and "
            "renders and queues the mail; the floor selects the customers "
            "with a running contract and no survey of the period",
        )

    def run_until_done(self, env, cron, model, method, floor):
        """The scheduled action's runs until ``floor`` finds nothing due (at
        most ten): the scheduler starts the next run at once when one stops
        at its time budget."""
        for __ in range(10):
            if not floor(env):
                break
            bench_module().as_scheduled(
                env, cron, lambda env: getattr(env[model], method)()
            )

    def seed_surveys(self, env, size, every):
        """``size`` customers, each with a running contract and this
        period's survey sent (one made by the ORM, the others copied in bulk
        SQL, then ANALYZE); one in ``every`` of them has no survey of the
        period yet."""
        cr = env.cr
        company = env.company
        Survey = env["aftersales.satisfaction.survey"]
        start, end = self.survey_period(env)
        contract = env["aftersales.contract"].search(
            [("partner_id.name", "=", "Bench Survey Customer 0")], limit=1
        )
        if not contract:
            customer = env["res.partner"].create(
                {
                    "name": "Bench Survey Customer 0",
                    "is_company": True,
                    "email": "survey@example.com",
                }
            )
            contract = bench_module().running_contract(env, customer)
            env["survey.user_input"].create(
                {
                    "survey_id": company._aftersales_satisfaction_survey().id,
                    "partner_id": customer.id,
                }
            )
            env.flush_all()
        customer = contract.partner_id
        answer = env["survey.user_input"].search(
            [("partner_id", "=", customer.id)], limit=1
        )
        cr.execute(
            """SELECT count(*) FROM aftersales_contract c
                 JOIN res_partner p ON p.id = c.partner_id
                WHERE p.name LIKE 'Bench Survey Customer %%'"""
        )
        missing = size - cr.fetchone()[0]
        if missing > 0:
            partner_ids = bench_module().clone(
                cr,
                "res_partner",
                customer.id,
                missing,
                {
                    "name": f"'Bench Survey Customer {size}-' || g",
                    "complete_name": f"'Bench Survey Customer {size}-' || g",
                },
            )
            cr.execute(
                "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
                [partner_ids],
            )
            bench_module().clone(
                cr,
                "aftersales_contract",
                contract.id,
                missing,
                {"name": f"'BSV-{size}-' || g"},
                refs=("partner_id", partner_ids),
            )
        # The first ``size`` customers' contracts run (a database kept from a
        # larger run has more, expired), and every customer with a running
        # contract was surveyed this period, but one in ``every``.
        cr.execute(
            """WITH bench AS (
                   SELECT c.id, row_number() OVER (ORDER BY c.id) AS n
                     FROM aftersales_contract c
                     JOIN res_partner p ON p.id = c.partner_id
                    WHERE p.name LIKE 'Bench Survey Customer %%')
               UPDATE aftersales_contract c
                  SET state = CASE WHEN bench.n <= %s THEN 'running'
                                   ELSE 'expired' END
                 FROM bench WHERE bench.id = c.id""",
            [size],
        )
        cr.execute(
            """DELETE FROM aftersales_satisfaction_survey
                WHERE company_id = %s AND period_start = %s""",
            [company.id, start],
        )
        cr.execute(
            """INSERT INTO aftersales_satisfaction_survey
                   (company_id, partner_id, period_start, period_end, state,
                    user_input_id)
               SELECT %s, c.partner_id, %s, %s, 'new', %s
                 FROM aftersales_contract c
                 JOIN res_partner p ON p.id = c.partner_id
                WHERE p.name LIKE 'Bench Survey Customer %%'
                  AND c.state = 'running' AND c.partner_id %% %s != 0""",
            [company.id, start, end, answer.id, every],
        )
        for table in (
            "res_partner",
            "aftersales_contract",
            "aftersales_satisfaction_survey",
        ):
            cr.execute(f"ANALYZE {table}")
        Survey.invalidate_model()
        env.invalidate_all()

    @staticmethod
    def survey_period(env):
        """The first and last day of the company's survey period today."""
        from odoo.addons.aftersales_service.models.aftersales_satisfaction_survey import (  # noqa: E501
            survey_period,
        )

        return survey_period(
            fields.Date.context_today(env.user), env.company.aftersales_survey_frequency
        )

    def survey_floor(self, env):
        """The customers due their survey, selected by hand: a running
        contract and no survey of the period."""
        company = env.company
        today = fields.Date.context_today(env.user)
        start, __ = self.survey_period(env)
        env.cr.execute(
            """SELECT count(DISTINCT p.commercial_partner_id)
                 FROM aftersales_contract c
                 JOIN res_partner p ON p.id = c.partner_id
                WHERE c.state IN ('running', 'to_renew') AND c.date_end >= %(today)s
                  AND c.company_id = %(company)s
                  AND NOT EXISTS (
                      SELECT 1 FROM aftersales_satisfaction_survey s
                       WHERE s.company_id = %(company)s
                         AND s.period_start = %(start)s
                         AND s.partner_id = p.commercial_partner_id)""",
            {"today": today, "company": company.id, "start": start},
        )
        return env.cr.fetchone()[0]

    def complaint_breaches(self):
        """The complaint breach action over a tenth of ``--complaints``
        complaints, then all of them, one in a hundred late."""
        total = self.args.complaints
        self.scheduled_row(
            "complaint breaches",
            (total // 10, total),
            self.seed_complaints,
            self.complaint_floor,
            lambda env: self.run_until_done(
                env,
                "aftersales_service.ir_cron_escalate_complaints",
                "aftersales.complaint",
                "_cron_escalate_breaches",
                self.complaint_floor,
            ),
            lambda env: env["aftersales.complaint"].search_count([]),
            "complaints",
            "per late complaint, the action logs the breach on it and gives "
            "the service manager an activity; the floor selects the late "
            "complaints on their deadline",
        )

    def seed_complaints(self, env, size, every):
        """``size`` complaints (one made by the ORM, the others copied in
        bulk SQL, then ANALYZE), closed but one in ``every``, which missed
        its answer deadline an hour ago."""
        cr = env.cr
        Complaint = env["aftersales.complaint"]
        template = Complaint.search(
            [("partner_id.name", "=", "Bench Complaint Customer")], limit=1
        )
        if not template:
            template = Complaint.create(
                {
                    "partner_id": env["res.partner"]
                    .create({"name": "Bench Complaint Customer"})
                    .id,
                    "description": "The engineer came late.",
                }
            )
            env.flush_all()
        # A database kept from a larger run: the complaints copied beyond
        # ``size`` go.
        cr.execute(
            """DELETE FROM aftersales_complaint WHERE id IN (
                   SELECT id FROM aftersales_complaint WHERE id != %s
                    ORDER BY id DESC LIMIT GREATEST(0, (
                        SELECT count(*) FROM aftersales_complaint) - %s))""",
            [template.id, size],
        )
        missing = size - Complaint.search_count([])
        if missing > 0:
            bench_module().clone(
                cr,
                "aftersales_complaint",
                template.id,
                missing,
                {"name": f"'BCP-{size}-' || g"},
            )
        cr.execute(
            """UPDATE aftersales_complaint
                  SET state = CASE WHEN id %% %(every)s = 0 THEN 'new'
                                   ELSE 'closed' END,
                      escalated_phases = NULL,
                      answer_done_at = NULL,
                      answer_deadline = now() AT TIME ZONE 'UTC' - interval '1 hour',
                      next_deadline = CASE WHEN id %% %(every)s = 0
                          THEN now() AT TIME ZONE 'UTC' - interval '1 hour' END""",
            {"every": every},
        )
        cr.execute("ANALYZE aftersales_complaint")
        env.invalidate_all()

    @staticmethod
    def complaint_floor(env):
        """The late complaints, selected by hand on their deadline."""
        env.cr.execute(
            """SELECT count(*) FROM aftersales_complaint
                WHERE next_deadline < now() AT TIME ZONE 'UTC'"""
        )
        return env.cr.fetchone()[0]
