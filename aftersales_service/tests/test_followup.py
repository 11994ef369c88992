from datetime import date

from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from .common import SIGNATURE, DispatchCase


class FollowupCase(DispatchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_manager = new_test_user(
            cls.env,
            login="as_fu_am",
            groups="aftersales_service.group_aftersales_account_manager",
        )
        cls.trainer = new_test_user(
            cls.env,
            login="as_fu_trainer",
            groups="aftersales_service.group_aftersales_trainer",
        )
        cls.preset = cls.env.ref("aftersales_service.followup_preset_standard")
        cls.contract = cls._running_contract(
            cls.unit,
            "2027-01-10",
            "2027-12-31",
            engineer_id=cls.engineer.id,
            amount=36000,
        )

    def _plan(self, contract=None, approve=True):
        plan = self.env["aftersales.followup.plan"].create(
            {
                "contract_id": (contract or self.contract).id,
                "engineer_id": self.engineer.id,
                "preset_id": self.preset.id,
                **self.preset._terms_values(),
            }
        )
        if approve:
            plan.action_submit()
            plan.approved_by = "Zhang Wei"
            plan.action_approve()
        return plan

    def _visits(self, plan):
        return {(v.period, v.scheduled_date) for v in plan.inspection_ids}


# The promised visits of a contract from 2027-01-10 to 2027-12-31.
EXPECTED_2027 = {
    ("onsite-1", date(2027, 1, 10)),
    ("onsite-2", date(2027, 1, 17)),
    # On the last day of each of the first three months.
    ("visit-1", date(2027, 2, 9)),
    ("visit-2", date(2027, 3, 9)),
    ("visit-3", date(2027, 4, 9)),
    *{(f"call-2027-{m:02d}", date(2027, m, 10)) for m in range(2, 13)},
    ("inspection-2027-Q1", date(2027, 3, 15)),
    ("inspection-2027-Q2", date(2027, 6, 15)),
    ("inspection-2027-Q3", date(2027, 9, 15)),
    ("inspection-2027-Q4", date(2027, 12, 15)),
    ("pre-expiry", date(2027, 12, 21)),
}


class TestFollowupPlan(FollowupCase):
    def test_a_year_of_visits_created_once_each(self):
        plan = self._plan()
        self.assertEqual(
            {(period, day) for period, __, day in plan._occurrences()}, EXPECTED_2027
        )
        Plan = self.env["aftersales.followup.plan"]
        # Day by day through the year (one run a week is enough here): each
        # visit appears 7 days before it is due, never earlier.
        day = date(2026, 12, 20)
        while day <= date(2028, 1, 10):
            with freeze_time(day):
                Plan._cron_schedule_visits()
                due = {
                    item
                    for item in EXPECTED_2027
                    if fields.Date.subtract(item[1], days=7) <= day
                }
                self.assertEqual(self._visits(plan), due, day)
            day = fields.Date.add(day, days=7)
        self.assertEqual(self._visits(plan), EXPECTED_2027)
        self.assertFalse(plan.next_visit_date)
        with freeze_time("2028-01-10"):
            Plan._cron_schedule_visits()
        self.assertEqual(len(plan.inspection_ids), len(EXPECTED_2027))
        # Each visit is its engineer's activity, due on the day.
        inspection = plan.inspection_ids.filtered(
            lambda v: v.period == "inspection-2027-Q2"
        )
        self.assertEqual(inspection.kind, "inspection")
        self.assertEqual(inspection.activity_ids.user_id, self.engineer)
        self.assertEqual(inspection.activity_ids.date_deadline, date(2027, 6, 15))
        call = plan.inspection_ids.filtered(lambda v: v.period == "call-2027-05")
        self.assertEqual(
            call.activity_ids.activity_type_id,
            self.env.ref("aftersales_service.mail_activity_type_followup_call"),
        )

    def test_an_interrupted_run_gives_each_period_once(self):
        first = self._plan()
        second_contract = self._running_contract(
            self._delivered_warranties(self.product, ["FU-002"]).lot_id,
            "2027-01-10",
            "2027-12-31",
            engineer_id=self.engineer.id,
            amount=36000,
        )
        second = self._plan(second_contract)
        with freeze_time("2027-07-01"):
            # The run stopped after its first committed batch ...
            first._schedule_due_visits()
            # ... and the next one does the rest, in batches of one plan.
            self.env["aftersales.followup.plan"]._cron_schedule_visits(batch_size=1)
            self.env["aftersales.followup.plan"]._cron_schedule_visits(batch_size=1)
        for plan in first | second:
            periods = plan.inspection_ids.mapped("period")
            self.assertEqual(len(periods), len(set(periods)))
            # Due by 2027-07-08: 2 weeks on site, 3 visits, 5 calls and 2
            # inspections.
            self.assertEqual(len(periods), 12)
        # The database refuses a second copy of a period.
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            self.env["aftersales.inspection"].create(
                first._prepare_visit_vals("onsite-1", "onsite", date(2027, 1, 10))
            )

    def test_only_plans_the_customer_approved(self):
        plan = self._plan(approve=False)
        Plan = self.env["aftersales.followup.plan"]
        with freeze_time("2027-02-01"):
            Plan._cron_schedule_visits()
            self.assertFalse(plan.inspection_ids)
            plan.with_user(self.back_office).action_submit()
            self.assertEqual(plan.state, "submitted")
            with self.assertRaisesText(UserError, "Approved By"):
                plan.with_user(self.back_office).action_approve()
            Plan._cron_schedule_visits()
            self.assertFalse(plan.inspection_ids)
            plan.with_user(self.back_office).write({"approved_by": "Zhang Wei"})
            plan.with_user(self.back_office).action_approve()
            self.assertEqual(plan.approved_on, date(2027, 2, 1))
        with freeze_time("2027-02-05"):
            Plan._cron_schedule_visits()
        # The weeks on site in January, before the approval, are not owed.
        self.assertEqual(
            set(plan.inspection_ids.mapped("period")), {"visit-1", "call-2027-02"}
        )
        # Nor are they the plan's next visit: the daily run doesn't pick the
        # plan again before its next owed visit is near.
        self.assertGreater(plan.next_visit_date, date(2027, 2, 5))
        with freeze_time("2027-02-05"):
            self.assertNotIn(plan, Plan.search(Plan._visits_due_domain()))

    def test_bad_terms(self):
        count = self.env["aftersales.followup.plan"].search_count([])
        with self.assertRaisesText(ValidationError, "can't be negative"):
            self.env["aftersales.followup.plan"].create(
                {
                    "contract_id": self.contract.id,
                    "engineer_id": self.engineer.id,
                    "onsite_weeks": -1,
                }
            )
        empty = self.env["aftersales.followup.plan"].create(
            {"contract_id": self.contract.id, "engineer_id": self.engineer.id}
        )
        with self.assertRaisesText(UserError, "promises no visit or call"):
            empty.action_submit()
        self.assertEqual(empty.state, "draft")
        self.assertEqual(
            self.env["aftersales.followup.plan"].search_count([]), count + 1
        )

    def test_the_contract_opens_its_plan_from_the_preset(self):
        action = self.contract.action_open_followup_plan()
        form = Form(
            self.env["aftersales.followup.plan"].with_context(**action["context"])
        )
        self.assertEqual(form.engineer_id, self.engineer)
        self.assertEqual(form.onsite_weeks, 2)
        plan = form.save()
        self.assertEqual(self.contract.action_open_followup_plan()["res_id"], plan.id)

    def test_monthly_visits_fall_in_the_first_three_months(self):
        """前三个月内,每月: the visit of each of the first three months falls
        inside that month, on its last day. Month k runs from the start plus
        k - 1 months to the day before the start plus k months; so a contract
        from 1 January has its visits in January, February and March, none
        on 1 April."""
        for start, expected in (
            ("2027-01-01", [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]),
            # A month-end start: one month after 31 January is 28 February.
            ("2027-01-31", [date(2027, 2, 27), date(2027, 3, 30), date(2027, 4, 29)]),
            # A leap year.
            ("2028-01-01", [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
            ("2028-01-31", [date(2028, 2, 28), date(2028, 3, 30), date(2028, 4, 29)]),
            ("2028-02-01", [date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)]),
        ):
            contract = self.env["aftersales.contract"].create(
                {
                    "partner_id": self.customer.id,
                    "service_level_id": self.contract.service_level_id.id,
                    "date_start": start,
                    "date_end": fields.Date.add(
                        fields.Date.to_date(start), years=1, days=-1
                    ),
                    "amount": 36000,
                }
            )
            plan = self._plan(contract, approve=False)
            visits = [day for __, kind, day in plan._occurrences() if kind == "visit"]
            self.assertEqual(visits, expected, start)
            first_day = contract.date_start
            for month, day in enumerate(visits, start=1):
                self.assertLessEqual(
                    fields.Date.add(first_day, months=month - 1), day, start
                )
                self.assertLess(day, fields.Date.add(first_day, months=month), start)


class TestInspection(FollowupCase):
    def _inspection(self, period="inspection-2027-Q1"):
        plan = self._plan()
        with freeze_time("2027-03-15"):
            plan._schedule_due_visits()
        return plan.inspection_ids.filtered(lambda v: v.period == period)

    def test_report_checklist_signature_and_finding(self):
        inspection = self._inspection().with_user(self.engineer)
        with self.assertRaisesText(UserError, "tick what was done"):
            inspection.action_done()
        inspection.write(
            {
                "check_talk": True,
                "check_test": True,
                "lot_ids": [Command.set(self.unit.ids)],
                "finding_ids": [
                    Command.create(
                        {
                            "description": "Cabinet fan bearing noisy",
                            "lot_id": self.unit.id,
                            "severity": "general",
                        }
                    )
                ],
            }
        )
        with self.assertRaisesText(UserError, "customer signs the report"):
            inspection.action_done()
        self.assertEqual(inspection.state, "planned")
        finding = inspection.finding_ids
        finding.action_open_request()
        request = finding.sudo().ticket_id
        self.assertEqual(request.lot_id, self.unit)
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.user_id, self.engineer)
        self.assertIn("fan bearing", request.description)
        with self.assertRaisesText(UserError, "already has a request"):
            finding.action_open_request()
        inspection.write({"signer_name": "Zhang Wei", "signature": SIGNATURE})
        inspection.action_done()
        self.assertEqual(inspection.state, "done")
        self.assertTrue(inspection.signed_at)
        self.assertFalse(inspection.activity_ids)
        self.assertEqual(self.unit.aftersales_inspection_count, 1)
        pdf, __ = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("aftersales_service.report_inspection", inspection.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_a_call_records_what_the_customer_said(self):
        call = self._inspection("call-2027-03").with_user(self.engineer)
        with self.assertRaisesText(UserError, "record what the customer said"):
            call.action_done()
        call.customer_opinions = "Satisfied; asks for a training on the new panel."
        call.action_done()
        self.assertEqual(call.state, "done")

    def test_engineers_see_their_own_inspections(self):
        inspection = self._inspection()
        Inspection = self.env["aftersales.inspection"]
        self.assertIn(inspection, Inspection.with_user(self.engineer).search([]))
        self.assertNotIn(
            inspection, Inspection.with_user(self.other_engineer).search([])
        )
        with self.assertRaises(AccessError):
            inspection.with_user(self.other_engineer).write({"check_talk": True})
        self.assertIn(inspection, Inspection.with_user(self.back_office).search([]))

    def test_portal_sees_its_own_reports(self):
        inspection = self._inspection()
        portal = new_test_user(
            self.env, login="as_fu_portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = self.customer
        stranger = new_test_user(
            self.env, login="as_fu_portal2", groups="base.group_portal"
        )
        Inspection = self.env["aftersales.inspection"]
        self.assertFalse(Inspection.with_user(portal).search([]))
        inspection.write(
            {"check_talk": True, "signer_name": "Zhang Wei", "signature": SIGNATURE}
        )
        inspection.action_done()
        self.assertEqual(Inspection.with_user(portal).search([]), inspection)
        self.assertFalse(Inspection.with_user(stranger).search([]))


class TestTraining(FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.trainee = cls.env["res.partner"].create(
            {"name": "Chen Jing", "parent_id": cls.customer.id, "function": "Operator"}
        )
        cls.stranger = cls.env["res.partner"].create({"name": "Someone Else"})
        cls.operation = cls.env.ref("aftersales_service.training_topic_operation")

    def _session(self, user=None, **values):
        return (
            self.env["aftersales.training.session"]
            .with_user(user or self.trainer)
            .create(
                {
                    "name": "Operating the cabinet",
                    "partner_id": self.customer.id,
                    "contract_id": self.contract.id,
                    "topic_ids": [Command.set(self.operation.ids)],
                    "date_start": "2027-02-01 01:00:00",
                    "date_end": "2027-02-01 03:30:00",
                    "attendee_ids": [Command.create({"partner_id": self.trainee.id})],
                    **values,
                }
            )
        )

    def test_trainer_logs_a_session_with_attendance(self):
        session = self._session()
        self.assertEqual(session.duration, 2.5)
        self.assertEqual(session.attended_count, 1)
        self.assertIn(session, self.contract.training_session_ids)
        session.attendee_ids.attended = False
        with self.assertRaisesText(UserError, "tick the trainees who attended"):
            session.action_done()
        session.attendee_ids.attended = True
        session.action_done()
        self.assertEqual(session.state, "done")
        self.assertEqual(self.customer.aftersales_training_count, 1)
        self.assertEqual(self.unit.aftersales_training_count, 1)
        pdf, __ = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("aftersales_service.report_attendance", session.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_bad_sessions_are_refused(self):
        Session = self.env["aftersales.training.session"]
        count = Session.search_count([])
        with self.assertRaisesText(ValidationError, "end must come after the start"):
            self._session(date_end="2027-02-01 00:30:00")
        with self.assertRaisesText(ValidationError, "end must come after the start"):
            self._session(date_end="2027-02-01 01:00:00")
        with self.assertRaisesText(ValidationError, "is not a contact of"):
            self._session(
                attendee_ids=[Command.create({"partner_id": self.stranger.id})]
            )
        other = self.env["res.partner"].create(
            {"name": "Other Co.", "is_company": True}
        )
        with self.assertRaisesText(ValidationError, "belongs to another customer"):
            self._session(partner_id=other.id, attendee_ids=[])
        self.assertEqual(Session.search_count([]), count)

    def test_trainers_see_no_contract_prices(self):
        contract = self.contract.with_user(self.trainer)
        self.assertEqual(contract.name, self.contract.name)
        with self.assertRaises(AccessError):
            contract.read(["amount"])
        with self.assertRaises(AccessError):
            contract.write({"note": "<p>changed</p>"})
        session = self._session()
        session.write({"location": "Depot training room"})
        self.assertEqual(self.contract.with_user(self.account_manager).amount, 36000)

    def test_training_at_a_visit_in_two_clicks(self):
        plan = self._plan()
        with freeze_time("2027-03-15"):
            plan._schedule_due_visits()
        inspection = plan.inspection_ids.filtered(
            lambda v: v.period == "inspection-2027-Q1"
        )
        action = inspection.with_user(self.engineer).action_log_training()
        session = self._log_training(action)
        self.assertEqual(session.inspection_id, inspection)
        self.assertEqual(session.partner_id, self.customer)
        self.assertEqual(session.contract_id, self.contract)
        self.assertEqual(session.trainer_id, self.engineer)
        self.assertEqual(
            session.topic_ids,
            self.env.ref("aftersales_service.training_topic_maintenance"),
        )
        self.assertEqual(session.state, "done")
        self.assertEqual(inspection.training_ids, session)

    def test_training_at_a_dispatch(self):
        dispatch = self._plan_dispatch()
        action = dispatch.with_user(self.engineer).action_log_training()
        session = self._log_training(action)
        self.assertEqual(session.dispatch_id, dispatch)
        self.assertEqual(session.partner_id, self.customer)

    def test_training_at_a_dispatch_on_someone_elses_request(self):
        """The back office owns the request; the engineer it dispatched logs
        the training from the dispatch order all the same."""
        owner = self.env.ref("base.user_admin")
        dispatch = DispatchCase._plan(self, self._request(user_id=owner.id))
        self.assertFalse(dispatch.ticket_id.with_user(self.engineer).has_access("read"))
        self.env.invalidate_all()  # read as the engineer, not from the cache
        action = dispatch.with_user(self.engineer).action_log_training()
        session = self._log_training(action)
        self.assertEqual(session.dispatch_id, dispatch)
        self.assertEqual(session.contract_id, dispatch.ticket_id.aftersales_contract_id)

    def _log_training(self, action):
        """Save the training log the engineer's button opened."""
        return Form(
            self.env["aftersales.training.session"]
            .with_user(self.engineer)
            .with_context(**action["context"])
        ).save()

    def _plan_dispatch(self):
        return DispatchCase._plan(self, self._request())
