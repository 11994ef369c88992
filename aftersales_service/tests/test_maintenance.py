import math
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import SIGNATURE, DispatchCase


class MaintenanceCase(DispatchCase):
    """The cabinet's programme: every 6 months or 2,000 operating hours,
    and a yearly deep inspection for key units; units accepted 180 days
    ago under a running contract with an approved follow-up plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.aftersales_visit_lead_days = 7
        cls.env.company.aftersales_maintenance_reminder_days = 14
        cls.cabinet = cls._create_product("Maintained Cabinet", duration=2)
        cls.step, cls.deep = cls.env["aftersales.maintenance.step"].create(
            [
                {
                    "product_tmpl_id": cls.cabinet.product_tmpl_id.id,
                    "sequence": 1,
                    "name": "6-Monthly Maintenance",
                    "interval_months": 6,
                    "interval_meter": 2000,
                    "duration_hours": 4,
                    "checklist": "<p>Clean the filters</p>",
                },
                {
                    "product_tmpl_id": cls.cabinet.product_tmpl_id.id,
                    "sequence": 2,
                    "name": "Yearly Deep Inspection",
                    "interval_months": 12,
                    "key_units_only": True,
                },
            ]
        )
        cls.accepted_on = cls._days_ago(180)
        cls.units = cls._accepted_warranties(
            cls.cabinet, ["MNT-001", "MNT-002"], 180
        ).lot_id
        cls.contract = cls._running_contract(cls.units, engineer_id=cls.engineer.id)
        cls.plan = cls.env["aftersales.followup.plan"].create(
            {
                "contract_id": cls.contract.id,
                "engineer_id": cls.engineer.id,
                "quarterly_inspections": True,
                "pre_expiry_days": 10,
            }
        )
        cls.plan.action_submit()
        cls.plan.approved_by = "Zhang Wei"
        cls.plan.action_approve()
        cls.portal = new_test_user(
            cls.env, login="as_mnt_portal", groups="base.group_portal"
        )
        cls.portal.partner_id.parent_id = cls.customer
        cls.stranger = new_test_user(
            cls.env, login="as_mnt_stranger", groups="base.group_portal"
        )
        cls.manager = new_test_user(
            cls.env,
            login="as_mnt_manager",
            groups="aftersales_service.group_aftersales_manager",
        )

    def _read(self, unit, value, days_ago, **values):
        return self.env["aftersales.meter.reading"].create(
            {
                "lot_id": unit.id,
                "value": value,
                "reading_date": self._days_ago(days_ago),
                **values,
            }
        )

    def _maintenance_visits(self, units=None):
        return self.env["aftersales.inspection"].search(
            [("maintenance_lot_id", "in", (units or self.units).ids)]
        )


class TestMaintenanceCycle(MaintenanceCase):
    def test_next_maintenance_by_date_and_key_units(self):
        unit, key = self.units
        key.aftersales_key_unit = True
        six_months = self.accepted_on + relativedelta(months=6)
        self.assertEqual(unit.aftersales_next_maintenance_date, six_months)
        self.assertEqual(unit.aftersales_next_maintenance_step_id, self.step)
        self.assertFalse(unit.aftersales_last_maintenance_date)
        # Only the key unit gets the deep inspection.
        self.assertEqual(unit._maintenance_steps(), self.step)
        self.assertEqual(key._maintenance_steps(), self.step | self.deep)

    def test_next_maintenance_by_projected_meter(self):
        unit = self.units[0]
        # 20 hours a day since acceptance: 2,000 hours after 100 days.
        self._read(unit, 0, 180)
        self._read(unit, 1500, 105)
        self.assertEqual(unit.aftersales_meter_per_day, 20)
        self.assertEqual(
            unit.aftersales_next_maintenance_date, self.accepted_on + timedelta(100)
        )
        # A new meter starts again: the use is counted on it alone.
        self._read(unit, 10, 95, meter_replaced=True)
        self._read(unit, 110, 85)
        self.assertEqual(unit.aftersales_meter_per_day, 10)

    def test_scheduled_action_reminds_and_plans_once_per_unit_and_step(self):
        unit, other = self.units
        self._read(unit, 0, 180)
        self._read(unit, 1950, 2)  # 2,000 hours in about 4 days
        self.assertEqual(unit.aftersales_maintenance_due_date, self._days_ago(-2))
        # The other unit's 6 months fall within the week.
        self.assertEqual(
            other.aftersales_maintenance_due_date,
            self.accepted_on + relativedelta(months=6),
        )
        Lot = self.env["stock.lot"]
        Lot._cron_schedule_maintenance()
        Lot._cron_schedule_maintenance()
        visit = self._maintenance_visits()
        self.assertEqual(len(visit), 2, "one visit per unit and due step")
        self.assertEqual(visit.maintenance_step_id, self.step)
        self.assertEqual(visit.engineer_id, self.engineer)
        self.assertEqual(visit.plan_id, self.plan)
        self.assertEqual(set(visit.mapped("kind")), {"maintenance"})
        self.assertTrue(visit.activity_ids)
        self.assertEqual(
            unit.aftersales_next_maintenance_date,
            self._maintenance_visits(unit).scheduled_date,
        )
        # Each customer reminder went once.
        mails = self.env["mail.mail"].search(
            [("model", "=", "stock.lot"), ("res_id", "in", self.units.ids)]
        )
        self.assertEqual(len(mails), 2)
        self.assertEqual(mails.recipient_ids, self.customer)
        # The visit done starts the next cycle from its day.
        visit = self._maintenance_visits(unit)
        visit.write(
            {"check_maintenance": True, "signer_name": "Wang", "signature": SIGNATURE}
        )
        visit.action_done()
        self.assertEqual(unit.aftersales_last_maintenance_date, self._today())
        self.assertFalse(unit.aftersales_maintenance_reminded)
        self.assertGreater(unit.aftersales_next_maintenance_date, self._today())

    def test_the_reminder_goes_before_the_visit(self):
        unit = self.units[0]
        self.env.company.aftersales_visit_lead_days = 0
        self.env["stock.lot"]._cron_schedule_maintenance()
        self.assertFalse(self._maintenance_visits())
        self.assertTrue(unit.aftersales_maintenance_reminded)
        # New readings move the day: the same maintenance, reminded once.
        due = unit.aftersales_maintenance_due_date
        self._read(unit, 0, 180)
        self._read(unit, 1990, 1)
        self.assertNotEqual(unit.aftersales_maintenance_due_date, due)
        self.assertTrue(unit.aftersales_maintenance_reminded)

    def test_query_count_does_not_grow_with_units_not_due(self):
        """The daily run reads the due units only: a thousand units not due
        cost it nothing."""
        Lot = self.env["stock.lot"]
        self._read(self.units[0], 0, 180)
        self._read(self.units[0], 1990, 1)
        self.env.company.aftersales_maintenance_reminder_days = 0
        counts = []
        # A first pass warms the caches (templates, sequences).
        for batch in (0, 3, 30):
            lots = self._stock_serials(
                self.cabinet, [f"MNT-ND-{batch}-{n}" for n in range(batch)]
            )
            horizon = self._days_ago(-30)
            self.assertTrue(
                all(d > horizon for d in lots.mapped("aftersales_maintenance_due_date"))
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Lot._cron_schedule_maintenance()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            # The same units due again at the next pass.
            self._maintenance_visits().unlink()
        self.assertEqual(counts[1], counts[2])
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=63):
            Lot._cron_schedule_maintenance()

    def test_monthly_inspection_preset(self):
        preset = self.env.ref("aftersales_service.followup_preset_monthly")
        plan = self.env["aftersales.followup.plan"].new(
            {"contract_id": self.contract.id, **preset._terms_values()}
        )
        kinds = [kind for __, kind, __ in plan._occurrences()]
        self.assertEqual(set(kinds), {"monthly"})
        self.assertEqual(len(kinds), 10)


class TestMaintenanceBadInput(MaintenanceCase):
    def test_meter_readings(self):
        unit = self.units[0]
        self._read(unit, 1000, 10)
        Reading = self.env["aftersales.meter.reading"]
        with self.assertRaisesText(ValidationError, "lower than the last one"):
            self._read(unit, 900, 5)
        with self.assertRaisesText(ValidationError, "higher than a later one"):
            self._read(unit, 1200, 20)
        with self.assertRaisesText(ValidationError, "in the future"):
            self._read(unit, 1100, -1)
        with self.assertRaisesText(ValidationError, "negative"):
            self._read(unit, -5, 1, meter_replaced=True)
        with self.assertRaises(ValidationError):
            self._read(unit, math.nan, 1)
        with self.assertRaises(ValidationError):
            self._read(unit, math.inf, 1)
        self.assertEqual(Reading.search_count([("lot_id", "=", unit.id)]), 1)
        # A new meter starts again from a lower value.
        self._read(unit, 5, 1, meter_replaced=True)
        self.assertEqual(Reading.search_count([("lot_id", "=", unit.id)]), 2)

    def test_intervals(self):
        Step = self.env["aftersales.maintenance.step"]
        base = {"product_tmpl_id": self.cabinet.product_tmpl_id.id, "name": "Bad"}
        for values in (
            {"interval_months": 0},
            {"interval_months": -6},
            {"interval_months": 6, "interval_meter": -1},
            {"interval_months": 6, "interval_meter": math.nan},
            {"interval_months": 6, "interval_meter": math.inf},
            {"interval_months": 6, "duration_hours": -2},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Step.create({**base, **values})
        with self.assertRaises(ValidationError):
            self.step.interval_months = 0
        self.assertEqual(self.step.interval_months, 6)
        self.assertFalse(Step.search([("name", "=", "Bad")]))

    def test_reminder_days_setting(self):
        with self.assertRaises(ValidationError):
            self.env.company.aftersales_maintenance_reminder_days = -1


class TestMaintenanceAccess(MaintenanceCase):
    def test_the_customer_enters_readings_for_their_own_units_only(self):
        unit = self.units[0]
        warranty = unit.warranty_id
        Reading = self.env["aftersales.meter.reading"]
        reading = Reading.with_user(self.portal)._create_from_portal(
            warranty.id, "1234.5", str(self._days_ago(1))
        )
        self.assertEqual(reading.sudo().lot_id, unit)
        self.assertEqual(reading.sudo().source, "portal")
        self.assertEqual(reading.sudo().read_by_id, self.portal)
        with self.assertRaises(AccessError):
            Reading.with_user(self.stranger)._create_from_portal(warranty.id, "2000")
        with self.assertRaisesText(UserError, "as a number"):
            Reading.with_user(self.portal)._create_from_portal(warranty.id, "lots")
        with self.assertRaisesText(ValidationError, "lower than the last one"):
            Reading.with_user(self.portal)._create_from_portal(warranty.id, "10")
        Reading.with_user(self.portal)._create_from_portal(
            warranty.id, "10", meter_replaced=True
        )
        # Not through the ORM either, whatever unit it names.
        with self.assertRaises(AccessError):
            Reading.with_user(self.portal).create({"lot_id": unit.id, "value": 2000})
        with self.assertRaises(AccessError):
            Reading.with_user(self.portal).search([])
        self.assertEqual(Reading.search_count([("lot_id", "=", unit.id)]), 2)

    def test_roles(self):
        unit = self.units[0]
        Reading = self.env["aftersales.meter.reading"]
        reading = Reading.with_user(self.engineer).create(
            {"lot_id": unit.id, "value": 100}
        )
        self.assertEqual(reading.read_by_id, self.engineer)
        # Engineers enter readings; the back office corrects them.
        with self.assertRaises(AccessError):
            reading.with_user(self.engineer).value = 120
        reading.with_user(self.back_office).value = 120
        with self.assertRaises(AccessError):
            reading.with_user(self.back_office).unlink()
        # The programme is the managers'.
        with self.assertRaises(AccessError):
            self.step.with_user(self.back_office).interval_months = 3
        self.step.with_user(self.manager).interval_months = 3
        # What the scheduled action stamps is not written by hand.
        with self.assertRaisesText(UserError, "set by its actions"):
            unit.with_user(self.manager).aftersales_maintenance_reminded = True
        self.env["stock.lot"]._cron_schedule_maintenance()
        visit = self._maintenance_visits(unit)
        self.assertTrue(visit)
        with self.assertRaisesText(UserError, "set by its actions"):
            visit.with_user(self.back_office).maintenance_lot_id = unit

    def test_unit_without_a_plan_is_reminded_not_planned(self):
        self.plan.action_draft()
        self._read(self.units[0], 0, 180)
        self._read(self.units[0], 1990, 1)
        self.env["stock.lot"]._cron_schedule_maintenance()
        self.assertFalse(self._maintenance_visits())
        self.assertTrue(self.units[0].aftersales_maintenance_reminded)

    def test_maintenance_report(self):
        self._read(self.units[0], 0, 180)
        self._read(self.units[0], 1990, 1)
        self.env["stock.lot"]._cron_schedule_maintenance()
        visit = self._maintenance_visits(self.units[0])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("aftersales_service.report_inspection", visit.ids)[0]
            .decode()
        )
        self.assertIn("Maintenance Report", html)
        self.assertIn("6-Monthly Maintenance", html)
        self.assertIn("Clean the filters", html)

    def test_readings_on_a_dispatch_order(self):
        """The engineer reads the meter on the dispatch order; once the
        customer signed it, nothing more is added to it."""
        dispatch = self.env["aftersales.dispatch"].create(
            {
                "ticket_id": self._request(lot_id=self.units[0].id).id,
                "engineer_ids": [Command.set(self.engineer.ids)],
                "expected_arrival": fields.Datetime.add(fields.Datetime.now(), hours=2),
            }
        )
        dispatch.with_user(self.engineer).write(
            {
                "meter_reading_ids": [
                    Command.create(
                        {"lot_id": self.units[0].id, "value": 42, "source": "dispatch"}
                    )
                ]
            }
        )
        self.assertEqual(self.units[0].aftersales_meter_reading_ids.value, 42)
        self.assertEqual(dispatch.meter_reading_ids.read_by_id, self.engineer)
        self._sign(self._finish(dispatch, engineer=self.engineer))
        with self.assertRaisesText(UserError, "signed by the customer"):
            dispatch.write(
                {"meter_reading_ids": [Command.create({"lot_id": self.units[0].id})]}
            )
        # What the customer signed stays as signed.
        reading = dispatch.meter_reading_ids
        with self.assertRaisesText(UserError, "on a signed report"):
            reading.write({"value": 40})
        with self.assertRaisesText(UserError, "on a signed report"):
            reading.unlink()
        self.assertEqual(reading.value, 42)
