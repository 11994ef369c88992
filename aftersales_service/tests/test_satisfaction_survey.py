from datetime import date

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.aftersales_service.models.aftersales_satisfaction_survey import (
    survey_period,
)

from .common import AftersalesCase, PortalCase, role_users


class SatisfactionCase(AftersalesCase):
    """Customers with contracts in every state, and the surveys' helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.aftersales_survey_frequency = "quarter"
        cls.Survey = cls.env["aftersales.satisfaction.survey"]
        cls.no_units = cls.env["stock.lot"]
        cls.customer.write({"lang": "en_US", "email": "port@example.com"})
        # Two running contracts, one signed by the customer's site.
        cls.contracts = cls._running_contract(cls.no_units) | cls._running_contract(
            cls.no_units, partner=cls.site
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Zhoushan Shipyard", "is_company": True, "email": "zs@ex.com"}
        )
        cls.other_contract = cls._running_contract(cls.no_units, partner=cls.other)
        # A customer whose only contract is a draft, and one whose expired.
        cls.draft_customer = cls.env["res.partner"].create({"name": "Draft Buyer"})
        cls.env["aftersales.contract"].create(
            {
                "partner_id": cls.draft_customer.id,
                "service_level_id": cls.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
                "date_start": cls._days_ago(10),
                "date_end": cls._days_ago(-300),
            }
        )
        cls.ours = cls.customer | cls.other | cls.draft_customer

    def setUp(self):
        super().setUp()
        # The scheduled action surveys this test's customers only.
        due = type(self.Survey)._customers_due

        def only_ours(survey, company, start):
            return due(survey, company, start) & self.ours

        self.patch(type(self.Survey), "_customers_due", only_ours)

    def _send(self):
        """Run the scheduled action."""
        self.Survey._cron_send_surveys()
        return self.Survey.search([("partner_id", "in", self.ours.ids)])

    def _answer(self, survey, scores, comment=None):
        """The customer answers ``survey``: {aspect: score}, and a comment."""
        questions = survey.survey_id.question_ids
        lines = [
            Command.create(
                {
                    "question_id": questions.filtered(
                        lambda q, a=aspect: q.aftersales_aspect == a
                    ).id,
                    "answer_type": "scale",
                    "value_scale": score,
                }
            )
            for aspect, score in scores.items()
        ]
        if comment:
            lines.append(
                Command.create(
                    {
                        "question_id": questions.filtered(
                            lambda q: q.aftersales_aspect == "comment"
                        ).id,
                        "answer_type": "text_box",
                        "value_text_box": comment,
                    }
                )
            )
        survey.user_input_id.sudo().write(
            {"user_input_line_ids": lines, "state": "in_progress"}
        )
        survey.user_input_id.sudo()._mark_done()


class TestPeriods(SatisfactionCase):
    def test_quarter_and_year(self):
        self.assertEqual(
            survey_period(date(2027, 5, 17), "quarter"),
            (date(2027, 4, 1), date(2027, 6, 30)),
        )
        self.assertEqual(
            survey_period(date(2027, 12, 31), "quarter"),
            (date(2027, 10, 1), date(2027, 12, 31)),
        )
        self.assertEqual(
            survey_period(date(2027, 5, 17), "year"),
            (date(2027, 1, 1), date(2027, 12, 31)),
        )


class TestSending(SatisfactionCase):
    def test_one_survey_per_customer_with_a_running_contract(self):
        surveys = self._send()
        self.assertEqual(surveys.partner_id, self.customer | self.other)
        mine = surveys.filtered(lambda s: s.partner_id == self.customer)
        # The customer's contracts, its site's included, share one survey.
        self.assertEqual(mine.contract_ids, self.contracts)
        start, end = survey_period(self._today(), "quarter")
        self.assertEqual((mine.period_start, mine.period_end), (start, end))
        self.assertEqual(mine.state, "new")
        self.assertEqual(mine.user_input_id.partner_id, self.customer)
        self.assertEqual(
            mine.user_input_id.survey_id,
            self.env.company._aftersales_satisfaction_survey(),
        )
        self.assertIn(mine.user_input_id.access_token, mine.answer_url)
        mails = self.env["mail.mail"].search(
            [("model", "=", self.Survey._name), ("res_id", "in", surveys.ids)]
        )
        self.assertEqual(len(mails), 2)
        self.assertIn(
            mine.user_input_id.access_token,
            mails.filtered(lambda m: m.res_id == mine.id).body_html,
        )

    def test_recorded_to_send_then_sent(self):
        """The period's surveys are recorded first, to send; until sent they
        have no link and the customer does not see them."""
        start, end = survey_period(self._today(), "quarter")
        self.Survey._record_period(self.env.company, start, end)
        recorded = self.Survey.search([("partner_id", "in", self.ours.ids)])
        self.assertEqual(recorded.partner_id, self.customer | self.other)
        self.assertEqual(set(recorded.mapped("state")), {"to_send"})
        self.assertFalse(recorded.user_input_id)
        # Recorded twice, still one each.
        self.Survey._record_period(self.env.company, start, end)
        self.assertEqual(self._send(), recorded)
        self.assertEqual(set(recorded.mapped("state")), {"new"})
        self.assertEqual(len(recorded.user_input_id), 2)

    def test_sent_once_per_period(self):
        first = self._send()
        self.assertEqual(self._send(), first)
        # A new contract in the period does not send a second survey.
        self._running_contract(
            self.no_units,
            start=self._days_ago(-301),
            end=self._days_ago(-400),
        )
        self.assertEqual(self._send(), first)

    def test_survey_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.other.lang = "zh_CN"
        surveys = self._send()
        theirs = surveys.filtered(lambda s: s.partner_id == self.other)
        self.assertEqual(theirs.user_input_id.lang_id.code, "zh_CN")
        mine = surveys - theirs
        self.assertEqual(mine.user_input_id.lang_id.code, "en_US")

    def test_yearly_setting(self):
        self.env.company.aftersales_survey_frequency = "year"
        surveys = self._send()
        year = self._today().year
        self.assertEqual(set(surveys.mapped("period_start")), {date(year, 1, 1)})
        self.assertEqual(set(surveys.mapped("period_end")), {date(year, 12, 31)})
        self.assertEqual(surveys[0].period, str(year))

    def test_company_chooses_its_survey(self):
        own = self.env["survey.survey"].create(
            {"title": "Our Own Survey", "access_mode": "token"}
        )
        self.env.company.aftersales_survey_id = own
        self.assertEqual(self._send().survey_id, own)

    def test_unique_per_customer_and_period(self):
        survey = self._send()[0]
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.Survey.sudo().create(
                {
                    "company_id": survey.company_id.id,
                    "partner_id": survey.partner_id.id,
                    "period_start": survey.period_start,
                    "period_end": survey.period_end,
                    "user_input_id": survey.user_input_id.copy().id,
                }
            )

    def test_a_batch_retried_skips_who_it_surveyed(self):
        """Retried customer by customer after a failure, the batch surveys
        nobody twice."""
        surveys = self._send()
        answers = surveys.user_input_id
        surveys._send()
        self.assertEqual(surveys.user_input_id, answers)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", self.Survey._name), ("res_id", "in", surveys.ids)]
            ),
            2,
        )


class TestSendingCost(SatisfactionCase):
    def _customers(self, count):
        customers = self.env["res.partner"].create(
            [
                {"name": f"Cost Customer {n}", "email": f"c{n}@example.com"}
                for n in range(count)
            ]
        )
        for customer in customers:
            self._running_contract(self.no_units, partner=customer)
        self.ours |= customers
        return customers

    def test_query_count_does_not_grow_with_customers(self):
        """Queries grow with the batches (of 50 here), not with the
        customers: 100 customers in two batches cost what 10 in one cost,
        twice at most."""
        # A first run fills the caches a fresh process starts without.
        self._send()

        def run_with(count, queries):
            customers = self._customers(count)
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(queries):
                self.Survey._cron_send_surveys(batch_size=50)
            self.assertEqual(
                self.Survey.search_count([("partner_id", "in", customers.ids)]),
                count,
            )

        run_with(10, QUERIES_ONE_BATCH)
        run_with(100, QUERIES_TWO_BATCHES)
        self.assertLessEqual(QUERIES_TWO_BATCHES, 2 * QUERIES_ONE_BATCH)

    def test_customers_due_in_one_query(self):
        """The customers due are found in the database: one query, whether
        a few or many customers with a running contract were surveyed
        already this period."""
        start, __ = survey_period(self._today(), "quarter")
        company = self.env.company
        for surveyed in (10, 60):
            self._customers(surveyed)
            self._send()
            due = self._customers(3)
            self.env.flush_all()
            with self.assertQueryCount(1):
                found = self.Survey._customers_due(company, start) & self.ours
            self.assertEqual(found, due)
            # The site's contract counts for its company.
            self.assertNotIn(self.site, found)


QUERIES_ONE_BATCH = 47
QUERIES_TWO_BATCHES = 74


class TestAnswers(SatisfactionCase):
    def test_state_and_scores_follow_the_answer(self):
        survey = self._send().filtered(lambda s: s.partner_id == self.customer)
        self.assertFalse(survey.overall_score)
        self._answer(
            survey,
            {"response": 5, "skill": 4, "conduct": 5, "overall": 4},
            comment="Quick and tidy.",
        )
        self.assertEqual(survey.state, "done")
        self.assertEqual(
            (
                survey.response_score,
                survey.skill_score,
                survey.conduct_score,
                survey.overall_score,
            ),
            (5, 4, 5, 4),
        )
        self.assertEqual(survey.comment, "Quick and tidy.")
        self.assertTrue(survey.answered_on)

    def test_scores_wait_for_the_finished_answer(self):
        survey = self._send().filtered(lambda s: s.partner_id == self.customer)
        questions = survey.survey_id.question_ids
        survey.user_input_id.sudo().write(
            {
                "state": "in_progress",
                "user_input_line_ids": [
                    Command.create(
                        {
                            "question_id": questions[0].id,
                            "answer_type": "scale",
                            "value_scale": 2,
                        }
                    )
                ],
            }
        )
        self.assertEqual(survey.state, "in_progress")
        self.assertFalse(survey.response_score)

    def test_kpi_by_customer_and_quarter(self):
        surveys = self._send()
        self._answer(
            surveys[0], {"response": 5, "skill": 5, "conduct": 5, "overall": 5}
        )
        self._answer(
            surveys[1], {"response": 3, "skill": 3, "conduct": 3, "overall": 3}
        )
        groups = self.Survey._read_group(
            [("id", "in", surveys.ids)],
            ["partner_id", "period_start:quarter"],
            ["overall_score:avg", "__count"],
        )
        self.assertEqual(
            sorted((p.id, score, count) for p, __, score, count in groups),
            sorted(
                [(surveys[0].partner_id.id, 5, 1), (surveys[1].partner_id.id, 3, 1)]
            ),
        )

    def test_quarterly_analysis_quotes_the_period(self):
        survey = self._send().filtered(lambda s: s.partner_id == self.customer)
        today = self._today()
        analysis = self.env["aftersales.fault.analysis"].create(
            {
                "partner_id": self.customer.id,
                "year": today.year,
                "quarter": str((today.month - 1) // 3 + 1),
            }
        )
        self.assertIsNone(analysis._statistics()["survey"])
        self.assertIn("has not answered", analysis.figures)
        self._answer(
            survey, {"response": 5, "skill": 4, "conduct": 5, "overall": 5}, "Good"
        )
        analysis.invalidate_recordset(["figures"])
        quoted = analysis._statistics()["survey"]
        self.assertEqual(quoted["period"], survey.period)
        self.assertEqual(
            [score for __, score in quoted["scores"]], [5.0, 4.0, 5.0, 5.0]
        )
        self.assertEqual(quoted["comment"], "Good")
        self.assertIn("Overall Satisfaction", analysis.figures)
        # Another quarter quotes nothing.
        last = today - relativedelta(months=3)
        earlier = self.env["aftersales.fault.analysis"].create(
            {
                "partner_id": self.customer.id,
                "year": last.year,
                "quarter": str((last.month - 1) // 3 + 1),
            }
        )
        self.assertIsNone(earlier._statistics()["survey"])

    def test_printed_analysis_quotes_the_survey(self):
        survey = self._send().filtered(lambda s: s.partner_id == self.customer)
        self._answer(survey, {"response": 5, "skill": 5, "conduct": 5, "overall": 4})
        today = self._today()
        analysis = self.env["aftersales.fault.analysis"].create(
            {
                "partner_id": self.customer.id,
                "year": today.year,
                "quarter": str((today.month - 1) // 3 + 1),
            }
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "aftersales_service.report_fault_analysis", analysis.ids
            )[0]
            .decode()
        )
        self.assertIn("Satisfaction Survey", html)
        self.assertIn("4.0", html)


class TestGuards(SatisfactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = role_users(cls.env, "as_q1")

    def test_nobody_writes_creates_or_deletes(self):
        survey = self._send()[0]
        for role in ("back_office", "manager", "account_manager"):
            user = self.users[role]
            self.assertTrue(survey.with_user(user).read(["overall_score"]))
            with self.assertRaises(AccessError):
                survey.with_user(user).write({"state": "done"})
            with self.assertRaises(AccessError):
                survey.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.Survey.with_user(user).create(
                    {
                        "company_id": survey.company_id.id,
                        "partner_id": survey.partner_id.id,
                        "period_start": fields.Date.today(),
                        "period_end": fields.Date.today(),
                        "user_input_id": survey.user_input_id.id,
                    }
                )

    def test_roles_without_access(self):
        survey = self._send()[0]
        for role in ("engineer", "warehouse", "trainer", "appraisal"):
            with self.assertRaises(AccessError):
                survey.with_user(self.users[role]).read(["overall_score"])

    def test_sent_surveys_are_kept(self):
        survey = self._send()[0]
        with self.assertRaisesText(UserError, "kept on file"):
            survey.sudo().unlink()

    def test_bad_frequency_is_refused(self):
        with self.assertRaises(ValueError):
            self.env.company.aftersales_survey_frequency = "weekly"


@tagged("post_install", "-at_install")
class TestPortalSurveys(PortalCase, SatisfactionCase):
    """Customers see their own surveys, with the link to answer, and nobody
    else's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(cls.customer, "as_portal_q1")

    def test_own_surveys_only(self):
        surveys = self._send()
        mine = surveys.filtered(lambda s: s.partner_id == self.customer)
        theirs = surveys - mine
        self.assertEqual(self.Survey.with_user(self.portal).search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.portal).read(["answer_url"])
        self.authenticate("as_portal_q1", "as_portal_q1")
        self.assertIn("Satisfaction Surveys", self.url_open("/my/home").text)
        page = self.url_open("/my/satisfaction-surveys").text
        self.assertIn(f"/my/satisfaction-surveys/{mine.id}/answer", page)
        self.assertNotIn(f"/my/satisfaction-surveys/{theirs.id}/", page)
        # Their link opens the survey for the contact, who answers it.
        answer = self.url_open(f"/my/satisfaction-surveys/{mine.id}/answer")
        self.assertEqual(answer.status_code, 200)
        self.assertIn("After-Sales Service Satisfaction Survey", answer.text)
        self.assertEqual(mine.user_input_id.partner_id, self.contact)
        # Another customer's survey is not found.
        refused = self.url_open(
            f"/my/satisfaction-surveys/{theirs.id}/answer", allow_redirects=False
        )
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(theirs.user_input_id.partner_id, self.other)
