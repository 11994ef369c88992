from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DispatchCase


@tagged("post_install", "-at_install")
class TestDailyPath(DispatchCase):
    """From the phone call to a dispatched engineer: what the back office
    types once is found, proposed and copied, never asked again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.phone = "+86 571 8888 0101"
        cls.unit.warranty_id.delivery_date = "2026-01-01 00:00:00"
        cls.unit.warranty_id.record_acceptance("2026-01-02", "Wang Wei")
        # Nobody on duty unless a test says so.
        cls.env["aftersales.duty"].search([]).unlink()

    def _plan_form(self, request):
        return Form(
            self.env["aftersales.service.plan"]
            .with_user(self.back_office)
            .with_context(default_ticket_id=request.id)
        )

    def test_the_caller_is_found_by_the_number_they_ring_from(self):
        Partner = self.env["res.partner"].with_user(self.back_office)
        found = Partner.name_search("8888 0101")
        self.assertIn(self.customer.id, [partner_id for partner_id, __ in found])

    def test_the_caller_brings_their_only_unit(self):
        form = Form(self.env["helpdesk.ticket"].with_user(self.back_office))
        form.partner_id = self.customer
        self.assertEqual(form.lot_id, self.unit)
        # A customer with two units says which one.
        self._delivered_warranties(self.product, ["DSP-002"])
        form = Form(self.env["helpdesk.ticket"].with_user(self.back_office))
        form.partner_id = self.customer
        self.assertFalse(form.lot_id)

    def test_the_unit_brings_its_customer(self):
        form = Form(self.env["helpdesk.ticket"].with_user(self.back_office))
        form.lot_id = self.unit
        self.assertEqual(form.partner_id, self.customer)

    def test_the_reported_fault_titles_the_request(self):
        Request = self.env["helpdesk.ticket"].with_user(self.back_office)
        self.assertEqual(Request.new({}).display_name, "New Request")
        form = Form(Request)
        form.lot_id = self.unit
        form.description = "<p>Cabinet dark since the storm</p><p>Fuse looks fine</p>"
        request = form.save()
        self.assertEqual(request.name, "Cabinet dark since the storm")
        long = self.env["helpdesk.ticket"].create(
            {"description": "<p>%s</p>" % ("长" * 80), "partner_id": self.customer.id}
        )
        self.assertEqual(long.name, "长" * 60 + "…")
        # A title typed in is kept.
        request.description = "<p>Something else</p>"
        self.assertEqual(request.name, "Cabinet dark since the storm")

    def test_the_plan_proposes_who_and_when(self):
        request = self._request()
        form = self._plan_form(request)
        # No contract, no earlier visit, nobody on duty: nobody proposed.
        self.assertEqual(len(form.engineer_ids), 0)
        self.assertEqual(form.expected_arrival, request.arrival_deadline)
        self.assertLessEqual(form.planned_departure, fields.Datetime.now())
        self.assertIn("Cabinet down", form.plan)
        # On duty now.
        self.env["aftersales.duty"].create(
            {
                "user_id": self.other_engineer.id,
                "date_start": fields.Datetime.now() - timedelta(hours=1),
                "date_end": fields.Datetime.now() + timedelta(hours=8),
            }
        )
        self.assertEqual(self._plan_form(request).engineer_ids[:], self.other_engineer)
        # The engineer who last worked on the unit knows it.
        self._finish(self._plan(self._request()), engineer=self.engineer)
        self.assertEqual(self._plan_form(request).engineer_ids[:], self.engineer)
        # The contract's engineer comes first.
        contract_engineer = new_test_user(
            self.env,
            login="as_path_contract_eng",
            groups="aftersales_service.group_aftersales_engineer",
        )
        self.env["aftersales.contract"].create(
            {
                "partner_id": self.customer.id,
                "service_level_id": request.service_level_id.id,
                "engineer_id": contract_engineer.id,
                "product_id": self.env.ref(
                    "aftersales_service.product_service_contract"
                ).id,
                "date_start": fields.Date.today() - timedelta(days=30),
                "date_end": fields.Date.today() + timedelta(days=300),
                "amount": 12000,
                "lot_ids": [Command.set(self.unit.ids)],
            }
        ).action_start()
        self.assertTrue(request.aftersales_contract_id)
        self.assertEqual(self._plan_form(request).engineer_ids[:], contract_engineer)

    def test_one_action_plans_dispatches_and_tells_the_customer(self):
        request = self._request(description="<p>Cabinet dark</p>")
        form = self._plan_form(request)
        form.engineer_ids.add(self.engineer)
        result = form.save().action_plan_and_dispatch()
        self.assertEqual(result["tag"], "display_notification")
        dispatch = request.dispatch_ids
        self.assertEqual(dispatch.state, "dispatched")
        self.assertTrue(dispatch.arrival_notice_sent)
        self.assertEqual(dispatch.engineer_ids, self.engineer)
        self.assertEqual(dispatch.reported_fault, "Cabinet dark")
        self.assertEqual(dispatch.expected_arrival, request.arrival_deadline)
        self.assertTrue(request.ack_done_at and request.plan_done_at)
        self.assertEqual(
            request.stage_id,
            self.env.ref("aftersales_service.helpdesk_ticket_stage_dispatched"),
        )

    def test_dispatching_without_an_engineer_saves_nothing(self):
        request = self._request()
        wizard = self._plan_form(request).save()
        # As a client's call: the transaction is rolled back on the error.
        with (
            self.assertRaisesText(UserError, "choose the engineers"),
            self.env.cr.savepoint(),
        ):
            wizard.action_plan_and_dispatch()
        self.env.invalidate_all()
        self.assertFalse(request.dispatch_ids)
        self.assertFalse(request.ack_done_at or request.plan_done_at)
        self.assertFalse(request.service_plan)

    def test_a_brand_new_request_is_on_time(self):
        request = self._request()
        self.assertEqual(request.clock_status, "on_time")
        # In the last quarter of the acknowledgement's time it is due soon.
        target = timedelta(hours=request.service_level_id.ack_hours)
        request.reported_at = fields.Datetime.now() - target * 0.9
        self.assertEqual(request.clock_status, "near")
        request.reported_at = fields.Datetime.now() - target * 0.5
        self.assertEqual(request.clock_status, "on_time")

    def test_service_staff_land_in_after_sales(self):
        """One entry point: After-Sales is the first app (the web client
        opens it after login), and the helpdesk's own app, showing the same
        requests, is folded into it."""
        after_sales = self.env.ref("aftersales_service.menu_aftersales_root")
        helpdesk_app = self.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")
        for user in (self.back_office, self.engineer):
            menus = self.env["ir.ui.menu"].with_user(user).load_menus(False)
            self.assertEqual(menus["root"]["children"][0], after_sales.id)
            self.assertNotIn(helpdesk_app.id, menus)
        # The helpdesk's own users keep its screens, in After-Sales.
        helpdesk_manager = new_test_user(
            self.env,
            login="as_path_helpdesk_manager",
            groups="helpdesk_mgmt.group_helpdesk_manager",
        )
        menus = self.env["ir.ui.menu"].with_user(helpdesk_manager).load_menus(False)
        for xmlid in (
            "menu_aftersales_request",
            "menu_aftersales_my_request",
            "menu_aftersales_team_dashboard",
            "menu_aftersales_request_analysis",
            "menu_aftersales_stage",
            "menu_aftersales_team",
        ):
            self.assertIn(self.env.ref(f"aftersales_service.{xmlid}").id, menus, xmlid)
        for xmlid in ("menu_aftersales_settings", "menu_aftersales_kpi"):
            self.assertNotIn(
                self.env.ref(f"aftersales_service.{xmlid}").id, menus, xmlid
            )

    def test_the_default_dispatch_list_keeps_what_was_signed_lately(self):
        """The dispatch list opens on what is still to do (the finished
        orders awaiting the signature included) and what was signed this
        week."""
        Dispatch = self.env["aftersales.dispatch"].with_user(self.back_office)
        action = self.env.ref("aftersales_service.action_aftersales_dispatch")
        arch = Dispatch.get_views([(False, "search")])["views"]["search"]["arch"]
        filters = {
            node.get("name"): node.get("domain")
            for node in etree.fromstring(arch).iter("filter")
        }
        today = fields.Date.context_today(Dispatch)
        names = {"context_today": lambda: today, "relativedelta": relativedelta}
        default = Domain.OR(
            safe_eval(filters[key.removeprefix("search_default_")], names)
            for key in safe_eval(action.context)
            if key.startswith("search_default_")
        )
        to_sign, signed, old = (self._plan(self._request()) for __ in range(3))
        for dispatch in to_sign | signed | old:
            self._finish(dispatch, engineer=self.engineer)
        for dispatch in signed | old:
            self._sign(dispatch)
        # Signed a month ago (a signed order can't be changed: the clock is
        # set back in the database).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE aftersales_dispatch SET signed_at = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=30), old.id],
        )
        self.env.invalidate_all()
        listed = Dispatch.search(
            Domain.AND([default, [("id", "in", (to_sign | signed | old).ids)]])
        )
        self.assertEqual(listed, to_sign | signed)

    def test_a_request_keeps_a_title(self):
        request = self._request()
        with self.assertRaisesText(UserError, "A request needs a title"):
            request.with_user(self.back_office).write({"name": False})
        self.assertEqual(request.name, "Cabinet down")

    def test_no_visit_is_planned_for_a_closed_request(self):
        # Solved remotely, the request is closed (reopened, it takes a visit:
        # test_dispatch).
        request = self._request()
        self.env["aftersales.remote.solution"].with_user(self.back_office).create(
            {"ticket_id": request.id, "guidance": "<p>Reset breaker B2.</p>"}
        ).action_solve()
        wizard = self._plan_form(request)
        wizard.engineer_ids.add(self.engineer)
        wizard = wizard.save()
        with self.assertRaisesText(UserError, "is closed: reopen it"):
            wizard.action_plan_and_dispatch()
        self.assertFalse(request.dispatch_ids or request.plan_done_at)

    def test_a_stage_that_starts_pausing_stops_its_requests_clocks(self):
        request = self._request()
        stage = request.stage_id
        self.assertFalse(request.paused_since)
        stage.aftersales_pauses_clock = True
        self.assertTrue(request.clock_paused)
        self.assertTrue(request.paused_since)
        request.sudo().paused_since = fields.Datetime.now() - timedelta(hours=2)
        stage.aftersales_pauses_clock = False
        self.assertFalse(request.paused_since)
        self.assertAlmostEqual(request.paused_hours, 2, places=1)
