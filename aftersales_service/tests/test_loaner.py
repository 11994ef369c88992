from datetime import datetime

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from .common import StockCase


class TestLoanerTriggers(StockCase):
    def test_major_fault_counts_8_hours_from_arrival(self):
        """Reported at 08:00, engineers on site at 14:00: nothing is owed at
        16:00 (8 h after the report), the loaner is owed at 22:00 (8 h after
        arrival), due 48 h later."""
        Loaner = self.env["aftersales.loaner"]
        with freeze_time("2030-03-04 08:00:00"):
            request = self._request(reported_at="2030-03-04 08:00:00")
        with freeze_time("2030-03-04 14:00:00"):
            request.action_on_site()
        with freeze_time("2030-03-04 16:00:00"):
            Loaner._cron_loaners()
            self.assertFalse(request.aftersales_loaner_ids)
        with freeze_time("2030-03-04 21:59:00"):
            Loaner._cron_loaners()
            self.assertFalse(request.aftersales_loaner_ids)
        with freeze_time("2030-03-04 22:00:00"):
            Loaner._cron_loaners()
            Loaner._cron_loaners()
        loaner = request.aftersales_loaner_ids
        self.assertEqual(len(loaner), 1)
        self.assertEqual(loaner.trigger, "major_fault")
        self.assertEqual(loaner.due_at, datetime(2030, 3, 6, 22, 0))
        self.assertEqual(loaner.lot_id, self.unit)
        self.assertEqual(loaner.partner_id, self.customer)

    def test_general_or_fixed_faults_owe_nothing(self):
        with freeze_time("2030-03-04 08:00:00"):
            general = self._request(severity="general")
            general.action_on_site()
            fixed = self._request()
            fixed.action_on_site()
        with freeze_time("2030-03-04 12:00:00"):
            fixed.action_repaired()
        with freeze_time("2030-03-05 08:00:00"):
            self.env["aftersales.loaner"]._cron_loaners()
        self.assertFalse((general | fixed).aftersales_loaner_ids)

    def test_off_site_repair_owes_a_loaner(self):
        request = self._request()
        with freeze_time("2030-03-04 09:00:00"):
            request.with_user(self.back_office).action_offsite_repair()
        loaner = request.aftersales_loaner_ids
        self.assertEqual(loaner.trigger, "offsite_repair")
        self.assertEqual(loaner.due_at, datetime(2030, 3, 6, 9, 0))
        self.assertTrue(loaner.repair_id)

    def test_repair_estimated_over_12_hours(self):
        request = self._request()
        request.aftersales_estimated_repair_hours = 12
        self.assertFalse(request.aftersales_loaner_ids)
        # The engineer on site estimates it on the dispatch order.
        dispatch = self._plan(request)
        dispatch.with_user(self.engineer).estimated_repair_hours = 12.5
        self.assertEqual(request.aftersales_estimated_repair_hours, 12.5)
        self.assertEqual(request.aftersales_loaner_ids.trigger, "long_repair")
        request.aftersales_estimated_repair_hours = 20
        self.assertEqual(len(request.aftersales_loaner_ids), 1)

    def test_one_open_loaner_per_request(self):
        request = self._request()
        self._obligation(request)
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            self._obligation(request)

    def test_a_repaired_unit_is_owed_no_loaner(self):
        request = self._request()
        loaner = self._obligation(request)
        request.action_on_site()
        request.action_repaired()
        self.env["aftersales.loaner"]._cron_loaners()
        self.assertEqual(loaner.state, "cancelled")
        self.assertFalse(loaner.escalated)

    def test_major_fault_then_factory_issues_the_notice(self):
        """The loaner went out for a major fault; then the unit goes to the
        factory: the same loaner now stands in under a replacement notice."""
        request = self._request()
        loaner = self._obligation(request, trigger="major_fault")
        loaner.loaner_lot_id = self.loaner
        loaner.with_user(self.warehouse_user).action_issue()
        self.assertFalse(loaner.notice_ids)
        request.with_user(self.back_office).action_offsite_repair()
        self.assertEqual(request.aftersales_loaner_ids, loaner)
        self.assertTrue(loaner.repair_id)
        self.assertEqual(loaner.notice_ids.state, "open")
        self.assertEqual(loaner.notice_ids.replacement_lot_id, self.loaner)

    def test_late_loaners_escalate_once(self):
        request = self._request()
        loaner = self._obligation(request, due_at="2030-01-01 00:00:00")
        with freeze_time("2030-01-01 01:00:00"):
            self.env["aftersales.loaner"]._cron_loaners()
            self.env["aftersales.loaner"]._cron_loaners()
        self.assertTrue(loaner.escalated)
        activities = loaner.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("aftersales_service.mail_activity_type_loaner_late")
            )
        )
        self.assertEqual(len(activities), 1)

    def test_loaner_not_back_on_time_escalates(self):
        request = self._request()
        loaner = self._obligation(request, loaner_lot_id=self.loaner.id)
        loaner.with_user(self.warehouse_user).action_issue()
        loaner.return_by = fields.Date.subtract(self._today(), days=1)
        self.assertTrue(loaner.is_late)
        self.assertIn(
            loaner, self.env["aftersales.loaner"].search([("is_late", "=", True)])
        )
        self.env["aftersales.loaner"]._cron_loaners()
        self.assertTrue(loaner.escalated)
        self.assertIn("not returned", loaner.activity_ids.summary)


class TestLoanerFlow(StockCase):
    def test_no_lower_specification(self):
        request = self._request()
        count = self.env["aftersales.loaner"].search_count([])
        with self.assertRaisesText(ValidationError, "lower than grade 2"):
            self._obligation(request, loaner_lot_id=self.low_loaner.id)
        self.assertEqual(self.env["aftersales.loaner"].search_count([]), count)
        loaner = self._obligation(request)
        with self.assertRaisesText(ValidationError, "Pick a loaner of the same"):
            loaner.loaner_lot_id = self.low_loaner
        with self.assertRaisesText(ValidationError, "not loaner stock"):
            loaner.loaner_lot_id = self._stock_serials(self.product, ["NOT-LOANER"])

    def test_issue_return_and_test_before_it_serves_again(self):
        request = self._request()
        loaner = self._obligation(request, loaner_lot_id=self.loaner.id)
        loaner.with_user(self.warehouse_user).action_issue()
        self.assertEqual(loaner.state, "issued")
        self.assertEqual(loaner.issue_picking_id.state, "done")
        self.assertEqual(
            loaner.issue_picking_id.picking_type_id,
            self.warehouse.aftersales_loaner_out_type_id,
        )
        self.assertEqual(self._quant_at(self.loaner, self.customer_location), 1)
        self.assertEqual(self.loaner.aftersales_loaner_state, "issued")
        # A loaner lent out gets no warranty of its own.
        self.assertFalse(self.loaner.warranty_ids)
        self.assertEqual(loaner.return_by, fields.Date.add(self._today(), days=14))

        loaner.with_user(self.warehouse_user).action_return()
        self.assertEqual(loaner.state, "returned")
        self.assertEqual(self._quant_at(self.loaner, self.loaner_location), 1)
        self.assertEqual(self.loaner.aftersales_loaner_state, "to_test")

        # Until it passes its test, nobody can lend it again.
        other = self._obligation(
            self._request(lot_id=self._stock_serials(self.product, ["OTHER"]).id)
        )
        other.loaner_lot_id = self.loaner
        with self.assertRaisesText(UserError, "is not available"):
            other.with_user(self.warehouse_user).action_issue()

        loaner.with_user(self.warehouse_user).action_test_failed()
        self.assertEqual(self.loaner.aftersales_loaner_state, "to_test")
        self.assertEqual(loaner.state, "returned")
        loaner.with_user(self.warehouse_user).action_test_passed()
        self.assertEqual(loaner.state, "done")
        self.assertEqual(loaner.tested_by_id, self.warehouse_user)
        self.assertTrue(loaner.tested_at)
        self.assertEqual(self.loaner.aftersales_loaner_state, "available")
        other.with_user(self.warehouse_user).action_issue()
        self.assertEqual(other.state, "issued")

    def test_a_new_loaner_form_opens(self):
        form = Form(self.env["aftersales.loaner"].with_user(self.back_office))
        self.assertFalse(form.is_late)
        form.ticket_id = self._request()
        form.partner_id = self.customer
        form.lot_id = self.unit
        form.trigger = "long_repair"
        form.due_at = "2030-01-01 10:00:00"
        loaner = form.save()
        self.assertEqual(loaner.warehouse_id, self.warehouse)

    def test_only_a_loaner_in_the_loaner_location_goes_out(self):
        stray = self.env["stock.lot"].create(
            {
                "name": "LN-STRAY",
                "product_id": self.loaner_product.id,
                "aftersales_is_loaner": True,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            self.loaner_product, self.stock_location, 1, lot_id=stray
        )
        loaner = self._obligation(self._request(), loaner_lot_id=stray.id)
        with self.assertRaisesText(
            UserError, f"is not free in {self.loaner_location.display_name}"
        ):
            loaner.with_user(self.warehouse_user).action_issue()
        self.assertEqual(loaner.state, "due")
        self.assertEqual(self._quant_at(stray, self.stock_location), 1)

    def test_issue_needs_a_loaner(self):
        loaner = self._obligation(self._request())
        with self.assertRaisesText(UserError, "pick the loaner unit first"):
            loaner.with_user(self.warehouse_user).action_issue()
        self.assertEqual(loaner.state, "due")

    def test_only_the_warehouse_issues(self):
        loaner = self._obligation(self._request(), loaner_lot_id=self.loaner.id)
        for user in (self.back_office, self.engineer):
            with self.assertRaisesText(UserError, "Only warehouse users"):
                loaner.with_user(user).action_issue()
        self.assertEqual(loaner.state, "due")
        self.assertEqual(self.loaner.aftersales_loaner_state, "available")

    def test_plain_helpdesk_users_still_report_faults(self):
        helpdesk_user = new_test_user(
            self.env,
            login="as_stock_helpdesk",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        request = (
            self.env["helpdesk.ticket"]
            .with_user(helpdesk_user)
            .create({"name": "Noise", "description": "Noise", "lot_id": self.unit.id})
        )
        self.assertFalse(request.sudo().aftersales_loaner_ids)

    def test_the_warehouse_reads_the_unit_archive(self):
        self._obligation(self._request(), loaner_lot_id=self.loaner.id)
        unit = self.unit.with_user(self.warehouse_user)
        # Loaners count; requests, which the warehouse can't read, don't.
        self.assertEqual(unit.aftersales_loaner_count, 1)
        self.assertEqual(unit.aftersales_request_count, 0)

    def test_request_and_unit_show_their_loaners(self):
        request = self._request()
        loaner = self._obligation(request, loaner_lot_id=self.loaner.id)
        self.assertEqual(request.aftersales_loaner_count, 1)
        self.assertEqual(self.unit.aftersales_loaner_count, 1)
        self.assertEqual(self.loaner.aftersales_loan_count, 1)
        self.assertEqual(self.customer.aftersales_loaner_count, 1)
        action = self.unit.with_context(
            aftersales_archive="aftersales_loaner_count"
        ).action_aftersales_archive()
        self.assertEqual(self.env["aftersales.loaner"].search(action["domain"]), loaner)

    def test_portal_sees_the_loaner_it_holds(self):
        portal = new_test_user(
            self.env, login="as_stock_portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = self.customer
        stranger = new_test_user(
            self.env, login="as_stock_portal2", groups="base.group_portal"
        )
        loaner = self._obligation(self._request(), loaner_lot_id=self.loaner.id)
        Loaner = self.env["aftersales.loaner"]
        self.assertFalse(Loaner.with_user(portal).search([]))
        loaner.with_user(self.warehouse_user).action_issue()
        self.assertEqual(Loaner.with_user(portal).search([]), loaner)
        self.assertFalse(Loaner.with_user(stranger).search([]))
        with self.assertRaises(AccessError):
            loaner.with_user(stranger).read(["name"])
        with self.assertRaises(AccessError):
            loaner.with_user(portal).write({"return_by": "2030-01-01"})
