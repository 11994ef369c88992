from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext

from .aftersales_integrity_mixin import workflow_step
from .aftersales_selections import FAULT_NATURES, SEVERITIES
from .aftersales_unrepairable_mixin import UNREPAIRABLE_FIELDS

# The coverage the order shows and prints, as the request decides it (W6),
# and where the order keeps it when the customer signs:
# {field of the order and of the request: field kept at signing}.
SIGNED_COVERAGE_FIELDS = {
    "aftersales_coverage": "signed_coverage",
    "aftersales_parts_policy": "signed_parts_policy",
    "aftersales_labour_policy": "signed_labour_policy",
    "aftersales_post_warranty_policy": "signed_post_warranty_policy",
}


def _request_selection(name):
    """The choices of the request's field ``name``, with its labels in the
    reader's language."""

    def selection(model):
        field = model.env["helpdesk.ticket"]._fields[name]
        return field._description_selection(model.env)

    return selection


class AftersalesDispatch(models.Model):
    """The dispatch order (故障处理派工单): who goes, what they bring, when
    they arrive, what they find and do, and the customer's sign-off."""

    _name = "aftersales.dispatch"
    _description = "Dispatch Order"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "aftersales.unrepairable.mixin",
        "aftersales.campaign.dispatch.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.dispatch"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = (
        "state",
        "arrival_notice_sent",
        "arrived_at",
        "finished_at",
        "remote_signoff",
        "signed_at",
        "signed_coverage",
        "signed_parts_policy",
        "signed_labour_policy",
        "signed_post_warranty_policy",
        *UNREPAIRABLE_FIELDS,
        "campaign_line_id",
    )

    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        required=True,
        index=True,
        ondelete="restrict",
        # The requests a visit can be planned for (_check_request_open). The
        # order's company is its request's, so the picker is not narrowed to
        # a company the new order does not have yet (it offered nothing).
        domain=[("stage_id.closed", "=", False)],
    )
    company_id = fields.Many2one(
        related="ticket_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="ticket_id.partner_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    lot_id = fields.Many2one(
        related="ticket_id.lot_id", string="Unit", store=True, index="btree_not_null"
    )
    previous_version = fields.Char(
        related="lot_id.aftersales_version", string="Installed Version"
    )
    engineer_ids = fields.Many2many(
        "res.users",
        string="Engineers",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("dispatched", "Dispatched"),
            ("on_site", "On Site"),
            ("done", "Done"),
            ("signed", "Signed"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    # Who to meet on site: the request's contact.
    contact_id = fields.Many2one(
        related="ticket_id.partner_id", string="Contact", store=True
    )
    contact_phone = fields.Char(related="ticket_id.partner_id.phone", string="Phone")
    contact_address = fields.Char(
        related="ticket_id.partner_id.contact_address", string="Address"
    )
    # The fault, copied from the request when the order is made: what the
    # customer reported and did, then what the engineers find.
    reported_fault = fields.Text(
        help="The fault as the customer reported it, copied from the request."
    )
    user_measures = fields.Text(
        string="Measures Already Taken",
        help="What the customer did before calling (用户已处理措施).",
    )
    fault_description = fields.Text(string="Fault Cause")
    fault_nature = fields.Selection(FAULT_NATURES, string="Nature")
    category_id = fields.Many2one("helpdesk.ticket.category", string="Fault Category")
    fault_location = fields.Char()
    severity = fields.Selection(SEVERITIES, default="general", required=True)
    # The request's coverage until the customer signs; then the coverage
    # they signed, whatever happens to the warranty or contract afterwards:
    # a signed order prints the same forever.
    aftersales_coverage = fields.Selection(
        _request_selection("aftersales_coverage"),
        string="Coverage",
        compute="_compute_aftersales_coverage",
        compute_sudo=True,
        help="What covers this fault, decided from the unit's warranty and "
        "contracts at the time of the fault and from its cause.",
    )
    aftersales_parts_policy = fields.Selection(
        _request_selection("aftersales_parts_policy"),
        string="Parts Price",
        compute="_compute_aftersales_coverage",
        compute_sudo=True,
    )
    aftersales_labour_policy = fields.Selection(
        _request_selection("aftersales_labour_policy"),
        string="Labour Price",
        compute="_compute_aftersales_coverage",
        compute_sudo=True,
    )
    aftersales_post_warranty_policy = fields.Selection(
        _request_selection("aftersales_post_warranty_policy"),
        string="Policy Applied",
        compute="_compute_aftersales_coverage",
        compute_sudo=True,
    )
    signed_coverage = fields.Selection(
        _request_selection("aftersales_coverage"),
        string="Coverage When Signed",
        compute="_compute_signed_coverage",
        store=True,
        copy=False,
    )
    signed_parts_policy = fields.Selection(
        _request_selection("aftersales_parts_policy"),
        string="Parts Price When Signed",
        compute="_compute_signed_coverage",
        store=True,
        copy=False,
    )
    signed_labour_policy = fields.Selection(
        _request_selection("aftersales_labour_policy"),
        string="Labour Price When Signed",
        compute="_compute_signed_coverage",
        store=True,
        copy=False,
    )
    signed_post_warranty_policy = fields.Selection(
        _request_selection("aftersales_post_warranty_policy"),
        string="Policy Applied When Signed",
        compute="_compute_signed_coverage",
        store=True,
        copy=False,
    )
    item_ids = fields.One2many(
        "aftersales.dispatch.item", "dispatch_id", string="To Bring", copy=True
    )
    planned_departure = fields.Datetime(tracking=True)
    expected_arrival = fields.Datetime(tracking=True)
    arrival_notice_sent = fields.Boolean(readonly=True, copy=False)
    arrived_at = fields.Datetime(string="Arrived On", readonly=True, copy=False)
    finished_at = fields.Datetime(string="Finished On", readonly=True, copy=False)
    analysis = fields.Text(string="Fault Analysis")
    action_ids = fields.One2many(
        "aftersales.dispatch.action", "dispatch_id", string="Actions Taken"
    )
    estimated_repair_hours = fields.Float(
        string="Estimated Repair Time (Hours)",
        compute="_compute_estimated_repair_hours",
        inverse="_inverse_estimated_repair_hours",
        help="The engineers' estimate of the repair, kept on the request. Over 12 "
        "hours, the customer is owed a loaner.",
    )
    spare_request_ids = fields.One2many(
        "aftersales.spare.request", "dispatch_id", string="Spare Requests"
    )
    notice_id = fields.Many2one(
        "aftersales.replacement.notice",
        string="Takes Back Notice",
        check_company=True,
        domain="[('lot_id', '=', lot_id), ('state', '=', 'open')]",
        help="The spare replacement notice this order takes back when it "
        "reinstalls the repaired unit (以《故障处理派工单》收回…通知).",
    )
    remote_signoff = fields.Boolean(
        string="Online Sign-Off Asked",
        readonly=True,
        copy=False,
        help="The customer was asked to sign this order in the portal.",
    )
    # Q5: the service conduct (服务规范), copied from the configuration when
    # the order is made; the engineers tick it, the customer confirms it by
    # signing.
    conduct_ids = fields.One2many(
        "aftersales.dispatch.conduct",
        "dispatch_id",
        string="Service Conduct",
        copy=False,
    )
    can_tick_conduct = fields.Boolean(
        compute="_compute_can_tick_conduct",
        help="The user is an engineer of this order, which is still open: they "
        "tick its service conduct.",
    )
    # Q4: engineers without a valid qualification for the unit's family.
    qualification_warning = fields.Text(
        compute="_compute_qualification_warning",
        help="Engineers of this order who hold no valid qualification for the "
        "unit's product family on the day they are expected.",
    )
    signer_name = fields.Char(string="Signed By", copy=False)
    signature = fields.Binary(copy=False, attachment=True)
    signed_at = fields.Datetime(string="Signed On", readonly=True, copy=False)

    @api.depends("ticket_id.aftersales_estimated_repair_hours")
    def _compute_estimated_repair_hours(self):
        for dispatch in self:
            dispatch.estimated_repair_hours = (
                dispatch.ticket_id.aftersales_estimated_repair_hours
            )

    @api.depends(
        "state",
        *SIGNED_COVERAGE_FIELDS.values(),
        *(f"ticket_id.{name}" for name in SIGNED_COVERAGE_FIELDS),
    )
    def _compute_aftersales_coverage(self):
        for dispatch in self:
            signed = dispatch.state == "signed"
            for shown, kept in SIGNED_COVERAGE_FIELDS.items():
                dispatch[shown] = (
                    dispatch[kept] if signed else dispatch.ticket_id[shown]
                )

    # No dependencies: computed when the order is created (not signed yet, so
    # empty), and once for the orders already there when the fields were
    # added, which keep the coverage they printed then. Afterwards only
    # signing writes them (``_signed_coverage_values``).
    @api.depends()
    def _compute_signed_coverage(self):
        for dispatch in self:
            signed = dispatch.state == "signed"
            for name, value in dispatch._signed_coverage_values().items():
                dispatch[name] = signed and value

    def _signed_coverage_values(self):
        """The request's coverage now, to keep on the order as signed."""
        self.ensure_one()
        request = self.ticket_id.sudo()
        return {kept: request[shown] for shown, kept in SIGNED_COVERAGE_FIELDS.items()}

    @api.depends("state", "engineer_ids")
    @api.depends_context("uid")
    def _compute_can_tick_conduct(self):
        for dispatch in self:
            dispatch.can_tick_conduct = (
                dispatch.state not in ("signed", "cancelled")
                and self.env.user in dispatch.engineer_ids
            )

    @api.depends("engineer_ids", "lot_id", "expected_arrival", "state")
    @api.depends_context("tz")
    def _compute_qualification_warning(self):
        open_orders = self.filtered(lambda d: d.state in ("draft", "dispatched"))
        problems = dict(
            zip(open_orders, open_orders._qualification_problems(), strict=True)
        )
        for dispatch in self:
            found = problems.get(dispatch) or {}
            dispatch.qualification_warning = "\n".join(found.values()) or False

    def _qualification_problems(self):
        """For each order, {engineer: why they are not qualified for the
        unit}, on the day the engineers are expected (today when not
        planned yet)."""
        today = fields.Date.context_today(self)
        return self.env["aftersales.qualification"]._qualification_problems_many(
            [
                (
                    dispatch.engineer_ids,
                    dispatch.lot_id.product_id,
                    fields.Date.context_today(self, dispatch.expected_arrival)
                    if dispatch.expected_arrival
                    else today,
                )
                for dispatch in self
            ]
        )

    @api.constrains("engineer_ids", "lot_id", "expected_arrival")
    def _check_engineer_qualifications(self):
        """With the company's setting on Refuse, an engineer without a valid
        qualification for the unit can't be assigned nor dispatched."""
        checked = self.filtered(
            lambda d: (
                d.state in ("draft", "dispatched")
                and d.company_id.aftersales_qualification_policy == "refuse"
            )
        )
        for dispatch, problems in zip(
            checked, checked._qualification_problems(), strict=True
        ):
            if problems:
                raise ValidationError(
                    _(
                        "Dispatch order %(name)s: %(problems)s Choose a qualified "
                        "engineer, or renew the qualification first.",
                        name=dispatch.name,
                        problems=" ".join(problems.values()),
                    )
                )

    def _inverse_estimated_repair_hours(self):
        # The engineers on the order estimate the repair, whoever may edit
        # the request itself.
        for dispatch in self:
            dispatch.ticket_id.sudo().aftersales_estimated_repair_hours = (
                dispatch.estimated_repair_hours
            )

    @api.model_create_multi
    def create(self, vals_list):
        dispatches = super().create(vals_list)
        dispatches.filtered(lambda d: not d.conduct_ids)._add_conduct_checklist()
        return dispatches

    def _add_conduct_checklist(self):
        """The company's service conduct, as these new orders' checklist."""
        items = self.env["aftersales.conduct.item"].sudo().search([])
        if not (items and self):
            return
        self.env["aftersales.dispatch.conduct"].sudo().create(
            [
                {**vals, "dispatch_id": dispatch.id}
                for dispatch in self
                for vals in items._prepare_dispatch_conduct_vals()
            ]
        )

    def write(self, vals):
        if self.filtered(lambda d: d.state == "signed") and set(vals) - {
            "message_main_attachment_id",
        }:
            raise UserError(
                _("A dispatch order signed by the customer can't be changed.")
            )
        return super().write(vals)

    @api.constrains("ticket_id")
    def _check_request_open(self):
        # The form offers open requests only, as Plan Service does; an order
        # made or moved another way is refused too.
        self.ticket_id._check_open_for_visits()

    @api.constrains("planned_departure", "expected_arrival")
    def _check_departure_before_arrival(self):
        for dispatch in self:
            if (
                dispatch.planned_departure
                and dispatch.expected_arrival
                and dispatch.expected_arrival < dispatch.planned_departure
            ):
                raise ValidationError(
                    _(
                        "Dispatch order %(name)s: the expected arrival comes before "
                        "the planned departure; correct one of them.",
                        name=dispatch.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        self._refuse_unlink(
            self.filtered(lambda d: d.state not in ("draft", "cancelled")),
            _("it was dispatched. Cancel it while the engineers are not on site yet."),
        )

    @api.model
    def _propose_engineers(self, ticket):
        """Who goes, as the back office would choose: the engineer of the
        unit's service contract, else the engineer who last worked on this
        unit, else whoever the duty roster has on duty now. The first of
        them qualified for the unit's family today goes before the others;
        when none is, the first of them is proposed and the plan warns."""
        last_visit = self.browse()
        if ticket.lot_id:
            last_visit = self.sudo().search(
                [
                    ("lot_id", "=", ticket.lot_id.id),
                    ("state", "in", ("done", "signed")),
                ],
                order="finished_at desc",
                limit=1,
            )
        candidates = self.env["res.users"]
        for users in (
            ticket.aftersales_contract_id.sudo().engineer_id,
            last_visit.engineer_ids,
            self.env["aftersales.duty"]._on_roster(
                fields.Datetime.now(), ticket.company_id
            ),
        ):
            candidates |= users.filtered(
                lambda u: (
                    u.active
                    and u.has_group("aftersales_service.group_aftersales_engineer")
                )
            )
        candidates = candidates.with_env(self.env)
        problems = self.env["aftersales.qualification"]._qualification_problems(
            candidates,
            ticket.lot_id.product_id,
            fields.Date.context_today(self),
        )
        return candidates.filtered(lambda u: u not in problems)[:1] or candidates[:1]

    @api.model
    def _vals_from_request(self, ticket):
        """The new order's copy of the fault, from ``ticket``: what the
        customer reported and did, and what is known of the cause. The
        visit that reinstalls the unit shipped back from the factory takes
        its replacement notice back."""
        return {
            "ticket_id": ticket.id,
            "reported_fault": html2plaintext(ticket.description or "") or False,
            "user_measures": ticket.user_measures,
            "fault_description": ticket.fault_description,
            "fault_nature": ticket.fault_nature,
            "category_id": ticket.category_id.id,
            "fault_location": ticket.fault_location,
            "severity": ticket.severity,
            "notice_id": self.env["aftersales.replacement.notice"]
            .sudo()
            .search(
                [
                    ("ticket_id", "=", ticket.id),
                    ("state", "=", "open"),
                    ("repair_id.aftersales_return_picking_id", "!=", False),
                ],
                limit=1,
            )
            .id,
        }

    @workflow_step
    def action_dispatch(self):
        """Send the engineers: the customer is told when they will arrive
        (出发前通知用户预计到达时间)."""
        self._ensure_state(("draft",), _("only a draft order can be dispatched."))
        for dispatch in self:
            if not dispatch.engineer_ids:
                raise UserError(
                    _(
                        "Dispatch order %(name)s: choose the engineers.",
                        name=dispatch.name,
                    )
                )
            if not dispatch.expected_arrival:
                raise UserError(
                    _(
                        "Dispatch order %(name)s: enter the expected arrival, which "
                        "the customer is told before departure.",
                        name=dispatch.name,
                    )
                )
        self._check_engineer_qualifications()
        template = self.env.ref("aftersales_service.mail_template_dispatch_arrival")
        # The engineer who dispatches may not read the whole request the
        # notice quotes; the notice is still posted in their name.
        for dispatch in self.sudo():
            dispatch.message_post_with_source(
                template,
                author_id=self.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.write({"state": "dispatched", "arrival_notice_sent": True})
        return True

    @workflow_step
    def action_arrive(self):
        self._ensure_state(
            ("dispatched",), _("the engineers arrive after the order is dispatched.")
        )
        self.write({"state": "on_site", "arrived_at": fields.Datetime.now()})
        # The engineers' arrival stamps the request's clocks, whoever may edit
        # the request itself.
        self.ticket_id.sudo().action_on_site()
        return True

    @workflow_step
    def action_finish(self):
        self._ensure_state(
            ("on_site",), _("the work is finished on site, after arrival.")
        )
        missing = self.filtered(lambda d: not d.action_ids)
        if missing:
            raise UserError(
                _(
                    "Dispatch order %(name)s: record the actions taken (time and "
                    "content) before finishing.",
                    name=missing[0].name,
                )
            )
        self._check_campaign_version()
        # The parts reserved for the work are used up on site.
        self.spare_request_ids._consume()
        self.write({"state": "done", "finished_at": fields.Datetime.now()})
        self._record_campaign_versions()
        self.ticket_id.sudo().action_repaired()
        return True

    @workflow_step
    def action_sign(self):
        """The customer's sign-off (用户签认), with the name and signature
        entered on the order."""
        self._ensure_state(
            ("done",), _("the customer signs once the work on site is finished.")
        )
        self.conduct_ids._check_confirmable()
        unsigned = self.filtered(
            lambda d: not (d.signer_name or "").strip() or not d.signature
        )
        if unsigned:
            raise UserError(
                _(
                    "Dispatch order %(name)s: the customer signs with their name and "
                    "signature.",
                    name=unsigned[0].name,
                )
            )
        not_back = self.notice_id.sudo().filtered(
            lambda n: (
                n.repair_id and n.repair_id.aftersales_return_picking_id.state != "done"
            )
        )
        if not_back:
            raise UserError(
                _(
                    "Replacement notice %(notice)s is taken back when the repaired "
                    "unit %(unit)s is back, and it has not been shipped back yet. "
                    "Remove the notice from the order, or ship the unit back first.",
                    notice=not_back[0].name,
                    unit=not_back[0].lot_id.display_name,
                )
            )
        signed_at = fields.Datetime.now()
        self.conduct_ids._keep_signed_names()
        for dispatch in self:
            # What the customer signed prints the same later.
            dispatch.write(
                {
                    "state": "signed",
                    "signed_at": signed_at,
                    **dispatch._signed_coverage_values(),
                }
            )
        for dispatch in self.filtered("notice_id"):
            dispatch.notice_id.sudo()._close(dispatch)
        return True

    @workflow_step
    def action_ask_online_signoff(self):
        """The customer was not there to sign: they sign in the portal."""
        self._ensure_state(
            ("done",), _("the customer signs once the work on site is finished.")
        )
        # The customer confirms the service conduct as it stands.
        self.conduct_ids._check_confirmable()
        self.write({"remote_signoff": True})
        for dispatch in self:
            dispatch.message_post(
                body=_(
                    "Please review the work and sign dispatch order %(name)s online.",
                    name=dispatch.name,
                ),
                partner_ids=dispatch.ticket_id.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    @workflow_step
    def action_cancel(self):
        self._ensure_state(
            ("draft", "dispatched"), _("only orders not yet on site can be cancelled.")
        )
        self.write({"state": "cancelled"})
        # Parts asked for the visit go back to the spares.
        self.spare_request_ids.filtered(
            lambda r: r.state in ("draft", "requested", "reserved")
        ).action_cancel()
        return True

    def action_log_training(self):
        """Training given during this visit, logged in two clicks."""
        self.ensure_one()
        return self.env["aftersales.training.session"]._open_log_form(
            {
                "default_dispatch_id": self.id,
                "default_partner_id": self.partner_id.id,
                # The request may be someone else's: the engineer dispatched
                # needn't read it to log the training.
                "default_contract_id": self.ticket_id.sudo().aftersales_contract_id.id,
                "default_trainer_id": (self.engineer_ids[:1] or self.env.user).id,
                "default_company_id": self.company_id.id,
            }
        )

    def action_request_spares(self):
        """Ask the warehouse for parts for this order."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.spare.request",
            "name": _("Spare Request"),
            "view_mode": "form",
            "context": {
                "default_dispatch_id": self.id,
                "default_company_id": self.company_id.id,
                "default_line_ids": [
                    Command.create(
                        {"product_id": item.product_id.id, "quantity": item.quantity}
                    )
                    for item in self.item_ids.filtered(
                        lambda i: i.kind == "spare" and i.product_id.is_storable
                    )
                ],
            },
        }

    def action_offsite_repair(self):
        """The unit can't be repaired on site: send it to the repair centre."""
        self.ensure_one()
        return self.ticket_id.action_offsite_repair()

    # E3: the engineers on site find the unit can't be repaired.

    def _aftersales_unrepairable_check(self, env):
        if not env.su and env.user not in self.engineer_ids:
            raise UserError(
                _(
                    "Only the engineers of dispatch order %(name)s record that its "
                    "unit can't be repaired.",
                    name=self.name,
                )
            )
        if self.state not in ("on_site", "done"):
            raise UserError(
                _(
                    "Dispatch order %(name)s is %(state)s: the engineers record "
                    "that the unit can't be repaired on site, from their arrival "
                    "until the customer signs.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(env))[
                        self.state
                    ],
                )
            )

    def _aftersales_unrepairable_fault(self):
        request = self.ticket_id
        moment = request.reported_at or request.create_date
        return (
            fields.Date.context_today(self, moment),
            request.aftersales_fault_cause,
        )

    def _aftersales_unrepairable_ticket(self):
        return self.ticket_id

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Dispatch Order %(name)s", name=self.name)
