from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext

from .aftersales_integrity_mixin import workflow_step
from .aftersales_response_clock_mixin import clock_phase_fields, clock_workflow_fields
from .aftersales_selections import FAULT_NATURES, IMPACTS, SEVERITIES
from .aftersales_service_level import TARGET_FIELDS

# The response-time phases (T3), in order.
PHASES = ("ack", "plan", "arrival", "repair")


def precomputed(field_type, compute):
    """An inherited stored field computed by ``compute``, now before the
    record is inserted. Odoo checks ``precompute`` on each declaration:
    without its compute beside it, it warns that the field is not computed
    and ignores it."""
    return field_type(compute=compute, store=True, precompute=True)


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = [
        "helpdesk.ticket",
        "aftersales.coverage.mixin",
        "aftersales.integrity.mixin",
        "aftersales.response.clock.mixin",
        "aftersales.archive.mixin",
        "rating.mixin",
    ]
    _aftersales_coverage_date_field = "reported_at"
    # T3: acknowledged, planned and on site count from the report; the repair
    # from the arrival on site.
    _clock_phases = PHASES
    _clock_start_field = "reported_at"
    _clock_phase_starts = {"repair": "arrival"}
    _clock_target_depends = (
        "zone",
        "severity",
        *(f"service_level_id.{name}" for name in TARGET_FIELDS),
    )
    _clock_stop_depends = ("stage_id.closed",)
    # The back office's request list opens in the model's order: with this
    # index its first page reads 80 rows, where a million requests would be
    # sorted (make bench).
    _list_order_index = models.Index("(priority DESC, sequence, number DESC, id DESC)")
    # The clocks' stamps and what the resolution wizard records.
    _workflow_fields = (
        *clock_workflow_fields(PHASES),
        "reopen_count",
        "solved_remotely",
        "remote_guidance",
        "service_plan",
    )
    # What a manager may correct (Correct a Date), saying why.
    _correctable_fields = tuple(f"{phase}_done_at" for phase in PHASES)
    # A repair estimated at up to a year.
    _number_bounds = {"aftersales_estimated_repair_hours": (0, 8760)}

    # A phoned-in request needs no title of its own: the fault's first line.
    name = fields.Char(
        compute="_compute_name", store=True, readonly=False, precompute=True
    )
    # The portal lists a customer's requests: found by their contact.
    partner_id = fields.Many2one(index=True)
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
    aftersales_in_service_life = fields.Boolean(
        string="Failed Within Service Life",
        compute="_compute_aftersales_in_service_life",
        store=True,
        precompute=True,
        help="The unit failed within the years its product is guaranteed to serve "
        "(E5).",
    )
    # Intake: what a new request computes from its unit, customer, team and
    # level (coverage, service level, zone, stage, the clocks) is computed
    # before it is inserted, so the new row is written once, not inserted
    # then updated (make bench). The clocks' fields are declared below.
    aftersales_coverage = precomputed(fields.Selection, "_compute_aftersales_coverage")
    aftersales_parts_policy = precomputed(
        fields.Selection, "_compute_aftersales_coverage"
    )
    aftersales_labour_policy = precomputed(
        fields.Selection, "_compute_aftersales_coverage"
    )
    aftersales_post_warranty_policy = precomputed(
        fields.Selection, "_compute_aftersales_coverage"
    )
    aftersales_warranty_id = precomputed(
        fields.Many2one, "_compute_aftersales_coverage"
    )
    aftersales_contract_id = precomputed(
        fields.Many2one, "_compute_aftersales_coverage"
    )
    clock_paused = precomputed(fields.Boolean, "_compute_clock_paused")
    next_deadline = precomputed(fields.Datetime, "_compute_next_deadline")
    rating_last_value = precomputed(fields.Float, "_compute_rating_last_value")
    stage_id = precomputed(fields.Many2one, "_compute_stage_id")
    team_id = precomputed(fields.Many2one, "_compute_team_id")
    user_id = precomputed(fields.Many2one, "_compute_user_id")
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, precompute=True
    )
    unattended = fields.Boolean(
        related="stage_id.unattended", store=True, precompute=True
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
        string="Fault Cause Found",
        help="The cause the engineers found; what the customer reported is the "
        "Reported Fault.",
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
        precompute=True,
        readonly=False,
        tracking=True,
        help="From a special service period running when the request was "
        "reported, else the unit's contract, else the company's default level.",
    )
    zone = fields.Selection(
        [("city", "City"), ("county", "County")],
        compute="_compute_zone",
        store=True,
        precompute=True,
        readonly=False,
        help="Sets the on-site target: from the customer's address.",
    )
    ack_done_at, ack_paused_hours, ack_deadline, ack_hours, ack_met = (
        clock_phase_fields(
            "Acknowledged On",
            "Acknowledge By",
            "Acknowledgement Time (h)",
            "Acknowledged in Time",
            precompute=True,
        )
    )
    plan_done_at, plan_paused_hours, plan_deadline, plan_hours, plan_met = (
        clock_phase_fields(
            "Service Planned On",
            "Plan By",
            "Service Plan Time (h)",
            "Planned in Time",
            precompute=True,
        )
    )
    (
        arrival_done_at,
        arrival_paused_hours,
        arrival_deadline,
        arrival_hours,
        arrival_met,
    ) = clock_phase_fields(
        "On Site On",
        "On Site By",
        "Arrival Time (h)",
        "On Site in Time",
        precompute=True,
    )
    repair_done_at, repair_paused_hours, repair_deadline, repair_hours, repair_met = (
        clock_phase_fields(
            "Repaired On",
            "Repair By",
            "Repair Time (h)",
            "Repaired in Time",
            precompute=True,
        )
    )
    # T4, T5: remote guidance first, otherwise a plan and a dispatch order
    solved_remotely = fields.Boolean(readonly=True, copy=False)
    remote_guidance = fields.Html(readonly=True, copy=False)
    service_plan = fields.Html(readonly=True, copy=False)
    dispatch_ids = fields.One2many(
        "aftersales.dispatch", "ticket_id", string="Dispatch Orders"
    )
    dispatch_count = fields.Integer(compute="_compute_aftersales_archive_counts")
    reopen_count = fields.Integer(
        string="Reopened",
        readonly=True,
        copy=False,
        help="Times the customer was not satisfied and the request was reopened.",
    )
    repair_count = fields.Integer(
        string="Off-Site Repairs", compute="_compute_aftersales_archive_counts"
    )
    solution_count = fields.Integer(
        string="Known Solutions", compute="_compute_aftersales_archive_counts"
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
        string="Loaner Count", compute="_compute_aftersales_archive_counts"
    )
    aftersales_complaint_ids = fields.One2many(
        "aftersales.complaint",
        "ticket_id",
        string="Complaints",
        groups="aftersales_service.group_aftersales_user",
    )

    @api.depends(
        "aftersales_contract_id", "company_id", "lot_id", "partner_id", "reported_at"
    )
    def _compute_service_level_id(self):
        fallback = {}
        # Q3: inside a special service period, its tighter level.
        special = self.env["aftersales.service.period"]._levels_for_requests(self)
        for ticket in self:
            company = ticket.company_id or self.env.company
            if company not in fallback:
                fallback[company] = self.env["aftersales.service.level"]._default_for(
                    company
                )
            ticket.service_level_id = (
                special.get(ticket)
                or ticket.aftersales_contract_id.service_level_id
                or fallback[company]
            )

    @api.depends(
        "reported_at",
        "lot_id.warranty_id.acceptance_date",
        "lot_id.product_id.aftersales_service_life_years",
    )
    def _compute_aftersales_in_service_life(self):
        for ticket in self:
            ticket.aftersales_in_service_life = bool(
                ticket.lot_id
                and ticket.reported_at
                and ticket.lot_id._aftersales_in_service_life(
                    fields.Date.context_today(ticket, ticket.reported_at)
                )
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

    def _compute_rating_last_value(self):
        # A request has no rating before its customer rates it: the mixin's
        # look-up, one query for every new request, is needed only for the
        # rated ones (a new record's ratings are known empty, not read).
        rated = self.filtered("rating_ids")
        (self - rated).rating_last_value = 0
        return super(HelpdeskTicket, rated)._compute_rating_last_value()

    def _aftersales_archive(self):
        return {
            "dispatch_count": ("aftersales.dispatch", [("ticket_id", "in", self.ids)]),
            "aftersales_loaner_count": (
                "aftersales.loaner",
                [("ticket_id", "in", self.ids)],
            ),
            "repair_count": (
                "repair.order",
                [("aftersales_ticket_id", "in", self.ids)],
            ),
            # What solved this kind of fault before.
            "solution_count": (
                "aftersales.solution",
                [("category_id", "in", self.category_id.ids)],
            ),
        }

    def _aftersales_archive_key(self, field):
        return self.category_id if field == "solution_count" else self

    def _close(self):
        """Move to the stage of a done service."""
        done = self.env["helpdesk.ticket.stage"]._aftersales_reached(self, "closed")
        if not all(done.values()):
            raise UserError(_("No closing stage is set up for requests."))
        for ticket in self:
            ticket.stage_id = done[ticket]

    def _aftersales_portal_closing_stages(self):
        """The stages the customer may close this request to from its portal
        page, among those helpdesk_mgmt's portal offers (its team's, or its
        company's team-less ones): once it is repaired or solved remotely,
        the stage of a done service, to confirm it; before its service is
        planned (no dispatch order out), the others, to withdraw the report.
        None while the service is under way, nor once it is closed."""
        self.ensure_one()
        Stage = self.env["helpdesk.ticket.stage"]
        if self.stage_id.closed:
            return Stage
        if self.team_id:
            stages = self.team_id._get_applicable_stages()
        else:
            stages = Stage.search(
                [
                    ("company_id", "in", [False, self.company_id.id]),
                    ("team_ids", "=", False),
                ]
            )
        stages = stages.filtered("close_from_portal")
        # The stage of a done service (Reached When: Closed After Its
        # Service); the others close a request without a service.
        done = Stage._aftersales_reached(self, "closed")[self]
        if self.repair_done_at or self.solved_remotely:
            return stages & done
        if self.plan_done_at or self.dispatch_ids.filtered(
            lambda d: d.state != "cancelled"
        ):
            return Stage
        return stages - done

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
        repair = self.env["repair.order"]._create_for_request(self)
        # The unit leaves the customer: a loaner stands in for it.
        self.env["aftersales.loaner"]._owe_loaners(
            self, "offsite_repair", repair=repair
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

    def _clock_stopped(self):
        # Closed (done, withdrawn, solved remotely): no deadline is left to
        # miss, whatever phase the request never reached.
        return self.stage_id.closed

    def _check_open_for_visits(self):
        """A closed request gets no visit: it is reopened first. One solved
        remotely, then reopened because the fault is back, gets one."""
        for ticket in self:
            if ticket.stage_id.closed:
                raise ValidationError(
                    _(
                        "Request %(name)s is closed: reopen it before planning a "
                        "visit.",
                        name=ticket.display_name,
                    )
                )

    def _phase_target(self, phase):
        level = self.service_level_id
        if phase == "arrival":
            return level[f"arrival_{self.zone or 'city'}_hours"]
        if phase == "repair":
            return level[f"repair_{self.severity}_hours"]
        return level[f"{phase}_hours"]

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
        if "name" in vals and not vals["name"]:
            raise UserError(
                _(
                    "A request needs a title. Leave it empty only when you create "
                    "the request: the reported fault's first line is used."
                )
            )
        closing = reopening = self.browse()
        new_stage = self.env["helpdesk.ticket.stage"].browse(vals.get("stage_id"))
        if new_stage and not new_stage.closed:
            # Reopened (Reopen, or moved out of a closed stage): a remote
            # solution did not hold, the service goes on.
            reopening = self.filtered(lambda t: t.stage_id.closed and t.solved_remotely)
        if new_stage.aftersales_phase == "closed":
            # Closed after its service, from an open stage or from another
            # closing stage (cancelled by mistake). A request withdrawn or
            # rejected had no service to follow up or rate.
            closing = self.filtered(lambda t: t.stage_id != new_stage)
        complaining = self.browse()
        if (
            vals.get("channel_id")
            and vals["channel_id"] == self._complaint_channel().id
        ):
            complaining = self.filtered(
                lambda t: t.channel_id != self._complaint_channel()
            )
        result = super().write(vals)
        if reopening:
            reopening._void_remote_solution()
        closing._after_close()
        self.env["aftersales.complaint"]._open_for_requests(complaining)
        if vals.get("user_id"):
            # Taking the request acknowledges it.
            self._complete_phase("ack")
        if vals.get("lot_id") or vals.get("category_id"):
            self.env["stock.lot"]._aftersales_flag_repeat_faults(self)
        if vals.get("aftersales_estimated_repair_hours"):
            self.env["aftersales.loaner"]._owe_loaners(self, "long_repair")
        return result

    @workflow_step
    def _void_remote_solution(self):
        """The fault is back: the request is no longer solved remotely (its
        guidance stays on it and in the Solution Base), so it is planned
        and repaired like any other before it closes."""
        self.write({"solved_remotely": False})

    def _on_phase_done(self, phase):
        """The request's stage follows the work."""
        self.env["helpdesk.ticket.stage"]._aftersales_follow(self, phase)

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
            self.env["aftersales.solution"]._save_from_dispatches(ticket)
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

    def action_register_complaint(self):
        """Register the customer's complaint about this request (投诉处理单),
        whatever channel it came through, and open it."""
        self.ensure_one()
        complaint = self.aftersales_complaint_ids[:1] or self.env[
            "aftersales.complaint"
        ]._open_for_requests(self)
        if not complaint:
            raise UserError(_("Set the customer of this request first."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.complaint",
            "res_id": complaint.id,
            "view_mode": "form",
        }

    @workflow_step
    def action_reopen(self):
        """The customer is not satisfied: the service goes on (用户不满意,
        服务不停止)."""
        for ticket in self.filtered(lambda t: t.stage_id.closed):
            stage = self.env["helpdesk.ticket.stage"]._aftersales_first_open(
                ticket.team_id
            )
            ticket.write(
                {"stage_id": stage.id, "reopen_count": ticket.reopen_count + 1}
            )
            ticket.message_post(body=_("Reopened: the customer is not satisfied."))
        return True

    def _clock_phase_labels(self):
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

    @api.model
    def _search_message_partner_ids(self, operator, operand):
        """The requests these partners follow, matched as an array of ids on
        the primary key. The record rules say "the request's customer, or a
        follower": with the followers as a sub-query the database reads
        every request to decide; with an array, both sides are index scans
        and a customer's list costs what their own requests cost."""
        domain = super()._search_message_partner_ids(operator, operand)
        if domain is NotImplemented:
            return domain
        [(__, __, followed)] = domain
        return Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "%s = ANY(ARRAY%s)", SQL.identifier(alias, "id"), followed
            )
        )

    @api.depends("description")
    def _compute_name(self):
        for ticket in self:
            if not ticket.name:
                text = html2plaintext(ticket.description or "").strip()
                line = text.splitlines()[0].strip() if text else ""
                ticket.name = (line[:60] + "…" if len(line) > 60 else line) or False

    def _compute_display_name(self):
        new = self.filtered(lambda t: not t.id)
        for ticket in new:
            ticket.display_name = ticket.name or _("New Request")
        return super(HelpdeskTicket, self - new)._compute_display_name()

    @api.onchange("lot_id")
    def _onchange_lot_id_partner(self):
        if self.lot_id.warranty_id.partner_id and not self.partner_id:
            self.partner_id = self.lot_id.warranty_id.partner_id

    @api.onchange("partner_id")
    def _onchange_partner_id_unit(self):
        """The caller's only unit is the one they call about."""
        if self.partner_id and not self.lot_id:
            self.lot_id = self.env["aftersales.warranty"]._only_unit_of(self.partner_id)

    @api.model_create_multi
    def create(self, vals_list):
        # What the unit check, the coverage and the service life read of the
        # units: a unit has some thirty stored fields, which reading any one
        # of them would fetch, in twice the time.
        self.env["stock.lot"].sudo().browse(
            {vals["lot_id"] for vals in vals_list if vals.get("lot_id")}
        ).fetch(["company_id", "product_id"])
        self.env["aftersales.project"]._assign_trial_engineers(vals_list)
        self.env["aftersales.duty"]._assign_on_call(vals_list)
        tickets = super().create(vals_list)
        self.env["stock.lot"]._aftersales_flag_repeat_faults(tickets)
        if tickets.channel_id:
            channel = self._complaint_channel()
            self.env["aftersales.complaint"]._open_for_requests(
                tickets.filtered(lambda t: t.channel_id == channel)
            )
        self.env["aftersales.loaner"]._owe_loaners(tickets, "long_repair")
        return tickets

    def action_extend_warranty(self):
        """The fault can't be resolved and it stopped the customer's work:
        extend the unit's warranty (W4), once for this incident."""
        self.ensure_one()
        self.env["aftersales.warranty.extension"]._extend_for_request(self)
        return True
