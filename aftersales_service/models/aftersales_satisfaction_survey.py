import logging
from datetime import date

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import commit_progress, run_in_batches

_logger = logging.getLogger(__name__)

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
    period = fields.Char(string="Survey Period", compute="_compute_period")
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
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    survey_id = fields.Many2one(related="user_input_id.survey_id")
    state = fields.Selection(
        [
            ("to_send", "To Send"),
            ("new", "Sent"),
            ("in_progress", "Being Answered"),
            ("done", "Answered"),
        ],
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
    # The surveys still to send: a handful, whatever the surveys sent before.
    _to_send_index = models.Index("(id) WHERE user_input_id IS NULL")

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
            record.state = answer.state or "to_send"
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
    def _running_contracts(self, companies, domain=()):
        """The contracts of ``companies`` that cover their units today."""
        Contract = self.env["aftersales.contract"].sudo()
        today = fields.Date.context_today(self)
        return Contract.search(
            [
                *Contract._covering_domain(today),
                ("company_id", "in", companies.ids),
                *domain,
            ]
        )

    @api.model
    def _customers_due(self, company, period_start):
        """The customers of ``company`` who have a running contract and no
        survey for the period starting on ``period_start``: one query that
        leaves out the surveyed customers in the database, whatever the
        number of contracts (the customers surveyed are nearly all of them
        on any day but the first of a period)."""
        Contract = self.env["aftersales.contract"].sudo()
        today = fields.Date.context_today(self)
        contracts = Contract._search(
            [*Contract._covering_domain(today), ("company_id", "=", company.id)]
        )
        self.flush_model(["company_id", "period_start", "partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT contact.commercial_partner_id
                     FROM res_partner contact
                    WHERE contact.id IN %(contacts)s
                      AND NOT EXISTS (
                          SELECT FROM aftersales_satisfaction_survey survey
                           WHERE survey.company_id = %(company)s
                             AND survey.period_start = %(start)s
                             AND survey.partner_id = contact.commercial_partner_id)""",
                contacts=contracts.subselect("partner_id"),
                company=company.id,
                start=period_start,
            )
        )
        return self.env["res.partner"].browse(
            partner_id for (partner_id,) in self.env.cr.fetchall()
        )

    @api.model
    def _cron_send_surveys(self, batch_size=200):
        """Send each customer with a running contract the satisfaction survey
        of the current period (quarter or year, per company), once.

        First the period's surveys are recorded, to send, for the customers
        who lack one (``_record_period``); then the surveys to send are taken
        in batches (``run_in_batches``), each batch claiming its own surveys:
        a run that stops halfway and runs again sends each survey exactly
        once, and two runs at the same time share the batches without
        holding the customers or their contracts."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].sudo().search([]):
            if not company._aftersales_satisfaction_survey():
                continue
            start, end = survey_period(today, company.aftersales_survey_frequency)
            self._record_period(company, start, end)
        run_in_batches(
            self.sudo(),
            [("user_input_id", "=", False), ("period_end", ">=", today)],
            type(self)._send,
            batch_size,
        )

    @api.model
    def _record_period(self, company, start, end):
        """Record the period's survey, to send, of each customer due one. The
        unique key on (company, customer, period start) keeps one survey per
        period: a survey another run recorded at the same time is left to
        it (``ON CONFLICT DO NOTHING``; a concurrent one it committed after
        this run began is a serialization failure, the race working as
        meant, not an error)."""
        customers = self._customers_due(company, start)
        if not customers:
            return
        self.flush_model()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        """INSERT INTO aftersales_satisfaction_survey
                               (company_id, partner_id, period_start, period_end,
                                state, create_uid, write_uid, create_date,
                                write_date)
                           SELECT %(company)s, customer, %(start)s, %(end)s,
                                  'to_send', %(uid)s, %(uid)s,
                                  now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                             FROM unnest(%(customers)s) AS customer
                           ON CONFLICT (company_id, partner_id, period_start)
                           DO NOTHING""",
                        company=company.id,
                        start=start,
                        end=end,
                        uid=self.env.uid,
                        customers=customers.ids,
                    ),
                    log_exceptions=False,
                )
                recorded = self.env.cr.rowcount
        except psycopg2.errors.SerializationFailure:
            _logger.info(
                "Satisfaction surveys %s: recorded by another run at the same time",
                start,
            )
            return
        # The other runs see the period's surveys to send at once.
        commit_progress(self.env, 0, recorded)

    @workflow_step
    def _send(self):
        """Send these surveys: the customer's answer in the survey app, the
        contracts surveyed, and the mail with the link."""
        # A batch retried survey by survey: skip what it sent already.
        records = self.filtered(lambda r: not r.user_input_id)
        if not records:
            return
        # Technical records: no chatter subscription nor creation message,
        # which the mail thread would make one answer at a time.
        surveys = {
            company: company._aftersales_satisfaction_survey()
            for company in records.company_id
        }
        answers = (
            self.env["survey.user_input"]
            .sudo()
            .with_context(tracking_disable=True)
            .create(
                [
                    self._prepare_answer_vals(
                        surveys[r.company_id], r.partner_id, r.period_end
                    )
                    for r in records
                ]
            )
        )
        contracts = self._running_contracts(
            records.company_id, [("partner_id", "child_of", records.partner_id.ids)]
        ).grouped(lambda c: (c.company_id, c.partner_id.commercial_partner_id))
        no_contract = self.env["aftersales.contract"]
        for record, answer in zip(records, answers, strict=True):
            record.user_input_id = answer
        # The contracts of all the batch's surveys in one go, not one query
        # per survey.
        self._fields["contract_ids"].write_batch(
            [
                (
                    record,
                    [
                        Command.set(
                            contracts.get(
                                (record.company_id, record.partner_id), no_contract
                            ).ids
                        )
                    ],
                )
                for record in records
            ]
        )
        self.env.ref(
            "aftersales_service.mail_template_satisfaction_survey"
        ).send_mail_batch(records.ids)

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
