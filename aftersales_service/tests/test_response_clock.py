from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import DispatchCase


@tagged("post_install", "-at_install")
class TestOffSiteTurnaround(DispatchCase):
    """E4 on the response-clock mixin: the off-site repair declares one
    phase, from the unit's arrival at the repair centre to its shipping back,
    and gets its deadline, outcome, status and escalation from the mixin."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_unit = cls._delivered_warranties(cls.product, ["DSP-002"]).lot_id
        for warranty in (cls.unit | cls.other_unit).warranty_id:
            warranty.delivery_date = "2026-01-01 00:00:00"
            warranty.record_acceptance("2026-01-02", "Wang Wei")
        cls.technician = new_test_user(
            cls.env,
            login="as_turnaround_tech",
            groups="aftersales_service.group_aftersales_engineer,stock.group_stock_user",
        )

    def _sent_away(self, unit=None):
        request = self._request(lot_id=(unit or self.unit).id)
        request.with_user(self.back_office).action_offsite_repair()
        return self.env["repair.order"].search(
            [("aftersales_ticket_id", "=", request.id)]
        )

    def _received(self, days_ago=0, unit=None):
        repair = self._sent_away(unit)
        inbound = repair.aftersales_inbound_picking_id
        inbound.button_validate()
        if days_ago:
            inbound.date_done = fields.Datetime.now() - timedelta(days=days_ago)
        return repair

    def test_the_clock_runs_from_arrival_to_shipping_back(self):
        repair = self._sent_away()
        # On its way in: no clock yet.
        self.assertFalse(repair.aftersales_turnaround_deadline)
        self.assertFalse(repair.next_deadline)
        repair.aftersales_inbound_picking_id.button_validate()
        received = repair.aftersales_received_at
        self.assertTrue(received)
        self.assertEqual(
            repair.aftersales_service_level_id,
            repair.aftersales_ticket_id.service_level_id,
        )
        # Twelve calendar days, whatever the level's working hours.
        self.assertEqual(
            repair.aftersales_turnaround_deadline, received + timedelta(days=12)
        )
        self.assertEqual(repair.next_deadline, repair.aftersales_turnaround_deadline)
        self.assertEqual(repair.clock_status, "on_time")
        repair.action_repair_start()
        repair.action_repair_end()
        repair.with_user(self.technician).action_aftersales_test_passed()
        repair.action_aftersales_ship_back()
        # Not over until the unit has left.
        self.assertFalse(repair.aftersales_turnaround_done_at)
        repair.aftersales_return_picking_id.with_context(
            skip_sms=True
        ).button_validate()
        self.assertTrue(repair.aftersales_turnaround_done_at)
        self.assertTrue(repair.aftersales_turnaround_met)
        self.assertLess(repair.aftersales_turnaround_hours, 1.0)
        self.assertFalse(repair.next_deadline)
        self.assertFalse(repair.clock_status)

    def _shipped_back(self, repair):
        repair.action_repair_start()
        repair.action_repair_end()
        repair.with_user(self.technician).action_aftersales_test_passed()
        repair.action_aftersales_ship_back()
        repair.aftersales_return_picking_id.with_context(
            skip_sms=True
        ).button_validate()

    def test_the_kpis_and_the_quarter_count_the_turnaround(self):
        on_time = self._received(days_ago=3)
        late = self._received(days_ago=14, unit=self.other_unit)
        for repair in on_time | late:
            self._shipped_back(repair)
        self.env.flush_all()
        kpis = self.env["aftersales.kpi"].search(
            [("ticket_id", "in", (on_time | late).aftersales_ticket_id.ids)]
        )
        by_request = {kpi.ticket_id: kpi for kpi in kpis}
        self.assertEqual(
            by_request[on_time.aftersales_ticket_id].turnaround_met_rate, 100
        )
        self.assertEqual(by_request[late.aftersales_ticket_id].turnaround_met_rate, 0)
        self.assertAlmostEqual(
            by_request[late.aftersales_ticket_id].turnaround_hours,
            late.aftersales_turnaround_hours,
        )
        self.assertGreater(late.aftersales_turnaround_hours, 14 * 24 - 1)
        # A request without an off-site repair has no turnaround at all.
        plain = self._request(lot_id=self.unit.id)
        self.env.flush_all()
        plain_kpi = self.env["aftersales.kpi"].search([("ticket_id", "=", plain.id)])
        self.assertFalse(plain_kpi.turnaround_done_at)
        # The quarter's analysis: one of the two repairs was back in time.
        today = fields.Date.context_today(plain)
        analysis = self.env["aftersales.fault.analysis"].create(
            {
                "partner_id": self.customer.id,
                "year": today.year,
                "quarter": str((today.month - 1) // 3 + 1),
            }
        )
        statistics = analysis._statistics()
        self.assertEqual(statistics["sla"]["turnaround_met_rate"], 50)
        mean, __ = statistics["durations"]["turnaround_hours"]
        self.assertAlmostEqual(
            mean,
            (on_time.aftersales_turnaround_hours + late.aftersales_turnaround_hours)
            / 2,
        )

    def _notices(self, repair):
        """What was sent to the customer from the repair order."""
        return repair.message_ids.filtered(
            lambda m: m.message_type == "comment" and repair.partner_id in m.partner_ids
        )

    def test_the_customer_is_told_at_pickup_and_shipment_back(self):
        repair = self._sent_away()
        inbound = repair.aftersales_inbound_picking_id
        self.assertFalse(self._notices(repair))
        inbound.write(
            {
                "aftersales_pickup_date": fields.Datetime.now(),
                "aftersales_packed": True,
                "aftersales_carrier": "SF Express",
            }
        )
        pickup = self._notices(repair)
        self.assertEqual(len(pickup), 1)
        self.assertIn("collected", pickup.subject)
        self.assertIn("SF Express", pickup.body)
        # Moving the pickup tells the customer nothing new.
        inbound.aftersales_pickup_date = fields.Datetime.now() + timedelta(hours=2)
        self.assertEqual(self._notices(repair), pickup)
        inbound.button_validate()
        self._shipped_back(repair)
        back = self._notices(repair) - pickup
        self.assertEqual(len(back), 1)
        self.assertIn("on its way back", back.subject)

    def test_a_tracking_reference_once_the_transfer_is_done(self):
        repair = self._sent_away()
        inbound = repair.aftersales_inbound_picking_id
        with (
            self.assertRaisesText(ValidationError, "once the transfer is done"),
            self.env.cr.savepoint(),
        ):
            inbound.aftersales_tracking_ref = "SF1234567890"
        self.env.invalidate_all()
        self.assertFalse(inbound.aftersales_tracking_ref)
        inbound.button_validate()
        inbound.aftersales_tracking_ref = "SF1234567890"
        self.assertEqual(inbound.aftersales_tracking_ref, "SF1234567890")

    def test_the_level_sets_the_target(self):
        repair = self._received()
        repair.aftersales_service_level_id.offsite_turnaround_days = 5
        self.assertEqual(
            repair.aftersales_turnaround_deadline,
            repair.aftersales_received_at + timedelta(days=5),
        )

    def test_a_late_repair_is_escalated_once(self):
        late = self._received(days_ago=13)
        on_time = self._received(days_ago=2, unit=self.other_unit)
        self.assertEqual(late.clock_status, "late")
        self.assertEqual(on_time.clock_status, "on_time")
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")
        Repair = self.env["repair.order"]
        for __ in range(2):
            Repair._cron_escalate_breaches()
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "repair.order"),
                ("res_id", "in", (late | on_time).ids),
                ("activity_type_id", "=", breach.id),
            ]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.res_id, late.id)
        self.assertEqual(
            activities.user_id, late.aftersales_ticket_id._breach_supervisor()
        )
        self.assertEqual(late.escalated_phases, "aftersales_turnaround")
        self.assertFalse(late.next_deadline)
        self.assertIn("Off-Site Repair Turnaround", late.message_ids[0].body)
        # Shipped back late: the outcome says so.
        late.action_repair_start()
        late.action_repair_end()
        late.with_user(self.technician).action_aftersales_test_passed()
        late.action_aftersales_ship_back()
        late.aftersales_return_picking_id.with_context(skip_sms=True).button_validate()
        self.assertFalse(late.aftersales_turnaround_met)
        self.assertGreater(late.aftersales_turnaround_hours, 12 * 24)

    def test_a_cancelled_repair_has_no_deadline(self):
        repair = self._received()
        repair.action_repair_cancel()
        self.assertFalse(repair.next_deadline)

    def test_the_turnaround_is_a_positive_number_of_days(self):
        level = self.env["aftersales.service.level"].search([], limit=1)
        manager = new_test_user(
            self.env,
            login="as_turnaround_manager",
            groups="aftersales_service.group_aftersales_manager",
        )
        for days in (0, -3, 366):
            with (
                self.subTest(days=days),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                level.with_user(manager).offsite_turnaround_days = days
                level.flush_recordset()
        self.assertEqual(level.offsite_turnaround_days, 12)

    def _turnaround_deadline(self, level, received):
        repair = self._sent_away()
        repair.aftersales_ticket_id.service_level_id = level
        repair.aftersales_inbound_picking_id.button_validate()
        repair.aftersales_inbound_picking_id.date_done = received
        self.assertEqual(repair.aftersales_service_level_id, level)
        return repair.aftersales_turnaround_deadline

    def test_the_turnaround_on_a_7x24_level(self):
        level = self.env["aftersales.service.level"].create(
            {"name": "Round the clock", "around_the_clock": True}
        )
        # Received Monday 1 March 2027, 10:00: twelve whole days later.
        self.assertEqual(
            self._turnaround_deadline(level, datetime(2027, 3, 1, 10)),
            datetime(2027, 3, 13, 10),
        )

    def test_the_turnaround_in_working_days_with_a_public_holiday(self):
        calendar = self.env["resource.calendar"].create(
            {
                "name": "Repair centre",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for start, end, period in (
                        (8, 12, "morning"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )
        # Wednesday 3 March 2027 is a public holiday.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": calendar.id,
                "date_from": datetime(2027, 3, 3, 0),
                "date_to": datetime(2027, 3, 3, 23, 59),
            }
        )
        level = self.env["aftersales.service.level"].create(
            {
                "name": "Business hours",
                "around_the_clock": False,
                "calendar_id": calendar.id,
                "offsite_turnaround_days": 2,
            }
        )
        # Two working days are 16 hours: Monday 16-17 (1), Tuesday (8), no
        # Wednesday, Thursday 8-12 and 13-16 (7): Thursday 16:00.
        self.assertEqual(
            self._turnaround_deadline(level, datetime(2027, 3, 1, 16)),
            datetime(2027, 3, 4, 16),
        )
