#!/usr/bin/env python3
"""make soak: kill a scheduled action (SIGKILL) after its first committed
batch, run it again, and prove that nothing was done twice or left out.

Usage: python3 bench/soak.py ODOO_CONF [--db NAME] [--contracts N] [--plans M]
                             [--units U] [--complaints C] [--maintained K]
                             [--campaign-units L]

1. Creates the database from scratch (aftersales_service, no demo data).
2. Seeds it through the ORM: N running contracts whose renewal notice is due
   today, M approved follow-up plans with visits due, U accepted units
   whose own warranty's renewal notice is due, and C complaints late for
   both their answer and their resolution; just before its job, K units
   whose maintenance is due, under a contract with an approved plan; and a
   product change campaign launched over L units of L/10 customers, its
   notices still to send.
   Each contract's customer is due the period's satisfaction survey.
3. For each job (renewal notices, follow-up visits, unit notices, satisfaction
   surveys, complaint escalations, maintenance reminders and visits,
   campaign notices): runs the method its scheduled action calls in an Odoo
   shell, kills that process as soon as the first batch is committed, runs it
   again to the end, and counts in SQL what each contract, plan and unit got.
4. Prints a markdown report and writes it to bench/SOAK.md. Exit status 1 when
   a check fails.

Odoo logs go to .var/log/soak-*.log (next to the config file). Everything
stays on the database server of the config file (loopback).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tools import config

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tools"))
from odoo_harness import provenance

REPORT = TOP / "bench" / "SOAK.md"

# The two jobs: the method their scheduled action calls, run with its default
# batch size, and how far the job got, in SQL.
JOBS = {
    "renewal": {
        "title": "Renewal notices",
        "call": 'env["aftersales.contract"]._cron_send_notices',
        "cron": "aftersales_service.ir_cron_contract_notices",
        "batch": 200,
        "unit": "contracts",
        "progress": """SELECT count(*) FROM aftersales_contract
                        WHERE renewal_notice_date IS NOT NULL""",
    },
    "visits": {
        "title": "Follow-up visits",
        "call": 'env["aftersales.followup.plan"]._cron_schedule_visits',
        "cron": "aftersales_service.ir_cron_schedule_visits",
        "batch": 100,
        "unit": "plans",
        "progress": "SELECT count(DISTINCT plan_id) FROM aftersales_inspection",
    },
    "units": {
        "title": "Unit warranty notices",
        "call": 'env["aftersales.warranty.notice"]._cron_send_notices',
        "cron": "aftersales_service.ir_cron_warranty_notices",
        "batch": 200,
        "unit": "units",
        "progress": """SELECT count(*) FROM aftersales_warranty
                        WHERE renewal_notice_id IS NOT NULL""",
    },
    "surveys": {
        "title": "Satisfaction surveys",
        "call": 'env["aftersales.satisfaction.survey"]._cron_send_surveys',
        "cron": "aftersales_service.ir_cron_satisfaction_surveys",
        "batch": 200,
        "unit": "customers",
        "progress": """SELECT count(*) FROM aftersales_satisfaction_survey
                        WHERE user_input_id IS NOT NULL""",
    },
    "complaints": {
        "title": "Late complaint escalations",
        "call": 'env["aftersales.complaint"]._cron_escalate_breaches',
        "cron": "aftersales_service.ir_cron_escalate_complaints",
        "batch": 500,
        "unit": "complaints",
        "progress": """SELECT count(*) FROM aftersales_complaint
                        WHERE escalated_phases IS NOT NULL""",
    },
    "maintenance": {
        "title": "Maintenance reminders and visits",
        "call": 'env["stock.lot"]._cron_schedule_maintenance',
        "cron": "aftersales_service.ir_cron_schedule_maintenance",
        "batch": 100,
        "unit": "units",
        "progress": """SELECT count(DISTINCT maintenance_lot_id)
                         FROM aftersales_inspection
                        WHERE maintenance_lot_id IS NOT NULL""",
    },
    "campaigns": {
        "title": "Product change campaign notices",
        "call": 'env["aftersales.campaign.notice"]._cron_send_notices',
        "cron": "aftersales_service.ir_cron_campaign_notices",
        "batch": 200,
        "unit": "customers",
        "progress": """SELECT count(*) FROM aftersales_campaign_notice
                        WHERE state = 'sent'""",
    },
}

# What the maintenance job leaves per unit ``c``: one of each.
MAINTENANCE_TRACES = {
    "maintenance visit": """
        SELECT count(*) FROM aftersales_inspection i
         WHERE i.maintenance_lot_id = c.id""",
    "engineer activity": """
        SELECT count(*) FROM mail_activity a
          JOIN aftersales_inspection i
            ON a.res_model = 'aftersales.inspection' AND a.res_id = i.id
         WHERE i.maintenance_lot_id = c.id""",
    "reminder to the customer": """
        SELECT count(*) FROM mail_mail mm
          JOIN mail_message m ON m.id = mm.mail_message_id
         WHERE m.model = 'stock.lot' AND m.res_id = c.id""",
}

# What one renewal notice leaves on its contract ``c`` (_send_renewal_notices),
# each counted: every seeded contract must have exactly one of each. The mail
# is told by its subject, as the add-on's tests do (the customers speak
# English: the only language installed).
NOTICE_TRACES = {
    "mail to the customer": """
        SELECT count(*) FROM mail_mail mm
          JOIN mail_message m ON m.id = mm.mail_message_id
         WHERE m.model = 'aftersales.contract' AND m.res_id = c.id
           AND m.subject LIKE '%% ends on %%'""",
    "chatter note": """
        SELECT count(*) FROM mail_message m
         WHERE m.model = 'aftersales.contract' AND m.res_id = c.id
           AND m.message_type = 'notification'
           AND m.body LIKE '%%Renewal notice sent to%%'""",
    "renewal activity": """
        SELECT count(*) FROM mail_activity a
         WHERE a.res_model = 'aftersales.contract' AND a.res_id = c.id
           AND a.activity_type_id = %(renewal_type)s""",
    "pre-expiry visit activity": """
        SELECT count(*) FROM mail_activity a
         WHERE a.res_model = 'aftersales.contract' AND a.res_id = c.id
           AND a.activity_type_id = %(visit_type)s""",
    "to-renew state and notice date": """
        SELECT count(*) WHERE c.state = 'to_renew'
           AND c.renewal_notice_date IS NOT NULL""",
}
ACTIVITY_TYPES = """
    SELECT name, res_id FROM ir_model_data
     WHERE module = 'aftersales_service'
       AND name IN ('mail_activity_type_contract_renewal',
                    'mail_activity_type_pre_expiry_visit')"""
# What the unit notices leave: per unit ``w``, and per notice ``n``; every
# seeded unit must have exactly one of each, and every notice too.
UNIT_TRACES = {
    "notice": """
        SELECT count(*) FROM aftersales_warranty_notice_rel r
         WHERE r.warranty_id = w.id""",
    "chatter note": """
        SELECT count(*) FROM mail_message m
         WHERE m.model = 'aftersales.warranty' AND m.res_id = w.id
           AND m.body LIKE '%%Renewal notice WN/%%'""",
}
NOTICE_PER_NOTICE = {
    "mail to the customer": """
        SELECT count(*) FROM mail_mail mm
          JOIN mail_message m ON m.id = mm.mail_message_id
         WHERE m.model = 'aftersales.warranty.notice' AND m.res_id = n.id""",
    "account manager's activity": """
        SELECT count(*) FROM mail_activity a
         WHERE a.res_model = 'aftersales.warranty.notice' AND a.res_id = n.id""",
    "extended-warranty quotation": """
        SELECT count(*) FROM sale_order_line l
          JOIN aftersales_contract c ON c.id = l.aftersales_contract_id
         WHERE c.id = n.contract_id AND l.order_id = n.sale_order_id""",
}
# Notices per customer and week: one each, never a week split in two.
NOTICES_PER_WEEK = """
    SELECT count(DISTINCT n.id) FROM aftersales_warranty w
      JOIN aftersales_warranty_notice n ON n.id = w.renewal_notice_id
     WHERE w.id = ANY(%s)
  GROUP BY w.partner_id, date_trunc('week', w.end_date)"""
# The customers due a satisfaction survey: those with a running contract.
SURVEYED_CUSTOMERS = """
    SELECT DISTINCT COALESCE(p.commercial_partner_id, p.id)
      FROM aftersales_contract c
      JOIN res_partner p ON p.id = c.partner_id
     WHERE c.state IN ('running', 'to_renew')"""
# What the survey job leaves per customer ``c``: one of each.
SURVEY_TRACES = {
    "survey of the period": """
        SELECT count(*) FROM aftersales_satisfaction_survey s
         WHERE s.partner_id = c.id""",
    "answer link": """
        SELECT count(*) FROM survey_user_input u
         WHERE u.partner_id = c.id""",
    "mail to the customer": """
        SELECT count(*) FROM mail_mail mm
          JOIN mail_message m ON m.id = mm.mail_message_id
          JOIN aftersales_satisfaction_survey s
            ON m.model = 'aftersales.satisfaction.survey' AND m.res_id = s.id
         WHERE s.partner_id = c.id""",
}
# What escalating a late complaint ``c`` leaves: both phases named once, one
# activity for the service manager and one chatter note.
COMPLAINT_TRACES = {
    "both phases escalated": """
        SELECT count(*) WHERE c.escalated_phases = 'answer,resolve'""",
    "service manager's activity": """
        SELECT count(*) FROM mail_activity a
          JOIN ir_model_data d ON d.res_id = a.activity_type_id
           AND d.module = 'aftersales_service'
           AND d.name = 'mail_activity_type_breach'
         WHERE a.res_model = 'aftersales.complaint' AND a.res_id = c.id""",
    "chatter note": """
        SELECT count(*) FROM mail_message m
         WHERE m.model = 'aftersales.complaint' AND m.res_id = c.id
           AND m.body LIKE '%%Response time missed%%'""",
}
# What a campaign notice ``c`` leaves: one mail to its customer, and all its
# units marked notified (0 units left to notify).
CAMPAIGN_TRACES = {
    "mail to the customer": """
        SELECT count(*) FROM mail_mail mm
          JOIN mail_message m ON m.id = mm.mail_message_id
         WHERE m.model = 'aftersales.campaign.notice' AND m.res_id = c.id""",
    "sent once, units notified": """
        SELECT count(*) WHERE c.state = 'sent' AND c.sent_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM aftersales_campaign_line l
                            WHERE l.notice_id = c.id AND l.state = 'to_notify')""",
}
VISITS = "SELECT plan_id, period, count(*) FROM aftersales_inspection GROUP BY 1, 2"
ACTIVITIES_PER_VISIT = """
    SELECT count(a.id) FROM aftersales_inspection i
      LEFT JOIN mail_activity a
        ON a.res_model = 'aftersales.inspection' AND a.res_id = i.id
     GROUP BY i.id"""


def code(job):
    """The Python the Odoo shell runs for ``job``: its method, with a batch
    size, in the context the scheduler gives it (its progress record), so
    that each batch commits as under the scheduler."""
    return (
        f"cron, progress = env.ref({job['cron']!r})._add_progress()\n"
        "env.cr.commit()\n"
        "env = env(context={**cron.env.context, 'cron_id': cron.id})\n"
        f"{job['call']}(batch_size={job['batch']})\n"
        "env.cr.commit()\n"
    )


def scalar(cr, sql, params=None):
    cr.execute(sql, params)
    return cr.fetchone()[0]


class Soak:
    def __init__(self, conf, db, logs):
        self.conf, self.db, self.logs = conf, db, logs
        self.seconds = {}  # phase: seconds
        self.checks = []  # (what was checked, passed)

    @contextmanager
    def phase(self, name):
        start = time.monotonic()
        yield
        self.seconds[name] = time.monotonic() - start

    def check(self, label, passed, detail=""):
        self.checks.append((f"{label} {detail}".strip(), passed))
        print("ok  " if passed else "FAIL", self.checks[-1][0], flush=True)

    @contextmanager
    def cursor(self, db=None):
        """A psycopg2 cursor outside Odoo, in autocommit: each query sees what
        the job has committed so far."""
        conn = psycopg2.connect(**connection_info_for(db or self.db)[1])
        conn.autocommit = True
        try:
            yield conn.cursor()
        finally:
            conn.close()

    def odoo(self, *args, log, **popen):
        """Start an Odoo command on the database, logging to soak-LOG.log."""
        command = [sys.executable, "-m", "odoo", *args, "-c", self.conf, "-d", self.db]
        command += ["--no-http", f"--logfile={self.logs / f'soak-{log}.log'}"]
        return subprocess.Popen(command, **popen)

    def create_database(self):
        with self.cursor("postgres") as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        shutil.rmtree(config.filestore(self.db), ignore_errors=True)
        install = self.odoo(
            "-i",
            "aftersales_service",
            "--stop-after-init",
            log="install",
        )
        if install.wait():
            sys.exit(f"Installing aftersales_service failed: see {self.logs}")

    # Seed ---------------------------------------------------------------------

    def seed(self, contracts, plans):
        """Create the contracts and plans, a few batch creates in one
        transaction; return the ids of the contracts due a renewal notice and
        the (plan id, period) of the visits one uninterrupted run creates."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # The jobs' context (today in their time zone); the seed itself
            # leaves no chatter.
            context = env["res.users"].context_get()
            env = env(context={**context, "tracking_disable": True})
            today = fields.Date.context_today(env.user)
            company = env.company
            manager, engineer = env["res.users"].create(
                [
                    {
                        "name": f"Soak {role}",
                        "login": f"soak_{role}",
                        "email": f"soak_{role}@example.com",
                        "group_ids": [
                            Command.link(
                                env.ref(
                                    f"aftersales_service.group_aftersales_{role}"
                                ).id
                            )
                        ],
                    }
                    for role in ("account_manager", "engineer")
                ]
            )
            customers = env["res.partner"].create(
                [
                    {"name": f"Soak Customer {i}", "email": f"customer{i}@example.com"}
                    for i in range(max(contracts // 10, 1))
                ]
            )
            product = env["product.product"].create(
                {
                    "name": "Soak Control Cabinet",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial",
                }
            )
            # One serial-numbered unit per contract (a unit has one running
            # contract at a time).
            units = env["stock.lot"].create(
                [
                    {"name": f"SOAK-{i:06d}", "product_id": product.id}
                    for i in range(contracts + plans)
                ]
            )
            # Renewal due today: a one-year contract ending 1 to "notice days"
            # days from now (still due if midnight passes during the run).
            notice_days = company.aftersales_renewal_notice_days or 1
            ends = [
                today + timedelta(days=1 + i % notice_days) for i in range(contracts)
            ]
            terms = [(end - relativedelta(years=1, days=-1), end) for end in ends]
            # The plans' contracts: one year, started 0 to 89 days ago.
            starts = [today - timedelta(days=i % 90) for i in range(plans)]
            terms += [
                (start, start + relativedelta(years=1, days=-1)) for start in starts
            ]
            level = env.ref("aftersales_service.service_level_standard")
            all_contracts = env["aftersales.contract"].create(
                [
                    {
                        "partner_id": customers[i % len(customers)].id,
                        "service_level_id": level.id,
                        "user_id": manager.id,
                        "engineer_id": engineer.id,
                        "date_start": start,
                        "date_end": end,
                        "amount": 12000,
                        "lot_ids": [Command.set(units[i].ids)],
                    }
                    for i, (start, end) in enumerate(terms)
                ]
            )
            all_contracts.action_start()
            # The standard preset's plan, approved by the customer the day the
            # contract started: the job catches up on every visit from then to
            # today + the company's lead days.
            preset = env.ref("aftersales_service.followup_preset_standard")
            plan_records = env["aftersales.followup.plan"].create(
                [
                    {
                        "contract_id": contract.id,
                        "engineer_id": engineer.id,
                        "preset_id": preset.id,
                        **preset._terms_values(),
                        "state": "approved",
                        "submitted_on": contract.date_start,
                        "approved_on": contract.date_start,
                        "approved_by": "Soak",
                    }
                    for contract in all_contracts[contracts:]
                ]
            )
            # The visits owed, from the plans' promised occurrences alone.
            horizon = today + timedelta(days=company.aftersales_visit_lead_days)
            visits = {
                (plan.id, period)
                for plan in plan_records
                for period, _kind, day in plan._occurrences()
                if plan.approved_on <= day <= horizon
            }
            return all_contracts[:contracts].ids, visits

    def seed_units(self, units):
        """``units`` accepted units of a few customers each, whose one-year
        warranty ends 1 to "notice days" days from now, and the product the
        company quotes extended warranties with; return their warranties'
        ids."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            context = env["res.users"].context_get()
            env = env(context={**context, "tracking_disable": True})
            today = fields.Date.context_today(env.user)
            company = env.company
            company.aftersales_extension_product_id = env["product.product"].create(
                {
                    "name": "Soak Extended Warranty",
                    "type": "service",
                    "list_price": 1200,
                    "aftersales_contract": True,
                    "aftersales_service_level_id": env.ref(
                        "aftersales_service.service_level_standard"
                    ).id,
                }
            )
            manager = env["res.users"].search([("login", "=", "soak_account_manager")])
            customers = env["res.partner"].create(
                [
                    {
                        "name": f"Soak Unit Customer {i}",
                        "email": f"unit-customer{i}@example.com",
                        "user_id": manager.id,
                    }
                    for i in range(max(units // 8, 1))
                ]
            )
            product = env["product.product"].create(
                {"name": "Soak Alarm Panel", "type": "consu", "tracking": "serial"}
            )
            lots = env["stock.lot"].create(
                [
                    {"name": f"SOAK-UNIT-{i:06d}", "product_id": product.id}
                    for i in range(units)
                ]
            )
            warranties = env["aftersales.warranty"].create(
                [
                    {
                        "lot_id": lot.id,
                        "partner_id": customers[i % len(customers)].id,
                        "duration": 1,
                        "period": "year",
                    }
                    for i, lot in enumerate(lots)
                ]
            )
            notice_days = company._aftersales_unit_notice_days() or 1
            for day in range(notice_days):
                end = today + timedelta(days=1 + day)
                warranties[day::notice_days].record_acceptance(
                    end - relativedelta(years=1), "Soak"
                )
            return warranties.ids

    def seed_maintained_units(self, units):
        """``units`` units whose meter passed its maintenance interval
        yesterday, under a running contract whose customer approved its
        follow-up plan; return their ids. Seeded after the other jobs ran:
        its contract and plan are none of theirs."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            context = env["res.users"].context_get()
            env = env(context={**context, "tracking_disable": True})
            today = fields.Date.context_today(env.user)
            product = env["product.product"].create(
                {
                    "name": "Soak Maintained Cabinet",
                    "type": "consu",
                    "tracking": "serial",
                    "aftersales_maintenance_step_ids": [
                        Command.create(
                            {
                                "name": "Soak maintenance",
                                "interval_months": 6,
                                "interval_meter": 20,
                            }
                        )
                    ],
                }
            )
            lots = env["stock.lot"].create(
                [
                    {"name": f"SOAK-MNT-{i:06d}", "product_id": product.id}
                    for i in range(units)
                ]
            )
            env["aftersales.meter.reading"].create(
                [
                    {
                        "lot_id": lot.id,
                        "value": value,
                        "reading_date": today - timedelta(days=days),
                    }
                    for lot in lots
                    for value, days in ((0, 10), (200, 1))
                ]
            )
            contract = env["aftersales.contract"].create(
                {
                    "partner_id": env["res.partner"]
                    .create(
                        {
                            "name": "Soak Maintenance Customer",
                            "email": "maintenance@example.com",
                        }
                    )
                    .id,
                    "service_level_id": env.ref(
                        "aftersales_service.service_level_standard"
                    ).id,
                    "date_start": today - timedelta(days=30),
                    "date_end": today + timedelta(days=3000),
                    "lot_ids": [Command.set(lots.ids)],
                }
            )
            contract.action_start()
            plan = env["aftersales.followup.plan"].create(
                {
                    "contract_id": contract.id,
                    "engineer_id": env["res.users"]
                    .search([("login", "=", "soak_engineer")])
                    .id,
                    "pre_expiry_days": 10,
                }
            )
            plan.action_submit()
            plan.approved_by = "Soak"
            plan.action_approve()
            return lots.ids

    def seed_complaints(self, complaints):
        """``complaints`` complaints received a month ago, owned by a
        service manager, neither answered nor resolved; return their ids."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            context = env["res.users"].context_get()
            env = env(context={**context, "tracking_disable": True})
            env.company.aftersales_supervisor_id = env["res.users"].create(
                {
                    "name": "Soak Service Manager",
                    "login": "soak_complaint_manager",
                    "group_ids": [
                        Command.link(
                            env.ref("aftersales_service.group_aftersales_manager").id
                        )
                    ],
                }
            )
            customers = env["res.partner"].create(
                [
                    {"name": f"Soak Complaining Customer {n}", "is_company": True}
                    for n in range(10)
                ]
            )
            received = fields.Datetime.now() - timedelta(days=30)
            ids = []
            for offset in range(0, complaints, 500):
                ids += (
                    env["aftersales.complaint"]
                    .create(
                        [
                            {
                                "partner_id": customers[n % 10].id,
                                "description": f"Soak complaint {n}",
                                "received_at": received,
                            }
                            for n in range(offset, min(offset + 500, complaints))
                        ]
                    )
                    .ids
                )
            return ids

    def seed_campaign(self, units):
        """A firmware campaign launched over ``units`` delivered units of
        ``units / 10`` customers; return its notices' ids (one a customer)."""
        with Registry(self.db).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            context = env["res.users"].context_get()
            env = env(context={**context, "tracking_disable": True})
            customers = env["res.partner"].create(
                [
                    {
                        "name": f"Soak Campaign Customer {i}",
                        "email": f"c{i}@example.com",
                    }
                    for i in range(max(units // 10, 1))
                ]
            )
            product = env["product.product"].create(
                {"name": "Soak Controller", "type": "consu", "tracking": "serial"}
            )
            lots = env["stock.lot"].create(
                [
                    {"name": f"SOAK-CTRL-{i:06d}", "product_id": product.id}
                    for i in range(units)
                ]
            )
            env["aftersales.warranty"].create(
                [
                    {
                        "lot_id": lot.id,
                        "partner_id": customers[i % len(customers)].id,
                        "duration": 1,
                        "period": "year",
                    }
                    for i, lot in enumerate(lots)
                ]
            )
            campaign = env["aftersales.campaign"].create(
                {
                    "title": "Soak firmware 2.0",
                    "kind": "firmware",
                    "product_id": product.id,
                    "notice": "Firmware 2.0",
                }
            )
            campaign.action_launch()
            return campaign.notice_ids.ids

    # Kill, restart ------------------------------------------------------------

    def run_killed_then_again(self, name, total):
        """Run job ``name`` in an Odoo shell, SIGKILL it once its first batch
        is committed, then run it again to the end; return what was done at
        the kill and after the restart."""
        job = JOBS[name]
        with self.cursor() as cr:
            self.check(
                f"{name}: nothing done before the run", scalar(cr, job["progress"]) == 0
            )
            with self.phase(f"{name}: run until the kill"):
                shell = self.odoo(
                    "shell", log=f"{name}-killed", stdin=subprocess.PIPE, text=True
                )
                shell.stdin.write(code(job))
                shell.stdin.close()
                while not scalar(cr, job["progress"]) and shell.poll() is None:
                    time.sleep(0.05)
                os.kill(shell.pid, signal.SIGKILL)
                shell.wait()
                # PostgreSQL rolls back the killed process's open transaction
                # once it sees its connection closed: wait for that before
                # counting what was committed.
                backend = (
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                )
                while scalar(cr, backend, [f"odoo-{shell.pid}"]):
                    time.sleep(0.05)
            at_kill = scalar(cr, job["progress"])
            self.check(
                f"{name}: killed after its first batch, before the end",
                shell.returncode == -signal.SIGKILL and 0 < at_kill < total,
                f"({at_kill} of {total} {job['unit']} done)",
            )
            with self.phase(f"{name}: restart to the end"):
                shell = self.odoo(
                    "shell", log=f"{name}-restart", stdin=subprocess.PIPE, text=True
                )
                shell.communicate(code(job))
            self.check(f"{name}: restart ran to the end", shell.returncode == 0)
            return at_kill, scalar(cr, job["progress"])

    # Checks -------------------------------------------------------------------

    def check_one_each(self, label, counts):
        """Each count must be 1; return the extra copies found."""
        missing = sum(1 for count in counts if count == 0)
        extra = sum(count - 1 for count in counts if count > 1)
        self.check(
            f"{label}: exactly one each",
            not missing and not extra,
            f"({len(counts)} checked, {missing} without, {extra} extra)",
        )
        return extra

    def check_notices(self, contract_ids):
        """Return the duplicates: extra copies of any trace of a notice."""
        with self.cursor() as cr:
            cr.execute(ACTIVITY_TYPES)
            types = dict(cr.fetchall())
        return self.check_traces(
            "renewal",
            "contract",
            "aftersales_contract",
            NOTICE_TRACES,
            contract_ids,
            renewal_type=types["mail_activity_type_contract_renewal"],
            visit_type=types["mail_activity_type_pre_expiry_visit"],
        )

    def check_traces(self, job, noun, table, traces, ids, **params):
        """Count each of ``traces`` (SQL on the row ``c`` of ``table``) for
        the seeded ``ids``: each must be there once. Return the duplicates."""
        with self.cursor() as cr:
            columns = ", ".join(f"({sql})" for sql in traces.values())
            cr.execute(
                f"SELECT {columns} FROM {table} c WHERE c.id = ANY(%(ids)s)",
                {"ids": ids, **params},
            )
            rows = cr.fetchall()
        self.check(f"{job}: all seeded {noun}s found", len(rows) == len(ids))
        return sum(
            self.check_one_each(f"{job}: {trace} per {noun}", [row[i] for row in rows])
            for i, trace in enumerate(traces)
        )

    def check_visits(self, expected):
        """Return the duplicates: extra copies of a visit or of its activity."""
        with self.cursor() as cr:
            cr.execute(VISITS)
            found = {(plan, period): count for plan, period, count in cr.fetchall()}
            cr.execute(ACTIVITIES_PER_VISIT)
            activities = [count for (count,) in cr.fetchall()]
        unexpected = sorted(found.keys() - expected)
        self.check(
            "visits: none but the due ones",
            not unexpected,
            f"({len(unexpected)} unexpected {unexpected[:3]})" if unexpected else "",
        )
        self.check(
            "visits: as many as one uninterrupted run creates",
            sum(found.values()) == len(expected),
            f"({sum(found.values())} created, {len(expected)} expected)",
        )
        counts = [found.get(key, 0) for key in expected]
        return self.check_one_each(
            "visits: inspection per (plan, period)", counts
        ) + self.check_one_each("visits: engineer activity per inspection", activities)

    def check_unit_notices(self, warranty_ids):
        """Return the duplicates: extra copies of any trace of a unit notice,
        and weeks split across notices."""
        with self.cursor() as cr:
            columns = ", ".join(f"({sql})" for sql in UNIT_TRACES.values())
            cr.execute(
                f"SELECT {columns} FROM aftersales_warranty w WHERE w.id = ANY(%s)",
                [warranty_ids],
            )
            per_unit = cr.fetchall()
            columns = ", ".join(f"({sql})" for sql in NOTICE_PER_NOTICE.values())
            cr.execute(
                f"SELECT {columns} FROM aftersales_warranty_notice n"
                " WHERE n.id IN (SELECT renewal_notice_id FROM aftersales_warranty"
                " WHERE id = ANY(%s))",
                [warranty_ids],
            )
            per_notice = cr.fetchall()
            cr.execute(NOTICES_PER_WEEK, [warranty_ids])
            per_week = [count for (count,) in cr.fetchall()]
        self.check("units: all seeded units found", len(per_unit) == len(warranty_ids))
        self.check(
            "units: customers' weeks share one notice",
            len(per_notice) == len(per_week),
            f"({len(per_notice)} notices for {len(per_week)} customer-weeks)",
        )
        return (
            sum(
                self.check_one_each(
                    f"units: {trace} per unit", [row[i] for row in per_unit]
                )
                for i, trace in enumerate(UNIT_TRACES)
            )
            + sum(
                self.check_one_each(
                    f"units: {trace} per notice", [row[i] for row in per_notice]
                )
                for i, trace in enumerate(NOTICE_PER_NOTICE)
            )
            + self.check_one_each("units: notice per customer-week", per_week)
        )

    def surveyed_customers(self):
        with self.cursor() as cr:
            cr.execute(SURVEYED_CUSTOMERS)
            return [partner for (partner,) in cr.fetchall()]

    def check_logs(self):
        """The project's log check: no WARNING or ERROR from Odoo."""
        logs = sorted(self.logs.glob("soak-*.log"))
        checklog = subprocess.run(
            [sys.executable, TOP / "tools" / "checklog", *logs],
            check=False,
            capture_output=True,
            text=True,
        )
        self.check(
            "Odoo logged no warning or error", checklog.returncode == 0, checklog.stderr
        )

    # Report -------------------------------------------------------------------

    def report(self, jobs):
        """``jobs``: (name, size, done at kill, done after restart, duplicates)."""
        lines = [
            "# Soak: scheduled actions killed mid-run, then run again",
            "",
            (
                f"{provenance()}, database `{self.db}`. Each job runs in an Odoo "
                "shell, is "
                "killed (SIGKILL) once its first batch is committed, then runs "
                "again to the end."
            ),
            "",
            "| Job | Size | Done at kill | Done after restart | Duplicates found |",
            "|---|---|---|---|---|",
            *(
                f"| {JOBS[name]['title']}: `{JOBS[name]['call']}"
                f"(batch_size={JOBS[name]['batch']})` "
                f"| {size} | {at_kill} | {after} | {dupes} |"
                for name, size, at_kill, after, dupes in jobs
            ),
            "",
            "| Check | Result |",
            "|---|---|",
            *(
                f"| {label} | {'pass' if ok else '**FAIL**'} |"
                for label, ok in self.checks
            ),
            "",
            "| Phase | Seconds |",
            "|---|---|",
            *(f"| {name} | {seconds:.1f} |" for name, seconds in self.seconds.items()),
            f"| total | {sum(self.seconds.values()):.1f} |",
            "",
        ]
        text = "\n".join(lines)
        print("\n" + text)
        REPORT.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conf", help="Odoo configuration file")
    parser.add_argument("--db", default="aftersales_soak")
    parser.add_argument("--contracts", type=int, default=3000)
    parser.add_argument("--plans", type=int, default=1500)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--complaints", type=int, default=1500)
    parser.add_argument("--maintained", type=int, default=1000)
    parser.add_argument("--campaign-units", type=int, default=3000)
    args = parser.parse_args()
    # To be cut halfway, each job needs more than one batch.
    for option, count, job in (
        ("contracts", args.contracts, "renewal"),
        ("plans", args.plans, "visits"),
        ("units", args.units, "units"),
        ("complaints", args.complaints, "complaints"),
        ("maintained", args.maintained, "maintenance"),
    ):
        if count <= JOBS[job]["batch"]:
            parser.error(f"--{option} must exceed the batch size, {JOBS[job]['batch']}")
    # Ten units a customer: the campaign's notices need more than one batch.
    if args.campaign_units // 10 <= JOBS["campaigns"]["batch"]:
        parser.error(
            f"--campaign-units must exceed ten times the batch size, "
            f"{10 * JOBS['campaigns']['batch']}"
        )
    # One customer in ten contracts: the surveys need more than one batch too.
    if args.contracts // 10 <= JOBS["surveys"]["batch"]:
        parser.error(
            f"--contracts must exceed ten times the batch size, "
            f"{10 * JOBS['surveys']['batch']}"
        )
    logs = Path(args.conf).resolve().parent / "log"
    logs.mkdir(exist_ok=True)
    for old in logs.glob("soak-*.log"):
        old.unlink()
    # The seed's ORM (in this process) logs to soak-seed.log.
    config.parse_config(["-c", args.conf, f"--logfile={logs / 'soak-seed.log'}"])
    soak = Soak(args.conf, args.db, logs)

    with soak.phase("create database"):
        soak.create_database()
    with soak.phase("seed"):
        contract_ids, visits = soak.seed(args.contracts, args.plans)
        warranty_ids = soak.seed_units(args.units)
        complaint_ids = soak.seed_complaints(args.complaints)
        campaign_notice_ids = soak.seed_campaign(args.campaign_units)
    at_kill, after = soak.run_killed_then_again("renewal", args.contracts)
    with soak.phase("renewal: checks"):
        duplicates = soak.check_notices(contract_ids)
    jobs = [("renewal", f"{args.contracts} contracts", at_kill, after, duplicates)]
    at_kill, after = soak.run_killed_then_again("visits", args.plans)
    with soak.phase("visits: checks"):
        duplicates = soak.check_visits(visits)
    size = f"{args.plans} plans, {len(visits)} visits due"
    jobs.append(("visits", size, at_kill, after, duplicates))
    at_kill, after = soak.run_killed_then_again("units", args.units)
    with soak.phase("units: checks"):
        duplicates = soak.check_unit_notices(warranty_ids)
    jobs.append(("units", f"{args.units} units", at_kill, after, duplicates))
    customers = soak.surveyed_customers()
    at_kill, after = soak.run_killed_then_again("surveys", len(customers))
    with soak.phase("surveys: checks"):
        duplicates = soak.check_traces(
            "surveys", "customer", "res_partner", SURVEY_TRACES, customers
        )
    jobs.append(("surveys", f"{len(customers)} customers", at_kill, after, duplicates))
    at_kill, after = soak.run_killed_then_again("complaints", args.complaints)
    with soak.phase("complaints: checks"):
        duplicates = soak.check_traces(
            "complaints",
            "complaint",
            "aftersales_complaint",
            COMPLAINT_TRACES,
            complaint_ids,
        )
    size = f"{args.complaints} complaints"
    jobs.append(("complaints", size, at_kill, after, duplicates))
    with soak.phase("maintenance: seed"):
        lot_ids = soak.seed_maintained_units(args.maintained)
    at_kill, after = soak.run_killed_then_again("maintenance", args.maintained)
    with soak.phase("maintenance: checks"):
        duplicates = soak.check_traces(
            "maintenance", "unit", "stock_lot", MAINTENANCE_TRACES, lot_ids
        )
    size = f"{args.maintained} units due"
    jobs.append(("maintenance", size, at_kill, after, duplicates))
    at_kill, after = soak.run_killed_then_again("campaigns", len(campaign_notice_ids))
    with soak.phase("campaigns: checks"):
        duplicates = soak.check_traces(
            "campaigns",
            "customer notice",
            "aftersales_campaign_notice",
            CAMPAIGN_TRACES,
            campaign_notice_ids,
        )
    size = f"{args.campaign_units} units, {len(campaign_notice_ids)} customers"
    jobs.append(("campaigns", size, at_kill, after, duplicates))
    soak.check_logs()
    soak.report(jobs)
    return 0 if all(ok for _label, ok in soak.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
