import io

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools.pdf import PdfFileReader
from odoo.tools.safe_eval import safe_eval

from .common import SIGNATURE, DispatchCase


class TestRemoteFirst(DispatchCase):
    def test_solved_remotely_closes_and_keeps_the_solution(self):
        request = self._request()
        wizard = (
            self.env["aftersales.remote.solution"]
            .with_user(self.back_office)
            .create(
                {
                    "ticket_id": request.id,
                    "guidance": "<p>Reset breaker B2, then restart.</p>",
                }
            )
        )
        wizard.action_solve()
        self.assertTrue(request.solved_remotely)
        self.assertTrue(request.stage_id.closed)
        self.assertTrue(request.ack_done_at)
        solution = self.env["aftersales.solution"].search(
            [("ticket_id", "=", request.id)]
        )
        self.assertEqual(solution.category_id, self.category)
        self.assertIn("breaker B2", solution.content)
        # The next request in that category shows it.
        self.assertEqual(self._request().solution_count, 1)

    def test_guidance_is_required(self):
        request = self._request()
        wizard = self.env["aftersales.remote.solution"].create(
            {"ticket_id": request.id, "guidance": "<p> </p>"}
        )
        with self.assertRaisesText(UserError, "Describe the guidance"):
            wizard.action_solve()
        self.assertFalse(request.solved_remotely)

    def test_a_closed_request_gets_no_visit_whichever_way(self):
        closed = self._request()
        self.env["aftersales.remote.solution"].create(
            {"ticket_id": closed.id, "guidance": "<p>Reset breaker B2.</p>"}
        ).action_solve()
        Dispatch = self.env["aftersales.dispatch"].with_user(self.back_office)
        refusal = "is closed: reopen it before planning a visit"
        # Plan Service: refused before anything is stamped.
        with self.assertRaisesText(UserError, refusal):
            self._plan(closed)
        self.assertFalse(closed.plan_done_at or closed.service_plan)
        # A new order's form offers the open requests, not this one...
        draft = self._plan(self._request())
        picker = Dispatch.fields_get(["ticket_id"], ["domain"])["ticket_id"]
        offered = self.env["helpdesk.ticket"].search(
            safe_eval(str(picker["domain"]), {"company_id": False})
        )
        self.assertIn(draft.ticket_id, offered)
        self.assertNotIn(closed, offered)
        # ...and the server refuses an order made or moved to it.
        with self.assertRaisesText(UserError, refusal):
            Dispatch.create({"ticket_id": closed.id})
        self.assertFalse(Dispatch.search([("ticket_id", "=", closed.id)]))
        with self.assertRaisesText(UserError, refusal):
            draft.with_user(self.back_office).ticket_id = closed
        # Reopened (the fault is back), it is no longer solved: it takes a
        # visit, through Plan Service as through the form, and closes once
        # repaired, not before.
        closed.with_user(self.back_office).action_reopen()
        self.assertFalse(closed.solved_remotely)
        self.assertIn("Reset breaker B2", closed.remote_guidance)
        with self.assertRaisesText(UserError, "not repaired yet"):
            closed.with_user(self.back_office).action_close_request()
        self.assertEqual(self._plan(closed).ticket_id, closed)
        draft.with_user(self.back_office).ticket_id = closed

    def test_a_request_moved_out_of_its_closed_stage_is_no_longer_solved(self):
        request = self._request()
        self.env["aftersales.remote.solution"].create(
            {"ticket_id": request.id, "guidance": "<p>Reset breaker B2.</p>"}
        ).action_solve()
        new = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        request.with_user(self.back_office).stage_id = new
        self.assertFalse(request.solved_remotely)
        self.assertTrue(request.next_deadline)

    def test_plan_service_opens_a_dispatch_with_the_fault(self):
        request = self._request()
        dispatch = self._plan(request)
        self.assertEqual(dispatch.ticket_id, request)
        self.assertEqual(dispatch.state, "draft")
        self.assertEqual(dispatch.engineer_ids, self.engineer)
        self.assertEqual(dispatch.category_id, self.category)
        self.assertEqual(dispatch.fault_location, "Depot, cabinet 3")
        self.assertEqual(dispatch.severity, "major")
        self.assertEqual(dispatch.aftersales_coverage, request.aftersales_coverage)
        self.assertTrue(request.plan_done_at)
        self.assertIn("power module", request.service_plan)


class TestDispatchFlow(DispatchCase):
    def test_from_draft_to_signed(self):
        request = self._request()
        dispatch = self._plan(request)
        dispatch.item_ids = [
            (0, 0, {"kind": "spare", "name": "Power module PM-20", "quantity": 1}),
            (0, 0, {"kind": "instrument", "name": "Multimeter"}),
        ]
        dispatch.action_dispatch()
        self.assertEqual(dispatch.state, "dispatched")
        self.assertTrue(dispatch.arrival_notice_sent)
        notice = dispatch.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertIn(self.customer, notice.partner_ids)
        mine = dispatch.with_user(self.engineer)
        mine.action_arrive()
        self.assertTrue(request.arrival_done_at)
        mine.analysis = "Module PM-20 burnt after a surge."
        mine.action_ids = [(0, 0, {"content": "Replaced PM-20, tested 30 minutes."})]
        mine.conduct_ids.write({"done": True})
        mine.action_finish()
        self.assertEqual(dispatch.state, "done")
        self.assertTrue(request.repair_done_at)
        mine.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
        mine.action_sign()
        self.assertEqual(dispatch.state, "signed")
        self.assertTrue(dispatch.signed_at)
        # Signed is final.
        with self.assertRaisesText(
            UserError, "signed by the customer can't be changed"
        ):
            dispatch.analysis = "Rewritten"
        with self.assertRaisesText(
            UserError, "signed by the customer can't be changed"
        ):
            dispatch.action_ids.content = "Rewritten"
        # Closing the request keeps what was done in the solution base.
        request.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        solution = self.env["aftersales.solution"].search(
            [("ticket_id", "=", request.id)]
        )
        self.assertIn("Replaced PM-20", solution.content)

        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("aftersales_service.report_dispatch", dispatch.ids)[0]
            .decode()
        )
        for text in (
            "Wang Wei",
            "Power module PM-20",
            "Replaced PM-20",
            "Depot, cabinet 3",
            dispatch.name,
            "Module PM-20 burnt",
        ):
            self.assertIn(text, html)
        # Through wkhtmltopdf, as printing does outside tests.
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("aftersales_service.report_dispatch", dispatch.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        blank = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "aftersales_service.report_dispatch_blank", dispatch.ids
            )[0]
            .decode()
        )
        self.assertNotIn("Wang Wei", blank)
        self.assertIn("Actions Taken", blank)

    def test_several_orders_print_at_once(self):
        """Several dispatch orders in one PDF, each from a new page, with
        Debian's wkhtmltopdf too (it converts one document per run)."""
        dispatches = self._plan(self._request()) | self._plan(self._request())
        pdf, __ = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("aftersales_service.report_dispatch", dispatches.ids)
        )
        reader = PdfFileReader(io.BytesIO(pdf))
        starts = [
            number
            for number, page in enumerate(reader.pages)
            for dispatch in dispatches
            if dispatch.name in page.extract_text()
        ]
        self.assertEqual(len(starts), 2)
        self.assertEqual(len(set(starts)), 2, "each order starts its own page")

    def test_printing_more_orders_reads_no_more_queries_per_order(self):
        """Printing ten orders at once costs the queries of printing two:
        nothing is looked up again for each form, Odoo's header and footer
        layout included."""
        dispatches = self.env["aftersales.dispatch"].union(
            *(self._plan(self._request()) for __ in range(10))
        )
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        name = "aftersales_service.report_dispatch"
        report._render_qweb_pdf(name, dispatches.ids[:1])

        def queries(count):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            report._render_qweb_pdf(name, dispatches.ids[:count])
            return self.env.cr.sql_log_count - before

        # Odoo's own look-up cost one query per form (41 for 2, 49 for 10).
        self.assertLessEqual(queries(10), queries(2) + 2)

    def test_order_of_the_steps(self):
        dispatch = self._plan(self._request())
        with self.assertRaisesText(UserError, "the customer signs once the work"):
            dispatch.action_sign()
        dispatch.action_dispatch()
        with self.assertRaisesText(UserError, "the customer signs once the work"):
            dispatch.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
            dispatch.action_sign()
        dispatch.action_arrive()
        with self.assertRaisesText(UserError, "record the actions taken"):
            dispatch.action_finish()
        self.assertEqual(dispatch.state, "on_site")

    def test_dispatch_needs_engineers_and_arrival(self):
        dispatch = self._plan(self._request())
        dispatch.engineer_ids = False
        with self.assertRaisesText(UserError, "choose the engineers"):
            dispatch.action_dispatch()
        dispatch.engineer_ids = self.engineer
        dispatch.expected_arrival = False
        with self.assertRaisesText(UserError, "expected arrival"):
            dispatch.action_dispatch()
        self.assertEqual(dispatch.state, "draft")

    def test_signing_needs_name_and_signature(self):
        dispatch = self._plan(self._request())
        dispatch.action_dispatch()
        dispatch.action_arrive()
        dispatch.action_ids = [(0, 0, {"content": "Fixed"})]
        dispatch.conduct_ids.done = True
        dispatch.action_finish()
        dispatch.signer_name = "Wang Wei"
        with self.assertRaisesText(UserError, "name and signature"):
            dispatch.action_sign()
        self.assertEqual(dispatch.state, "done")


class TestDispatchAccess(DispatchCase):
    def test_engineers_see_their_own_back_office_all(self):
        mine = self._plan(self._request())
        other = self._plan(self._request())
        other.engineer_ids = self.other_engineer
        Dispatch = self.env["aftersales.dispatch"]
        self.assertEqual(
            Dispatch.with_user(self.engineer).search(
                [("id", "in", (mine | other).ids)]
            ),
            mine,
        )
        with self.assertRaises(AccessError):
            other.with_user(self.engineer).read(["name"])
        self.assertEqual(
            Dispatch.with_user(self.back_office).search(
                [("id", "in", (mine | other).ids)]
            ),
            mine | other,
        )

    def test_portal_sees_own_signed_dispatches_only(self):
        contact = self.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": self.customer.id}
        )
        portal = new_test_user(
            self.env,
            login="as_dsp_portal",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        signed = self._sign(
            self._finish(self._plan(self._request()), "Fixed"), "Chen Jie"
        )
        unsigned = self._plan(self._request())
        other_customer = self.env["res.partner"].create(
            {"name": "Other", "is_company": True}
        )
        foreign = self._plan(self._request(partner_id=other_customer.id))
        foreign.write({"state": "signed"})
        Dispatch = self.env["aftersales.dispatch"].with_user(portal)
        self.assertEqual(
            Dispatch.search([("id", "in", (signed | unsigned | foreign).ids)]), signed
        )
        for hidden in (unsigned, foreign):
            with self.assertRaises(AccessError):
                hidden.with_user(portal).read(["name"])
        # The signed form prints for them; nobody else's does.
        Report = self.env["ir.actions.report"].with_user(portal)
        html = Report._render_qweb_html(
            "aftersales_service.report_dispatch", signed.ids
        )[0]
        self.assertIn(b"Chen Jie", html)
        self.assertIn(b"DSP-001", html)
        with self.assertRaisesText(AccessError, "doesn't have 'read' access"):
            Report._render_qweb_html("aftersales_service.report_dispatch", foreign.ids)
        # Their requests, and only theirs.
        Ticket = self.env["helpdesk.ticket"].with_user(portal)
        visible = Ticket.search([("id", "in", (signed | foreign).ticket_id.ids)])
        self.assertEqual(visible, signed.ticket_id)


class TestOffSiteRepair(DispatchCase):
    """T6: the unit goes to the repair centre and comes back tested."""

    def test_in_repaired_tested_back(self):
        warranty = self.unit.warranty_id
        warranty.delivery_date = "2026-01-01 00:00:00"
        warranty.record_acceptance("2026-01-02", "Wang Wei")
        request = self._request()
        # The back office sends it; the repair centre (inventory users) opens it.
        self.assertTrue(request.with_user(self.back_office).action_offsite_repair())
        repair = self.env["repair.order"].search(
            [("aftersales_ticket_id", "=", request.id)]
        )
        self.assertTrue(request.ack_done_at and request.plan_done_at)
        self.assertEqual(repair.aftersales_ticket_id, request)
        self.assertEqual(repair.lot_id, self.unit)
        self.assertEqual(repair.aftersales_coverage, "warranty")
        self.assertTrue(repair.under_warranty)
        inbound = repair.aftersales_inbound_picking_id
        self.assertEqual(inbound.picking_type_id.code, "incoming")
        self.assertEqual(inbound.move_line_ids.lot_id, self.unit)
        inbound.button_validate()
        self.assertEqual(inbound.state, "done")
        repair.action_repair_start()
        repair.action_repair_end()
        with self.assertRaisesText(UserError, "passes its test"):
            repair.action_aftersales_ship_back()
        repair.action_aftersales_test_failed()
        with self.assertRaisesText(UserError, "passes its test"):
            repair.action_aftersales_ship_back()
        technician = new_test_user(
            self.env,
            login="as_dsp_tech",
            groups="aftersales_service.group_aftersales_engineer,stock.group_stock_user",
        )
        repair.with_user(technician).action_aftersales_test_passed()
        self.assertEqual(repair.aftersales_tested_by_id, technician)
        repair.action_aftersales_ship_back()
        back = repair.aftersales_return_picking_id
        self.assertEqual(back.picking_type_id.code, "outgoing")
        # A failed re-test stops the unit at the door.
        repair.action_aftersales_test_failed()
        with self.assertRaisesText(UserError, "passes its test"):
            back.with_context(skip_sms=True).button_validate()
        repair.action_aftersales_test_passed()
        back.with_context(skip_sms=True).button_validate()
        self.assertEqual(back.state, "done")
        self.assertEqual(
            request.with_context(
                aftersales_archive="repair_count"
            ).action_aftersales_archive()["domain"],
            [("aftersales_ticket_id", "in", request.ids)],
        )

    def test_from_a_dispatch_that_cannot_fix_it_on_site(self):
        dispatch = self._plan(self._request())
        dispatch.action_dispatch()
        dispatch.action_arrive()
        action = dispatch.action_offsite_repair()
        repair = self.env["repair.order"].browse(action["res_id"])
        with self.assertRaises(AccessError):  # engineers don't edit the request
            dispatch.ticket_id.with_user(self.engineer).action_offsite_repair()
        self.assertEqual(repair.aftersales_ticket_id, dispatch.ticket_id)
        self.assertEqual(repair.lot_id, self.unit)

    def test_test_comes_after_the_repair(self):
        request = self._request()
        repair = self.env["repair.order"].browse(
            request.action_offsite_repair()["res_id"]
        )
        with self.assertRaisesText(UserError, "once it is repaired"):
            repair.action_aftersales_test_passed()
        self.assertFalse(repair.aftersales_test_result)


class TestUnitArchive(DispatchCase):
    """K1: the unit's form reaches everything about it."""

    def test_counts_and_lists(self):
        request = self._request()
        dispatch = self._plan(request)
        self._request()
        contract = self.env["aftersales.contract"].create(
            {
                "partner_id": self.customer.id,
                "service_level_id": self.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "lot_ids": [(6, 0, self.unit.ids)],
            }
        )
        other_unit = self._delivered_warranties(self.product, ["DSP-002"]).lot_id
        units = self.unit | other_unit
        units.invalidate_recordset()
        # One grouped query per kind of record (eleven kinds), for all units at
        # once.
        with self.assertQueryCount(11):
            counts = [
                (
                    u.aftersales_request_count,
                    u.aftersales_dispatch_count,
                    u.aftersales_contract_count,
                )
                for u in units
            ]
        self.assertEqual(counts, [(2, 1, 1), (0, 0, 0)])
        action = self.unit.with_context(
            aftersales_archive="aftersales_dispatch_count"
        ).action_aftersales_archive()
        self.assertEqual(
            self.env[action["res_model"]].search(action["domain"]), dispatch
        )
        action = self.unit.with_context(
            aftersales_archive="aftersales_contract_count"
        ).action_aftersales_archive()
        self.assertEqual(
            self.env[action["res_model"]].search(action["domain"]), contract
        )
        with self.assertRaisesText(UserError, "Unknown part"):
            self.unit.with_context(
                aftersales_archive="name"
            ).action_aftersales_archive()


class TestTheEngineersForm(DispatchCase):
    """What the engineer carries to the site: the fault as the customer
    reported it, what they already did, and who to meet, on the order and
    on the printed form, with times in the customer's time zone."""

    def _html(self, dispatch, user):
        return (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html("aftersales_service.report_dispatch", dispatch.ids)[0]
            .decode()
        )

    def test_the_reported_fault_reaches_the_engineer(self):
        self.customer.phone = "+86 574 8600 1234"
        request = self._request(
            description="<p>Alarm E21 on cabinet 3 after the power cut.</p>",
            user_measures="Restarted the cabinet twice.",
        )
        dispatch = self._plan(request)
        self.assertEqual(
            dispatch.reported_fault, "Alarm E21 on cabinet 3 after the power cut."
        )
        self.assertEqual(dispatch.user_measures, "Restarted the cabinet twice.")
        self.assertEqual(dispatch.contact_phone, "+86 574 8600 1234")
        html = self._html(dispatch, self.back_office)
        for text in (
            "Alarm E21 on cabinet 3 after the power cut.",
            "Restarted the cabinet twice.",
            "Power module tripped",
            "+86 574 8600 1234",
        ):
            self.assertIn(text, html)

    def test_times_print_in_the_customers_time_zone(self):
        self.customer.tz = "Asia/Shanghai"
        dispatch = self._plan(self._request())
        dispatch.planned_departure = "2030-01-01 00:40:00"
        self.back_office.tz = "UTC"
        self.other_engineer.tz = "America/New_York"
        dispatch.engineer_ids |= self.other_engineer
        for user in (self.back_office, self.other_engineer):
            with self.subTest(tz=user.tz):
                html = self._html(dispatch, user)
                # 00:40 UTC is 08:40 in Shanghai, without seconds.
                self.assertIn("08:40", html)
                self.assertNotIn("08:40:00", html)
                self.assertNotIn("00:40", html)

    def _printed_coverage(self, dispatch):
        page = etree.fromstring(
            self._html(dispatch, self.back_office), etree.HTMLParser()
        )
        [cell] = page.xpath(
            "//th[normalize-space()='Coverage']/following-sibling::td[1]"
        )
        return " ".join(cell.itertext()).strip()

    def test_a_signed_order_prints_what_was_signed(self):
        """The coverage printed on the order follows the request until the
        customer signs; then it is what they signed, even when the contract
        that covered the unit is cancelled later."""
        today = self._today()
        contract = self.env["aftersales.contract"].create(
            {
                "partner_id": self.customer.id,
                "service_level_id": self.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
                "date_start": fields.Date.subtract(today, months=1),
                "date_end": fields.Date.add(today, months=11),
                "amount": 12000,
                "lot_ids": [Command.set(self.unit.ids)],
            }
        )
        contract.action_start()
        request = self._request()
        self.assertEqual(request.aftersales_coverage, "contract")
        dispatch = self._sign(self._finish(self._plan(request), "Replaced PM-20"))
        self.assertEqual(self._printed_coverage(dispatch), "Covered by Contract")

        contract.action_cancel()
        self.assertEqual(request.aftersales_coverage, "none")
        self.assertEqual(self._printed_coverage(dispatch), "Covered by Contract")
        self.assertEqual(
            (
                dispatch.aftersales_coverage,
                dispatch.aftersales_parts_policy,
                dispatch.aftersales_labour_policy,
            ),
            ("contract", "cost", "free"),
        )
        # An order not signed yet reads the request as it is now.
        unsigned = self.env["aftersales.dispatch"].create({"ticket_id": request.id})
        self.assertEqual(self._printed_coverage(unsigned), "Not Covered")
        self.assertEqual(unsigned.aftersales_coverage, "none")
        # What was signed is set by signing only.
        for values in (
            {"signed_coverage": "warranty"},
            {"signed_parts_policy": "free", "signed_labour_policy": "free"},
        ):
            with self.assertRaisesText(UserError, "set by its actions"):
                unsigned.with_user(self.back_office).write(values)
            with self.assertRaisesText(UserError, "set by its actions"):
                self.env["aftersales.dispatch"].with_user(self.back_office).create(
                    {"ticket_id": request.id, **values}
                )

    def test_the_post_warranty_policy_is_printed_and_kept_when_signed(self):
        """E2 on the order: with neither warranty nor contract the order
        names the policy the prices follow, and keeps it once signed."""
        self.env.company.aftersales_post_warranty_policy = "labour_free"
        request = self._request()
        self.assertEqual(request.aftersales_coverage, "after_warranty")
        dispatch = self._plan(request)
        self.assertEqual(dispatch.aftersales_post_warranty_policy, "labour_free")
        printed = self._printed_coverage(dispatch)
        self.assertTrue(printed.startswith("After Warranty"), printed)
        self.assertTrue(printed.endswith("Labour Free, Parts at Cost"), printed)
        self._sign(self._finish(dispatch, "Replaced PM-20"))
        # The product now charges list prices: the request follows, not
        # what was signed.
        self.unit.product_id.aftersales_post_warranty_policy = "list"
        self.assertEqual(request.aftersales_coverage, "none")
        self.assertEqual(
            (dispatch.aftersales_coverage, dispatch.aftersales_post_warranty_policy),
            ("after_warranty", "labour_free"),
        )
        self.assertEqual(self._printed_coverage(dispatch), printed)


class TestRequestSmartButtons(DispatchCase):
    """The request form shows the add-on's smart buttons in the one button
    box the web client renders, with their counts, to the roles that may
    open them."""

    def _buttons(self, user):
        arch = (
            self.env["helpdesk.ticket"]
            .with_user(user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        boxes = etree.fromstring(arch).xpath("//div[@name='button_box']")
        self.assertEqual(len(boxes), 1)
        return set(boxes[0].xpath(".//button/@context"))

    def test_buttons_and_counts(self):
        request = self._request()
        self._plan(request)
        self.assertEqual(request.dispatch_count, 1)
        ours = {
            f"{{'aftersales_archive': '{field}'}}"
            for field in ("dispatch_count", "aftersales_loaner_count", "solution_count")
        }
        for user in (self.engineer, self.back_office):
            with self.subTest(user=user.login):
                self.assertLessEqual(ours, self._buttons(user))
        plain = new_test_user(
            self.env,
            login="as_dsp_helpdesk",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        self.assertFalse(ours & self._buttons(plain))


class TestTheStageFollowsTheWork(DispatchCase):
    """A request's stage follows the work, closing is a visible action, and
    the 15-day follow-up goes to the engineer who did the work."""

    def _stage(self, xmlid):
        return self.env.ref(xmlid)

    def test_from_the_call_to_the_follow_up(self):
        request = self._request()
        self.assertEqual(request.stage_id.sequence, 1)
        request.with_user(self.back_office).action_acknowledge()
        self.assertEqual(
            request.stage_id,
            self._stage("helpdesk_mgmt.helpdesk_ticket_stage_in_progress"),
        )
        dispatch = self._plan(request)
        self.assertEqual(
            request.stage_id,
            self._stage("aftersales_service.helpdesk_ticket_stage_dispatched"),
        )
        dispatch.engineer_ids = self.engineer
        dispatch.action_dispatch()
        mine = dispatch.with_user(self.engineer)
        mine.action_arrive()
        self.assertEqual(
            request.stage_id,
            self._stage("aftersales_service.helpdesk_ticket_stage_on_site"),
        )
        with self.assertRaisesText(UserError, "not repaired yet"):
            request.with_user(self.back_office).action_close_request()
        mine.action_ids = [(0, 0, {"content": "Replaced the fuse."})]
        mine.action_finish()
        self.assertEqual(
            request.stage_id,
            self._stage("aftersales_service.helpdesk_ticket_stage_repaired"),
        )
        request.with_user(self.back_office).action_close_request()
        self.assertTrue(request.stage_id.closed)
        follow_up = request.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("aftersales_service.mail_activity_type_follow_up")
            )
        )
        self.assertEqual(follow_up.user_id, self.engineer)

    def test_a_request_further_on_or_waiting_stays_where_it_is(self):
        request = self._request()
        awaiting = self._stage("helpdesk_mgmt.helpdesk_ticket_stage_awaiting")
        request.stage_id = awaiting
        request.action_acknowledge()
        self.assertEqual(request.stage_id, awaiting)


class TestEngineerDispatchesOnAnotherOnesRequest(DispatchCase):
    def test_the_arrival_notice_goes_out_in_the_engineers_name(self):
        """The engineer on the order dispatches it, though the request is
        assigned to someone else and he may not open it: the customer's
        arrival notice quotes the request all the same."""
        request = self._request(user_id=self.back_office.id)
        dispatch = self._plan(request)
        with self.assertRaises(AccessError):
            request.with_user(self.engineer).check_access("read")
        dispatch.with_user(self.engineer).action_dispatch()
        self.assertEqual(dispatch.state, "dispatched")
        notice = dispatch.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(notice.author_id, self.engineer.partner_id)
        self.assertIn(request.name, notice.body)
