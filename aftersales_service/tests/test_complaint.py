from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import PortalCase, role_users
from .test_request_clock import FRI, MON, TUE, ClockCase, at


class ComplaintCase(ClockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = role_users(cls.env, "as_cmp")
        cls.manager = cls.users["manager"]
        cls.back_office = cls.users["back_office"]
        cls.env.company.write(
            {
                "aftersales_supervisor_id": cls.manager.id,
                "aftersales_complaint_answer_hours": 4,
                "aftersales_complaint_resolve_days": 2,
                "aftersales_service_level_id": cls.business.id,
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Li Hua", "parent_id": cls.customer.id, "email": "li@example.com"}
        )

    def _complaint(self, when, user=None, **values):
        with freeze_time(when):
            return (
                self.env["aftersales.complaint"]
                .with_user(user or self.back_office)
                .create(
                    {
                        "partner_id": self.contact.id,
                        "description": "The engineer came a day late.",
                        **values,
                    }
                )
            )

    def _resolve(self, complaint, when, user=None):
        complaint.write(
            {
                "cause": "The on-call engineer was not told of the request.",
                "corrective_action": "Visited the site and apologised.",
                "preventive_action": "The duty roster now names a deputy.",
            }
        )
        with freeze_time(when):
            complaint.with_user(user or self.manager).action_resolve()


class TestComplaintClocks(ComplaintCase):
    """The complaint's own clocks: answered within the company's hours,
    resolved within its days, on the service level's clock."""

    def test_owner_and_deadlines_on_working_hours(self):
        complaint = self._complaint(at(TUE, 15))
        self.assertEqual(complaint.user_id, self.manager)
        self.assertEqual(complaint.state, "new")
        self.assertEqual(complaint.service_level_id, self.business)
        # 4 working hours from Tuesday 15:00: 15-17, then 9-11 on Wednesday.
        self.assertEqual(complaint.answer_deadline, at(TUE + 1, 11))
        # 2 working days of 8 hours: Thursday 15:00.
        self.assertEqual(complaint.resolve_deadline, at(TUE + 2, 15))
        self.assertTrue(complaint.name.startswith("TS/"))
        activity = complaint.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("aftersales_service.mail_activity_type_complaint"),
        )

    def test_round_the_clock_level_of_the_request(self):
        request = self._request(at(FRI, 20), self.round_the_clock)
        complaint = self._complaint(at(FRI, 20), ticket_id=request.id)
        self.assertEqual(complaint.service_level_id, self.round_the_clock)
        self.assertEqual(complaint.answer_deadline, at(FRI + 1, 0))
        self.assertEqual(complaint.resolve_deadline, at(FRI + 2, 20))

    def test_answered_and_resolved_in_time(self):
        complaint = self._complaint(at(TUE, 10))
        with freeze_time(at(TUE, 12)):
            complaint.with_user(self.manager).action_answer()
        self.assertEqual(complaint.state, "answered")
        self.assertTrue(complaint.answer_met)
        self.assertEqual(complaint.answer_hours, 2)
        self._resolve(complaint, at(TUE + 3, 10))
        self.assertEqual(complaint.state, "resolved")
        # Thursday 10:00 was the deadline; Friday 10:00 is a day late.
        self.assertFalse(complaint.resolve_met)
        self.assertEqual(complaint.resolve_hours, 24)
        self.assertFalse(complaint.next_deadline)

    def test_resolving_answers_too(self):
        complaint = self._complaint(at(TUE, 10))
        self._resolve(complaint, at(TUE, 11))
        self.assertEqual(complaint.answer_done_at, at(TUE, 11))
        self.assertTrue(complaint.answer_met and complaint.resolve_met)

    def test_late_complaint_escalates_once_per_phase(self):
        complaint = self._complaint(at(MON, 9))
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")
        Complaint = self.env["aftersales.complaint"]
        with freeze_time(at(MON, 14)):
            Complaint._cron_escalate_breaches()
            Complaint._cron_escalate_breaches()
        escalations = complaint.activity_ids.filtered(
            lambda a: a.activity_type_id == breach
        )
        self.assertEqual(len(escalations), 1)
        self.assertEqual(escalations.user_id, self.manager)
        self.assertEqual(complaint.escalated_phases, "answer")
        with freeze_time(at(TUE + 2, 10)):
            Complaint._cron_escalate_breaches()
            Complaint._cron_escalate_breaches()
        self.assertEqual(complaint.escalated_phases, "answer,resolve")
        escalations = complaint.activity_ids.filtered(
            lambda a: a.activity_type_id == breach
        )
        self.assertEqual(len(escalations), 2)

    def test_without_a_service_manager_the_owner_is_told(self):
        self.env.company.aftersales_supervisor_id = False
        complaint = self._complaint(at(MON, 9), user_id=self.back_office.id)
        with freeze_time(at(MON, 14)):
            self.env["aftersales.complaint"]._cron_escalate_breaches()
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")
        escalation = complaint.activity_ids.filtered(
            lambda a: a.activity_type_id == breach
        )
        self.assertEqual(escalation.user_id, self.back_office)

    def test_closed_complaint_is_not_escalated(self):
        complaint = self._complaint(at(MON, 9))
        self._resolve(complaint, at(MON, 10))
        complaint.with_user(self.back_office).action_confirm_settled()
        complaint.with_user(self.manager).action_close()
        with freeze_time(at(TUE + 3, 10)):
            self.env["aftersales.complaint"]._cron_escalate_breaches()
        self.assertFalse(complaint.escalated_phases)

    def test_query_count_does_not_grow_with_complaints(self):
        """The escalation's queries grow with its batches, not with the late
        complaints: 30 cost what 3 cost."""
        Complaint = self.env["aftersales.complaint"]

        def run_with(count):
            complaints = Complaint.union(
                *(self._complaint(at(MON, 9)) for __ in range(count))
            )
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(at(MON, 14)), self.assertQueryCount(ESCALATION_QUERIES):
                Complaint._cron_escalate_breaches()
            self.assertEqual(set(complaints.mapped("escalated_phases")), {"answer"})

        # A first run fills the caches a fresh process starts without.
        self._complaint(at(MON, 9))
        with freeze_time(at(MON, 14)):
            Complaint._cron_escalate_breaches()
        run_with(3)
        run_with(30)


ESCALATION_QUERIES = 24


class TestComplaintWorkflow(ComplaintCase):
    def test_request_on_the_complaint_channel_opens_a_complaint(self):
        channel = self.env.ref("aftersales_service.helpdesk_channel_complaint")
        request = self._request(at(TUE, 10), channel_id=channel.id)
        complaint = request.aftersales_complaint_ids
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.user_id, self.manager)
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.channel_id, channel)
        # Set again, or registered from the request: still one complaint.
        request.channel_id = channel
        action = request.with_user(self.back_office).action_register_complaint()
        self.assertEqual(action["res_id"], complaint.id)
        self.assertEqual(len(request.aftersales_complaint_ids), 1)

    def test_engineer_marks_a_complaint(self):
        """The engineer on a request may set its channel to complaint; the
        complaint is opened though they can't see complaints."""
        engineer = self.users["engineer"]
        request = self._request(at(TUE, 10), user_id=engineer.id)
        channel = self.env.ref("aftersales_service.helpdesk_channel_complaint")
        request.with_user(engineer).channel_id = channel
        self.assertEqual(request.aftersales_complaint_ids.user_id, self.manager)

    def test_complaint_about_a_request_from_any_channel(self):
        request = self._request(at(TUE, 10))
        self.assertFalse(request.aftersales_complaint_ids)
        action = request.with_user(self.back_office).action_register_complaint()
        complaint = self.env["aftersales.complaint"].browse(action["res_id"])
        self.assertEqual(complaint.ticket_id, request)
        self.assertIn(complaint.name, request.message_ids[0].body)

    def test_settled_by_phone_then_closed(self):
        complaint = self._complaint(at(TUE, 10))
        self._resolve(complaint, at(TUE, 12))
        with freeze_time(at(TUE, 16)):
            complaint.with_user(self.back_office).action_confirm_settled()
        self.assertEqual(complaint.confirmed_at, at(TUE, 16))
        self.assertEqual(complaint.confirmed_by_id, self.back_office)
        self.assertEqual(complaint.confirmed_via, "phone")
        complaint.with_user(self.manager).action_close()
        self.assertEqual(complaint.state, "closed")
        self.assertFalse(
            complaint.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id.get_external_id()[a.activity_type_id.id]
                    == "aftersales_service.mail_activity_type_complaint"
                )
            )
        )
        with self.assertRaisesRegex(UserError, "closed"):
            complaint.with_user(self.manager).cause = "Something else"

    def test_not_satisfied_reopens(self):
        complaint = self._complaint(at(TUE, 10))
        self._resolve(complaint, at(TUE, 12))
        complaint.with_user(self.manager).action_reopen()
        self.assertEqual(complaint.state, "answered")
        self.assertFalse(complaint.resolve_done_at)
        self.assertEqual(complaint.next_deadline, complaint.resolve_deadline)
        self._resolve(complaint, at(TUE, 14))
        self.assertEqual(complaint.resolve_done_at, at(TUE, 14))

    def test_printed_record(self):
        complaint = self._complaint(at(TUE, 10))
        self._resolve(complaint, at(TUE, 12))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("aftersales_service.report_complaint", complaint.ids)[0]
            .decode()
        )
        self.assertIn(complaint.name, html)
        self.assertIn("The duty roster now names a deputy.", html)
        self.assertIn("Corrective Action", html)


class TestComplaintBadInput(ComplaintCase):
    def test_closing_needs_corrective_action_and_confirmation(self):
        complaint = self._complaint(at(TUE, 10))
        manager = complaint.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "resolve it before closing"):
            manager.action_close()
        with self.assertRaisesRegex(UserError, "Cause Found / Corrective Action"):
            manager.action_resolve()
        self.assertEqual(complaint.state, "new")
        self.assertFalse(complaint.answer_done_at)
        self._resolve(complaint, at(TUE, 12))
        with self.assertRaisesRegex(UserError, "has not confirmed"):
            manager.action_close()
        self.assertEqual(complaint.state, "resolved")
        complaint.corrective_action = " "
        complaint.with_user(self.back_office).action_confirm_settled()
        with self.assertRaisesRegex(UserError, "corrective action"):
            manager.action_close()
        self.assertEqual(complaint.state, "resolved")

    def test_a_request_without_customer_has_no_complaint(self):
        request = self._request(at(TUE, 10), partner_id=False)
        with self.assertRaisesRegex(UserError, "Set the customer"):
            request.with_user(self.back_office).action_register_complaint()
        self.assertFalse(
            self.env["aftersales.complaint"].search([("ticket_id", "=", request.id)])
        )
        with self.assertRaises(AccessError):
            request.with_user(self.users["engineer"]).action_register_complaint()

    def test_confirmation_only_when_resolved(self):
        complaint = self._complaint(at(TUE, 10))
        with self.assertRaisesRegex(UserError, "once it is resolved"):
            complaint.with_user(self.back_office).action_confirm_settled()
        self.assertFalse(complaint.confirmed_at)

    def test_workflow_fields_are_written_by_actions_only(self):
        complaint = self._complaint(at(TUE, 10))
        as_manager = complaint.with_user(self.manager)
        for vals in (
            {"state": "closed"},
            {"confirmed_at": fields.Datetime.now()},
            {"confirmed_via": "portal"},
            {"answer_done_at": fields.Datetime.now()},
            {"received_at": at(MON, 9)},
            {"escalated_phases": "answer,resolve"},
        ):
            with self.assertRaisesRegex(UserError, "set by its actions"):
                as_manager.write(vals)
        with self.assertRaisesRegex(UserError, "set by its actions"):
            self._complaint(at(TUE, 10), received_at=at(MON, 9))
        self.assertEqual(complaint.state, "new")

    def test_answered_twice_is_refused(self):
        complaint = self._complaint(at(TUE, 10))
        complaint.with_user(self.manager).action_answer()
        with self.assertRaisesRegex(UserError, "answered already"):
            complaint.with_user(self.manager).action_answer()

    def test_targets_are_positive(self):
        for vals, message in (
            ({"aftersales_complaint_answer_hours": 0}, "positive number of hours"),
            ({"aftersales_complaint_resolve_days": -1}, "positive number of days"),
            ({"aftersales_complaint_answer_hours": float("nan")}, "nan is out"),
            ({"aftersales_complaint_resolve_days": 1000}, "out of range"),
        ):
            with (
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.env.company.write(vals)
        self.assertEqual(self.env.company.aftersales_complaint_answer_hours, 4)

    def test_answered_complaint_is_kept(self):
        complaint = self._complaint(at(TUE, 10))
        complaint.with_user(self.manager).action_answer()
        with self.assertRaisesRegex(UserError, "stays on file"):
            complaint.with_user(self.manager).unlink()
        new = self._complaint(at(TUE, 10))
        new.with_user(self.manager).unlink()
        self.assertFalse(new.exists())


class TestComplaintAccess(ComplaintCase):
    """The back office registers; the owner or a manager handles; the
    customer sees their own company's in the portal only."""

    def test_back_office_registers_owner_or_manager_handles(self):
        complaint = self._complaint(at(TUE, 10))
        other = new_test_user(
            self.env,
            login="as_cmp_other",
            groups="aftersales_service.group_aftersales_user",
        )
        self.assertFalse(complaint.with_user(other).can_handle)
        self.assertTrue(complaint.with_user(self.manager).can_handle)
        with self.assertRaisesRegex(UserError, "handled by its owner"):
            complaint.with_user(other).action_answer()
        complaint.user_id = other
        self.assertTrue(complaint.with_user(other).can_handle)
        complaint.with_user(other).action_answer()
        self.assertEqual(complaint.state, "answered")
        # The new owner got the complaint's activity.
        self.assertEqual(complaint.activity_ids.user_id, other)
        with self.assertRaises(AccessError):
            complaint.with_user(self.back_office).unlink()

    def test_other_roles_have_no_access(self):
        for role in ("engineer", "warehouse", "account_manager", "trainer"):
            with self.assertRaises(AccessError, msg=role):
                self.env["aftersales.complaint"].with_user(self.users[role]).create(
                    {"partner_id": self.contact.id, "description": "Late"}
                )
            with self.assertRaises(AccessError, msg=role):
                self.env["aftersales.complaint"].with_user(self.users[role]).search([])

    def test_portal_sees_and_confirms_own_only(self):
        mine = self._complaint(at(TUE, 10))
        self._resolve(mine, at(TUE, 12))
        other_customer = self.env["res.partner"].create(
            {"name": "Other Works", "is_company": True}
        )
        theirs = self._complaint(at(TUE, 10), partner_id=other_customer.id)
        self._resolve(theirs, at(TUE, 12))
        portal = new_test_user(
            self.env,
            login="as_cmp_portal",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        Complaint = self.env["aftersales.complaint"].with_user(portal)
        self.assertEqual(Complaint.search([]), mine)
        with self.assertRaises(AccessError):
            Complaint.browse(theirs.id).read(["name"])
        with self.assertRaises(AccessError):
            Complaint.browse(mine.id).write({"cause": "Nothing"})
        with self.assertRaisesRegex(UserError, "back office records"):
            Complaint.browse(mine.id).action_confirm_settled()
        with freeze_time(at(TUE, 13)):
            Complaint.browse(mine.id)._portal_confirm()
        self.assertEqual(mine.confirmed_via, "portal")
        self.assertEqual(mine.confirmed_by_id, portal)
        self.assertEqual(mine.confirmed_at, at(TUE, 13))


class TestComplaintFigures(ComplaintCase):
    """Complaints count in the KPIs and in the quarterly analysis (I5)."""

    def test_kpis_and_quarterly_analysis(self):
        channel = self.env.ref("aftersales_service.helpdesk_channel_complaint")
        with freeze_time(at(TUE, 10)):
            request = self._request(at(TUE, 10), channel_id=channel.id)
        on_time = request.aftersales_complaint_ids
        self._resolve(on_time, at(TUE, 11))
        late = self._complaint(at(MON, 9))
        with freeze_time(at(MON, 16)):
            late.with_user(self.manager).action_answer()
        self._complaint(at(TUE, 12))  # still open: no rate yet
        self.env.flush_all()
        [[count, requests, answered, resolved]] = self.env[
            "aftersales.kpi"
        ]._read_group(
            [("partner_id", "=", self.customer.id)],
            [],
            [
                "complaint_count:sum",
                "request_count:sum",
                "complaint_answer_met_rate:avg",
                "complaint_resolve_met_rate:avg",
            ],
        )
        self.assertEqual((count, requests), (3, 1))
        self.assertEqual(answered, 50)
        self.assertEqual(resolved, 100)
        analysis = self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2026, "quarter": "4"}
        )
        stats = analysis._statistics()
        self.assertEqual(stats["requests"], 1)
        self.assertEqual(stats["complaints"], 3)
        self.assertEqual(
            stats["complaint_rates"],
            {"complaint_answer_met_rate": 50, "complaint_resolve_met_rate": 100},
        )
        self.assertIn("Complaints Answered In Time (%)", analysis.figures)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "aftersales_service.report_fault_analysis", analysis.ids
            )[0]
            .decode()
        )
        self.assertIn("Complaints Resolved In Time (%)", html)


class TestComplaintPortal(PortalCase):
    """The customer's complaints in the portal: their own company's only,
    confirmed settled once resolved."""

    def test_list_pdf_and_confirmation(self):
        Partner = self.env["res.partner"]
        customer = Partner.create({"name": "Ningbo Port", "is_company": True})
        contact, portal = self._portal_contact(customer, "as_cmp_portal_http")
        other = Partner.create({"name": "Other Works", "is_company": True})
        mine, unresolved, theirs = self.env["aftersales.complaint"].create(
            [
                {"partner_id": contact.id, "description": "Nobody came"},
                {"partner_id": contact.id, "description": "Rude on the phone"},
                {"partner_id": other.id, "description": "Too slow"},
            ]
        )
        (mine | unresolved | theirs).write(
            {"cause": "No deputy", "corrective_action": "Visited"}
        )
        (mine | theirs).action_resolve()
        self.authenticate(portal.login, portal.login)
        page = self.url_open("/my/complaints").text
        self.assertIn(mine.name, page)
        self.assertIn(unresolved.name, page)
        self.assertNotIn(theirs.name, page)
        self.assertEqual(page.count("It Is Settled"), 1)
        self.assertEqual(
            self.url_open(f"/my/complaints/{theirs.id}/pdf").status_code, 404
        )
        self.assertEqual(
            self.url_open(f"/my/complaints/{mine.id}/pdf").headers["Content-Type"],
            "application/pdf",
        )
        token = self._csrf("/my/complaints")
        for complaint in (theirs, unresolved, mine):
            self.url_open(
                f"/my/complaints/{complaint.id}/confirm", data={"csrf_token": token}
            )
        self.assertFalse(theirs.confirmed_at)
        self.assertFalse(unresolved.confirmed_at)
        self.assertEqual(mine.confirmed_via, "portal")
        self.assertEqual(mine.confirmed_by_id, portal)
        self.assertNotIn("It Is Settled", self.url_open("/my/complaints").text)
