from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user, tagged

from ..controllers.portal import AftersalesTicketController
from .common import CSRF_TOKEN, SIGNATURE, AftersalesCase, PortalCase


@tagged("post_install", "-at_install")
class TestPortalDocuments(PortalCase, AftersalesCase):
    """K3 over HTTP: a customer contact sees their company's units,
    contracts, dispatch orders, loaners, reports and trainings, and another
    customer's are refused, never shown."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(cls.customer, "as_portal_docs")
        cls.other = cls.env["res.partner"].create(
            {"name": "Zhoushan Shipyard", "is_company": True}
        )
        cls.mine = cls._delivered_warranties(cls.product, ["PD-MINE"])
        cls.theirs = cls._delivered_warranties(
            cls.product, ["PD-THEIRS"], partner=cls.other
        )
        cls.level = cls.env.ref("aftersales_service.service_level_premium")
        cls.contracts = cls.env["aftersales.contract"]
        for partner, warranty in ((cls.customer, cls.mine), (cls.other, cls.theirs)):
            cls.contracts |= cls._running_contract(
                warranty.lot_id, partner=partner, level=cls.level
            )
        cls.dispatches = cls.env["aftersales.dispatch"]
        for partner, warranty in ((cls.customer, cls.mine), (cls.other, cls.theirs)):
            dispatch = cls._done_dispatch(
                warranty,
                partner,
                "Down",
                "Fixed",
                signer_name="Li",
                signature=SIGNATURE,
            )
            dispatch.action_sign()
            cls.dispatches |= dispatch

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def test_lists_show_own_company_only(self):
        self.authenticate("as_portal_docs", "as_portal_docs")
        home = self.url_open("/my/home").text
        self.assertIn("Your Units", home)
        units = self.url_open("/my/units").text
        self.assertIn("PD-MINE", units)
        self.assertNotIn("PD-THEIRS", units)
        contracts = self.url_open("/my/contracts").text
        self.assertIn(self.contracts[0].name, contracts)
        self.assertNotIn(self.contracts[1].name, contracts)
        dispatches = self.url_open("/my/dispatches").text
        self.assertIn(self.dispatches[0].name, dispatches)
        self.assertNotIn(self.dispatches[1].name, dispatches)

    def test_own_documents_open(self):
        self.authenticate("as_portal_docs", "as_portal_docs")
        unit = self._get(f"/my/units/{self.mine.id}")
        self.assertEqual(unit.status_code, 200)
        self.assertIn("PD-MINE", unit.text)
        contract = self._get(f"/my/contracts/{self.contracts[0].id}")
        self.assertEqual(contract.status_code, 200)
        self.assertIn("Premium", contract.text)
        pdf = self._get(f"/my/dispatches/{self.dispatches[0].id}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_each_printed_form_downloads_with_its_name(self):
        """Every form the portal offers to print opens as a PDF named after
        the record (the inspection report and the attendance sheet used to
        answer an error page)."""
        engineer = new_test_user(
            self.env, login="as_portal_docs_engineer", groups="base.group_user"
        )
        plan = self.env["aftersales.followup.plan"].create(
            {"contract_id": self.contracts[0].id, "engineer_id": engineer.id}
        )
        call = self.env["aftersales.inspection"].create(
            {
                "plan_id": plan.id,
                "kind": "call",
                "period": "call-portal",
                "scheduled_date": self._today(),
                "engineer_id": engineer.id,
                "customer_opinions": "Runs well.",
            }
        )
        call.action_done()
        session = self.env["aftersales.training.session"].create(
            {
                "name": "Operation",
                "partner_id": self.customer.id,
                "trainer_id": engineer.id,
                "date_start": "2027-03-01 01:30:00",
                "date_end": "2027-03-01 05:30:00",
            }
        )
        self.authenticate("as_portal_docs", "as_portal_docs")
        for path, record, name in (
            ("dispatches", self.dispatches[0], "Dispatch_Order"),
            ("inspections", call, "Inspection_Report"),
            ("trainings", session, "Attendance"),
        ):
            pdf = self._get(f"/my/{path}/{record.id}/pdf")
            self.assertEqual(pdf.status_code, 200, path)
            self.assertEqual(pdf.headers["Content-Type"], "application/pdf", path)
            self.assertIn(name, pdf.headers["Content-Disposition"], path)

    def test_guessed_ids_of_another_customer_are_refused(self):
        self.authenticate("as_portal_docs", "as_portal_docs")
        for url in (
            f"/my/units/{self.theirs.id}",
            f"/my/contracts/{self.contracts[1].id}",
            f"/my/dispatches/{self.dispatches[1].id}/pdf",
            f"/my/inspections/{self.dispatches[1].id}/pdf",
            "/my/units/999999",
        ):
            response = self._get(url)
            self.assertIn(response.status_code, (403, 404), url)
            self.assertNotIn("PD-THEIRS", response.text, url)
            self.assertNotIn(b"%PDF", response.content[:10], url)

    def test_public_visitors_are_sent_to_log_in(self):
        response = self._get(f"/my/dispatches/{self.dispatches[0].id}/pdf")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_online_fault_report_gets_the_contract_level(self):
        self.authenticate("as_portal_docs", "as_portal_docs")
        form = self.url_open(f"/new/ticket?aftersales_unit={self.mine.lot_id.id}")
        self.assertIn("PD-MINE", form.text)
        self.assertNotIn("PD-THEIRS", form.text)
        token = CSRF_TOKEN.search(form.text).group(1)
        response = self.url_open(
            "/submitted/ticket",
            data={
                "csrf_token": token,
                "subject": "Cabinet alarm E21",
                "description": "Alarm E21 on the display since this morning.",
                "aftersales_unit": self.mine.lot_id.id,
                "severity": "major",
            },
        )
        self.assertEqual(response.status_code, 200)
        request = self.env["helpdesk.ticket"].search(
            [("name", "=", "Cabinet alarm E21")]
        )
        self.assertEqual(request.lot_id, self.mine.lot_id)
        self.assertEqual(request.severity, "major")
        self.assertEqual(request.aftersales_contract_id, self.contracts[0])
        self.assertEqual(request.service_level_id, self.level)
        self.assertTrue(request.ack_deadline and request.arrival_deadline)
        # Another customer's unit is refused, and nothing is created.
        count = self.env["helpdesk.ticket"].search_count([])
        self.url_open(
            "/submitted/ticket",
            data={
                "csrf_token": token,
                "subject": "Not mine",
                "description": "x",
                "aftersales_unit": self.theirs.lot_id.id,
            },
        )
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count)

    def _post_report(self, token, subject, **values):
        return self.url_open(
            "/submitted/ticket",
            data={
                "csrf_token": token,
                "subject": subject,
                "description": "Alarm E21.",
                **values,
            },
        )

    def _report(self, token, subject, **values):
        """Post the online fault report; the number of requests made."""
        before = self.env["helpdesk.ticket"].search_count([])
        self._post_report(token, subject, **values)
        return self.env["helpdesk.ticket"].search_count([]) - before

    def test_the_report_takes_only_a_category_and_team_the_form_offers(self):
        self.env.company.write(
            {
                "helpdesk_mgmt_portal_select_team": True,
                "helpdesk_mgmt_portal_select_category": True,
            }
        )
        Category = self.env["helpdesk.ticket.category"]
        category, hidden = Category.create(
            [
                {"name": "Cooling", "show_in_portal": True},
                {"name": "Internal audit", "show_in_portal": False},
            ]
        )
        other_company = self.env["res.company"].create({"name": "Other Works Co"})
        theirs = Category.create(
            {"name": "Theirs", "show_in_portal": True, "company_id": other_company.id}
        )
        team, hidden_team = self.env["helpdesk.ticket.team"].create(
            [
                {"name": "North", "show_in_portal": True},
                {"name": "Back office only", "show_in_portal": False},
            ]
        )
        self.authenticate("as_portal_docs", "as_portal_docs")
        token = CSRF_TOKEN.search(self.url_open("/new/ticket").text).group(1)
        count = self.env["helpdesk.ticket"].search_count([])
        for key, value, message in (
            ("category", "abc", "Pick the fault category from the list."),
            ("category", "\u00b9", "Pick the fault category from the list."),
            ("category", "9" * 12, "Pick the fault category from the list."),
            ("category", "999999999", "Pick the fault category from the list."),
            ("category", hidden.id, "Pick the fault category from the list."),
            ("category", theirs.id, "Pick the fault category from the list."),
            ("team", "abc", "Pick the team from the list."),
            ("team", hidden_team.id, "Pick the team from the list."),
        ):
            with self.subTest(key=key, value=value):
                response = self._post_report(token, "Refused", **{key: value})
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
                self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count)
        self.assertEqual(
            self._report(token, "Offered", category=category.id, team=team.id), 1
        )
        request = self.env["helpdesk.ticket"].search([("name", "=", "Offered")])
        self.assertEqual(request.category_id, category)
        self.assertEqual(request.team_id, team)
        self.assertEqual(request.company_id, self.env.company)

    def test_a_customer_with_many_units_types_the_serial_number(self):
        # Another unit with the same serial number, of another product.
        other_product = self._create_product("Inverter", duration=2)
        twin = self._delivered_warranties(other_product, ["PD-TWIN"])
        twin_too = self._delivered_warranties(self.product, ["PD-TWIN"])
        self.assertEqual(twin.partner_id, twin_too.partner_id)
        self.authenticate("as_portal_docs", "as_portal_docs")
        with patch.object(AftersalesTicketController, "_aftersales_unit_choices", 1):
            form = self.url_open("/new/ticket").text
            # Too many to list: a serial number field, and no list of units.
            self.assertIn('name="aftersales_serial"', form)
            self.assertNotIn('name="aftersales_unit"', form)
            self.assertNotIn("PD-MINE", form)
            # From a unit's page, the field holds that unit's serial number.
            form = self.url_open(
                f"/new/ticket?aftersales_unit={self.mine.lot_id.id}"
            ).text
            self.assertIn('value="PD-MINE"', form)
            # Another customer's unit is not named.
            form = self.url_open(
                f"/new/ticket?aftersales_unit={self.theirs.lot_id.id}"
            ).text
            self.assertNotIn("PD-THEIRS", form)
        token = CSRF_TOKEN.search(form).group(1)
        # Typed as the customer reads it: any case, spaces around.
        self.assertEqual(
            self._report(token, "Typed serial", aftersales_serial="  pd-mine "), 1
        )
        request = self.env["helpdesk.ticket"].search([("name", "=", "Typed serial")])
        self.assertEqual(request.lot_id, self.mine.lot_id)
        self.assertEqual(request.aftersales_contract_id, self.contracts[0])
        # Refused with what to do, and nothing is made: another customer's
        # unit, a pattern, an unknown serial, two units with that serial, a
        # garbled unit id, a serial too long or with a NUL in it.
        not_theirs = "None of your units has the serial number"
        for values, message in (
            ({"aftersales_serial": "PD-THEIRS"}, not_theirs),
            ({"aftersales_serial": "PD-%"}, not_theirs),
            ({"aftersales_serial": "PD-MINE-2"}, not_theirs),
            ({"aftersales_serial": "PD-TWIN"}, "Several of your units have"),
            ({"aftersales_unit": "PD-MINE"}, "Pick one of your own units."),
            ({"aftersales_unit": "\u00b9"}, "Pick one of your own units."),
            ({"aftersales_unit": "9" * 5000}, "Pick one of your own units."),
            ({"aftersales_serial": "P" * 129}, "in at most 128 characters"),
            ({"aftersales_serial": "PD-\x00MINE"}, "in at most 128 characters"),
        ):
            before = self.env["helpdesk.ticket"].search_count([])
            response = self._post_report(token, "Refused", **values)
            self.assertEqual(response.status_code, 200, values)
            self.assertIn(message, response.text, values)
            self.assertEqual(
                self.env["helpdesk.ticket"].search_count([]), before, values
            )
        # A garbled unit id on a unit's page names no unit.
        with patch.object(AftersalesTicketController, "_aftersales_unit_choices", 1):
            form = self.url_open("/new/ticket?aftersales_unit=%C2%B9").text
        self.assertIn('name="aftersales_serial"', form)
        self.assertNotIn('name="aftersales_unit"', form)
        # A refused report comes back with the reason and what was typed, or
        # picked: the team and the category.
        self.env.company.write(
            {
                "helpdesk_mgmt_portal_select_team": True,
                "helpdesk_mgmt_portal_select_category": True,
            }
        )
        team, __ = self.env["helpdesk.ticket.team"].create(
            [{"name": name, "show_in_portal": True} for name in ("North", "South")]
        )
        category, __ = self.env["helpdesk.ticket.category"].create(
            [{"name": name, "show_in_portal": True} for name in ("Cooling", "Power")]
        )
        with patch.object(AftersalesTicketController, "_aftersales_unit_choices", 1):
            page = self._post_report(
                token,
                "Alarm on cabinet 3",
                aftersales_serial="PD-9999",
                team=team.id,
                category=category.id,
            ).text
        self.assertIn("None of your units has the serial number PD-9999", page)
        self.assertIn('value="Alarm on cabinet 3"', page)
        self.assertIn(">Alarm E21.</textarea>", page)
        for record in (team, category):
            self.assertRegex(page, rf'<option value="{record.id}" selected')
        self.assertRegex(page, r'name="aftersales_serial"[^>]* value="PD-9999"')
        # No serial number: a request about no unit.
        self.assertEqual(self._report(token, "No unit", aftersales_serial=" "), 1)
        request = self.env["helpdesk.ticket"].search([("name", "=", "No unit")])
        self.assertFalse(request.lot_id)
        # From a unit's page, the form names the unit: one of two units with
        # the same serial number is reported; a serial typed over it, or
        # emptied, counts instead.
        with patch.object(AftersalesTicketController, "_aftersales_unit_choices", 1):
            form = self.url_open(f"/new/ticket?aftersales_unit={twin.lot_id.id}").text
        self.assertIn(f'name="aftersales_unit" value="{twin.lot_id.id}"', form)
        for subject, serial, reported in (
            ("Twin", "PD-TWIN", twin.lot_id),
            ("Retyped", "pd-mine", self.mine.lot_id),
            ("Emptied", "", self.env["stock.lot"]),
        ):
            self._report(
                token, subject, aftersales_unit=twin.lot_id.id, aftersales_serial=serial
            )
            request = self.env["helpdesk.ticket"].search([("name", "=", subject)])
            self.assertEqual(request.lot_id, reported, subject)

    def test_the_customer_approves_the_follow_up_plan(self):
        plan = self.env["aftersales.followup.plan"].create(
            {
                "contract_id": self.contracts[0].id,
                "engineer_id": self.env.ref("base.user_admin").id,
                "quarterly_inspections": True,
            }
        )
        plan.action_submit()
        their_plan = self.env["aftersales.followup.plan"].create(
            {
                "contract_id": self.contracts[1].id,
                "engineer_id": self.env.ref("base.user_admin").id,
                "quarterly_inspections": True,
            }
        )
        their_plan.action_submit()
        self.authenticate("as_portal_docs", "as_portal_docs")
        token = self._csrf("/my/followup-plans")
        self.url_open(
            f"/my/followup-plans/{their_plan.id}/approve",
            data={"csrf_token": token, "approved_by": "Chen Jie"},
        )
        self.assertEqual(their_plan.state, "submitted")
        self.url_open(
            f"/my/followup-plans/{plan.id}/approve",
            data={"csrf_token": token, "approved_by": "Chen Jie"},
        )
        self.assertEqual(plan.state, "approved")
        self.assertEqual(plan.approved_by, "Chen Jie")
        response = self.url_open(
            f"/my/followup-plans/{plan.id}/approve", data={"approved_by": "x"}
        )
        self.assertEqual(response.status_code, 400)  # no CSRF token

    @classmethod
    def _done_dispatch(
        cls, warranty, partner, fault="Panel dark", work="New panel", **values
    ):
        """A request of ``partner`` on ``warranty``'s unit, and its dispatch
        order worked and finished by the administrator; ``values`` (the
        customer's signature, say) are written with the work done."""
        request = cls.env["helpdesk.ticket"].create(
            {
                "name": fault,
                "description": fault,
                "partner_id": partner.id,
                "lot_id": warranty.lot_id.id,
            }
        )
        dispatch = cls.env["aftersales.dispatch"].create(
            {
                "ticket_id": request.id,
                "engineer_ids": [Command.set(cls.env.ref("base.user_admin").ids)],
                "expected_arrival": "2030-01-01 10:00:00",
            }
        )
        dispatch.action_dispatch()
        dispatch.action_arrive()
        dispatch.write({"action_ids": [Command.create({"content": work})], **values})
        dispatch.conduct_ids.done = True
        dispatch.action_finish()
        return dispatch

    def test_remote_sign_off(self):
        mine = self._done_dispatch(self.mine, self.contact)
        theirs = self._done_dispatch(self.theirs, self.other)
        self.authenticate("as_portal_docs", "as_portal_docs")
        # Not before the engineer asks for it.
        self.assertEqual(self._get(f"/my/dispatches/{mine.id}/sign").status_code, 404)
        (mine | theirs).action_ask_online_signoff()
        page = self._get(f"/my/dispatches/{mine.id}/sign")
        self.assertEqual(page.status_code, 200)
        self.assertIn("New panel", page.text)
        self.assertEqual(self._get(f"/my/dispatches/{theirs.id}/sign").status_code, 404)
        refused = self.make_jsonrpc_request(
            f"/my/dispatches/{theirs.id}/signature",
            {"name": "Chen Jie", "signature": SIGNATURE.decode()},
        )
        self.assertIn("error", refused)
        self.assertEqual(theirs.state, "done")
        missing = self.make_jsonrpc_request(
            f"/my/dispatches/{mine.id}/signature", {"name": "Chen Jie"}
        )
        self.assertIn("error", missing)
        self.assertEqual(mine.state, "done")
        signed = self.make_jsonrpc_request(
            f"/my/dispatches/{mine.id}/signature",
            {"name": "Chen Jie", "signature": SIGNATURE.decode()},
        )
        self.assertTrue(signed.get("force_refresh"))
        self.assertEqual(mine.state, "signed")
        self.assertEqual(mine.signer_name, "Chen Jie")
        self.assertTrue(mine.signature)
