"""The add-on under Odoo's prefork server, unchanged: two HTTP workers and
two cron workers on one PostgreSQL. Every scheduled action of the add-on is
doubled (a copy of each job, next to it in priority), so the two cron
workers run each action at the same moment; each record is processed
exactly once."""

import re
import time
from datetime import datetime

from odoo_harness import stop_server

CONTRACTS, TICKETS, PLANS = 1200, 300, 120

SEED = f"""
from datetime import timedelta
from dateutil.relativedelta import relativedelta
from odoo import Command, fields

today = fields.Date.context_today(env.user)
admin = env.ref("base.user_admin")
customer = env["res.partner"].create(
    {{"name": "Prefork Customer", "email": "prefork@example.com"}}
)
level = env.ref("aftersales_service.service_level_standard")
product = env.ref("aftersales_service.product_service_contract")
Contract = env["aftersales.contract"]


def contracts(count, start, end):
    records = Contract.create(
        [
            {{
                "partner_id": customer.id,
                "service_level_id": level.id,
                "product_id": product.id,
                "user_id": admin.id,
                "engineer_id": admin.id,
                "date_start": start,
                "date_end": end,
                "amount": 1000,
            }}
            for __ in range(count)
        ]
    )
    records.action_start()
    return records


# Renewal notices due: contracts that end in three days.
end = today + timedelta(days=3)
due = contracts({CONTRACTS}, end - relativedelta(years=1), end)
# Visits due: approved plans on contracts that started a month ago.
preset = env.ref("aftersales_service.followup_preset_standard")
planned = contracts(
    {PLANS}, today - relativedelta(months=1), today + relativedelta(months=11)
)
plans = env["aftersales.followup.plan"].create(
    [
        {{"contract_id": c.id, "engineer_id": admin.id, "preset_id": preset.id,
          **preset._terms_values()}}
        for c in planned
    ]
)
plans.action_submit()
plans.write({{"approved_by": "Prefork"}})
plans.action_approve()
plans.write({{"approved_on": today - relativedelta(months=1)}})
# Breaches: requests reported three days ago, never acknowledged.
tickets = env["helpdesk.ticket"].create(
    [
        {{"name": f"Prefork alarm {{n}}", "description": "Alarm",
          "partner_id": customer.id, "service_level_id": level.id,
          "reported_at": fields.Datetime.now() - timedelta(days=3)}}
        for n in range({TICKETS})
    ]
)
# Each scheduled action of the add-on twice, side by side, due now; the
# other jobs stay out of the way.
ours = env["ir.model.data"].search(
    [("module", "=", "aftersales_service"), ("model", "=", "ir.cron")]
)
crons = env["ir.cron"].browse(ours.mapped("res_id"))
env["ir.cron"].search([("id", "not in", crons.ids)]).active = False
# Not due yet: the test makes them due once both cron workers listen.
later = fields.Datetime.now() + timedelta(days=1)
pairs = {{}}
for priority, cron in enumerate(crons.sorted("id")):
    twin = cron.copy({{"name": cron.name + " (twin)"}})
    (cron | twin).write({{"active": True, "nextcall": later, "priority": priority}})
    pairs[cron.id] = twin.id
result = {{
    "pairs": pairs,
    "contracts": due.ids,
    "plans": plans.ids,
    "tickets": tickets.ids,
    "partner": customer.id,
}}
"""

CHECK = """
from odoo import fields

today = fields.Date.context_today(env.user)
ids = {seeded!r}
renewal = env.ref("aftersales_service.mail_activity_type_contract_renewal")
breach = env.ref("aftersales_service.mail_activity_type_breach")
contracts = env["aftersales.contract"].browse(ids["contracts"])
mails = dict(env["mail.mail"]._read_group(
    [("model", "=", "aftersales.contract"), ("res_id", "in", contracts.ids),
     # not the emails that tell users of their new activities
     ("message_type", "!=", "user_notification")],
    ["res_id"], ["__count"]))
renewals = dict(env["mail.activity"]._read_group(
    [("res_model", "=", "aftersales.contract"), ("res_id", "in", contracts.ids),
     ("activity_type_id", "=", renewal.id)], ["res_id"], ["__count"]))
breaches = dict(env["mail.activity"]._read_group(
    [("res_model", "=", "helpdesk.ticket"), ("res_id", "in", ids["tickets"]),
     ("activity_type_id", "=", breach.id)], ["res_id"], ["__count"]))
visits, expected = {}, {}
for plan in env["aftersales.followup.plan"].browse(ids["plans"]):
    lead = plan.company_id.aftersales_visit_lead_days
    expected[plan.id] = sorted(
        period for period, kind, day in plan._occurrences()
        if day >= plan.approved_on and fields.Date.subtract(day, days=lead) <= today)
    visits[plan.id] = sorted(plan.inspection_ids.mapped("period"))
visit_activities = dict(env["mail.activity"]._read_group(
    [("res_model", "=", "aftersales.inspection"),
     ("res_id", "in", env["aftersales.inspection"].search(
         [("plan_id", "in", ids["plans"])]).ids)],
    ["res_id"], ["__count"]))
result = {
    "states": sorted(set(contracts.mapped("state"))),
    "mails": sorted(set(mails.get(i, 0) for i in contracts.ids)),
    "renewals": sorted(set(renewals.get(i, 0) for i in contracts.ids)),
    "breaches": sorted(set(breaches.get(i, 0) for i in ids["tickets"])),
    "visits": {str(k): v for k, v in visits.items()},
    "expected": {str(k): v for k, v in expected.items()},
    "visit_activities": sorted(set(visit_activities.values())),
}
"""

JOB = re.compile(
    r"^(\S+ \S+) \d+ INFO \S+ odoo\.addons\.base\.models\.ir_cron: "
    r"Job '.*' \((\d+)\) (starting|fully done|partially done|failed)"
)


def _runs(log):
    """Start and end of each job run, by job id, from the server log."""
    runs = {}
    for line in log.read_text().splitlines():
        if match := JOB.match(line):
            stamp = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
            job_id, what = int(match[2]), match[3]
            if what == "starting":
                runs.setdefault(job_id, []).append([stamp, None])
            else:
                runs[job_id][-1][1] = stamp
    return runs


def test_two_cron_workers_process_each_record_once(odoo_copy):
    seeded = odoo_copy.shell("seed", SEED)
    jobs = [int(job) for pair in seeded["pairs"].items() for job in pair]
    started = odoo_copy.sql("SELECT now()")[0][0]
    server, log = odoo_copy.serve(
        "prefork", "--workers=2", "--max-cron-threads=2", "--limit-time-real=600"
    )
    try:
        # Once both cron workers listen, make every job due and wake them at
        # once, the way Odoo does when a job is triggered.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # Each cron worker listens on its own connection to "postgres".
            listening = odoo_copy.sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = 'postgres' AND backend_start > %s "
                "AND query IN ('LISTEN cron_trigger', 'COMMIT')",
                [started],
            )[0][0]
            if listening >= 2:
                break
            time.sleep(0.5)
        assert listening >= 2, f"the cron workers did not start; see {log}"
        odoo_copy.sql(
            "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' "
            "- interval '1 minute' WHERE id IN %s",
            [tuple(jobs)],
        )
        deadline = time.monotonic() + 600
        while True:
            # On "postgres", where the cron workers listen (as Odoo does);
            # again and again, for a worker busy when one comes.
            odoo_copy.sql(
                "SELECT pg_notify('cron_trigger', %s)", [odoo_copy.db], db="postgres"
            )
            waiting = odoo_copy.sql(
                "SELECT count(*) FROM ir_cron WHERE id IN %s AND nextcall <= now()",
                [tuple(jobs)],
            )[0][0]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert not waiting, f"{waiting} jobs did not run; see {log}"
    finally:
        stop_server(server)
    odoo_copy.check_log(log)

    runs = _runs(log)
    for job in jobs:
        assert runs.get(job), f"job {job} never ran; see {log}"
    # The renewal notices take long enough that both workers are on them at
    # the same moment.
    notices = odoo_copy.sql(
        "SELECT res_id FROM ir_model_data WHERE module = 'aftersales_service' "
        "AND name = 'ir_cron_contract_notices'"
    )[0][0]
    (first_start, first_end), (twin_start, twin_end) = (
        runs[notices][0],
        runs[int(seeded["pairs"][str(notices)])][0],
    )
    assert first_start < twin_end and twin_start < first_end, runs

    found = odoo_copy.shell("check", CHECK.replace("{seeded!r}", repr(seeded)))
    assert found["states"] == ["to_renew"]
    assert found["mails"] == [1], "each contract gets exactly one renewal notice"
    assert found["renewals"] == [1]
    assert found["breaches"] == [1], "each breached request is escalated once"
    assert found["visits"] == found["expected"]
    assert sum(map(len, found["visits"].values())) >= len(seeded["plans"])
    assert found["visit_activities"] == [1]
