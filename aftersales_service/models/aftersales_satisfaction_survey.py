import functools
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches

SURVEY_FREQUENCIES = [("quarter", "Quarterly"), ("year", "Yearly")]

# The aspects the customer rates (from 1 to 5), each a field of the survey
# record, and the free comment.
ASPECTS = [
    ("response", "Response Speed"),
    ("skill", "Engineers' Skill"),
    ("conduct", "Service Conduct"),
    ("overall", "Overall Satisfaction"),
    ("comment", "Comments And Suggestions"),
]
RATED_ASPECTS = ("response", "skill", "conduct", "overall")


def survey_period(day, frequency):
    """The first and last day of the period (quarter or year) of ``day``."""
    if frequency == "year":
        first = date(day.year, 1, 1)
        return first, date(day.year, 12, 31)
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, first + relativedelta(months=3, days=-1)


class AftersalesSatisfactionSurvey(models.Model):
    """The periodic satisfaction survey of a customer with a running contract
    (售后满意度调查 / 定期调查, Q1): one per customer and period (quarter or
    year, a company setting), sent by the scheduled action with the answer
    link of Odoo's survey app, in the customer's language. Its state and its
    scores follow the customer's answer."""

    _name = "aftersales.satisfaction.survey"
    _description = "Satisfaction Survey"
    _inherit = ["aftersales.integrity.mixin", "mail.thread"]
    _order = "period_start desc, partner_id, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    period_start = fields.Date(required=True, readonly=True)
    period_end = fields.Date(required=True, readonly=True)
    period = fields.Char(compute="_compute_period")
    contract_ids = fields.Many2many(
        "aftersales.contract",
        "aftersales_satisfaction_survey_contract_rel",
        "survey_id",
        "contract_id",
        string="Contracts",
        readonly=True,
    )
    user_input_id = fields.Many2one(
        "survey.user_input",
        string="Answer",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    survey_id = fields.Many2one(related="user_input_id.survey_id")
    state = fields.Selection(
        [("new", "Sent"), ("in_progress", "Being Answered"), ("done", "Answered")],
        string="Status",
        compute="_compute_answer",
        store=True,
        index=True,
    )
    answered_on = fields.Datetime(compute="_compute_answer", store=True)
    response_score = fields.Float(
        string="Response Speed", compute="_compute_answer", store=True, aggregator="avg"
    )
    skill_score = fields.Float(
        string="Engineers' Skill",
        compute="_compute_answer",
        store=True,
        aggregator="avg",
    )
    conduct_score = fields.Float(
        string="Service Conduct",
        compute="_compute_answer",
        store=True,
        aggregator="avg",
    )
    overall_score = fields.Float(
        string="Overall Satisfaction",
        compute="_compute_answer",
        store=True,
        aggregator="avg",
        help="From 1 (very dissatisfied) to 5 (very satisfied).",
    )
    comment = fields.Text(
        string="Comments And Suggestions", compute="_compute_answer", store=True
    )
    answer_url = fields.Char(string="Answer Link", compute="_compute_answer_url")

    _partner_period_uniq = models.Constraint(
        "unique(company_id, partner_id, period_start)",
        "A customer gets one satisfaction survey per period.",
    )

    @api.depends("period_start", "period_end")
    def _compute_period(self):
        for record in self:
            start, end = record.period_start, record.period_end
            if not start:
                record.period = False
            elif (end - start).days > 100:
                record.period = str(start.year)
            else:
                record.period = self.env._(
                    "%(year)s Q%(quarter)s",
                    year=start.year,
                    quarter=(start.month - 1) // 3 + 1,
                )

    @api.depends("partner_id", "period")
    def _compute_display_name(self):
        for record in self:
            record.display_name = self.env._(
                "%(customer)s %(period)s",
                customer=record.partner_id.display_name or "",
                period=record.period or "",
            )

    @api.depends(
        "user_input_id.state",
        "user_input_id.end_datetime",
        "user_input_id.user_input_line_ids.value_scale",
        "user_input_id.user_input_line_ids.value_text_box",
    )
    def _compute_answer(self):
        for record in self:
            answer = record.user_input_id
            record.state = answer.state or "new"
            done = answer.state == "done"
            record.answered_on = done and answer.end_datetime
            by_aspect = {
                line.question_id.aftersales_aspect: line
                for line in answer.user_input_line_ids
                if done and line.question_id.aftersales_aspect and not line.skipped
            }
            for aspect in RATED_ASPECTS:
                line = by_aspect.get(aspect)
                record[f"{aspect}_score"] = line.value_scale if line else False
            comment = by_aspect.get("comment")
            record.comment = comment.value_text_box if comment else False

    @api.depends("user_input_id.access_token")
    def _compute_answer_url(self):
        for record in self:
            answer = record.sudo().user_input_id
            record.answer_url = (
                answer and f"{record.get_base_url()}{answer.get_start_url()}"
            )

    def _answer_as(self, contact):
        """The survey app lets only the answer's own contact answer it when
        logged in: a contact of the customer who opens the survey from the
        portal becomes the one who answers, until it is answered. Returns
        the survey app's link to answer."""
        self.ensure_one()
        answer = self.sudo().user_input_id
        if answer.state != "done" and answer.partner_id != contact:
            answer.write(
                {
                    "partner_id": contact.id,
                    "email": contact.email,
                    "nickname": contact.name,
                }
            )
        return answer.get_start_url()

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_unlink(self, self.env._("it is the record of what was sent."))

    @api.model
    def _answered_result(self, company, partner, first, last):
        """The customer's answered survey of the period that covers the days
        from ``first`` to ``last`` (a quarter of the fault analysis), as plain
        values: {"period", "scores": [(label, score)], "comment"}; None when
        they did not answer one."""
        survey = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("state", "=", "done"),
                ("period_start", "<=", last),
                ("period_end", ">=", first),
            ],
            limit=1,
        )
        if not survey:
            return None
        return {
            "period": survey.period,
            "scores": [
                (
                    survey._fields[f"{aspect}_score"].get_description(self.env)[
                        "string"
                    ],
                    survey[f"{aspect}_score"],
                )
                for aspect in RATED_ASPECTS
            ],
            "comment": survey.comment,
        }

    # Scheduled action --------------------------------------------------------

    @api.model
    def _running_contracts(self, company, domain=()):
        """The contracts of ``company`` that cover their units today."""
        Contract = self.env["aftersales.contract"].sudo()
        today = fields.Date.context_today(self)
        return Contract.search(
            [
                *Contract._covering_domain(today),
                ("company_id", "=", company.id),
                *domain,
            ]
        )

    @api.model
    def _customers_due_domain(self, company, period_start):
        """The customers of ``company`` who have a running contract and no
        survey for the period starting on ``period_start``."""
        contracts = self._running_contracts(company)
        return [
            ("id", "in", contracts.partner_id.commercial_partner_id.ids),
            (
                "aftersales_satisfaction_survey_ids",
                "not any",
                [("company_id", "=", company.id), ("period_start", "=", period_start)],
            ),
        ]

    @api.model
    def _cron_send_surveys(self, batch_size=200):
        """Send each customer with a running contract the satisfaction survey
        of the current period (quarter or year, per company), once.

        Customers are selected by the survey they still lack and taken in
        batches (``run_in_batches``): a run that stops halfway and runs again
        surveys each customer exactly once, two runs at the same time share
        the batches, and the unique key on (company, customer, period) holds
        even when they race."""
        today = fields.Date.context_today(self)
        Partner = self.env["res.partner"].sudo()
        for company in self.env["res.company"].sudo().search([]):
            survey = company._aftersales_satisfaction_survey()
            if not survey:
                continue
            start, end = survey_period(today, company.aftersales_survey_frequency)
            run_in_batches(
                Partner,
                self._customers_due_domain(company, start),
                functools.partial(self._send_for, company, survey, start, end),
                batch_size,
            )

    @api.model
    def _send_for(self, company, survey, start, end, partners):
        """The surveys of ``partners`` for the period from ``start`` to
        ``end``: the answer of each, the record, and the mail."""
        # A batch retried customer by customer: skip whom it surveyed already.
        done = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("period_start", "=", start),
                ("partner_id", "in", partners.ids),
            ]
        )
        partners -= done.partner_id
        if partners:
            self._send(company, survey, start, end, partners)

    @workflow_step
    def _send(self, company, survey, start, end, partners):
        # Technical records: no chatter subscription nor creation message,
        # which the mail thread would make one customer at a time.
        quiet = {"tracking_disable": True}
        answers = (
            self.env["survey.user_input"]
            .sudo()
            .with_context(**quiet)
            .create([self._prepare_answer_vals(survey, p, end) for p in partners])
        )
        contracts = self._running_contracts(
            company, [("partner_id", "child_of", partners.ids)]
        ).grouped(lambda c: c.partner_id.commercial_partner_id)
        no_contract = self.env["aftersales.contract"]
        # The mail it sends is its first message.
        records = (
            self.sudo()
            .with_context(**quiet)
            .create(
                [
                    {
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "period_start": start,
                        "period_end": end,
                        "user_input_id": answer.id,
                        "contract_ids": [
                            Command.set(contracts.get(partner, no_contract).ids)
                        ],
                    }
                    for partner, answer in zip(partners, answers, strict=True)
                ]
            )
        )
        self.env.ref(
            "aftersales_service.mail_template_satisfaction_survey"
        ).send_mail_batch(records.ids)
        return records

    @api.model
    def _prepare_answer_vals(self, survey, partner, end):
        """The customer's answer to ``survey``, in their language, open until
        the end of the period."""
        lang = self.env["res.lang"]._lang_get(partner.lang)
        return {
            "survey_id": survey.id,
            "partner_id": partner.id,
            "email": partner.email,
            "nickname": partner.name,
            "lang_id": lang.id,
            "deadline": fields.Datetime.to_datetime(end + relativedelta(days=1)),
        }
