import logging
import math
from collections import Counter
from datetime import date, datetime, time

import psycopg2
import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import commit_progress, run_in_batches

_logger = logging.getLogger(__name__)

# The measures of the analysis: (KPI field, label), each given as mean and
# 90th percentile.
DURATIONS = ("response_hours", "arrival_hours", "repair_hours", "turnaround_hours")
PHASE_RATES = (
    "ack_met_rate",
    "plan_met_rate",
    "arrival_met_rate",
    "repair_met_rate",
    "turnaround_met_rate",
)
COMPLAINT_RATES = ("complaint_answer_met_rate", "complaint_resolve_met_rate")


def percentile_90(values):
    """The 90th percentile by the nearest-rank method: the smallest value
    with at least 90 % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def mean(values):
    return sum(values) / len(values) if values else None


def midnight_utc(day, tz):
    """Midnight at the start of ``day`` in the time zone ``tz``, as a naive
    UTC datetime (as Odoo stores datetimes)."""
    local = pytz.timezone(tz or "UTC").localize(datetime.combine(day, time.min))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def quarter_bounds(year, quarter, tz):
    """The first and last day of a quarter, and its start and end as naive
    UTC datetimes of midnight in the time zone ``tz``."""
    first = date(year, 3 * int(quarter) - 2, 1)
    after = first + relativedelta(months=3)
    return (
        first,
        after - relativedelta(days=1),
        midnight_utc(first, tz),
        midnight_utc(after, tz),
    )


class AftersalesFaultAnalysis(models.Model):
    """The quarterly fault statistics analysis for a customer
    (本季度的系统故障统计分析说明, I5), computed from the service KPIs, with
    the engineers' recommendations; printed as PDF and xlsx, and sent."""

    _name = "aftersales.fault.analysis"
    _description = "Quarterly Fault Analysis"
    _inherit = ["aftersales.integrity.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "year desc, quarter desc, partner_id"
    _check_company_auto = True
    _workflow_fields = ("sent_on",)
    _number_bounds = {"year": (None, 2199)}

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain="[('is_company', '=', True)]",
    )
    # A year is a name, not an amount: not summed in grouped lists.
    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year,
        aggregator=None,
    )
    quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")], required=True
    )
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    recommendations = fields.Html(
        help="What the service team recommends from this quarter's faults."
    )
    sent_on = fields.Datetime(readonly=True, copy=False)
    figures = fields.Html(
        compute="_compute_figures",
        sanitize=False,
        help="The quarter's figures, as the printed analysis gives them.",
    )

    _partner_quarter_uniq = models.Constraint(
        "unique(company_id, partner_id, year, quarter)",
        "A customer has one analysis per quarter.",
    )

    @api.depends("partner_id", "year", "quarter")
    def _compute_display_name(self):
        for analysis in self:
            analysis.display_name = _(
                "%(customer)s %(year)s Q%(quarter)s",
                customer=analysis.partner_id.display_name or "",
                year=analysis.year,
                quarter=analysis.quarter,
            )

    @api.depends("year", "quarter")
    def _compute_dates(self):
        for analysis in self:
            if analysis.year and analysis.quarter:
                analysis.date_from, analysis.date_to, *__ = quarter_bounds(
                    analysis.year, analysis.quarter, "UTC"
                )
            else:
                analysis.date_from = analysis.date_to = False

    @api.constrains("year")
    def _check_year(self):
        for analysis in self:
            if not 2000 <= analysis.year <= 2100:
                raise ValidationError(
                    _(
                        "Fault analysis: enter the year as four digits "
                        "(for example 2027)."
                    )
                )

    @api.depends("company_id", "partner_id", "year", "quarter")
    @api.depends_context("lang")
    def _compute_figures(self):
        for analysis in self:
            if not (
                analysis.partner_id
                and analysis.quarter
                and 2000 <= analysis.year <= 2100
            ):
                analysis.figures = False
                continue
            analysis.figures = self.env["ir.qweb"]._render(
                "aftersales_service.fault_analysis_figures",
                {
                    "stats": analysis._statistics(),
                    "labels": analysis._measure_labels(),
                },
            )

    # The numbers ----------------------------------------------------------------

    def _kpi_rows(self):
        """The quarter's KPI rows as dicts, with None where a measure does
        not apply (the ORM would read those as 0)."""
        self.ensure_one()
        self.env.flush_all()
        __, __, start, end = quarter_bounds(self.year, self.quarter, self._tz())
        self.env.cr.execute(
            SQL(
                """SELECT k.*
                     FROM aftersales_kpi k
                    WHERE k.active AND k.partner_id = %s AND k.company_id = %s
                      AND k.reported_at >= %s AND k.reported_at < %s""",
                self.partner_id.commercial_partner_id.id,
                self.company_id.id,
                start,
                end,
            )
        )
        return self.env.cr.dictfetchall()

    def _tz(self):
        """The quarter runs from midnight to midnight where the customer is."""
        self.ensure_one()
        return self.partner_id.tz or self.company_id.partner_id.tz or "UTC"

    def _statistics(self):
        """The quarter's figures, as plain values for the PDF, the xlsx and
        the tests."""
        self.ensure_one()
        rows = self._kpi_rows()
        # Q2: the complaints received in the quarter have rows of their own.
        complaints = [row for row in rows if row["complaint_count"]]
        rows = [row for row in rows if row["request_count"]]
        labels = dict(
            self.env["aftersales.kpi"]
            ._fields["severity"]
            ._description_selection(self.env)
        )
        category_names = self.env["helpdesk.ticket.category"].browse(
            {row["category_id"] for row in rows if row["category_id"]}
        )
        names = {category.id: category.name for category in category_names}

        uncategorised = _("Uncategorised")

        def present(name):
            return [row[name] for row in rows if row[name] is not None]

        by_category = Counter(
            (names.get(row["category_id"], uncategorised), labels[row["severity"]])
            for row in rows
        )
        first, last, *__ = quarter_bounds(self.year, self.quarter, "UTC")
        survey = self.env["aftersales.satisfaction.survey"]._answered_result(
            self.company_id, self.partner_id.commercial_partner_id, first, last
        )
        return {
            "survey": survey,
            "requests": len(rows),
            "by_category": sorted(by_category.items()),
            "by_severity": {
                label: sum(1 for row in rows if row["severity"] == key)
                for key, label in labels.items()
            },
            "durations": {
                name: (mean(present(name)), percentile_90(present(name)))
                for name in DURATIONS
            },
            "sla": {name: mean(present(name)) for name in PHASE_RATES},
            "mttr": mean(present("restore_hours")),
            "repeat_faults": sum(1 for row in rows if row["repeat_fault_rate"] == 100),
            "first_time_fix": mean(present("first_time_fix_rate")),
            "satisfaction": mean(present("satisfaction_rate")),
            "loaners": sum(row["loaner_count"] for row in rows),
            "service_life_failures": sum(1 for row in rows if row["in_service_life"]),
            "complaints": len(complaints),
            "complaint_rates": {
                name: mean([row[name] for row in complaints if row[name] is not None])
                for name in COMPLAINT_RATES
            },
            "availability": self._availability_rows(),
        }

    def _availability_rows(self):
        """The quarter's availability (Q6) of the customer's contracts and
        units, against the contracts' targets (up to now while the quarter
        runs)."""
        self.ensure_one()
        rows = self.env["aftersales.availability"]._rows_for(
            self.company_id, self.date_from, self.date_to, partner=self.partner_id
        )
        contracts = {
            contract.id: contract.name
            for contract in self.env["aftersales.contract"].browse(
                {row["contract_id"] for row in rows if row["contract_id"]}
            )
        }
        lots = {
            lot.id: lot.name
            for lot in self.env["stock.lot"].browse(
                {row["lot_id"] for row in rows if row["lot_id"]}
            )
        }
        return [
            {
                **row,
                "contract": contracts.get(row["contract_id"], ""),
                "unit": lots.get(row["lot_id"], ""),
            }
            for row in rows
        ]

    def _measure_labels(self):
        """Labels of the KPI fields shown in the analysis, translated."""
        fields_ = self.env["aftersales.kpi"]._fields
        return {
            name: fields_[name].get_description(self.env)["string"]
            for name in (*DURATIONS, *PHASE_RATES, *COMPLAINT_RATES)
        }

    def _get_report_base_filename(self):
        """The PDF's name when the customer downloads it from the portal."""
        self.ensure_one()
        return _("Quarterly Fault Analysis %(name)s", name=self.display_name)

    # Sending ----------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        self._refuse_unlink(
            self.filtered("sent_on"),
            _("it was sent to the customer."),
        )

    @workflow_step
    def action_send(self):
        """Email the analysis to the customer, PDF attached."""
        template = self.env.ref("aftersales_service.mail_template_fault_analysis")
        for analysis in self:
            analysis.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.write({"sent_on": fields.Datetime.now()})
        return True

    @api.model
    def _cron_quarterly_analyses(self, batch_size=50):
        """After a quarter ends, prepare the analysis of every customer who
        reported a fault in it, with an activity to write the
        recommendations; send each one once its recommendations are written.
        Runs daily; each analysis is prepared once and sent once."""
        today = fields.Date.context_today(self)
        last = today - relativedelta(months=3)
        year, quarter = last.year, str((last.month - 1) // 3 + 1)
        self._prepare_quarter(year, quarter, batch_size)
        ready = [
            ("year", "=", year),
            ("quarter", "=", quarter),
            ("sent_on", "=", False),
            ("recommendations", "!=", False),
        ]
        run_in_batches(self, ready, type(self).action_send, batch_size)

    def _prepare_quarter(self, year, quarter, batch_size):
        # A day's margin either side of the UTC quarter: each customer's own
        # time zone decides in _statistics which requests count.
        __, __, start, end = quarter_bounds(year, quarter, "UTC")
        groups = (
            self.env["helpdesk.ticket"]
            .sudo()
            ._read_group(
                [
                    ("reported_at", ">=", start - relativedelta(days=1)),
                    ("reported_at", "<", end + relativedelta(days=1)),
                    ("partner_id", "!=", False),
                ],
                ["company_id", "partner_id"],
            )
        )
        wanted = {
            (company, partner.commercial_partner_id) for company, partner in groups
        }
        existing = {
            (analysis.company_id, analysis.partner_id)
            for analysis in self.search(
                [("year", "=", year), ("quarter", "=", quarter)]
            )
        }
        todo = sorted(wanted - existing, key=lambda key: (key[0].id, key[1].id))
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for offset in range(0, len(todo), batch_size):
            vals_list = [
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "year": year,
                    "quarter": quarter,
                }
                for company, partner in todo[offset : offset + batch_size]
            ]
            try:
                with self.env.cr.savepoint():
                    analyses = self.create(vals_list)
            except (psycopg2.IntegrityError, psycopg2.errors.SerializationFailure):
                # Another run prepared (some of) these at the same time; what
                # it left is prepared tomorrow.
                _logger.info(
                    "Quarterly analyses %s Q%s: a batch was prepared by another run",
                    year,
                    quarter,
                )
                continue
            for analysis in analyses:
                analysis.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=_("Write the recommendations, then it is sent"),
                    user_id=(
                        analysis.company_id.aftersales_supervisor_id
                        or self.env.ref("base.user_admin")
                    ).id,
                )
            commit_progress(self.env, len(analyses), len(todo) - offset - len(analyses))
