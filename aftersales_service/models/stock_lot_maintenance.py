import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models

from .aftersales_integrity_mixin import workflow
from .aftersales_locking import run_in_batches

_logger = logging.getLogger(__name__)


class StockLot(models.Model):
    """A unit's maintenance (保养): its meter readings, the last
    maintenance and the next one due (下一次保养期), by date or by projected
    meter, from its product's maintenance programme."""

    _name = "stock.lot"
    _inherit = ["stock.lot", "aftersales.integrity.mixin"]
    _workflow_fields = (
        "aftersales_maintenance_reminded",
        "aftersales_maintenance_reminded_key",
    )

    aftersales_key_unit = fields.Boolean(
        string="Key Unit",
        tracking=True,
        help="A key unit (关键设备) also gets the programme's deep-inspection "
        "steps (定期深度检查).",
    )
    aftersales_meter_reading_ids = fields.One2many(
        "aftersales.meter.reading", "lot_id", string="Meter Readings"
    )
    aftersales_maintenance_visit_ids = fields.One2many(
        "aftersales.inspection", "maintenance_lot_id", string="Maintenance Visits"
    )
    aftersales_last_maintenance_date = fields.Date(
        string="Last Maintenance",
        compute="_compute_aftersales_maintenance",
        store=True,
    )
    aftersales_next_maintenance_date = fields.Date(
        string="Next Maintenance",
        compute="_compute_aftersales_maintenance",
        store=True,
        help="下一次保养期: the next planned maintenance visit, else the first "
        "step that falls due, by date or by the projected meter.",
    )
    aftersales_next_maintenance_step_id = fields.Many2one(
        "aftersales.maintenance.step",
        string="Next Maintenance Step",
        compute="_compute_aftersales_maintenance",
        store=True,
    )
    aftersales_maintenance_due_date = fields.Date(
        string="Maintenance Due",
        compute="_compute_aftersales_maintenance",
        store=True,
        index="btree_not_null",
        help="The first step that falls due and has no visit yet: the "
        "scheduled action plans its visit.",
    )
    aftersales_maintenance_due_step_id = fields.Many2one(
        "aftersales.maintenance.step",
        string="Step Due",
        compute="_compute_aftersales_maintenance",
        store=True,
    )
    aftersales_maintenance_due_key = fields.Char(
        string="Maintenance Due Key",
        compute="_compute_aftersales_maintenance",
        store=True,
        help="The maintenance due: its step and the start of its cycle.",
    )
    aftersales_maintenance_reminded_key = fields.Char(
        string="Maintenance Reminded Key",
        readonly=True,
        copy=False,
        help="The maintenance the customer was last reminded of.",
    )
    aftersales_maintenance_reminded = fields.Boolean(
        string="Customer Reminded",
        compute="_compute_aftersales_maintenance_reminded",
        store=True,
        help="The customer was reminded of the maintenance due.",
    )
    aftersales_maintenance_customer_id = fields.Many2one(
        "res.partner",
        string="Maintenance Customer",
        compute="_compute_aftersales_maintenance_customer",
        help="Who is reminded of the unit's maintenance: its warranty's "
        "customer, else its service contract's.",
    )
    aftersales_meter_per_day = fields.Float(
        string="Average Use per Day",
        compute="_compute_aftersales_maintenance",
        store=True,
        digits=(16, 2),
        help="The meter's average use between the readings since the meter "
        "was last replaced.",
    )

    def _maintenance_steps(self):
        """The programme's steps that apply to this unit."""
        self.ensure_one()
        return self.product_id.product_tmpl_id.aftersales_maintenance_step_ids.filtered(
            lambda step: self.aftersales_key_unit or not step.key_units_only
        )

    def _maintenance_start(self):
        """The day the unit's maintenance cycles start: its acceptance, else
        the day it was registered."""
        self.ensure_one()
        return self.warranty_acceptance_date or fields.Date.to_date(
            self.create_date or fields.Date.context_today(self)
        )

    def _current_meter_readings(self):
        """The readings of the unit's present meter, oldest first."""
        readings = self.aftersales_meter_reading_ids.sorted(
            lambda r: (r.reading_date, r.id)
        )
        replaced = readings.filtered("meter_replaced")
        if replaced:
            readings = readings.filtered(
                lambda r: (
                    (r.reading_date, r.id)
                    >= (replaced[-1].reading_date, replaced[-1].id)
                )
            )
        return readings

    def _meter_rate(self):
        """The average use per day between the present meter's readings."""
        readings = self._current_meter_readings()
        if len(readings) < 2:
            return 0.0
        days = (readings[-1].reading_date - readings[0].reading_date).days
        return (readings[-1].value - readings[0].value) / days if days > 0 else 0.0

    def _meter_projection(self, since, interval):
        """The day the meter is projected to have run ``interval`` more than
        it showed on ``since`` (the average use between readings), or None
        without enough readings."""
        readings = self._current_meter_readings()
        if len(readings) < 2:
            return None
        first, last = readings[0], readings[-1]
        rate = self._meter_rate()
        base = next(
            (r.value for r in reversed(readings) if r.reading_date <= since),
            first.value,
        )
        target = base + interval
        if last.value >= target:
            return last.reading_date
        if rate <= 0:
            return None
        return last.reading_date + timedelta(days=int((target - last.value) / rate))

    def _step_due(self, step, visits):
        """The day ``step`` falls due, after its last visit done or
        cancelled (the start of its cycle): whichever of its months and its
        projected meter comes first. Returns (due day, start of the cycle)."""
        closed = visits.filtered(
            lambda v: v.maintenance_step_id == step and v.state != "planned"
        )
        since = max(
            (v.done_date or v.scheduled_date for v in closed),
            default=self._maintenance_start(),
        )
        due = since + relativedelta(months=step.interval_months)
        if step.interval_meter:
            projected = self._meter_projection(since, step.interval_meter)
            if projected:
                due = max(min(due, projected), since)
        return due, since

    @api.depends(
        "product_id.product_tmpl_id.aftersales_maintenance_step_ids.interval_months",
        "product_id.product_tmpl_id.aftersales_maintenance_step_ids.interval_meter",
        "product_id.product_tmpl_id.aftersales_maintenance_step_ids.key_units_only",
        "aftersales_key_unit",
        "warranty_id.acceptance_date",
        "aftersales_meter_reading_ids.value",
        "aftersales_meter_reading_ids.reading_date",
        "aftersales_meter_reading_ids.meter_replaced",
        "aftersales_maintenance_visit_ids.state",
        "aftersales_maintenance_visit_ids.done_date",
        "aftersales_maintenance_visit_ids.scheduled_date",
    )
    def _compute_aftersales_maintenance(self):
        for unit in self:
            visits = unit.aftersales_maintenance_visit_ids
            done = visits.filtered(lambda v: v.state == "done")
            unit.aftersales_last_maintenance_date = max(
                done.mapped("done_date"), default=False
            )
            unit.aftersales_meter_per_day = unit._meter_rate()
            planned = visits.filtered(lambda v: v.state == "planned")
            due = sorted(
                (*unit._step_due(step, visits), step.sequence, step.id, step)
                for step in unit._maintenance_steps()
                if step not in planned.maintenance_step_id
            )
            first_due = due[0] if due else (False, False, 0, 0, False)
            unit.aftersales_maintenance_due_date = first_due[0]
            unit.aftersales_maintenance_due_step_id = first_due[4]
            unit.aftersales_maintenance_due_key = (
                f"{first_due[3]}:{first_due[1]}" if due else False
            )
            upcoming = sorted(
                [(v.scheduled_date, v.maintenance_step_id) for v in planned]
                + ([(first_due[0], first_due[4])] if due else []),
                key=lambda item: item[0],
            )
            unit.aftersales_next_maintenance_date = (
                upcoming[0][0] if upcoming else False
            )
            unit.aftersales_next_maintenance_step_id = (
                upcoming[0][1] if upcoming else False
            )

    @api.depends(
        "aftersales_maintenance_due_key", "aftersales_maintenance_reminded_key"
    )
    def _compute_aftersales_maintenance_reminded(self):
        # Reminded of the maintenance now due: the same step and cycle. A new
        # reading that moves the projected day is the same maintenance.
        for unit in self:
            unit.aftersales_maintenance_reminded = bool(
                unit.aftersales_maintenance_due_key
            ) and (
                unit.aftersales_maintenance_due_key
                == unit.aftersales_maintenance_reminded_key
            )

    @api.depends("warranty_id.partner_id", "aftersales_contract_ids.partner_id")
    def _compute_aftersales_maintenance_customer(self):
        for unit in self:
            unit.aftersales_maintenance_customer_id = (
                unit.warranty_id.partner_id or unit._maintenance_contract().partner_id
            ).commercial_partner_id

    def _maintenance_contract(self):
        """The running service contract the unit's maintenance is done under."""
        self.ensure_one()
        return self.aftersales_contract_ids.filtered(
            lambda c: c.state in ("running", "to_renew")
        )[:1]

    def action_add_meter_reading(self):
        """A new reading of this unit's meter, in a dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Meter Reading"),
            "res_model": "aftersales.meter.reading",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lot_id": self.id},
        }

    # The scheduled action ---------------------------------------------------

    @api.model
    def _maintenance_due_domain(self):
        """The units under a running contract whose maintenance visit is due
        within the visit lead days, or whose customer is still to be
        reminded within the reminder days (the longest of the companies')."""
        companies = self.env["res.company"].search([])
        today = fields.Date.context_today(self)
        lead = max(companies.mapped("aftersales_visit_lead_days"))
        remind = max(companies.mapped("aftersales_maintenance_reminder_days"))
        return [
            "|",
            "&",
            ("aftersales_maintenance_due_date", "<=", today + timedelta(days=lead)),
            ("aftersales_contract_ids.state", "in", ("running", "to_renew")),
            "&",
            ("aftersales_maintenance_due_date", "<=", today + timedelta(days=remind)),
            ("aftersales_maintenance_reminded", "=", False),
        ]

    @api.model
    def _cron_schedule_maintenance(self, batch_size=100):
        """Remind the customers of the maintenance falling due, and create
        each due step's maintenance visit for the contract's engineer, once
        per unit and due step (a unique key on the plan and the period).
        Units are picked by their indexed due date; two runs at the same time
        share them (``run_in_batches``)."""
        run_in_batches(
            self,
            self._maintenance_due_domain(),
            type(self)._schedule_due_maintenance,
            batch_size,
        )

    def _schedule_due_maintenance(self):
        today = fields.Date.context_today(self)

        def within(unit, days):
            return unit.aftersales_maintenance_due_date <= today + timedelta(days=days)

        to_plan = self.filtered(
            lambda u: within(
                u, (u.company_id or self.env.company).aftersales_visit_lead_days
            )
        )
        to_remind = self.filtered(
            lambda u: (
                not u.aftersales_maintenance_reminded
                and (
                    u in to_plan
                    or within(
                        u,
                        (
                            u.company_id or self.env.company
                        ).aftersales_maintenance_reminder_days,
                    )
                )
            )
        )
        # Reminded first: the reminder names the maintenance now due.
        to_remind._send_maintenance_reminders()
        return to_plan._create_maintenance_visits()

    def _send_maintenance_reminders(self):
        """Mail the customers, in their language, the maintenance their
        units have falling due; once per due maintenance."""
        if not self:
            return
        customers = self.filtered("aftersales_maintenance_customer_id")
        if customers:
            self.env.ref(
                "aftersales_service.mail_template_maintenance_reminder"
            ).send_mail_batch(customers.ids)
        with workflow(self.env):
            for unit in self:
                unit.aftersales_maintenance_reminded_key = (
                    unit.aftersales_maintenance_due_key
                )

    def _create_maintenance_visits(self):
        """The due steps' visits, on the follow-up plan the customer approved
        for the unit's running contract, for its engineer."""
        vals_list = []
        for unit in self:
            contract = unit._maintenance_contract()
            plan = contract.followup_plan_ids.filtered(lambda p: p.state == "approved")[
                :1
            ]
            if not plan:
                _logger.info(
                    "Unit %s: maintenance due but no approved follow-up plan "
                    "on a running contract",
                    unit.id,
                )
                continue
            vals_list.append(unit._prepare_maintenance_visit_vals(plan))
        with workflow(self.env):
            visits = self.env["aftersales.inspection"].create(vals_list)
        visits._schedule_engineer_activity()
        return visits

    def _prepare_maintenance_visit_vals(self, plan):
        self.ensure_one()
        step, due = (
            self.aftersales_maintenance_due_step_id,
            self.aftersales_maintenance_due_date,
        )
        return {
            "plan_id": plan.id,
            "period": f"maintenance-{self.id}-{step.id}-{due}",
            "kind": "maintenance",
            "scheduled_date": max(due, fields.Date.context_today(self)),
            "engineer_id": plan.engineer_id.id,
            "maintenance_lot_id": self.id,
            "maintenance_step_id": step.id,
            "lot_ids": [(4, self.id)],
        }
