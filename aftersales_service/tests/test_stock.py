from datetime import datetime

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from .common import SIGNATURE, StockCase


class TestWarehouseSetup(StockCase):
    def test_each_warehouse_has_its_locations_and_types(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Hangzhou Depot", "code": "HZD"}
        )
        for fname in (
            "aftersales_loaner_location_id",
            "aftersales_spare_location_id",
            "aftersales_repair_location_id",
        ):
            location = warehouse[fname]
            self.assertEqual(location.usage, "internal")
            self.assertEqual(location.location_id, warehouse.view_location_id)
            self.assertEqual(location.warehouse_id, warehouse)
        issue = warehouse.aftersales_loaner_out_type_id
        self.assertEqual(
            issue.default_location_src_id, warehouse.aftersales_loaner_location_id
        )
        self.assertEqual(issue.code, "outgoing")
        back = warehouse.aftersales_loaner_in_type_id
        self.assertEqual(
            back.default_location_dest_id, warehouse.aftersales_loaner_location_id
        )
        spares = warehouse.aftersales_spare_type_id
        self.assertEqual(
            spares.default_location_src_id, warehouse.aftersales_spare_location_id
        )

    def test_warehouses_made_before_the_add_on_are_completed(self):
        """Installing on a database with several warehouses: each one gets
        the locations and operation types once."""
        warehouses = self.env["stock.warehouse"].create(
            [
                {"name": "Old Depot A", "code": "ODA"},
                {"name": "Old Depot B", "code": "ODB"},
            ]
        )
        fnames = [
            "aftersales_loaner_location_id",
            "aftersales_spare_location_id",
            "aftersales_repair_location_id",
            "aftersales_loaner_out_type_id",
            "aftersales_loaner_in_type_id",
            "aftersales_spare_type_id",
        ]
        warehouses.write(dict.fromkeys(fnames, False))
        self.env["stock.warehouse"]._aftersales_setup_missing()
        types_before = self.env["stock.picking.type"].search_count([])
        for warehouse in warehouses:
            for fname in fnames:
                self.assertTrue(warehouse[fname], fname)
        self.env["stock.warehouse"]._aftersales_setup_missing()
        self.assertEqual(self.env["stock.picking.type"].search_count([]), types_before)


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


class TestReplacementNotice(StockCase):
    def _send_away(self):
        request = self._request()
        request.with_user(self.back_office).action_offsite_repair()
        loaner = request.aftersales_loaner_ids
        loaner.loaner_lot_id = self.loaner
        loaner.with_user(self.warehouse_user).action_issue()
        return request, loaner

    def _visit(self, request, notice=None):
        dispatch = self._plan(request)
        if notice:
            dispatch.notice_id = notice
        dispatch.with_user(self.engineer).action_dispatch()
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {
                "action_ids": [Command.create({"content": "Reinstalled the unit"})],
                "signer_name": "Wang Lei",
                "signature": SIGNATURE,
            }
        )
        dispatch.with_user(self.engineer).action_finish()
        return dispatch

    def test_off_site_repair_issues_a_notice_that_the_dispatch_takes_back(self):
        request, loaner = self._send_away()
        notice = loaner.notice_ids
        self.assertEqual(notice.state, "open")
        self.assertEqual(notice.lot_id, self.unit)
        self.assertEqual(notice.replacement_lot_id, self.loaner)
        self.assertEqual(notice.repair_id, loaner.repair_id)
        # A visit while the unit is still at the factory can't take it back.
        early = self._visit(request, notice)
        with self.assertRaisesText(UserError, "has not been shipped back yet"):
            early.with_user(self.engineer).action_sign()
        early.notice_id = False
        early.with_user(self.engineer).action_sign()
        self.assertEqual(notice.state, "open")
        # Repaired, tested and shipped back: the visit that reinstalls it
        # carries the notice and takes it back when the customer signs.
        repair = loaner.repair_id
        repair.aftersales_inbound_picking_id.button_validate()
        repair.action_repair_start()
        repair.action_repair_end()
        repair.action_aftersales_test_passed()
        repair.action_aftersales_ship_back()
        repair.aftersales_return_picking_id.with_context(
            skip_sms=True
        ).button_validate()
        dispatch = self._visit(request)
        self.assertEqual(dispatch.notice_id, notice)
        self.assertEqual(notice.state, "open")
        dispatch.with_user(self.engineer).action_sign()
        self.assertEqual(notice.state, "closed")
        self.assertEqual(notice.closing_dispatch_id, dispatch)
        self.assertEqual(notice.closed_on, self._today())

    def test_notice_prints_in_chinese_and_english(self):
        __, loaner = self._send_away()
        notice = loaner.notice_ids
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for lang, title in (
            ("en_US", "Spare Replacement Notice"),
            ("zh_CN", "故障处理备品替换通知"),
        ):
            self.customer.lang = lang
            html = report._render_qweb_html(
                "aftersales_service.report_replacement_notice", notice.ids
            )[0].decode()
            self.assertIn(title, html)
            self.assertIn(self.loaner.name, html)
            pdf, kind = report._render_qweb_pdf(
                "aftersales_service.report_replacement_notice", notice.ids
            )
            self.assertEqual(kind, "pdf")
            self.assertTrue(pdf.startswith(b"%PDF"))


class TestSpareRequests(StockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.module = cls._spare("Power Module PM-2", 1)
        cls.fan = cls._spare("Cabinet Fan", 5)

    def _dispatch(self):
        dispatch = self._plan(self._request())
        dispatch.with_user(self.engineer).action_dispatch()
        return dispatch

    def _ask(self, dispatch, product, quantity=1, user=None):
        request = (
            self.env["aftersales.spare.request"]
            .with_user(user or self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "quantity": quantity})
                    ],
                }
            )
        )
        request.action_request()
        return request.with_env(self.env)

    def _reserved(self, product):
        return sum(
            self.env["stock.quant"]
            .search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "=", self.spare_location.id),
                ]
            )
            .mapped("reserved_quantity")
        )

    def test_engineer_asks_warehouse_reserves_dispatch_consumes(self):
        self.unit.warranty_id.record_acceptance(self._today(), "Wang Wei")
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.module)
        self.assertEqual(request.state, "requested")
        self.assertEqual(request.picking_id.location_id, self.spare_location)
        self.assertEqual(request.picking_id.state, "confirmed")
        self.assertEqual(request.lot_id, self.unit)
        with self.assertRaisesText(UserError, "Only warehouse users reserve"):
            request.with_user(self.engineer).action_reserve()
        self.assertEqual(self._reserved(self.module), 0)
        request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(request.state, "reserved")
        self.assertEqual(request.move_ids.state, "assigned")
        self.assertEqual(self._reserved(self.module), 1)

        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Replaced the power module"})]}
        )
        dispatch.with_user(self.engineer).action_finish()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.picking_id.state, "done")
        self.assertEqual(
            self.module.with_context(location=self.spare_location.id).qty_available, 0
        )
        # Fitted under the unit's warranty for an equipment fault: the part
        # gets its own warranty from today.
        part = self.unit.part_warranty_ids
        self.assertEqual(part.product_id, self.module)
        self.assertEqual(part.spare_request_id, request)
        self.assertEqual(part.date_fitted, self._today())

    def test_the_last_unit_goes_to_one_request_only(self):
        first = self._ask(self._dispatch(), self.module)
        second = self._ask(self._dispatch(), self.module)
        first.with_user(self.warehouse_user).action_reserve()
        with self.assertRaisesText(UserError, "0.0 free"):
            second.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(second.state, "requested")
        self.assertEqual(second.move_ids.state, "confirmed")
        self.assertEqual(self._reserved(self.module), 1)
        # Cancelling the first releases the part for the second.
        first.with_user(self.engineer).action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(self._reserved(self.module), 0)
        second.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(second.state, "reserved")

    def test_a_cancelled_dispatch_releases_its_spares(self):
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.fan, 2)
        request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(self._reserved(self.fan), 2)
        dispatch.with_user(self.back_office).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self._reserved(self.fan), 0)

    def test_finishing_with_unreserved_parts_is_refused(self):
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.fan)
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Cleaned the filters"})]}
        )
        with self.assertRaisesText(UserError, "is not reserved yet"):
            dispatch.with_user(self.engineer).action_finish()
        self.assertEqual(dispatch.state, "on_site")
        self.assertEqual(request.state, "requested")

    def test_bad_requests(self):
        dispatch = self._dispatch()
        Request = self.env["aftersales.spare.request"].with_user(self.engineer)
        count = Request.search_count([])
        with self.assertRaisesText(ValidationError, "must be positive"):
            Request.create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [
                        Command.create({"product_id": self.fan.id, "quantity": 0})
                    ],
                }
            )
        with self.assertRaisesText(ValidationError, "either for a dispatch order"):
            Request.create({"line_ids": [Command.create({"product_id": self.fan.id})]})
        empty = Request.create({"dispatch_id": dispatch.id})
        with self.assertRaisesText(UserError, "add the parts needed"):
            empty.action_request()
        self.assertEqual(empty.state, "draft")
        self.assertFalse(empty.picking_id)
        self.assertEqual(Request.search_count([]), count + 1)

    def test_sent_requests_keep_their_parts(self):
        request = self._ask(self._dispatch(), self.fan)
        with self.assertRaisesText(UserError, "Only the parts of a draft request"):
            request.line_ids.with_user(self.engineer).write({"quantity": 4})
        with self.assertRaisesText(UserError, "Only the parts of a draft request"):
            request.line_ids.with_user(self.engineer).unlink()
        request.with_user(self.warehouse_user).action_reserve()
        with self.assertRaisesText(UserError, "Cancel a spare request before deleting"):
            request.unlink()
        self.assertEqual(request.line_ids.quantity, 1)

    def test_no_parts_for_a_finished_dispatch(self):
        dispatch = self._dispatch()
        unsent = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [Command.create({"product_id": self.fan.id})],
                }
            )
        )
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Cleaned the filters"})]}
        )
        dispatch.with_user(self.engineer).action_finish()
        # A request never sent is dropped when the work is finished.
        self.assertEqual(unsent.state, "cancelled")
        late = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [Command.create({"product_id": self.fan.id})],
                }
            )
        )
        with self.assertRaisesText(UserError, "takes no more parts"):
            late.action_request()

    def test_engineers_see_their_own_requests(self):
        request = self._ask(self._dispatch(), self.fan)
        Request = self.env["aftersales.spare.request"]
        self.assertIn(request, Request.with_user(self.engineer).search([]))
        self.assertNotIn(request, Request.with_user(self.other_engineer).search([]))
        self.assertIn(request, Request.with_user(self.warehouse_user).search([]))
        self.assertIn(request, Request.with_user(self.back_office).search([]))

    def test_discontinued_part_proposes_its_substitute(self):
        old = self._spare("Power Module PM-1", 0)
        old.write(
            {
                "aftersales_discontinued": True,
                "aftersales_substitute_ids": [Command.set(self.module.ids)],
            }
        )
        request = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": self._dispatch().id,
                    "line_ids": [Command.create({"product_id": old.id})],
                }
            )
        )
        line = request.line_ids
        self.assertEqual(line.substitute_id, self.module)
        with self.assertRaisesText(UserError, "Use its substitute Power Module PM-2"):
            request.action_request()
        self.assertEqual(request.state, "draft")
        line.action_use_substitute()
        self.assertEqual(line.product_id, self.module)
        self.assertFalse(line.substitute_id)
        request.action_request()
        self.assertEqual(request.state, "requested")

    def test_short_part_proposes_a_substitute_in_stock(self):
        self.module.aftersales_substitute_ids = [Command.set(self.fan.ids)]
        request = self._ask(self._dispatch(), self.module, 3)
        self.assertEqual(request.line_ids.substitute_id, self.fan)
        with self.assertRaisesText(UserError, "substitute: Cabinet Fan"):
            request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(self._reserved(self.module), 0)

    def test_parts_for_an_off_site_repair(self):
        request = self._request()
        repair = self.env["repair.order"].browse(
            request.action_offsite_repair()["res_id"]
        )
        spares = (
            self.env["aftersales.spare.request"]
            .with_user(self.back_office)
            .create(
                {
                    "repair_id": repair.id,
                    "line_ids": [
                        Command.create({"product_id": self.fan.id, "quantity": 2})
                    ],
                }
            )
        )
        spares.action_request()
        move = repair.move_ids.filtered(
            lambda m: m.aftersales_spare_request_id == spares
        )
        self.assertEqual(move.repair_line_type, "add")
        self.assertEqual(move.location_id, self.spare_location)
        with self.assertRaisesText(UserError, "confirm repair"):
            spares.with_user(self.warehouse_user).action_reserve()
        # The unit arrives in the repair location and the repair starts.
        repair.aftersales_inbound_picking_id.button_validate()
        self.assertEqual(
            self._quant_at(self.unit, self.warehouse.aftersales_repair_location_id), 1
        )
        self.assertIs(repair.action_validate(), True)
        # Confirming the repair reserves nothing: the warehouse does.
        self.assertEqual(move.state, "confirmed")
        spares.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(move.state, "assigned")
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(move.state, "done")
        self.assertEqual(spares.state, "done")
        self.assertEqual(
            self.fan.with_context(location=self.spare_location.id).qty_available, 3
        )


class TestSpareFloor(StockCase):
    """3 % of the units in service, per spare, rounded up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fuse = cls._spare("Fuse 10 A", 0)
        cls.board = cls._spare("Control Board", 0)
        cls.pump = cls._create_product(
            "Circulation Pump", aftersales_spare_ids=[Command.set(cls.fuse.ids)]
        )
        cls.product.aftersales_spare_ids = [Command.set((cls.fuse | cls.board).ids)]
        accepted = fields.Date.subtract(cls._today(), days=30)
        # 40 cabinets under warranty, 2 of them also under a contract.
        cabinets = cls._delivered_warranties(
            cls.product, [f"FLR-C{n:03}" for n in range(40)]
        )
        cls._backdate_delivery(cabinets, 40)
        cabinets.record_acceptance(accepted, "Li Ming")
        # 27 pumps whose warranty expired, under a running contract instead,
        # and 5 pumps neither under warranty nor under contract.
        pumps = cls._delivered_warranties(cls.pump, [f"FLR-P{n:03}" for n in range(32)])
        cls._backdate_delivery(pumps, 1200)
        pumps.record_acceptance(
            fields.Date.subtract(cls._today(), days=1100), "Li Ming"
        )
        cls.env["aftersales.contract"].create(
            {
                "partner_id": cls.customer.id,
                "service_level_id": cls.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
                "product_id": cls.env.ref(
                    "aftersales_service.product_service_contract"
                ).id,
                "date_start": fields.Date.subtract(cls._today(), days=10),
                "date_end": fields.Date.add(cls._today(), days=300),
                "amount": 1000,
                "lot_ids": [Command.set((pumps[:27].lot_id | cabinets[:2].lot_id).ids)],
            }
        ).action_start()

    def _rules(self):
        return self.env["stock.warehouse.orderpoint"].search(
            [
                ("location_id", "=", self.spare_location.id),
                ("product_id", "in", (self.fuse | self.board).ids),
            ]
        )

    def test_floors_from_the_installed_base(self):
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        counts = Orderpoint._aftersales_units_in_service(self.env.company)
        # The unit DSP-001 awaits acceptance: not in service yet.
        self.assertEqual(counts[self.warehouse, self.product.product_tmpl_id], 40)
        self.assertEqual(counts[self.warehouse, self.pump.product_tmpl_id], 27)
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        rules = self._rules()
        fuse = rules.filtered(lambda r: r.product_id == self.fuse)
        board = rules.filtered(lambda r: r.product_id == self.board)
        # Fuse: 40 cabinets + 27 pumps = 67 units; 3 % = 2.01, so 3.
        self.assertEqual(fuse.aftersales_units_in_service, 67)
        self.assertEqual(fuse.product_min_qty, 3)
        # Board: 40 cabinets; 3 % = 1.2, so 2.
        self.assertEqual(board.aftersales_units_in_service, 40)
        self.assertEqual(board.product_min_qty, 2)
        self.assertEqual(board.warehouse_id, self.warehouse)
        # The floor is kept by resupplying the spares from the stock.
        rule = board.route_id.rule_ids
        self.assertEqual(board.route_id, self.warehouse.aftersales_spare_route_id)
        self.assertEqual(rule.location_src_id, self.warehouse.lot_stock_id)
        self.assertEqual(rule.location_dest_id, self.spare_location)

        # A second run updates the same rules.
        self.env.company.aftersales_spare_floor_percent = 10
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        self.assertEqual(self._rules(), rules)
        self.assertEqual(fuse.product_min_qty, 7)  # 6.7
        self.assertEqual(board.product_min_qty, 4)  # 4.0
        self.assertGreaterEqual(fuse.product_max_qty, 7)

    def test_each_warehouse_keeps_the_floor_of_the_units_it_serves(self):
        ningbo = self.env["stock.warehouse"].create({"name": "Ningbo", "code": "NB"})
        pumps = self.env["stock.lot"].create(
            [{"name": f"NB-P{n}", "product_id": self.pump.id} for n in range(10)]
        )
        Picking = self.env["stock.picking"]
        for pump in pumps:
            self.env["stock.quant"]._update_available_quantity(
                self.pump, ningbo.lot_stock_id, 1, lot_id=pump
            )
            Picking._aftersales_transfer(
                ningbo.out_type_id,
                pump,
                ningbo.lot_stock_id,
                self.customer_location,
                self.site,
                "NB",
                validate=True,
            )
        pumps.warranty_ids.record_acceptance(self._today(), "Zhou Jie")
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        fuse_rules = Orderpoint.search([("product_id", "=", self.fuse.id)])
        by_warehouse = {
            r.warehouse_id: r.aftersales_units_in_service for r in fuse_rules
        }
        self.assertEqual(by_warehouse, {self.warehouse: 67, ningbo: 10})
        ningbo_rule = fuse_rules.filtered(lambda r: r.warehouse_id == ningbo)
        self.assertEqual(ningbo_rule.location_id, ningbo.aftersales_spare_location_id)
        self.assertEqual(ningbo_rule.product_min_qty, 1)  # 0.3

    def test_exact_shares_are_not_rounded_up(self):
        self.env.company.aftersales_spare_floor_percent = 25
        floors = self.env["stock.warehouse.orderpoint"]._aftersales_spare_floors(
            self.env.company
        )
        self.assertEqual(floors[self.warehouse, self.board], (40, 10))
        self.assertEqual(floors[self.warehouse, self.fuse], (67, 17))  # 16.75

    def test_the_share_is_a_percentage(self):
        with self.assertRaisesText(ValidationError, "between 0 and 100"):
            self.env.company.aftersales_spare_floor_percent = 120
        self.assertEqual(self.env.company.aftersales_spare_floor_percent, 3)

    def test_settings_button_and_scheduled_action(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_aftersales_update_spare_floors()
        self.assertEqual(action["res_model"], "stock.warehouse.orderpoint")
        self.assertEqual(len(self._rules()), 2)
        cron = self.env.ref("aftersales_service.ir_cron_spare_floors")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        cron.method_direct_trigger()
        self.assertEqual(len(self._rules()), 2)


class TestScrapApproval(StockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.appraiser = new_test_user(
            cls.env,
            login="as_stock_appraiser",
            groups="aftersales_service.group_aftersales_appraisal,"
            "aftersales_service.group_aftersales_engineer",
        )
        cls.appraiser2 = new_test_user(
            cls.env,
            login="as_stock_appraiser2",
            groups="aftersales_service.group_aftersales_appraisal",
        )
        cls.broken = cls._stock_serials(cls.product, ["SCRAP-001"])

    def _scrap_request(self, user=None, location=None):
        request = (
            self.env["aftersales.scrap.request"]
            .with_user(user or self.appraiser)
            .create(
                {
                    "product_id": self.product.id,
                    "lot_id": self.broken.id,
                    "location_id": (location or self.stock_location).id,
                    "reason": "repair_failed",
                    "reason_details": "Main board burnt twice; beyond repair.",
                }
            )
        )
        request.request_validation()
        return request.with_env(self.env)

    def test_approved_by_another_appraiser_then_scrapped_once(self):
        request = self._scrap_request()
        self.assertEqual(request.validation_status, "pending")
        # The requester may sit in the appraisal group, but can't approve.
        self.assertFalse(request.with_user(self.appraiser).can_review)
        with self.assertRaisesText(UserError, "someone else in the appraisal group"):
            request.with_user(self.appraiser).validate_tier()
        # Not before approval.
        with self.assertRaisesText(UserError, "not approved by the appraisal group"):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertFalse(request.scrap_id)
        # The warehouse can't approve.
        with self.assertRaisesText(UserError, "only the appraisal group approves"):
            request.with_user(self.warehouse_user).validate_tier()
        request.with_user(self.appraiser2).write(
            {"appraisal": "<p>Board charred; beyond repair.</p>"}
        )
        request.with_user(self.appraiser2).validate_tier()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.validation_status, "validated")
        self.assertEqual(len(request.review_ids), 1)
        request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.scrap_id.state, "done")
        self.assertEqual(request.scrap_id.lot_id, self.broken)
        self.assertEqual(request.done_by_id, self.warehouse_user)
        self.assertEqual(self._quant_at(self.broken, self.stock_location), 0)
        with self.assertRaisesText(UserError, "already scrapped"):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(
            self.env["stock.scrap"].search_count([("origin", "=", request.name)]), 1
        )

    def test_approval_only_through_the_review(self):
        request = self._scrap_request()
        with self.assertRaisesText(UserError, "Status is set by its actions"):
            request.with_user(self.appraiser).write({"state": "approved"})
        self.assertEqual(request.state, "draft")
        request.with_user(self.appraiser2).validate_tier()
        # What was approved stays what is scrapped.
        with self.assertRaisesText(UserError, "can't change once"):
            request.with_user(self.appraiser).write({"quantity": 1, "lot_id": False})
        self.assertEqual(request.lot_id, self.broken)

    def test_nothing_is_scrapped_from_where_it_is_not(self):
        request = self._scrap_request(location=self.spare_location)
        request.with_user(self.appraiser2).validate_tier()
        with self.assertRaisesText(
            UserError, f"is not in {self.spare_location.display_name}"
        ):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(request.state, "approved")
        self.assertEqual(self._quant_at(self.broken, self.stock_location), 1)

    def test_engineers_request_but_do_not_scrap(self):
        request = self._scrap_request(self.engineer)
        request.with_user(self.appraiser).validate_tier()
        self.assertEqual(request.state, "approved")
        with self.assertRaisesText(UserError, "Only warehouse users carry out scraps"):
            request.with_user(self.engineer).action_scrap()
        self.assertEqual(request.state, "approved")

    def test_bad_input(self):
        Scrap = self.env["aftersales.scrap.request"].with_user(self.appraiser)
        count = Scrap.search_count([])
        with self.assertRaisesText(ValidationError, "enter the serial number"):
            Scrap.create(
                {"product_id": self.product.id, "location_id": self.stock_location.id}
            )
        with self.assertRaisesText(ValidationError, "quantity must be positive"):
            Scrap.create(
                {
                    "product_id": self.product.id,
                    "lot_id": self.broken.id,
                    "quantity": -1,
                    "location_id": self.stock_location.id,
                }
            )
        self.assertEqual(Scrap.search_count([]), count)

    def test_scrapping_the_unit_makes_its_notice_permanent(self):
        request = self._request(lot_id=self.broken.id)
        loaner = self._obligation(request, loaner_lot_id=self.loaner.id)
        loaner.with_user(self.warehouse_user).action_issue()
        notice = self.env["aftersales.replacement.notice"].create(
            {
                "ticket_id": request.id,
                "partner_id": self.customer.id,
                "lot_id": self.broken.id,
                "loaner_id": loaner.id,
                "replacement_lot_id": self.loaner.id,
            }
        )
        scrap = self._scrap_request()
        scrap.with_user(self.appraiser2).validate_tier()
        scrap.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(notice.state, "permanent")
        self.assertEqual(notice.scrap_request_id, scrap)
        self.assertIn("Permanent substitution", notice.remarks)
        self.assertIn(self.loaner.name, notice.remarks)
        # The loaner stays with the customer and leaves the pool.
        self.assertEqual(loaner.state, "done")
        self.assertFalse(self.loaner.aftersales_is_loaner)
        self.env["aftersales.loaner"]._cron_loaners()
        self.assertFalse(loaner.escalated)

    def test_scrap_record_prints_in_both_languages(self):
        scrap = self._scrap_request()
        scrap.with_user(self.appraiser2).validate_tier()
        scrap.with_user(self.warehouse_user).action_scrap()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for lang, title in (("en_US", "Scrap Record"), ("zh_CN", "报废品处理记录")):
            report = report.with_context(lang=lang)
            html = report._render_qweb_html(
                "aftersales_service.report_scrap_record", scrap.ids
            )[0].decode()
            self.assertIn(title, html)
            self.assertIn("SCRAP-001", html)
            self.assertIn(self.appraiser2.name, html)
            pdf, __ = report._render_qweb_pdf(
                "aftersales_service.report_scrap_record", scrap.ids
            )
            self.assertTrue(pdf.startswith(b"%PDF"))
