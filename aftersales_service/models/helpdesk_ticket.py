from collections import defaultdict
from datetime import timedelta

import pytz
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, format_list, html2plaintext

from .aftersales_integrity_mixin import workflow_step
from .aftersales_loaner import LONG_REPAIR_HOURS
from .aftersales_locking import run_in_batches
from .aftersales_roles import check_role

# The response-time phases (T3), in order; each has its ``<phase>_deadline``,
# ``<phase>_done_at``, ``<phase>_hours`` and ``<phase>_met`` fields.
PHASES = ("ack", "plan", "arrival", "repair")
SEVERITIES = [("general", "General Fault"), ("major", "Major Fault")]
FAULT_NATURES = [
    ("hardware", "Hardware"),
    ("software", "Software"),
    ("network", "Network"),
    ("power", "Power Supply"),
    ("environment", "Environment"),
    ("operation", "Operation"),
    ("other", "Other"),
]
IMPACTS = [
    ("low", "Low: work goes on"),
    ("medium", "Medium: work slowed down"),
    ("high", "High: part of the work stopped"),
    ("stopped", "Stopped: the customer's work stopped"),
]


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = [
        "helpdesk.ticket",
        "aftersales.coverage.mixin",
        "aftersales.integrity.mixin",
        "rating.mixin",
    ]
    _aftersales_coverage_date_field = "reported_at"
    # The clocks' stamps and what the resolution wizard records.
    _workflow_fields = (
        "paused_since",
        "paused_hours",
        *(f"{phase}_done_at" for phase in PHASES),
        *(f"{phase}_paused_hours" for phase in PHASES),
        "escalated_phases",
        "reopen_count",
        "solved_remotely",
        "remote_guidance",
        "service_plan",
    )
    # What a manager may correct (Correct a Date), saying why.
    _correctable_fields = tuple(f"{phase}_done_at" for phase in PHASES)
    # A repair estimated at up to a year.
    _number_bounds = {"aftersales_estimated_repair_hours": (0, 8760)}

    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        index="btree_not_null",
        tracking=True,
        domain="[('company_id', 'in', [company_id, False])]",
        help="The serial number of the unit the request is about.",
    )
    aftersales_unit_warranty_id = fields.Many2one(
        related="lot_id.warranty_id", string="Unit Warranty"
    )
    aftersales_extension_ids = fields.One2many(
        "aftersales.warranty.extension", "ticket_id", string="Warranty Extensions"
    )

    # T2: what the user reports (故障原因、发生时间、性质、类别、位置、影响程度、
    # 用户已处理措施)
    reported_at = fields.Datetime(
        string="Reported On",
        default=fields.Datetime.now,
        required=True,
        copy=False,
        help="When the customer reported the fault: the response-time clocks "
        "start here.",
    )
    fault_occurred_at = fields.Datetime(string="Fault Occurred On")
    fault_description = fields.Text(
        string="Fault Cause Found", help="The cause of the fault, as found."
    )
    fault_nature = fields.Selection(FAULT_NATURES, string="Nature")
    fault_location = fields.Char(help="Where the fault is: site, room, cabinet.")
    fault_impact = fields.Selection(IMPACTS, string="Impact")
    user_measures = fields.Text(
        string="Measures Already Taken", help="What the user has already done."
    )
    severity = fields.Selection(
        SEVERITIES, default="general", required=True, tracking=True
    )

    # T3: response-time clocks
    service_level_id = fields.Many2one(
        "aftersales.service.level",
        compute="_compute_service_level_id",
        store=True,
        readonly=False,
        tracking=True,
        help="From the unit's contract, else the company's default level.",
    )
    zone = fields.Selection(
        [("city", "City"), ("county", "County")],
        compute="_compute_zone",
        store=True,
        readonly=False,
        help="Sets the on-site target: from the customer's address.",
    )
    clock_paused = fields.Boolean(
        compute="_compute_clock_paused", store=True, help="Waiting for the customer."
    )
    paused_since = fields.Datetime(readonly=True, copy=False)
    paused_hours = fields.Float(
        readonly=True, copy=False, help="Clock hours spent waiting for the customer."
    )
    # Paused hours when each phase was done: a later wait for the customer
    # does not move a phase that was already over.
    ack_paused_hours = fields.Float(readonly=True, copy=False)
    plan_paused_hours = fields.Float(readonly=True, copy=False)
    arrival_paused_hours = fields.Float(readonly=True, copy=False)
    repair_paused_hours = fields.Float(readonly=True, copy=False)
    ack_done_at = fields.Datetime(string="Acknowledged On", copy=False, readonly=True)
    plan_done_at = fields.Datetime(
        string="Service Planned On", copy=False, readonly=True
    )
    arrival_done_at = fields.Datetime(string="On Site On", copy=False, readonly=True)
    repair_done_at = fields.Datetime(string="Repaired On", copy=False, readonly=True)
    ack_deadline = fields.Datetime(
        string="Acknowledge By", compute="_compute_deadlines", store=True
    )
    plan_deadline = fields.Datetime(
        string="Plan By", compute="_compute_deadlines", store=True
    )
    arrival_deadline = fields.Datetime(
        string="On Site By", compute="_compute_deadlines", store=True
    )
    repair_deadline = fields.Datetime(
        string="Repair By", compute="_compute_deadlines", store=True
    )
    ack_hours = fields.Float(
        string="Acknowledgement Time (h)", compute="_compute_outcomes", store=True
    )
    plan_hours = fields.Float(
        string="Service Plan Time (h)", compute="_compute_outcomes", store=True
    )
    arrival_hours = fields.Float(
        string="Arrival Time (h)", compute="_compute_outcomes", store=True
    )
    repair_hours = fields.Float(
        string="Repair Time (h)", compute="_compute_outcomes", store=True
    )
    ack_met = fields.Boolean(
        string="Acknowledged in Time", compute="_compute_outcomes", store=True
    )
    plan_met = fields.Boolean(
        string="Planned in Time", compute="_compute_outcomes", store=True
    )
    arrival_met = fields.Boolean(
        string="On Site in Time", compute="_compute_outcomes", store=True
    )
    repair_met = fields.Boolean(
        string="Repaired in Time", compute="_compute_outcomes", store=True
    )
    escalated_phases = fields.Char(
        readonly=True,
        copy=False,
        help="Phases whose breach was escalated, comma-separated.",
    )
    next_deadline = fields.Datetime(
        compute="_compute_next_deadline",
        store=True,
        index=True,
        help="The earliest deadline still open and not escalated.",
    )
    # T4, T5: remote guidance first, otherwise a plan and a dispatch order
    solved_remotely = fields.Boolean(readonly=True, copy=False)
    remote_guidance = fields.Html(readonly=True, copy=False)
    service_plan = fields.Html(readonly=True, copy=False)
    dispatch_ids = fields.One2many(
        "aftersales.dispatch", "ticket_id", string="Dispatch Orders"
    )
    dispatch_count = fields.Integer(compute="_compute_dispatch_count")
    reopen_count = fields.Integer(
        string="Reopened",
        readonly=True,
        copy=False,
        help="Times the customer was not satisfied and the request was reopened.",
    )
    repair_count = fields.Integer(
        string="Off-Site Repairs", compute="_compute_repair_count"
    )
    solution_count = fields.Integer(
        string="Known Solutions", compute="_compute_solution_count"
    )
    clock_status = fields.Selection(
        [("on_time", "On Time"), ("near", "Due Soon"), ("late", "Late")],
        compute="_compute_clock_status",
    )
    # L1: loaners while the unit is out of service.
    aftersales_estimated_repair_hours = fields.Float(
        string="Estimated Repair Time (Hours)",
        tracking=True,
        help="The engineers' estimate of the repair. Over 12 hours, the customer "
        "is owed a loaner.",
    )
    aftersales_loaner_ids = fields.One2many(
        "aftersales.loaner", "ticket_id", string="Loaners"
    )
    aftersales_loaner_count = fields.Integer(
        string="Loaner Count", compute="_compute_aftersales_loaner_count"
    )

    @api.depends("aftersales_contract_id", "company_id")
    def _compute_service_level_id(self):
        fallback = {}
        for ticket in self:
            company = ticket.company_id or self.env.company
            if company not in fallback:
                fallback[company] = company.aftersales_service_level_id or self.env[
                    "aftersales.service.level"
                ].search([("company_id", "in", [False, company.id])], limit=1)
            ticket.service_level_id = (
                ticket.aftersales_contract_id.service_level_id or fallback[company]
            )

    @api.depends("partner_id.commercial_partner_id.aftersales_zone")
    def _compute_zone(self):
        for ticket in self:
            ticket.zone = (
                ticket.partner_id.commercial_partner_id.aftersales_zone or "city"
            )

    @api.depends("stage_id.aftersales_pauses_clock")
    def _compute_clock_paused(self):
        for ticket in self:
            ticket.clock_paused = ticket.stage_id.aftersales_pauses_clock

    @api.depends("dispatch_ids")
    def _compute_dispatch_count(self):
        counts = dict(
            self.env["aftersales.dispatch"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.dispatch_count = counts.get(ticket, 0)

    @api.depends("aftersales_loaner_ids")
    def _compute_aftersales_loaner_count(self):
        counts = dict(
            self.env["aftersales.loaner"]
            .sudo()
            ._read_group([("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"])
        )
        for ticket in self:
            ticket.aftersales_loaner_count = counts.get(ticket, 0)

    def action_view_loaners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.loaner",
            "domain": [("ticket_id", "=", self.id)],
            "name": _("Loaners"),
            "view_mode": "list,form",
            "context": {"default_ticket_id": self.id},
        }

    def _owe_loaner_for_long_repairs(self):
        """A repair estimated at more than 12 hours makes a loaner due."""
        long_repairs = self.filtered(
            lambda t: (
                t.aftersales_estimated_repair_hours > LONG_REPAIR_HOURS
                and not t.stage_id.closed
            )
        )
        self.env["aftersales.loaner"]._create_obligations(
            long_repairs, "long_repair", fields.Datetime.now()
        )

    def _compute_repair_count(self):
        # Counted for everyone; the repairs themselves are the repair centre's.
        counts = dict(
            self.env["repair.order"]
            .sudo()
            ._read_group(
                [("aftersales_ticket_id", "in", self.ids)],
                ["aftersales_ticket_id"],
                ["__count"],
            )
        )
        for ticket in self:
            ticket.repair_count = counts.get(ticket, 0)

    @api.depends("category_id")
    def _compute_solution_count(self):
        counts = dict(
            self.env["aftersales.solution"]._read_group(
                [("category_id", "in", self.category_id.ids)],
                ["category_id"],
                ["__count"],
            )
        )
        for ticket in self:
            ticket.solution_count = counts.get(ticket.category_id, 0)

    def _prepare_dispatch_vals(self):
        """The dispatch order's copy of the fault, from the request."""
        self.ensure_one()
        return {
            "ticket_id": self.id,
            "reported_fault": html2plaintext(self.description or "") or False,
            "user_measures": self.user_measures,
            "fault_description": self.fault_description,
            "fault_nature": self.fault_nature,
            "category_id": self.category_id.id,
            "fault_location": self.fault_location,
            "severity": self.severity,
            # The visit that reinstalls the unit shipped back from the factory
            # takes its replacement notice back.
            "notice_id": self.env["aftersales.replacement.notice"]
            .sudo()
            .search(
                [
                    ("ticket_id", "=", self.id),
                    ("state", "=", "open"),
                    ("repair_id.aftersales_return_picking_id", "!=", False),
                ],
                limit=1,
            )
            .id,
        }

    def _save_solution(self, content):
        self.ensure_one()
        return self.env["aftersales.solution"].create(
            {
                "name": self.name,
                "category_id": self.category_id.id,
                "product_id": self.lot_id.product_id.id,
                "content": content,
                "ticket_id": self.id,
            }
        )

    def _first_stage(self, closed):
        """The team's first closing (or open) stage."""
        self.ensure_one()
        return self.env["helpdesk.ticket.stage"].search(
            [
                ("closed", "=", closed),
                "|",
                ("team_ids", "=", False),
                ("team_ids", "in", self.team_id.ids),
            ],
            order="sequence",
            limit=1,
        )

    def _save_dispatch_solution(self):
        """A request solved on site feeds the solution base too (T8): the
        engineers' analysis and actions, once."""
        self.ensure_one()
        Solution = self.env["aftersales.solution"].sudo()
        done = self.dispatch_ids.filtered(lambda d: d.state in ("done", "signed"))
        if not done or Solution.search_count([("ticket_id", "=", self.id)]):
            return
        last = done.sorted("finished_at")[-1]
        steps = "".join(
            f"<li>{escape(action.content)}</li>" for action in last.action_ids
        )
        content = Markup("<p>%s</p><ul>%s</ul>") % (last.analysis or "", Markup(steps))
        self.sudo()._save_solution(content)

    def _close(self):
        """Move to the team's first closing stage."""
        for ticket in self:
            stages = ticket._first_stage(closed=True)
            if not stages:
                raise UserError(_("No closing stage is set up for requests."))
            ticket.stage_id = stages

    def _open_wizard(self, model, name):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "name": name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def action_solve_remotely(self):
        return self._open_wizard("aftersales.remote.solution", _("Solved Remotely"))

    def action_plan_service(self):
        return self._open_wizard("aftersales.service.plan", _("Plan Service"))

    def action_offsite_repair(self):
        """Off-site repair (异地修理): a repair order for the unit, with the
        request's coverage, and the picking that brings the unit in."""
        self.ensure_one()
        self.check_access("write")
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office sends a unit to repair."),
        )
        if self.stage_id.closed:
            raise UserError(_("Reopen the request before sending its unit to repair."))
        if not self.lot_id:
            raise UserError(_("Set the unit of this request first."))
        # The back office sends the unit to the repair centre, whose own staff
        # (inventory users) handle the repair order and its pickings.
        repair = (
            self.env["repair.order"]
            .sudo()
            .create(
                {
                    "product_id": self.lot_id.product_id.id,
                    "lot_id": self.lot_id.id,
                    "partner_id": (
                        self.partner_id.commercial_partner_id
                        or self.aftersales_unit_warranty_id.partner_id
                    ).id,
                    "aftersales_ticket_id": self.id,
                    "aftersales_fault_cause": self.aftersales_fault_cause,
                    "aftersales_fault_category_id": self.category_id.id,
                    "internal_notes": self.description,
                }
            )
        )
        repair._aftersales_ship_in()
        repair.message_subscribe(partner_ids=self.env.user.partner_id.ids)
        # The unit leaves the customer: a loaner stands in for it.
        self.env["aftersales.loaner"]._create_obligations(
            self, "offsite_repair", fields.Datetime.now(), repair=repair
        )
        # Sending the unit away answers the request and is its service plan.
        self._complete_phase("ack")
        self._complete_phase("plan")
        self.message_post(
            body=_("Unit sent to the repair centre: %(repair)s.", repair=repair.name)
        )
        if not self.env["repair.order"].has_access("read"):
            return True
        return {
            "type": "ir.actions.act_window",
            "res_model": "repair.order",
            "res_id": repair.id,
            "view_mode": "form",
        }

    def action_view_repairs(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "repair.order",
            "domain": [("aftersales_ticket_id", "=", self.id)],
            "name": _("Off-Site Repairs"),
            "view_mode": "list,form",
        }

    def action_view_dispatches(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.dispatch",
            "domain": [("ticket_id", "=", self.id)],
            "name": _("Dispatch Orders"),
            "view_mode": "list,form",
            "context": {"default_ticket_id": self.id},
        }

    def action_view_solutions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.solution",
            "domain": [("category_id", "=", self.category_id.id)],
            "name": _("Known Solutions"),
            "view_mode": "list,form",
        }

    def _phase_target(self, phase):
        level = self.service_level_id
        if phase == "arrival":
            return level[f"arrival_{self.zone or 'city'}_hours"]
        if phase == "repair":
            return level[f"repair_{self.severity}_hours"]
        return level[f"{phase}_hours"]

    def _phase_start(self, phase):
        return self.arrival_done_at if phase == "repair" else self.reported_at

    def _phase_paused_hours(self, phase):
        """Hours the clock of ``phase`` was stopped while waiting for the
        customer: until the phase was done, from when it started."""
        paused = (
            self[f"{phase}_paused_hours"]
            if self[f"{phase}_done_at"]
            else self.paused_hours
        )
        if phase == "repair":
            paused -= self.arrival_paused_hours
        return paused

    def _current_paused_hours(self):
        """Paused hours so far, the wait in progress included."""
        self.ensure_one()
        running = self.paused_since and self.service_level_id._hours_between(
            self.paused_since, fields.Datetime.now()
        )
        return self.paused_hours + (running or 0.0)

    @api.depends(
        "reported_at",
        "service_level_id",
        "zone",
        "severity",
        "service_level_id.around_the_clock",
        "service_level_id.calendar_id",
        "service_level_id.ack_hours",
        "service_level_id.plan_hours",
        "service_level_id.arrival_city_hours",
        "service_level_id.arrival_county_hours",
        "service_level_id.repair_general_hours",
        "service_level_id.repair_major_hours",
        "ack_done_at",
        "plan_done_at",
        "arrival_done_at",
        "repair_done_at",
        "paused_hours",
        "ack_paused_hours",
        "plan_paused_hours",
        "arrival_paused_hours",
        "repair_paused_hours",
    )
    def _compute_deadlines(self):
        # Per service level, all the clocks of the batch at once: the
        # calendar's working hours are computed once.
        clocks = defaultdict(list)  # level: [(ticket, phase, start, hours)]
        for ticket in self:
            for phase in PHASES:
                start = ticket._phase_start(phase)
                if ticket.service_level_id and start:
                    hours = ticket._phase_target(phase)
                    hours += ticket._phase_paused_hours(phase)
                    clocks[ticket.service_level_id].append(
                        (ticket, phase, start, hours)
                    )
                else:
                    ticket[f"{phase}_deadline"] = False
        for level, todo in clocks.items():
            deadlines = level._add_hours(
                [(start, hours) for __, __, start, hours in todo]
            )
            for (ticket, phase, __, __), deadline in zip(todo, deadlines, strict=True):
                ticket[f"{phase}_deadline"] = deadline

    @api.depends(
        "ack_done_at",
        "plan_done_at",
        "arrival_done_at",
        "repair_done_at",
        "ack_deadline",
        "plan_deadline",
        "arrival_deadline",
        "repair_deadline",
        "ack_paused_hours",
        "plan_paused_hours",
        "arrival_paused_hours",
        "repair_paused_hours",
    )
    def _compute_outcomes(self):
        for ticket in self:
            for phase in PHASES:
                done, start = ticket[f"{phase}_done_at"], ticket._phase_start(phase)
                deadline = ticket[f"{phase}_deadline"]
                hours = met = False
                if done and start and ticket.service_level_id:
                    hours = max(
                        ticket.service_level_id._hours_between(start, done)
                        - ticket._phase_paused_hours(phase),
                        0.0,
                    )
                    met = bool(deadline) and done <= deadline
                ticket[f"{phase}_hours"] = hours
                ticket[f"{phase}_met"] = met

    def _open_phases(self):
        """Phases whose clock runs: started, not done, not escalated."""
        self.ensure_one()
        escalated = (self.escalated_phases or "").split(",")
        return [
            phase
            for phase in PHASES
            if self[f"{phase}_deadline"]
            and not self[f"{phase}_done_at"]
            and phase not in escalated
        ]

    @api.depends(
        "ack_deadline",
        "plan_deadline",
        "arrival_deadline",
        "repair_deadline",
        "ack_done_at",
        "plan_done_at",
        "arrival_done_at",
        "repair_done_at",
        "escalated_phases",
        "clock_paused",
        "stage_id.closed",
    )
    def _compute_next_deadline(self):
        for ticket in self:
            deadlines = [ticket[f"{phase}_deadline"] for phase in ticket._open_phases()]
            ticket.next_deadline = (
                not ticket.clock_paused
                and not ticket.stage_id.closed
                and deadlines
                and min(deadlines)
            )

    @api.depends("next_deadline")
    def _compute_clock_status(self):
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.next_deadline:
                ticket.clock_status = False
            elif ticket.next_deadline < now:
                ticket.clock_status = "late"
            elif (ticket.next_deadline - now).total_seconds() < 3600:
                ticket.clock_status = "near"
            else:
                ticket.clock_status = "on_time"

    @api.constrains("lot_id", "company_id")
    def _check_unit_company(self):
        for ticket in self:
            unit_company = ticket.lot_id.company_id
            if unit_company and unit_company != ticket.company_id:
                raise ValidationError(
                    _(
                        "Request %(name)s: unit %(unit)s belongs to %(company)s; "
                        "report it in that company.",
                        name=ticket.display_name,
                        unit=ticket.lot_id.name,
                        company=unit_company.name,
                    )
                )

    def write(self, vals):
        pausing = "stage_id" in vals and self._clock_pause_changes(vals["stage_id"])
        closing = self.browse()
        new_stage = self.env["helpdesk.ticket.stage"].browse(vals.get("stage_id"))
        if new_stage.closed:
            closing = self.filtered(lambda t: not t.stage_id.closed)
        complaining = self.browse()
        if vals.get("channel_id") == self._complaint_channel().id:
            complaining = self.filtered(
                lambda t: t.channel_id != self._complaint_channel()
            )
        result = super().write(vals)
        closing._after_close()
        complaining._escalate_complaint()
        if pausing:
            self._apply_pause_changes()
        if vals.get("user_id"):
            # Taking the request acknowledges it.
            self._complete_phase("ack")
        if vals.get("lot_id") or vals.get("category_id"):
            self._check_repeat_faults()
        if vals.get("aftersales_estimated_repair_hours"):
            self._owe_loaner_for_long_repairs()
        return result

    def _clock_pause_changes(self, stage_id):
        stage = self.env["helpdesk.ticket.stage"].browse(stage_id)
        return any(t.clock_paused != stage.aftersales_pauses_clock for t in self)

    @workflow_step
    def _apply_pause_changes(self):
        """Start or stop waiting for the customer: the clocks stop, then
        their deadlines move by the time waited."""
        now = fields.Datetime.now()
        for ticket in self:
            if ticket.clock_paused and not ticket.paused_since:
                ticket.paused_since = now
            elif not ticket.clock_paused and ticket.paused_since:
                waited = ticket.service_level_id._hours_between(
                    ticket.paused_since, now
                )
                ticket.write(
                    {
                        "paused_since": False,
                        "paused_hours": ticket.paused_hours + waited,
                    }
                )

    @workflow_step
    def _complete_phase(self, phase):
        """Stamp ``phase`` done now (once); the request's stage follows."""
        now = fields.Datetime.now()
        done = self.filtered(lambda t: not t[f"{phase}_done_at"])
        for ticket in done:
            ticket.write(
                {
                    f"{phase}_done_at": now,
                    f"{phase}_paused_hours": ticket._current_paused_hours(),
                }
            )
        done._follow_phase(phase)

    def _follow_phase(self, phase):
        """Move to the stage reached when ``phase`` is done, unless the
        request is further on, waits for the customer or is closed."""
        stages = self.env["helpdesk.ticket.stage"].search(
            [("aftersales_phase", "=", phase)], order="sequence"
        )
        for ticket in self:
            current = ticket.stage_id
            if current.closed or current.aftersales_pauses_clock:
                continue
            target = stages.filtered(
                lambda s, t=ticket: not s.team_ids or t.team_id in s.team_ids
            )[:1]
            if target and target.sequence > current.sequence:
                ticket.stage_id = target

    def action_close_request(self):
        """Close a repaired (or remotely solved) request: the follow-up and
        the rating request go out."""
        open_requests = self.filtered(lambda t: not t.stage_id.closed)
        not_done = open_requests.filtered(
            lambda t: not t.repair_done_at and not t.solved_remotely
        )
        if not_done:
            raise UserError(
                _(
                    "Request %(name)s is not repaired yet: record the repair (or the "
                    "remote solution) before closing it.",
                    name=not_done[0].display_name,
                )
            )
        open_requests._close()
        return True

    def action_acknowledge(self):
        self._complete_phase("ack")
        return True

    def action_on_site(self):
        """The engineer is on site: the repair clock starts. Being there
        acknowledges the request and answers for its service plan."""
        for phase in ("ack", "plan", "arrival"):
            self._complete_phase(phase)
        return True

    def action_repaired(self):
        missing = self.filtered(lambda t: not t.arrival_done_at)
        if missing:
            raise UserError(
                _(
                    "Request %(name)s: record the engineer's arrival on site before "
                    "the repair.",
                    name=missing[0].display_name,
                )
            )
        self._complete_phase("repair")
        return True

    # Breach escalation (scheduled action) -----------------------------------

    @api.model
    def _breach_domain(self, now):
        """Requests with a phase past its deadline and not escalated yet."""
        return [("next_deadline", "<", now)]

    @api.model
    def _cron_escalate_breaches(self, batch_size=500):
        """Escalate the phases whose deadline passed: a message on the request
        and an activity for the supervisor, once per phase. Requests are found
        by their indexed next deadline and taken in batches
        (``run_in_batches``); two runs at the same time share them."""
        now = fields.Datetime.now()
        run_in_batches(
            self,
            self._breach_domain(now),
            lambda tickets: tickets._escalate_breaches(now),
            batch_size,
            order="next_deadline",
        )

    @workflow_step
    def _escalate_breaches(self, now):
        activity_type = self.env.ref("aftersales_service.mail_activity_type_breach")
        model_id = self.env["ir.model"]._get_id(self._name)
        labels = self._phase_labels()
        activities, bodies = [], {}
        for ticket in self:
            late = [
                phase
                for phase in ticket._open_phases()
                if ticket[f"{phase}_deadline"] < now
            ]
            names = format_list(self.env, [labels[phase] for phase in late])
            supervisor = ticket._breach_supervisor()
            bodies[ticket.id] = self.env._(
                "Response time missed: %(phases)s. Escalated to %(user)s.",
                phases=names,
                user=supervisor.name,
            )
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": ticket.id,
                    "activity_type_id": activity_type.id,
                    "user_id": supervisor.id,
                    "summary": self.env._("Missed: %(phases)s", phases=names),
                    "date_deadline": fields.Date.context_today(ticket),
                }
            )
            ticket.escalated_phases = ",".join(
                filter(None, [ticket.escalated_phases, *late])
            )
        self._message_log_batch(bodies)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )

    # T7: after the repair -------------------------------------------------

    def _complaint_channel(self):
        return (
            self.env.ref(
                "aftersales_service.helpdesk_channel_complaint",
                raise_if_not_found=False,
            )
            or self.env["helpdesk.ticket.channel"]
        )

    def _after_close(self):
        """A closed request is followed up within 15 days (15天内跟踪观察),
        and its customer is asked to rate the service."""
        if not self:
            return
        follow_up = self.env.ref("aftersales_service.mail_activity_type_follow_up")
        rating_request = self.env.ref("aftersales_service.mail_template_request_rating")
        deadline = fields.Date.add(fields.Date.context_today(self), days=15)
        for ticket in self:
            ticket.activity_schedule(
                activity_type_id=follow_up.id,
                date_deadline=deadline,
                user_id=ticket._follow_up_user().id,
            )
            ticket._save_dispatch_solution()
            customer = ticket._rating_get_partner()
            if customer.email:
                ticket.rating_send_request(
                    rating_request, lang=customer.lang, force_send=False
                )

    def _follow_up_user(self):
        """Who follows the repair up: the engineer who did the work (the
        last finished dispatch order's), else the request's owner."""
        self.ensure_one()
        finished = self.dispatch_ids.filtered(
            lambda d: d.state in ("done", "signed")
        ).sorted("finished_at")
        return finished[-1:].engineer_ids[:1] or self.user_id or self.env.user

    def _escalate_complaint(self):
        """A complaint (投诉) goes to the service manager at once."""
        complaint = self.env.ref("aftersales_service.mail_activity_type_complaint")
        for ticket in self:
            manager = ticket._breach_supervisor()
            ticket.activity_schedule(
                activity_type_id=complaint.id,
                date_deadline=fields.Date.context_today(ticket),
                user_id=manager.id,
            )
            ticket.message_post(
                body=_("Complaint escalated to %(user)s.", user=manager.name)
            )

    @workflow_step
    def action_reopen(self):
        """The customer is not satisfied: the service goes on (用户不满意,
        服务不停止)."""
        for ticket in self.filtered(lambda t: t.stage_id.closed):
            stage = ticket._first_stage(closed=False)
            ticket.write(
                {"stage_id": stage.id, "reopen_count": ticket.reopen_count + 1}
            )
            ticket.message_post(body=_("Reopened: the customer is not satisfied."))
        return True

    def _phase_labels(self):
        return {
            "ack": _("Acknowledgement"),
            "plan": _("Service Plan"),
            "arrival": _("On Site"),
            "repair": _("Repair"),
        }

    def _breach_supervisor(self):
        self.ensure_one()
        return (
            self.team_id.user_id
            or self.company_id.aftersales_supervisor_id
            or self.user_id
            or self.env.user
        )

    @api.onchange("lot_id")
    def _onchange_lot_id_partner(self):
        if self.lot_id.warranty_id.partner_id and not self.partner_id:
            self.partner_id = self.lot_id.warranty_id.partner_id

    @api.model_create_multi
    def create(self, vals_list):
        # One look-up per company and moment of reporting, not per request.
        on_call = {}
        now = fields.Datetime.now()
        for vals in vals_list:
            if not vals.get("user_id"):
                key = (
                    vals.get("company_id") or self.env.company.id,
                    fields.Datetime.to_datetime(vals.get("reported_at")) or now,
                )
                if key not in on_call:
                    on_call[key] = self._on_call_user(*key)
                if on_call[key]:
                    vals["user_id"] = on_call[key].id
        tickets = super().create(vals_list)
        tickets._check_repeat_faults()
        complaint = self._complaint_channel()
        tickets.filtered(lambda t: t.channel_id == complaint)._escalate_complaint()
        tickets.filtered("clock_paused")._apply_pause_changes()
        tickets._owe_loaner_for_long_repairs()
        return tickets

    @api.model
    def _on_call_user(self, company_id, reported):
        """The engineer on call for a request of ``company_id`` reported at
        ``reported`` (naive UTC) outside the company's business hours (7*24
        小时值班制度); nobody during business hours."""
        company = self.env["res.company"].browse(company_id)
        calendar = company.resource_calendar_id
        if calendar:
            start = pytz.utc.localize(reported)
            working = calendar._work_intervals_batch(
                start, start + timedelta(minutes=1)
            )
            if working[False]:
                return self.env["res.users"]
        return self.env["aftersales.duty"]._on_call(reported, company)

    def _check_repeat_faults(self):
        # One look-up per fault category, for all the units at once.
        reported = self.filtered(lambda t: t.lot_id and t.category_id)
        for category in reported.category_id:
            tickets = reported.filtered(lambda t, c=category: t.category_id == c)
            flagged = tickets.lot_id._aftersales_check_repeat_fault(category)
            for ticket in tickets.filtered(lambda t, f=flagged: t.lot_id in f):
                ticket.message_post(
                    body=_(
                        "Unit %(unit)s failed again after two repairs of this "
                        "fault: a free replacement is due (see the unit).",
                        unit=ticket.lot_id.name,
                    )
                )

    def action_extend_warranty(self):
        """The fault can't be resolved and it stopped the customer's work:
        extend the unit's warranty (W4), once for this incident."""
        self.ensure_one()
        if not self.lot_id:
            raise UserError(_("Set the unit of this request first."))
        warranty = self.lot_id.warranty_id
        if warranty:
            # Two people marking the same incident at once extend it once:
            # the second waits here, PostgreSQL refuses its transaction once
            # the first commits, and Odoo runs the call again (which then
            # tells them). A normal race, not logged as a bad query.
            self.env.cr.execute(
                "SELECT id FROM aftersales_warranty WHERE id = %s FOR UPDATE",
                [warranty.id],
                log_exceptions=False,
            )
        if warranty.state != "accepted":
            raise UserError(
                _(
                    "Unit %(unit)s has no running warranty to extend: it has none, "
                    "or it still awaits acceptance.",
                    unit=self.lot_id.name,
                )
            )
        reported = fields.Date.context_today(self, self.create_date)
        if warranty.end_date < reported:
            raise UserError(
                _(
                    "The warranty of %(unit)s ended on %(end)s, before this request: "
                    "there is nothing to extend.",
                    unit=self.lot_id.name,
                    end=format_date(self.env, warranty.end_date),
                )
            )
        if self.aftersales_extension_ids.filtered(lambda e: e.state == "active"):
            raise UserError(
                _(
                    "This request already extended the warranty of %(unit)s: an "
                    "incident extends a warranty once.",
                    unit=self.lot_id.name,
                )
            )
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office can extend a warranty."),
        )
        days = warranty.company_id.aftersales_extension_days
        # Extensions are made here only, with their reason and request.
        self.env["aftersales.warranty.extension"].sudo().create(
            {
                "warranty_id": warranty.id,
                "ticket_id": self.id,
                "days": days,
                "reason": _("Unresolvable fault stopped the customer's work"),
            }
        )
        message = _(
            "Warranty of %(unit)s extended by %(days)s days; it now ends on %(end)s.",
            unit=self.lot_id.name,
            days=days,
            end=format_date(self.env, warranty.end_date),
        )
        self.message_post(body=message)
        warranty.message_post(body=message)
        return True
