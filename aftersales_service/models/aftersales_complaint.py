from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow_step
from .aftersales_response_clock_mixin import clock_phase_fields, clock_workflow_fields
from .aftersales_roles import check_role

COMPLAINT_STATES = [
    ("new", "New"),
    ("answered", "Answered"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
]
CONFIRMATION_CHANNELS = [("phone", "Phone Call"), ("portal", "Customer Portal")]
# What the complaint says, frozen once it is closed.
CONTENT_FIELDS = (
    "partner_id",
    "ticket_id",
    "description",
    "cause",
    "corrective_action",
    "preventive_action",
)


class AftersalesComplaint(models.Model):
    """The complaint record (投诉处理单, Q2): a customer's complaint from any
    channel, with an owner, its own clocks (answered within the company's
    hours, resolved within its days), the cause found, the corrective and
    preventive actions, and the customer's confirmation that it is settled
    (用户满意). A late complaint is escalated to the service manager, once
    per phase."""

    _name = "aftersales.complaint"
    _description = "Complaint"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "aftersales.response.clock.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.complaint"
    _order = "id desc"
    _check_company_auto = True
    _clock_phases = ("answer", "resolve")
    _clock_start_field = "received_at"
    _clock_target_depends = (
        "company_id.aftersales_complaint_answer_hours",
        "company_id.aftersales_complaint_resolve_days",
        "service_level_id.calendar_id.hours_per_day",
    )
    _clock_stop_depends = ("state",)
    _workflow_fields = (
        *clock_workflow_fields(_clock_phases),
        "state",
        "received_at",
        "confirmed_at",
        "confirmed_by_id",
        "confirmed_via",
        "closed_at",
    )

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="Who complains: the customer's contact.",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
        check_company=True,
        help="The request the complaint came with, if any.",
    )
    channel_id = fields.Many2one(
        "helpdesk.ticket.channel",
        default=lambda self: self.env.ref(
            "aftersales_service.helpdesk_channel_complaint", raise_if_not_found=False
        ),
        help="How the complaint came in.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self._default_owner(),
        domain=lambda self: [
            (
                "all_group_ids",
                "in",
                self.env.ref("aftersales_service.group_aftersales_user").id,
            )
        ],
        help="Handles the complaint: answers the customer, finds the cause and "
        "resolves it.",
    )
    received_at = fields.Datetime(
        string="Complaint Received",
        required=True,
        readonly=True,
        copy=False,
        default=fields.Datetime.now,
        help="The complaint's clocks count from here.",
    )
    description = fields.Text(
        string="Complaint", required=True, help="What the customer complains about."
    )
    cause = fields.Text(string="Cause Found", tracking=True)
    corrective_action = fields.Text(tracking=True)
    preventive_action = fields.Text(
        tracking=True, help="What keeps it from happening again."
    )
    state = fields.Selection(
        COMPLAINT_STATES,
        string="Status",
        default="new",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    confirmed_at = fields.Datetime(
        string="Settled On", readonly=True, copy=False, tracking=True
    )
    confirmed_by_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        readonly=True,
        copy=False,
        help="The back-office user who called the customer, or the customer "
        "who confirmed it in the portal.",
    )
    confirmed_via = fields.Selection(
        CONFIRMATION_CHANNELS,
        string="Confirmed Through",
        readonly=True,
        copy=False,
    )
    closed_at = fields.Datetime(string="Closed On", readonly=True, copy=False)
    service_level_id = fields.Many2one(
        "aftersales.service.level",
        compute="_compute_service_level_id",
        store=True,
        help="Whose clock counts the complaint's hours: the request's level, "
        "else the company's default level.",
    )
    (
        answer_done_at,
        answer_paused_hours,
        answer_deadline,
        answer_hours,
        answer_met,
    ) = clock_phase_fields(
        "Answered On", "Answer By", "Answer Time (h)", "Answered In Time"
    )
    (
        resolve_done_at,
        resolve_paused_hours,
        resolve_deadline,
        resolve_hours,
        resolve_met,
    ) = clock_phase_fields(
        "Resolved On", "Resolve By", "Resolution Time (h)", "Resolved In Time"
    )

    can_handle = fields.Boolean(
        compute="_compute_can_handle",
        help="Whether you may move the complaint on: its owner or a service manager.",
    )

    @api.model
    def _default_owner(self):
        return self.env.company.aftersales_supervisor_id or self.env.user

    @api.depends("ticket_id.service_level_id", "company_id")
    def _compute_service_level_id(self):
        Level = self.env["aftersales.service.level"]
        for complaint in self:
            complaint.service_level_id = (
                complaint.ticket_id.service_level_id
                or Level._default_for(complaint.company_id)
            )

    @api.depends("user_id")
    @api.depends_context("uid")
    def _compute_can_handle(self):
        manager = self.env.user.has_group("aftersales_service.group_aftersales_manager")
        for complaint in self:
            complaint.can_handle = manager or complaint.user_id == self.env.user

    # The clocks --------------------------------------------------------------

    def _phase_target(self, phase):
        """Answer within the company's hours; resolve within its days, whole
        days on a 7×24 level, working days of its calendar otherwise."""
        company = self.company_id
        if phase == "answer":
            return company.aftersales_complaint_answer_hours
        return company.aftersales_complaint_resolve_days * (
            self.service_level_id._day_hours()
        )

    def _clock_stopped(self):
        return self.state == "closed"

    def _clock_phase_labels(self):
        return {
            "answer": _("Complaint Answer"),
            "resolve": _("Complaint Resolution"),
        }

    def _breach_supervisor(self):
        """The company's service manager, else whoever the request escalates
        to, else the owner."""
        self.ensure_one()
        return self.company_id.aftersales_supervisor_id or (
            self.ticket_id.sudo()._breach_supervisor()
            if self.ticket_id
            else self.user_id
        )

    # Creation ---------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        complaints = super().create(vals_list)
        complaints._tell_owner()
        return complaints

    def _tell_owner(self):
        activity_type = self.env.ref("aftersales_service.mail_activity_type_complaint")
        for complaint in self:
            complaint.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=fields.Date.context_today(complaint),
                user_id=complaint.user_id.id,
            )
            if complaint.ticket_id:
                complaint.ticket_id.message_post(
                    body=_(
                        "Complaint %(complaint)s registered; its owner is %(user)s.",
                        complaint=complaint._get_html_link(),
                        user=complaint.user_id.name,
                    )
                )

    @api.model
    def _open_for_requests(self, tickets):
        """A request on the complaint channel (or flagged a complaint) gets
        its complaint record, once, owned by the request's supervisor.
        Whoever took the request (an engineer too) need not see complaints."""
        tickets = tickets.sudo().filtered(lambda t: not t.aftersales_complaint_ids)
        if not tickets:
            return self
        return self.sudo().create(
            [
                {
                    "company_id": ticket.company_id.id,
                    "partner_id": ticket.partner_id.id,
                    "ticket_id": ticket.id,
                    "channel_id": ticket.channel_id.id,
                    "user_id": (
                        ticket.company_id.aftersales_supervisor_id
                        or ticket._breach_supervisor()
                    ).id,
                    "description": ticket.name,
                }
                for ticket in tickets
                if ticket.partner_id
            ]
        )

    def write(self, vals):
        frozen = set(vals) & set(CONTENT_FIELDS)
        if frozen and self.filtered(lambda c: c.state == "closed"):
            raise UserError(
                _(
                    "Complaint %(name)s is closed: what it says is kept as it was "
                    "closed.",
                    name=self.filtered(lambda c: c.state == "closed")[0].name,
                )
            )
        result = super().write(vals)
        if vals.get("user_id"):
            self.activity_reschedule(
                ["aftersales_service.mail_activity_type_complaint"],
                new_user_id=vals["user_id"],
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_new(self):
        self._refuse_unlink(
            self.filtered(lambda c: c.state != "new"),
            _("a complaint that was answered stays on file."),
        )

    # Actions ------------------------------------------------------------------

    def _check_handler(self):
        """The owner or a service manager handles the complaint."""
        if self.env.su:
            return
        others = self.filtered(lambda c: not c.can_handle)
        if others:
            raise UserError(
                _(
                    "Complaint %(name)s is handled by its owner, %(owner)s, or a "
                    "service manager.",
                    name=others[0].name,
                    owner=others[0].user_id.name,
                )
            )

    @workflow_step
    def action_answer(self):
        """The owner answered the customer: the answer clock stops."""
        self._check_handler()
        self._ensure_state(("new",), _("it is answered already."))
        self.write({"state": "answered"})
        self._complete_phase("answer")
        return True

    @workflow_step
    def action_resolve(self):
        """The cause is found and the corrective action taken: the resolution
        clock stops, and the customer is asked to confirm."""
        self._check_handler()
        self._ensure_state(("new", "answered"), _("it is resolved already."))
        for complaint in self:
            missing = [
                complaint._fields[name].string
                for name in ("cause", "corrective_action")
                if not (complaint[name] or "").strip()
            ]
            if missing:
                raise UserError(
                    _(
                        "Complaint %(name)s: enter %(fields)s before resolving it.",
                        name=complaint.name,
                        fields=" / ".join(missing),
                    )
                )
        self.filtered(lambda c: c.state == "new")._complete_phase("answer")
        self.write({"state": "resolved"})
        self._complete_phase("resolve")
        return True

    @workflow_step
    def action_confirm_settled(self):
        """The back office called the customer, who says it is settled."""
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("The back office records the customer's confirmation."),
        )
        self._confirm("phone")
        return True

    @workflow_step
    def _confirm(self, via):
        self._ensure_state(
            ("resolved",),
            _("the customer confirms a complaint once it is resolved."),
        )
        self.write(
            {
                "confirmed_at": fields.Datetime.now(),
                "confirmed_by_id": self.env.user.id,
                "confirmed_via": via,
            }
        )
        for complaint in self:
            complaint.message_post(
                body=_(
                    "The customer confirmed the complaint is settled (%(via)s).",
                    via=dict(
                        complaint._fields["confirmed_via"]._description_selection(
                            self.env
                        )
                    )[via],
                )
            )

    def _portal_confirm(self):
        """The customer confirms in the portal that it is settled."""
        self.ensure_one()
        if self.commercial_partner_id != self.env.user.commercial_partner_id:
            raise UserError(_("This complaint is not yours to confirm."))
        self.sudo()._confirm("portal")

    @workflow_step
    def action_reopen(self):
        """The customer is not satisfied: the complaint is worked on again,
        its resolution clock runs on from where it was."""
        self._check_handler()
        self._ensure_state(("resolved",), _("only a resolved complaint is reopened."))
        self.write(
            {
                "state": "answered",
                "resolve_done_at": False,
                "resolve_paused_hours": 0.0,
                "confirmed_at": False,
                "confirmed_by_id": False,
                "confirmed_via": False,
            }
        )
        for complaint in self:
            complaint.message_post(
                body=_("Reopened: the customer is not satisfied yet.")
            )
        return True

    @workflow_step
    def action_close(self):
        """Close a settled complaint: it needs the corrective action and the
        customer's confirmation."""
        self._check_handler()
        self._ensure_state(("resolved",), _("resolve it before closing it."))
        for complaint in self:
            if not (complaint.corrective_action or "").strip():
                raise UserError(
                    _(
                        "Complaint %(name)s: enter the corrective action before "
                        "closing it.",
                        name=complaint.name,
                    )
                )
            if not complaint.confirmed_at:
                raise UserError(
                    _(
                        "Complaint %(name)s: the customer has not confirmed it is "
                        "settled. Call them and record it (Customer Satisfied), or "
                        "let them confirm it in the portal.",
                        name=complaint.name,
                    )
                )
        self.write({"state": "closed", "closed_at": fields.Datetime.now()})
        self.activity_feedback(["aftersales_service.mail_activity_type_complaint"])
        return True

    def _get_report_base_filename(self):
        """The printed record's file name, as the portal downloads it."""
        self.ensure_one()
        return _("Complaint Record %(name)s", name=self.name)
