from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user
from odoo.tools import mute_logger

from . import test_cron_concurrency
from .common import ROLES, DispatchCase


class QualificationCase(DispatchCase):
    """A product family that needs qualified engineers (资质), the unit of
    the dispatch tests in it, and the engineers as employees."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.family = cls.env["product.category"].create(
            {"name": "Rail Control", "aftersales_qualification_required": True}
        )
        cls.cabinets = cls.env["product.category"].create(
            {"name": "Cabinets", "parent_id": cls.family.id}
        )
        cls.product.categ_id = cls.cabinets
        cls.manager = new_test_user(cls.env, login="as_q4_mgr", groups=ROLES["manager"])
        cls.trainer = new_test_user(
            cls.env, login="as_q4_trainer", groups=ROLES["trainer"]
        )
        Employee = cls.env["hr.employee"]
        cls.boss = Employee.create({"name": "Sun Li", "user_id": cls.manager.id})
        cls.emp = Employee.create(
            {
                "name": "Zhou Qiang",
                "user_id": cls.engineer.id,
                "parent_id": cls.boss.id,
            }
        )
        cls.other_emp = Employee.create(
            {"name": "Li Ming", "user_id": cls.other_engineer.id}
        )
        cls.today = fields.Date.context_today(cls.env.user)
        cls.topic = cls.env["aftersales.training.topic"].create(
            {"name": "Cabinet repair"}
        )

    def _qualify(self, employee, categ=None, issued=None, expiry=None, **values):
        return self.env["aftersales.qualification"].create(
            {
                "employee_id": employee.id,
                "categ_id": (categ or self.cabinets).id,
                "date_issued": issued or self.today - relativedelta(months=6),
                "date_expiry": expiry or self.today + relativedelta(months=6),
                "certificate": "IC-0001",
                **values,
            }
        )

    def _internal_session(self, trainees, **values):
        """An internal session for the cabinets, ended yesterday, with
        ``trainees``: {employee: passed}."""
        start = fields.Datetime.now() - timedelta(days=1, hours=4)
        return self.env["aftersales.training.session"].create(
            {
                "name": "Cabinet repair course",
                "audience": "internal",
                "qualification_categ_id": self.cabinets.id,
                "topic_ids": [Command.set(self.topic.ids)],
                "date_start": start,
                "date_end": start + timedelta(hours=3),
                "attendee_ids": [
                    Command.create({"employee_id": employee.id, "passed": passed})
                    for employee, passed in trainees.items()
                ],
                **values,
            }
        )

    def _dispatch(self, engineers):
        return self.env["aftersales.dispatch"].create(
            {
                "ticket_id": self._request().id,
                "engineer_ids": [Command.set(engineers.ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=2),
            }
        )


class TestQualificationRules(QualificationCase):
    def test_expiring_before_issue_is_refused(self):
        with self.assertRaisesText(ValidationError, "before it was issued"):
            self._qualify(self.emp, issued=self.today, expiry=self.today - timedelta(1))
        self.assertFalse(
            self.env["aftersales.qualification"].search(
                [("employee_id", "=", self.emp.id)]
            )
        )
        qualification = self._qualify(self.emp)
        with self.assertRaisesText(ValidationError, "before it was issued"):
            qualification.date_expiry = qualification.date_issued - timedelta(1)

    def test_a_qualification_says_what_granted_it(self):
        with self.assertRaisesText(ValidationError, "certificate or document"):
            self._qualify(self.emp, certificate=False)

    def test_dates_out_of_range_are_refused(self):
        with self.assertRaises(ValidationError):
            self._qualify(self.emp, expiry=fields.Date.to_date("2400-01-01"))

    def test_one_qualification_per_engineer_and_family(self):
        self._qualify(self.emp)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._qualify(self.emp)

    def test_status_follows_the_dates(self):
        soon = self._qualify(self.emp, expiry=self.today + timedelta(10))
        past = self._qualify(
            self.other_emp,
            issued=self.today - relativedelta(years=2),
            expiry=self.today - timedelta(1),
        )
        self.assertEqual(soon.status, "expiring")
        self.assertEqual(past.status, "expired")
        self.assertEqual(self._qualify(self.emp, categ=self.family).status, "valid")

    def test_workflow_facts_are_not_written_directly(self):
        qualification = self._qualify(self.emp)
        session = self._internal_session({self.other_emp: True})
        for vals in (
            {"session_id": session.id},
            {"reminded_expiry": self.today},
            {"session_id": session.id, "date_expiry": self.today + timedelta(99)},
        ):
            with self.assertRaisesText(UserError, "set by its actions"):
                qualification.with_user(self.manager).write(vals)
        self.assertFalse(qualification.session_id)

    def test_granted_qualifications_are_archived_not_deleted(self):
        session = self._internal_session({self.emp: True})
        session.action_done()
        granted = session.env["aftersales.qualification"].search(
            [("session_id", "=", session.id)]
        )
        with self.assertRaisesText(UserError, "Archive it instead"):
            granted.with_user(self.manager).unlink()
        manual = self._qualify(self.other_emp)
        manual.with_user(self.manager).unlink()
        self.assertFalse(manual.exists())


class TestInternalTraining(QualificationCase):
    def _held(self, employee):
        return self.env["aftersales.qualification"].search(
            [("employee_id", "=", employee.id), ("categ_id", "=", self.cabinets.id)]
        )

    def test_given_session_qualifies_those_who_passed(self):
        self.env.company.aftersales_qualification_months = 24
        session = self._internal_session({self.emp: True, self.other_emp: False})
        session.with_user(self.trainer).action_done()
        day = fields.Date.context_today(session, session.date_end)
        qualification = self._held(self.emp)
        self.assertEqual(qualification.date_issued, day)
        self.assertEqual(qualification.date_expiry, day + relativedelta(months=24))
        self.assertEqual(qualification.session_id, session)
        self.assertFalse(self._held(self.other_emp))

    def test_the_topic_sets_the_validity(self):
        self.topic.qualification_months = 12
        session = self._internal_session({self.emp: True})
        session.action_done()
        day = fields.Date.context_today(session, session.date_end)
        self.assertEqual(
            self._held(self.emp).date_expiry, day + relativedelta(months=12)
        )

    def test_a_session_renews_and_never_shortens(self):
        old = self._qualify(self.emp, expiry=self.today + timedelta(5))
        far = self._qualify(self.other_emp, expiry=self.today + relativedelta(years=5))
        self.topic.qualification_months = 12
        session = self._internal_session({self.emp: True, self.other_emp: True})
        session.action_done()
        day = fields.Date.context_today(session, session.date_end)
        self.assertEqual(old.date_expiry, day + relativedelta(months=12))
        self.assertEqual(old.date_issued, day)
        self.assertEqual(old.session_id, session)
        self.assertEqual(far.date_expiry, self.today + relativedelta(years=5))
        self.assertEqual(
            self.env["aftersales.qualification"].search_count(
                [("categ_id", "=", self.cabinets.id)]
            ),
            2,
        )

    def test_engineers_do_not_qualify_themselves(self):
        session = self._internal_session({self.emp: True})
        with self.assertRaisesText(UserError, "a trainer or the service manager"):
            session.with_user(self.engineer).action_done()
        self.assertEqual(session.state, "planned")
        self.assertFalse(self._held(self.emp))
        session.with_user(self.manager).action_done()
        self.assertTrue(self._held(self.emp))

    def test_passing_needs_attending(self):
        trainee = self._internal_session({self.emp: True}).attendee_ids
        with self.assertRaisesText(ValidationError, "passed without attending"):
            trainee.write({"attended": False})
        self.assertTrue(trainee.attended)

    def test_internal_trainees_are_employees(self):
        contact = self.env["res.partner"].create(
            {"name": "Customer person", "parent_id": self.customer.id}
        )
        with self.assertRaisesText(ValidationError, "its trainees are our employees"):
            self._internal_session(
                {}, attendee_ids=[Command.create({"partner_id": contact.id})]
            )
        with self.assertRaisesText(ValidationError, "no customer or contract"):
            self._internal_session({self.emp: True}, partner_id=self.customer.id)
        with self.assertRaisesText(ValidationError, "choose the customer"):
            self._internal_session(
                {}, audience="customer", qualification_categ_id=False
            )
        with self.assertRaisesText(ValidationError, "only internal sessions"):
            self._internal_session(
                {},
                audience="customer",
                partner_id=self.customer.id,
            )
        self.assertFalse(
            self.env["aftersales.training.session"].search(
                [("name", "=", "Cabinet repair course")]
            )
        )

    def test_a_given_session_keeps_its_trainees(self):
        session = self._internal_session({self.emp: True, self.other_emp: False})
        session.action_done()
        for change in (
            lambda: session.attendee_ids[1].write({"passed": True}),
            lambda: session.write({"qualification_categ_id": self.family.id}),
            lambda: session.write(
                {"attendee_ids": [Command.create({"employee_id": self.boss.id})]}
            ),
            lambda: session.attendee_ids[0].unlink(),
        ):
            with self.assertRaisesText(UserError, "keeps its trainees"):
                change()
        self.assertFalse(self._held(self.other_emp))

    def test_the_attendance_sheet_lists_the_engineers(self):
        self.emp.job_title = "Field Engineer"
        session = self._internal_session({self.emp: True})
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("aftersales_service.report_attendance", session.ids)[0]
            .decode()
        )
        self.assertIn("Zhou Qiang", html)
        self.assertIn("Field Engineer", html)
        # In the company's language, as the sheet is printed.
        lang = session.company_id.partner_id.lang
        audience = dict(
            session._fields["audience"]._description_selection(
                session.with_context(lang=lang).env
            )
        )
        self.assertIn(audience["internal"], html)
        self.assertNotIn("Customer&#39;s Signature", html)
        self.assertNotIn("Customer's Signature", html)

    def test_customer_training_is_unchanged(self):
        contact = self.env["res.partner"].create(
            {"name": "Operator", "parent_id": self.customer.id}
        )
        session = self.env["aftersales.training.session"].create(
            {
                "name": "Operating the cabinet",
                "partner_id": self.customer.id,
                "date_start": fields.Datetime.now() - timedelta(hours=3),
                "date_end": fields.Datetime.now() - timedelta(hours=1),
                "attendee_ids": [Command.create({"partner_id": contact.id})],
            }
        )
        session.action_done()
        self.assertEqual(session.audience, "customer")
        self.assertFalse(self.env["aftersales.qualification"].search([]) - self._all)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._all = cls.env["aftersales.qualification"].search([])


class TestDispatchNeedsQualifiedEngineers(QualificationCase):
    def test_warns_about_an_engineer_never_qualified(self):
        dispatch = self._dispatch(self.engineer)
        self.assertIn("is not qualified for", dispatch.qualification_warning)
        self.assertIn("Rail Control / Cabinets", dispatch.qualification_warning)
        # Warn is the default: the order goes.
        dispatch.action_dispatch()
        self.assertEqual(dispatch.state, "dispatched")

    def test_warns_about_an_expired_qualification(self):
        self._qualify(
            self.emp,
            issued=self.today - relativedelta(years=2),
            expiry=self.today - timedelta(3),
        )
        dispatch = self._dispatch(self.engineer)
        self.assertIn("expired on", dispatch.qualification_warning)

    def test_a_family_qualification_covers_its_subfamilies(self):
        self._qualify(self.emp, categ=self.family)
        self._qualify(self.other_emp)
        dispatch = self._dispatch(self.engineer | self.other_engineer)
        self.assertFalse(dispatch.qualification_warning)

    def test_only_the_unqualified_engineer_is_named(self):
        self._qualify(self.emp)
        dispatch = self._dispatch(self.engineer | self.other_engineer)
        self.assertIn(self.other_engineer.name, dispatch.qualification_warning)
        self.assertNotIn(self.engineer.name, dispatch.qualification_warning)

    def test_families_without_the_rule_need_no_qualification(self):
        self.family.aftersales_qualification_required = False
        self.assertFalse(self._dispatch(self.engineer).qualification_warning)

    def test_the_day_of_arrival_counts(self):
        self._qualify(self.emp, expiry=self.today + timedelta(1))
        dispatch = self._dispatch(self.engineer)
        self.assertFalse(dispatch.qualification_warning)
        dispatch.expected_arrival = fields.Datetime.now() + timedelta(days=3)
        self.assertIn("expired on", dispatch.qualification_warning)

    def test_the_service_plan_warns_before_dispatching(self):
        request = self._request()
        form = Form(
            self.env["aftersales.service.plan"]
            .with_user(self.back_office)
            .with_context(default_ticket_id=request.id)
        )
        form.engineer_ids.clear()
        form.engineer_ids.add(self.other_engineer)
        self.assertIn("is not qualified for", form.qualification_warning)
        self._qualify(self.other_emp)
        form.engineer_ids.clear()
        form.engineer_ids.add(self.other_engineer)
        self.assertFalse(form.qualification_warning)

    def test_the_service_plan_proposes_a_qualified_engineer_first(self):
        request = self._request()
        self.env["aftersales.duty"].create(
            {
                "user_id": self.other_engineer.id,
                "date_start": fields.Datetime.now() - timedelta(hours=1),
                "date_end": fields.Datetime.now() + timedelta(hours=8),
            }
        )
        # The engineer who last worked on the unit comes before the one on
        # duty, while neither is qualified...
        self._finish(self._dispatch(self.engineer), engineer=self.engineer)
        Plan = self.env["aftersales.service.plan"].with_user(self.back_office)
        proposal = Form(Plan.with_context(default_ticket_id=request.id))
        self.assertEqual(proposal.engineer_ids[:], self.engineer)
        self.assertIn("is not qualified for", proposal.qualification_warning)
        # ...and the qualified one comes first.
        self._qualify(self.other_emp)
        proposal = Form(Plan.with_context(default_ticket_id=request.id))
        self.assertEqual(proposal.engineer_ids[:], self.other_engineer)
        self.assertFalse(proposal.qualification_warning)

    def test_the_refuse_setting_refuses_at_the_server(self):
        self.env.company.aftersales_qualification_policy = "refuse"
        request = self._request()
        Dispatch = self.env["aftersales.dispatch"].with_user(self.back_office)
        with self.assertRaisesText(ValidationError, "Choose a qualified engineer"):
            Dispatch.create(
                {
                    "ticket_id": request.id,
                    "engineer_ids": [Command.set(self.engineer.ids)],
                }
            )
        self.assertFalse(Dispatch.search([("ticket_id", "=", request.id)]))
        self._qualify(self.emp)
        dispatch = Dispatch.create(
            {
                "ticket_id": request.id,
                "engineer_ids": [Command.set(self.engineer.ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=2),
            }
        )
        with self.assertRaisesText(ValidationError, "is not qualified for"):
            dispatch.write({"engineer_ids": [Command.link(self.other_engineer.id)]})
        self.assertEqual(dispatch.engineer_ids, self.engineer)
        # Qualified when assigned, expired by the day they are expected.
        qualification = self.env["aftersales.qualification"].search(
            [("employee_id", "=", self.emp.id)]
        )
        qualification.date_expiry = self.today + timedelta(1)
        with self.assertRaisesText(ValidationError, "expired on"):
            dispatch.write({"expected_arrival": fields.Datetime.now() + timedelta(3)})
        # Expired since the order was drafted: it can't go.
        qualification.date_expiry = self.today - timedelta(1)
        with self.assertRaisesText(ValidationError, "expired on"):
            dispatch.action_dispatch()
        self.assertEqual(dispatch.state, "draft")

    def test_the_check_reads_a_fixed_number_of_queries(self):
        self._qualify(self.emp)
        self._qualify(self.other_emp)
        dispatches = self._dispatch(self.engineer | self.other_engineer)
        for __ in range(4):
            dispatches |= self._dispatch(self.engineer | self.other_engineer)
        self.env.invalidate_all()
        with self.assertQueryCount(WARNING_QUERIES):
            dispatches.mapped("qualification_warning")
        more = dispatches | self._dispatch(self.engineer)
        self.env.invalidate_all()
        with self.assertQueryCount(WARNING_QUERIES):
            more.mapped("qualification_warning")


# Reading the warning of any number of orders: the orders, their units,
# products and categories, the families above, the qualifications held and
# the engineers' names.
WARNING_QUERIES = 11


class TestQualificationAccess(QualificationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account_manager = new_test_user(
            cls.env, login="as_q4_am", groups=ROLES["account_manager"]
        )

    def test_engineers_see_only_their_own(self):
        mine = self._qualify(self.emp)
        theirs = self._qualify(self.other_emp)
        Qualification = self.env["aftersales.qualification"].with_user(self.engineer)
        self.assertEqual(Qualification.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.engineer).read(["date_expiry"])
        with self.assertRaises(AccessError):
            mine.with_user(self.engineer).write({"date_expiry": self.today})
        with self.assertRaises(AccessError):
            Qualification.create(
                {
                    "employee_id": self.emp.id,
                    "categ_id": self.family.id,
                    "date_issued": self.today,
                    "date_expiry": self.today,
                    "certificate": "self-made",
                }
            )

    def test_back_office_reads_all_and_changes_none(self):
        both = self._qualify(self.emp) | self._qualify(self.other_emp)
        as_bo = both.with_user(self.back_office)
        self.assertEqual(as_bo.search([("id", "in", both.ids)]), both)
        with self.assertRaises(AccessError):
            as_bo.write({"certificate": "X"})

    def test_trainer_and_manager_manage_all(self):
        for user in (self.trainer, self.manager):
            qualification = (
                self.env["aftersales.qualification"]
                .with_user(user)
                .create(
                    {
                        "employee_id": self.other_emp.id,
                        "categ_id": self.family.id,
                        "date_issued": self.today,
                        "date_expiry": self.today + relativedelta(years=1),
                        "certificate": f"by {user.login}",
                    }
                )
            )
            qualification.date_expiry = self.today + relativedelta(years=2)
            qualification.unlink()

    def test_other_roles_see_none(self):
        qualification = self._qualify(self.emp)
        for user in (self.account_manager,):
            with self.assertRaises(AccessError):
                qualification.with_user(user).read(["date_expiry"])

    def test_only_managers_set_the_family_rule(self):
        self.family.with_user(self.manager).aftersales_qualification_required = False
        with self.assertRaises(AccessError):
            self.family.with_user(self.back_office).write(
                {"aftersales_qualification_required": True}
            )


class TestExpiryReminder(QualificationCase):
    def _activities(self, qualifications):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "aftersales.qualification"),
                ("res_id", "in", qualifications.ids),
            ]
        )

    def test_the_manager_is_reminded_once_per_expiry(self):
        soon = self._qualify(self.emp, expiry=self.today + timedelta(20))
        later = self._qualify(self.other_emp, expiry=self.today + timedelta(90))
        Qualification = self.env["aftersales.qualification"]
        Qualification._cron_remind_expiring()
        Qualification._cron_remind_expiring()
        activity = self._activities(soon | later)
        self.assertEqual(activity.res_id, soon.id)
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.date_deadline, soon.date_expiry)
        self.assertFalse(soon.reminder_due)
        # Renewed, then close to its new end: a new reminder.
        soon.date_expiry = self.today + timedelta(25)
        self.assertTrue(soon.reminder_due)
        Qualification._cron_remind_expiring()
        self.assertEqual(len(self._activities(soon)), 2)

    def test_without_a_manager_the_supervisor_is_reminded(self):
        self.env.company.aftersales_supervisor_id = self.back_office
        soon = self._qualify(self.other_emp, expiry=self.today + timedelta(3))
        self.env["aftersales.qualification"]._cron_remind_expiring()
        self.assertEqual(self._activities(soon).user_id, self.back_office)


class TestTwoReminderRuns(TransactionCase):
    """Two runs of the reminder at once, each in its own transaction: each
    qualification gets one activity, and the second run does not wait."""

    def setUp(self):
        super().setUp()
        self.addCleanup(self._remove)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.user_id = (
                env["res.users"]
                .create({"name": "Race Boss", "login": "as_q4_race_boss"})
                .id
            )
            boss = env["hr.employee"].create({"name": "Boss", "user_id": self.user_id})
            self.categ_id = env["product.category"].create({"name": "Race Family"}).id
            today = fields.Date.context_today(boss)
            employees = env["hr.employee"].create(
                [{"name": f"Racer {n}", "parent_id": boss.id} for n in range(5)]
            )
            self.employee_ids = (employees | boss).ids
            self.ids = (
                env["aftersales.qualification"]
                .create(
                    [
                        {
                            "employee_id": employee.id,
                            "categ_id": self.categ_id,
                            "date_issued": today - timedelta(300),
                            "date_expiry": today + timedelta(10),
                            "certificate": "RACE",
                        }
                        for employee in employees
                    ]
                )
                .ids
            )

    def _remove(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            records = env["aftersales.qualification"].browse(self.ids)
            where = [("res_model", "=", records._name), ("res_id", "in", self.ids)]
            env["mail.activity"].search(where).unlink()
            env["mail.message"].search(
                [("model", "=", records._name), ("res_id", "in", self.ids)]
            ).unlink()
            env["mail.followers"].search(where).unlink()
            records.unlink()
            env["hr.employee"].browse(self.employee_ids).unlink()
            env["product.category"].browse(self.categ_id).unlink()
            user = env["res.users"].browse(self.user_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def test_each_qualification_is_reminded_once(self):
        Qualification = type(self.env["aftersales.qualification"])
        domain, ids = Qualification._expiry_reminder_domain, self.ids

        def only_the_race(model, today):
            return [*domain(model, today), ("id", "in", ids)]

        with patch.object(Qualification, "_expiry_reminder_domain", only_the_race):
            claimed, meanwhile = test_cron_concurrency.TestTwoRunsShareTheWork._race(
                self,
                "aftersales.qualification",
                "_cron_remind_expiring",
                "aftersales_locking",
                batch_size=2,
            )
        self.assertTrue(meanwhile, "the second run waited for the first")
        self.assertEqual(sorted(claimed["first"] + claimed["second"]), sorted(ids))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            counts = env["mail.activity"]._read_group(
                [
                    ("res_model", "=", "aftersales.qualification"),
                    ("res_id", "in", ids),
                ],
                ["res_id"],
                ["__count"],
            )
            self.assertEqual(sorted(counts), [(qid, 1) for qid in sorted(ids)])
            self.assertFalse(
                any(env["aftersales.qualification"].browse(ids).mapped("reminder_due"))
            )
