import logging

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches

_logger = logging.getLogger(__name__)

# The months of the quarterly inspections, held mid-month
# (每年三月、六月、九月和十二月的中旬).
INSPECTION_MONTHS = (3, 6, 9, 12)
INSPECTION_DAY = 15
TERMS = (
    "onsite_weeks",
    "monthly_calls",
    "early_visit_months",
    "quarterly_inspections",
    "monthly_inspections",
    "pre_expiry_days",
)
VISIT_KINDS = [
    ("onsite", "Engineer On Site"),
    ("call", "Follow-Up Call"),
    ("visit", "Follow-Up Visit"),
    ("inspection", "Quarterly Inspection"),
    ("pre_expiry", "Pre-Expiry Visit"),
    ("pre_event", "Pre-Event Inspection"),
    ("monthly", "Monthly Inspection"),
    ("maintenance", "Maintenance"),
]


class AftersalesFollowupTerms(models.AbstractModel):
    """What a follow-up plan promises (I1), shared by the presets and the
    contracts' own plans."""

    _name = "aftersales.followup.terms"
    _inherit = "aftersales.integrity.mixin"
    # Two years on site, five years of monthly visits, a year before the end.
    _number_bounds = {
        "onsite_weeks": (None, 104),
        "early_visit_months": (None, 60),
        "pre_expiry_days": (None, 366),
    }
    _description = "Follow-Up Terms"

    onsite_weeks = fields.Integer(
        string="On Site (Weeks)",
        help="An engineer stays on site for the first weeks of the contract "
        "(最初两周…留驻现场). 0 for none.",
    )
    monthly_calls = fields.Boolean(
        help="A follow-up call every month of the contract (每月电话回访)."
    )
    early_visit_months = fields.Integer(
        string="Monthly Visits (Months)",
        help="A visit every month during the first months of the contract "
        "(前三个月内,每月). 0 for none.",
    )
    quarterly_inspections = fields.Boolean(
        help="Inspections in mid-March, June, September and December."
    )
    monthly_inspections = fields.Boolean(
        help="An on-site inspection every month for the whole term "
        "(质保期内每月…现场巡检)."
    )
    pre_expiry_days = fields.Integer(
        string="Visit Before End (Days)",
        help="A visit this many days before the contract ends. 0 for none.",
    )

    @api.constrains(
        "onsite_weeks", "early_visit_months", "pre_expiry_days", "monthly_calls"
    )
    def _check_terms(self):
        for terms in self:
            if (
                min(terms.onsite_weeks, terms.early_visit_months, terms.pre_expiry_days)
                < 0
            ):
                raise ValidationError(
                    _(
                        "Follow-up terms: weeks on site, months of visits and days "
                        "before the end can't be negative (use 0 for none)."
                    )
                )

    def _terms_values(self):
        self.ensure_one()
        return {name: self[name] for name in TERMS}


class AftersalesFollowupPreset(models.Model):
    _name = "aftersales.followup.preset"
    _inherit = "aftersales.followup.terms"
    _description = "Follow-Up Plan Preset"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)


class AftersalesFollowupPlan(models.Model):
    """A contract's follow-up plan (I1–I3): the visits and calls it
    promises, approved by the customer, and turned into inspections by a
    daily scheduled action."""

    _name = "aftersales.followup.plan"
    _inherit = ["aftersales.followup.terms", "mail.thread"]
    _description = "Follow-Up Plan"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "submitted_on", "approved_on")
    _rec_name = "contract_id"

    contract_id = fields.Many2one(
        "aftersales.contract",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id", string="Customer", store=True, index=True
    )
    preset_id = fields.Many2one("aftersales.followup.preset")
    engineer_id = fields.Many2one(
        "res.users",
        required=True,
        domain="[('share', '=', False)]",
        tracking=True,
        help="Gets the visits and calls, each with an activity.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted To Customer"),
            ("approved", "Approved By Customer"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    submitted_on = fields.Date(readonly=True, copy=False)
    approved_on = fields.Date(readonly=True, copy=False)
    approved_by = fields.Char(
        copy=False, help="Who approved the plan for the customer (报招标人审核同意)."
    )
    inspection_ids = fields.One2many(
        "aftersales.inspection", "plan_id", string="Visits And Calls"
    )
    next_visit_date = fields.Date(
        compute="_compute_next_visit_date",
        store=True,
        index=True,
        help="The next visit or call not yet scheduled; the scheduled action "
        "picks the plans whose next visit is near.",
    )

    _contract_uniq = models.Constraint(
        "unique(contract_id)",
        "A contract has one follow-up plan.",
    )

    @api.onchange("preset_id")
    def _onchange_preset_id(self):
        if self.preset_id:
            self.update(self.preset_id._terms_values())

    @api.onchange("contract_id")
    def _onchange_contract_id(self):
        if self.contract_id.engineer_id and not self.engineer_id:
            self.engineer_id = self.contract_id.engineer_id

    # The promised visits ------------------------------------------------------

    def _occurrences(self):
        """Every visit and call this plan promises over its contract, in date
        order: [(period key, kind, date)]. The period key names the visit
        once and for all (inspection-2027-Q1, call-2027-04 …)."""
        self.ensure_one()
        start, end = self.contract_id.date_start, self.contract_id.date_end
        if not (start and end):
            return []
        found = []
        for week in range(1, self.onsite_weeks + 1):
            day = start + relativedelta(weeks=week - 1)
            if day <= end:
                found.append((f"onsite-{week}", "onsite", day))
        # A visit every month during the first months after go-live
        # (在系统正式运行的前三个月内,每月…): the visit of month k falls inside
        # that month, on its last day, the day before the start plus k months
        # (start on 1 January: 31 January, 28 or 29 February, 31 March).
        for month in range(1, self.early_visit_months + 1):
            day = start + relativedelta(months=month, days=-1)
            if day <= end:
                found.append((f"visit-{month}", "visit", day))
        if self.monthly_calls:
            month = 1
            while (day := start + relativedelta(months=month)) <= end:
                found.append((f"call-{day:%Y-%m}", "call", day))
                month += 1
        if self.quarterly_inspections:
            for year in range(start.year, end.year + 1):
                for month in INSPECTION_MONTHS:
                    day = fields.Date.to_date(f"{year}-{month:02d}-{INSPECTION_DAY}")
                    if start <= day <= end:
                        found.append(
                            (f"inspection-{year}-Q{month // 3}", "inspection", day)
                        )
        if self.monthly_inspections:
            month = 1
            while (day := start + relativedelta(months=month)) <= end:
                found.append((f"monthly-{day:%Y-%m}", "monthly", day))
                month += 1
        if self.pre_expiry_days:
            day = end - relativedelta(days=self.pre_expiry_days)
            if day >= start:
                found.append(("pre-expiry", "pre_expiry", day))
        return sorted(found, key=lambda item: (item[2], item[0]))

    @api.depends(
        "contract_id.date_start",
        "contract_id.date_end",
        "inspection_ids.period",
        "approved_on",
        *TERMS,
    )
    def _compute_next_visit_date(self):
        for plan in self:
            done = set(plan.inspection_ids.mapped("period"))
            plan.next_visit_date = next(
                (
                    day
                    for period, __, day in plan._owed_occurrences()
                    if period not in done
                ),
                False,
            )

    def _owed_occurrences(self):
        """The occurrences still owed: what fell due before the customer
        approved the plan is not owed any more."""
        self.ensure_one()
        return [
            (period, kind, day)
            for period, kind, day in self._occurrences()
            if not self.approved_on or day >= self.approved_on
        ]

    def _prepare_renewal_plan_vals(self):
        self.ensure_one()
        return {
            **self._terms_values(),
            "preset_id": self.preset_id.id,
            "engineer_id": self.engineer_id.id,
        }

    # Customer approval (I3) -----------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._refuse_unlink(
            self.filtered(lambda p: p.state == "approved"),
            _("the customer approved it. Send it back to draft to change it."),
        )

    @workflow_step
    def action_submit(self):
        drafts = self.filtered(lambda p: p.state == "draft")
        empty = drafts.filtered(lambda p: not p._occurrences())
        if empty:
            raise UserError(
                _(
                    "The follow-up plan of %(contract)s promises no visit or call: "
                    "choose a preset or set its terms.",
                    contract=empty[0].contract_id.display_name,
                )
            )
        drafts.write(
            {"state": "submitted", "submitted_on": fields.Date.context_today(self)}
        )
        return True

    @workflow_step
    def action_approve(self):
        for plan in self:
            if plan.state != "submitted":
                raise UserError(
                    _("Submit the follow-up plan to the customer before approval.")
                )
            if not (plan.approved_by or "").strip():
                raise UserError(
                    _(
                        "Enter who approved the follow-up plan for the customer "
                        "(Approved By)."
                    )
                )
        self.write(
            {"state": "approved", "approved_on": fields.Date.context_today(self)}
        )
        return True

    @workflow_step
    def action_draft(self):
        self.write({"state": "draft", "submitted_on": False, "approved_on": False})
        return True

    # The scheduled action (I2) --------------------------------------------------

    @api.model
    def _visits_due_domain(self):
        """The approved plans whose next visit or call is within the lead
        days (the longest of the companies')."""
        lead = max(
            self.env["res.company"].search([]).mapped("aftersales_visit_lead_days")
        )
        horizon = fields.Date.add(fields.Date.context_today(self), days=lead)
        return [
            ("state", "=", "approved"),
            ("contract_id.state", "in", ("running", "to_renew")),
            ("next_visit_date", "!=", False),
            ("next_visit_date", "<=", horizon),
        ]

    @api.model
    def _cron_schedule_visits(self, batch_size=100):
        """Create the visits and calls due within the company's lead days, as
        inspections for the plan's engineer with an activity. Plans are
        picked by their indexed next visit date, in batches committed one by
        one under the scheduler; a period is never created twice (a unique key on
        plan and period), so a run cut short is simply run again. Two runs at
        the same time share the plans (``run_in_batches``)."""
        run_in_batches(
            self,
            self._visits_due_domain(),
            type(self)._schedule_due_visits,
            batch_size,
        )

    def _schedule_due_visits(self):
        """Create this batch's due visits that don't exist yet."""
        today = fields.Date.context_today(self)
        existing = {
            (visit.plan_id, visit.period)
            for visit in self.env["aftersales.inspection"].search(
                [("plan_id", "in", self.ids)]
            )
        }
        visits = self.env["aftersales.inspection"]
        for plan in self:
            lead = plan.company_id.aftersales_visit_lead_days
            vals_list = [
                plan._prepare_visit_vals(period, kind, day)
                for period, kind, day in plan._owed_occurrences()
                if (plan, period) not in existing
                and fields.Date.subtract(day, days=lead) <= today
            ]
            if not vals_list:
                continue
            # One plan that fails (another run got there first) doesn't stop
            # the others.
            try:
                with self.env.cr.savepoint():
                    created = self.env["aftersales.inspection"].create(vals_list)
                    created._schedule_engineer_activity()
            except (psycopg2.IntegrityError, UserError, ValidationError) as error:
                _logger.info(
                    "Follow-up plan %s: visits not scheduled this run (%s)",
                    plan.id,
                    error,
                )
                continue
            visits |= created
        return visits

    def _prepare_visit_vals(self, period, kind, day):
        self.ensure_one()
        return {
            "plan_id": self.id,
            "period": period,
            "kind": kind,
            "scheduled_date": day,
            "engineer_id": self.engineer_id.id,
        }
