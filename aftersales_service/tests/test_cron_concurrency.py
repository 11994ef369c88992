import threading
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.fields import Domain
from odoo.tests import TransactionCase
from odoo.tools import SQL

from odoo.addons.aftersales_service.models import aftersales_locking
from odoo.addons.aftersales_service.models.aftersales_satisfaction_survey import (
    survey_period,
)

MODELS = "odoo.addons.aftersales_service.models."
# The claim itself, kept before the tests patch it where it is called.
CLAIM_ROWS = aftersales_locking.claim_rows
# Seconds a run waits for the other before the test gives up on it.
HOLD = 20


def forget_messages(env, model, ids):
    """Remove what records ``ids`` of ``model`` left in the mail tables:
    their mails, messages, activities and followers."""
    where = [("res_model", "=", model), ("res_id", "in", ids)]
    env["mail.activity"].search(where).unlink()
    env["mail.followers"].search(where).unlink()
    for message_model in ("mail.mail", "mail.message"):
        env[message_model].search(
            [("model", "=", model), ("res_id", "in", ids)]
        ).unlink()


class TestTwoRunsShareTheWork(TransactionCase):
    """Two runs of the same scheduled action at the same moment (two cron
    workers, or a manual run during the scheduled one), each in its own
    transaction: the first claims its first batch and keeps its transaction
    open while the second does the whole job; then the first goes on.
    Every record is processed exactly once, and the second run does not
    wait for the first. The data is committed (the other run must see it)
    and removed afterwards; the runs are limited to it."""

    def setUp(self):
        super().setUp()
        self.contract_ids, self.ticket_ids, self.period_ids = [], [], []
        self.addCleanup(self._remove_committed_data)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            customer = env["res.partner"].create(
                {"name": "Race Cron Customer", "email": "race@example.com"}
            )
            self.partner_id = customer.id
            level = env.ref("aftersales_service.service_level_standard")
            end = fields.Date.context_today(customer) + timedelta(days=3)
            contracts = env["aftersales.contract"].create(
                [
                    {
                        "partner_id": customer.id,
                        "service_level_id": level.id,
                        "product_id": env.ref(
                            "aftersales_service.product_service_contract"
                        ).id,
                        "date_start": end - relativedelta(years=1),
                        "date_end": end,
                        "amount": 1000,
                    }
                    for __ in range(5)
                ]
            )
            contracts.action_start()
            self.contract_ids = contracts.ids
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Race alarm {n}",
                        "description": "Cabinet alarm",
                        "partner_id": customer.id,
                        "service_level_id": level.id,
                        "reported_at": fields.Datetime.now() - timedelta(days=3),
                    }
                    for n in range(5)
                ]
            )
            self.ticket_ids = tickets.ids

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for model, ids in (
                ("aftersales.contract", self.contract_ids),
                ("helpdesk.ticket", self.ticket_ids),
                ("aftersales.service.period", self.period_ids),
            ):
                forget_messages(env, model, ids)
            env["helpdesk.ticket"].browse(self.ticket_ids).unlink()
            # Ended periods stay on file for users.
            if self.period_ids:
                cr.execute(
                    "DELETE FROM aftersales_service_period WHERE id IN %s",
                    [tuple(self.period_ids)],
                )
            # Started contracts can't be deleted by users.
            if self.contract_ids:
                cr.execute(
                    "DELETE FROM aftersales_contract WHERE id IN %s",
                    [tuple(self.contract_ids)],
                )
            env["res.partner"].browse(self.partner_id).unlink()

    def _race(self, model, method, module, **kwargs):
        """Run ``model.method(**kwargs)`` twice at once as described above.
        Returns the ids each run claimed, and whether the second run was
        done while the first still held its batch."""
        held, second_done = threading.Event(), threading.Event()
        claimed = {"first": [], "second": []}
        outcome = {}

        def claiming(records):
            taken = CLAIM_ROWS(records)
            name = threading.current_thread().name
            claimed[name] += taken.ids
            if name == "first" and taken and not held.is_set():
                held.set()
                outcome["second_done_meanwhile"] = second_done.wait(HOLD)
            return taken

        def run(before=None):
            name = threading.current_thread().name
            if before:
                before.wait(HOLD)
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    getattr(env[model], method)(**kwargs)
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome[name] = error
            finally:
                held.set()
                if name == "second":
                    second_done.set()

        # Rows the other run holds or changed are skipped, not bad queries:
        # the log stays clean.
        with (
            patch(f"{MODELS}{module}.claim_rows", claiming),
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
        ):
            threads = [
                threading.Thread(target=run, name="first"),
                threading.Thread(target=run, name="second", args=(held,)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(3 * HOLD)
        self.assertNotIn("first", outcome)
        self.assertNotIn("second", outcome)
        return claimed, outcome.get("second_done_meanwhile")

    def test_a_changed_row_leaves_the_rest_of_its_batch_claimable(self):
        """A run whose snapshot is older than another transaction's change to
        one row of its batch is refused that row only: it still claims the
        others, which nobody else processed."""
        first, *others = self.contract_ids[:3]
        with self.registry.cursor() as late, self.registry.cursor() as other:
            late.execute("SELECT 1")  # the late run's snapshot starts here
            other.execute(
                "UPDATE aftersales_contract SET write_date = now() WHERE id = %s",
                [first],
            )
            other.commit()
            contracts = api.Environment(late, SUPERUSER_ID, {})["aftersales.contract"]
            with self.assertNoLogs("odoo.sql_db", level="ERROR"):
                claimed = CLAIM_ROWS(contracts.browse([first, *others]))
            self.assertEqual(claimed.ids, others)

    def test_rows_another_run_never_committed_are_left_for_a_rerun(self):
        """A run skips the rows another run holds; when that run stops
        without committing them (a worker killed), they are still due at
        the end: the run reports them as remaining, so the scheduler runs
        the action again at once instead of leaving them to the next day."""
        ids = self.contract_ids
        progress = []

        def recording(env, processed, remaining):
            progress.append((processed, remaining))
            return True

        with self.registry.cursor() as killed, self.registry.cursor() as run:
            held = CLAIM_ROWS(
                api.Environment(killed, SUPERUSER_ID, {})["aftersales.contract"].browse(
                    ids[:2]
                )
            )
            self.assertEqual(held.ids, ids[:2])
            contracts = api.Environment(run, SUPERUSER_ID, {})["aftersales.contract"]
            with (
                patch(f"{MODELS}aftersales_locking.commit_progress", recording),
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
            ):
                aftersales_locking.run_in_batches(
                    contracts, [("id", "in", ids)], lambda records: None, 2
                )
            killed.rollback()
            run.rollback()
        self.assertEqual(sum(processed for processed, __ in progress), 3)
        self.assertEqual(progress[-1], (0, 2))

    def test_renewal_notices(self):
        Contract = type(self.env["aftersales.contract"])
        ids = self.contract_ids

        def only_the_race(method):
            def domain(self, today):
                return [*method(self, today), ("id", "in", ids)]

            return domain

        with (
            patch.object(
                Contract,
                "_renewal_notice_domain",
                only_the_race(Contract._renewal_notice_domain),
            ),
            patch.object(
                Contract,
                "_expiry_notice_domain",
                only_the_race(Contract._expiry_notice_domain),
            ),
        ):
            claimed, meanwhile = self._race(
                "aftersales.contract",
                "_cron_send_notices",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertEqual(len(claimed["first"]), 2)
        self.assertEqual(sorted(claimed["first"] + claimed["second"]), sorted(ids))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            contracts = env["aftersales.contract"].browse(ids)
            self.assertEqual(set(contracts.mapped("state")), {"to_renew"})
            mails = env["mail.mail"]._read_group(
                [
                    ("model", "=", "aftersales.contract"),
                    ("res_id", "in", ids),
                    ("message_type", "!=", "user_notification"),
                ],
                ["res_id"],
                ["__count"],
            )
            self.assertEqual(sorted(mails), [(cid, 1) for cid in sorted(ids)])

    def test_unit_warranty_notices(self):
        """Two weeks of one customer's units, taken two at a time: the runs
        never notify a unit twice nor split a week; a week one run left to
        the other is whole at the next run."""
        ids = self._committed_units()
        Warranty = type(self.env["aftersales.warranty"])
        notice_domain = Warranty._notice_domain

        def only_the_race(self, kind, today):
            return notice_domain(self, kind, today) & Domain("id", "in", ids)

        with patch.object(Warranty, "_notice_domain", only_the_race):
            claimed, meanwhile = self._race(
                "aftersales.warranty.notice",
                "_cron_send_notices",
                "aftersales_locking",
                batch_size=2,
            )
            self.assertTrue(meanwhile, "the second run waited for the first")
            self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
            self.assertEqual(self._units_noticed(ids), {0, 1})
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["aftersales.warranty.notice"]._cron_send_notices()
        self.assertEqual(self._units_noticed(ids), {1})
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            notices = env["aftersales.warranty"].browse(ids).renewal_notice_id
            self.assertEqual(
                sorted(len(notice.warranty_ids) for notice in notices), [3, 3]
            )
            mails = env["mail.mail"].search_count(
                [("model", "=", notices._name), ("res_id", "in", notices.ids)]
            )
            self.assertEqual(mails, 2)

    def _units_noticed(self, ids):
        """How many renewal notices each unit got, as a set of counts."""
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT w.id, count(r.notice_id)
                     FROM aftersales_warranty w
                     LEFT JOIN aftersales_warranty_notice_rel r
                       ON r.warranty_id = w.id
                    WHERE w.id IN %s
                 GROUP BY w.id""",
                [tuple(ids)],
            )
            return {count for __, count in cr.fetchall()}

    def _committed_units(self):
        """Six accepted units of the race's customer, committed: three end
        tomorrow and three a week later."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {"name": "Race Panel", "type": "consu", "tracking": "serial"}
            )
            self.addCleanup(self._remove_units, product.id)
            lots = env["stock.lot"].create(
                [{"name": f"RACE-UNIT-{n}", "product_id": product.id} for n in range(6)]
            )
            warranties = env["aftersales.warranty"].create(
                [
                    {
                        "lot_id": lot.id,
                        "partner_id": self.partner_id,
                        "duration": 1,
                        "period": "year",
                    }
                    for lot in lots
                ]
            )
            today = fields.Date.context_today(product)
            for week, units in enumerate((warranties[:3], warranties[3:])):
                end = today + timedelta(days=1 + 7 * week)
                units.record_acceptance(end - relativedelta(years=1), "Race")
            return warranties.ids

    def _remove_units(self, product_id):
        """The race's units, their notices, offers and mails."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warranties = env["aftersales.warranty"].search(
                [("product_id", "=", product_id)]
            )
            notices = env["aftersales.warranty.notice"].search(
                [("warranty_ids", "in", warranties.ids)]
            )
            for model, ids in (
                (notices._name, notices.ids),
                (warranties._name, warranties.ids),
            ):
                forget_messages(env, model, ids)
            notices.sale_order_id.unlink()
            # Sent notices and accepted warranties can't be deleted by users.
            for table, ids in (
                ("aftersales_contract", notices.contract_id.ids),
                ("aftersales_warranty_notice", notices.ids),
                ("aftersales_warranty", warranties.ids),
            ):
                if ids:
                    cr.execute(f"DELETE FROM {table} WHERE id IN %s", [tuple(ids)])
            env["stock.lot"].search([("product_id", "=", product_id)]).unlink()
            env["product.product"].browse(product_id).unlink()

    def test_satisfaction_surveys(self):
        """Five customers' surveys of the period, recorded, then sent two at
        a time by two runs: each customer gets exactly one survey and one
        mail, and the runs never hold the customers or their contracts."""
        partner_ids = self._committed_customers(5)
        Survey = type(self.env["aftersales.satisfaction.survey"])
        due = Survey._customers_due

        def only_the_race(self, company, start):
            return due(self, company, start).filtered(lambda p: p.id in partner_ids)

        with patch.object(Survey, "_customers_due", only_the_race):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                company = env.company
                start, end = survey_period(
                    fields.Date.context_today(company.partner_id),
                    company.aftersales_survey_frequency,
                )
                env["aftersales.satisfaction.survey"]._record_period(
                    company, start, end
                )
                ids = (
                    env["aftersales.satisfaction.survey"]
                    .search([("partner_id", "in", partner_ids)])
                    .ids
                )
            claimed, meanwhile = self._race(
                "aftersales.satisfaction.survey",
                "_cron_send_surveys",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
        self.assertEqual(sorted(claimed["first"] + claimed["second"]), sorted(ids))
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT s.partner_id, count(DISTINCT s.id), count(mm.id),
                          count(DISTINCT s.user_input_id)
                     FROM aftersales_satisfaction_survey s
                     LEFT JOIN mail_message m
                       ON m.model = 'aftersales.satisfaction.survey'
                      AND m.res_id = s.id
                     LEFT JOIN mail_mail mm ON mm.mail_message_id = m.id
                    WHERE s.partner_id IN %s
                 GROUP BY s.partner_id""",
                [tuple(partner_ids)],
            )
            self.assertEqual(sorted(cr.fetchall()), [(p, 1, 1, 1) for p in partner_ids])

    def test_satisfaction_surveys_recorded_at_the_same_time(self):
        """Two runs record the period's surveys at the same moment: the one
        that comes second records none, without an error, and each customer
        has one survey."""
        partner_ids = self._committed_customers(3)
        Survey = type(self.env["aftersales.satisfaction.survey"])
        due = Survey._customers_due

        def only_the_race(self, company, start):
            return due(self, company, start).filtered(lambda p: p.id in partner_ids)

        with (
            patch.object(Survey, "_customers_due", only_the_race),
            self.registry.cursor() as late_cr,
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
        ):
            late = api.Environment(late_cr, SUPERUSER_ID, {})
            company = late.company
            start, end = survey_period(
                fields.Date.context_today(company.partner_id),
                company.aftersales_survey_frequency,
            )
            # The late run's snapshot is taken before the other one commits.
            late_cr.execute("SELECT 1")
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["aftersales.satisfaction.survey"]._record_period(
                    company.with_env(env), start, end
                )
            late["aftersales.satisfaction.survey"]._record_period(company, start, end)
            late_cr.commit()
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT partner_id, count(*) FROM aftersales_satisfaction_survey
                    WHERE partner_id IN %s GROUP BY partner_id""",
                [tuple(partner_ids)],
            )
            self.assertEqual(sorted(cr.fetchall()), [(p, 1) for p in partner_ids])

    def _committed_customers(self, count):
        """``count`` customers with a running contract each, committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            customers = env["res.partner"].create(
                [
                    {"name": f"Race Survey Customer {n}", "email": f"rs{n}@example.com"}
                    for n in range(count)
                ]
            )
            self.addCleanup(self._remove_surveys, customers.ids)
            today = fields.Date.context_today(customers)
            contracts = env["aftersales.contract"].create(
                [
                    {
                        "partner_id": customer.id,
                        "service_level_id": env.ref(
                            "aftersales_service.service_level_standard"
                        ).id,
                        "date_start": today - timedelta(days=10),
                        "date_end": today + timedelta(days=300),
                    }
                    for customer in customers
                ]
            )
            contracts.action_start()
            return customers.ids

    def _remove_surveys(self, partner_ids):
        """The race's customers, their contracts, surveys and mails."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            surveys = env["aftersales.satisfaction.survey"].search(
                [("partner_id", "in", partner_ids)]
            )
            answers = surveys.user_input_id
            forget_messages(env, surveys._name, surveys.ids)
            # Sent surveys and started contracts can't be deleted by users.
            if surveys:
                cr.execute(
                    "DELETE FROM aftersales_satisfaction_survey WHERE id IN %s",
                    [tuple(surveys.ids)],
                )
            answers.unlink()
            contracts = env["aftersales.contract"].search(
                [("partner_id", "in", partner_ids)]
            )
            env["mail.message"].search(
                [("model", "=", contracts._name), ("res_id", "in", contracts.ids)]
            ).unlink()
            cr.execute(
                "DELETE FROM aftersales_contract WHERE id IN %s",
                [tuple(contracts.ids)],
            )
            env["res.partner"].browse(partner_ids).unlink()

    def test_breach_escalations(self):
        escalated = self._race_escalations("helpdesk.ticket", self.ticket_ids)
        self.assertEqual(
            [(tid, count) for tid, __, count in escalated],
            [(tid, 1) for tid in self.ticket_ids],
        )

    def _race_escalations(self, model, ids):
        """Race the breach escalation of ``model``'s records ``ids`` (and no
        other); check each was claimed by one run. Returns (id, escalated
        phases, breach activities) for each, as committed."""
        Model = type(self.env[model])
        breach_domain = Model._breach_domain

        def only_the_race(self, now):
            return [*breach_domain(self, now), ("id", "in", ids)]

        with patch.object(Model, "_breach_domain", only_the_race):
            claimed, meanwhile = self._race(
                model, "_cron_escalate_breaches", "aftersales_locking", batch_size=2
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertEqual(sorted(set(claimed["first"] + claimed["second"])), ids)
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")
        table = self.env[model]._table
        with self.registry.cursor() as cr:
            cr.execute(
                f"""SELECT r.id, r.escalated_phases, count(a.id)
                      FROM {table} r
                      LEFT JOIN mail_activity a
                        ON a.res_model = %s AND a.res_id = r.id
                       AND a.activity_type_id = %s
                     WHERE r.id IN %s
                  GROUP BY r.id""",
                [model, breach.id, tuple(ids)],
            )
            return sorted(cr.fetchall())

    def test_ended_service_periods(self):
        """Five special service periods of the race's customer that ended:
        each is ended (its kit released) by one run only."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            now = fields.Datetime.now()
            periods = env["aftersales.service.period"].create(
                [
                    {
                        "event": f"Race meeting {n}",
                        "contract_id": self.contract_ids[0],
                        "site_ids": [(6, 0, [self.partner_id])],
                        "service_level_id": env.ref(
                            "aftersales_service.service_level_premium"
                        ).id,
                        "date_start": now - timedelta(days=2 * n + 2),
                        "date_end": now - timedelta(days=2 * n + 1),
                        "state": "approved",
                    }
                    for n in range(5)
                ]
            )
            self.period_ids = periods.ids
        Period = type(self.env["aftersales.service.period"])
        ids = self.period_ids
        ended_domain = Period._ended_domain

        def only_the_race(self, now):
            return [*ended_domain(self, now), ("id", "in", ids)]

        with patch.object(Period, "_ended_domain", only_the_race):
            claimed, meanwhile = self._race(
                "aftersales.service.period",
                "_cron_end_periods",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
        self.assertEqual(sorted(claimed["first"] + claimed["second"]), ids)
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT p.id, p.state, count(m.id)
                     FROM aftersales_service_period p
                     LEFT JOIN mail_message m
                       ON m.model = 'aftersales.service.period' AND m.res_id = p.id
                      AND m.body::text LIKE '%%kit is released%%'
                    WHERE p.id IN %s
                 GROUP BY p.id, p.state""",
                [tuple(ids)],
            )
            self.assertEqual(sorted(cr.fetchall()), [(pid, "done", 1) for pid in ids])

    def test_spare_floors(self):
        """Both runs compute the floors of every company; each warehouse's
        rules are written by one of them only."""
        claimed, meanwhile = self._race(
            "stock.warehouse.orderpoint",
            "_aftersales_update_spare_floors",
            "stock_warehouse_orderpoint",
        )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
        warehouses = self.env["stock.warehouse"].search(
            [("aftersales_spare_location_id", "!=", False)]
        )
        self.assertEqual(
            sorted(claimed["first"] + claimed["second"]), sorted(warehouses.ids)
        )

    def test_complaint_escalations(self):
        """Q2: late complaints are escalated once per phase, whichever run
        takes them."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ids = (
                env["aftersales.complaint"]
                .create(
                    [
                        {
                            "partner_id": self.partner_id,
                            "description": f"Late engineer {n}",
                            "received_at": fields.Datetime.now() - timedelta(days=30),
                        }
                        for n in range(5)
                    ]
                )
                .ids
            )
        self.addCleanup(self._remove_complaints, ids)
        escalated = self._race_escalations("aftersales.complaint", ids)
        self.assertEqual(escalated, [(cid, "answer,resolve", 1) for cid in ids])

    def _remove_complaints(self, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            forget_messages(env, "aftersales.complaint", ids)
            cr.execute("DELETE FROM aftersales_complaint WHERE id IN %s", [tuple(ids)])

    def test_maintenance_visits(self):
        """M1: units due for maintenance, taken two at a time by two runs:
        each unit gets its maintenance visit and its reminder exactly once."""
        ids = self._committed_maintenance_units()
        Lot = type(self.env["stock.lot"])
        due_domain = Lot._maintenance_due_domain

        def only_the_race(self):
            return [*due_domain(self), ("id", "in", ids)]

        with patch.object(Lot, "_maintenance_due_domain", only_the_race):
            claimed, meanwhile = self._race(
                "stock.lot",
                "_cron_schedule_maintenance",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
        self.assertEqual(sorted(claimed["first"] + claimed["second"]), sorted(ids))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            visits = env["aftersales.inspection"].search(
                [("maintenance_lot_id", "in", ids)]
            )
            self.assertEqual(sorted(visits.maintenance_lot_id.ids), sorted(ids))
            self.assertEqual(len(visits), len(ids))
            mails = env["mail.mail"]._read_group(
                [("model", "=", "stock.lot"), ("res_id", "in", ids)],
                ["res_id"],
                ["__count"],
            )
            self.assertEqual(sorted(mails), [(lot_id, 1) for lot_id in sorted(ids)])

    def _committed_maintenance_units(self):
        """Five units of the race customer's first contract whose meters
        passed their maintenance interval yesterday; the contract's
        follow-up plan is approved."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {
                    "name": "Race Maintained Cabinet",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial",
                    "aftersales_maintenance_step_ids": [
                        Command.create(
                            {
                                "name": "Race maintenance",
                                "interval_months": 6,
                                "interval_meter": 20,
                            }
                        )
                    ],
                }
            )
            lots = env["stock.lot"].create(
                [{"name": f"RACE-MNT-{n}", "product_id": product.id} for n in range(5)]
            )
            today = fields.Date.context_today(product)
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
            contract = env["aftersales.contract"].browse(self.contract_ids[0])
            contract.lot_ids = [Command.set(lots.ids)]
            plan = env["aftersales.followup.plan"].create(
                {
                    "contract_id": contract.id,
                    "engineer_id": env.ref("base.user_admin").id,
                    "pre_expiry_days": 10,
                }
            )
            plan.action_submit()
            plan.approved_by = "Race"
            plan.action_approve()
        self.addCleanup(self._remove_maintenance, product.id, lots.ids, plan.id)
        return lots.ids

    def _remove_maintenance(self, product_id, lot_ids, plan_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            visits = env["aftersales.inspection"].search([("plan_id", "=", plan_id)])
            for model, ids in (
                ("stock.lot", lot_ids),
                ("aftersales.inspection", visits.ids),
            ):
                forget_messages(env, model, ids)
            visits.unlink()
            # Approved plans stay on file for users.
            cr.execute("DELETE FROM aftersales_followup_plan WHERE id = %s", [plan_id])
            env["aftersales.contract"].browse(self.contract_ids[0]).lot_ids = [
                Command.clear()
            ]
            env["stock.lot"].browse(lot_ids).unlink()
            env["product.product"].browse(product_id).unlink()

    def test_campaign_notices(self):
        """A campaign launched over five customers' units, its notices sent
        two at a time by two runs: each customer gets one notice and one
        mail, and each of their units is marked notified once."""
        notice_ids = self._committed_campaign(5)
        Notice = type(self.env["aftersales.campaign.notice"])
        pending = Notice._pending_domain

        def only_the_race(self):
            return [*pending(self), ("id", "in", notice_ids)]

        with patch.object(Notice, "_pending_domain", only_the_race):
            claimed, meanwhile = self._race(
                "aftersales.campaign.notice",
                "_cron_send_notices",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertFalse(set(claimed["first"]) & set(claimed["second"]))
        self.assertEqual(
            sorted(claimed["first"] + claimed["second"]), sorted(notice_ids)
        )
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT n.id, n.state, count(DISTINCT mm.id),
                          count(DISTINCT l.id) FILTER (WHERE l.state = 'notified')
                     FROM aftersales_campaign_notice n
                     JOIN aftersales_campaign_line l ON l.notice_id = n.id
                     LEFT JOIN mail_message m
                       ON m.model = 'aftersales.campaign.notice' AND m.res_id = n.id
                     LEFT JOIN mail_mail mm ON mm.mail_message_id = m.id
                    WHERE n.id IN %s
                 GROUP BY n.id, n.state""",
                [tuple(notice_ids)],
            )
            self.assertEqual(
                sorted(cr.fetchall()), [(n, "sent", 1, 2) for n in sorted(notice_ids)]
            )

    def _committed_campaign(self, customers):
        """A firmware campaign launched over two units of each of
        ``customers`` customers, committed; return its notices' ids."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Race Campaign Customer {n}",
                        "email": f"rc{n}@example.com",
                    }
                    for n in range(customers)
                ]
            )
            product = env["product.product"].create(
                {"name": "Race Controller", "type": "consu", "tracking": "serial"}
            )
            self.addCleanup(self._remove_campaign, product.id, partners.ids)
            lots = env["stock.lot"].create(
                [
                    {"name": f"RACE-CTRL-{n}", "product_id": product.id}
                    for n in range(2 * customers)
                ]
            )
            env["aftersales.warranty"].create(
                [
                    {
                        "lot_id": lot.id,
                        "partner_id": partners[n % customers].id,
                        "duration": 1,
                        "period": "year",
                    }
                    for n, lot in enumerate(lots)
                ]
            )
            campaign = env["aftersales.campaign"].create(
                {
                    "title": "Race firmware",
                    "product_id": product.id,
                    "notice": "Race firmware",
                }
            )
            campaign.action_launch()
            return campaign.notice_ids.ids

    def _remove_campaign(self, product_id, partner_ids):
        """The race's campaign, its units, notices and mails."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            campaigns = env["aftersales.campaign"].search(
                [("product_id", "=", product_id)]
            )
            notices = campaigns.notice_ids
            for model, ids in (
                (notices._name, notices.ids),
                (campaigns._name, campaigns.ids),
            ):
                forget_messages(env, model, ids)
            # Launched campaigns and their units are kept on file for users.
            if campaigns:
                cr.execute(
                    "DELETE FROM aftersales_campaign WHERE id IN %s",
                    [tuple(campaigns.ids)],
                )
            cr.execute(
                "DELETE FROM aftersales_warranty WHERE lot_id IN"
                " (SELECT id FROM stock_lot WHERE product_id = %s)",
                [product_id],
            )
            env.invalidate_all()
            env["stock.lot"].search([("product_id", "=", product_id)]).unlink()
            env["product.product"].browse(product_id).unlink()
            env["res.partner"].browse(partner_ids).unlink()


class TestBatchesReadTheirOwnRows(TransactionCase):
    """A scheduled action over many due rows: each batch's queries carry its
    own rows only. A batch that selected the next rows by leaving out every
    row seen so far would grow with the run, and the whole run with the
    square of the due rows."""

    def test_no_query_grows_with_the_batches_before_it(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Batch Probe {n:02d}"} for n in range(30)]
        )
        self.env.flush_all()
        sizes, done = [], []
        execute = type(self.env.cr).execute

        def measured(cr, query, params=None, log_exceptions=True):
            sizes.append(
                sum(
                    len(param) if isinstance(param, (tuple, list)) else 1
                    for param in (query.params if isinstance(query, SQL) else params)
                    or ()
                )
            )
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", measured):
            aftersales_locking.run_in_batches(
                self.env["res.partner"],
                [("name", "=like", "Batch Probe %")],
                lambda records: done.extend(records.ids),
                3,
            )
        self.assertEqual(done, partners.ids)
        self.assertLessEqual(max(sizes), 3 + 5)
