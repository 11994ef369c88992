from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_datetime, format_list

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import lock_rows, run_in_batches

# What the service manager approved; frozen once approved.
FROZEN_FIELDS = {
    "contract_id",
    "date_start",
    "date_end",
    "lot_ids",
    "site_ids",
    "engineer_ids",
    "service_level_id",
    "warehouse_id",
    "inspection_date",
}


class AftersalesServicePeriod(models.Model):
    """A special service period (特殊服务保障期) for a customer's important
    event (用户重要会议期间的特殊服务预案): engineers on standby on the duty
    roster, a spare kit reserved in the spares location, a pre-event
    inspection, and a tighter service level for the requests about its
    units or sites reported while it runs. The service manager approves it
    through tier reviews."""

    _name = "aftersales.service.period"
    _description = "Special Service Period"
    _approval_frozen_fields = FROZEN_FIELDS
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "aftersales.approval.mixin",
    ]
    _aftersales_sequence_code = "aftersales.service.period"
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "picking_id", "inspection_id")

    event = fields.Char(
        required=True,
        tracking=True,
        help="The customer's event the period covers, for example the year-end "
        "operations meeting.",
    )
    contract_id = fields.Many2one(
        "aftersales.contract",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain="[('state', 'in', ('running', 'to_renew'))]",
        help="The customer's running service contract: its units may be "
        "covered, and its follow-up plan takes the pre-event inspection.",
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id",
        string="Customer",
        store=True,
        index=True,
        precompute=True,
    )
    date_start = fields.Datetime(string="From", required=True, tracking=True)
    date_end = fields.Datetime(string="To", required=True, tracking=True)
    lot_ids = fields.Many2many(
        "stock.lot",
        "aftersales_service_period_lot_rel",
        "period_id",
        "lot_id",
        string="Units",
        domain="[('id', 'in', contract_lot_ids)]",
        help="Requests about these units reported in the period take its level.",
    )
    contract_lot_ids = fields.Many2many(
        related="contract_id.lot_ids", string="Contract Units"
    )
    site_ids = fields.Many2many(
        "res.partner",
        "aftersales_service_period_site_rel",
        "period_id",
        "partner_id",
        string="Sites",
        domain="[('commercial_partner_id', '=', partner_id)]",
        help="Requests reported from these addresses of the customer in the "
        "period take its level.",
    )
    service_level_id = fields.Many2one(
        "aftersales.service.level",
        string="Service Level In The Period",
        required=True,
        tracking=True,
        help="The tighter targets that requests reported in the period take.",
    )
    engineer_ids = fields.Many2many(
        "res.users",
        "aftersales_service_period_engineer_rel",
        "period_id",
        "user_id",
        string="Engineers On Standby",
        domain="[('share', '=', False)]",
        help="On the duty roster for the whole period once it is approved; the "
        "first one carries out the pre-event inspection.",
    )
    duty_ids = fields.One2many(
        "aftersales.duty", "service_period_id", string="Standby Duties"
    )
    inspection_date = fields.Date(
        string="Pre-Event Inspection On",
        compute="_compute_inspection_date",
        store=True,
        readonly=False,
        precompute=True,
        help="The day the standby engineer inspects the units, before the event "
        "(by default the day before it starts).",
    )
    inspection_id = fields.Many2one(
        "aftersales.inspection",
        string="Pre-Event Inspection",
        readonly=True,
        copy=False,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The warehouse whose spares location holds the kit.",
    )
    part_ids = fields.One2many(
        "aftersales.service.period.part", "period_id", string="Spare Kit", copy=True
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Kit Reservation",
        readonly=True,
        copy=False,
        help="The spare kit, reserved in the spares location for the period and "
        "released when it ends or is cancelled.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("done", "Ended"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    note = fields.Html(string="Service Plan")

    @api.depends("date_start")
    def _compute_inspection_date(self):
        for period in self:
            period.inspection_date = period.date_start and fields.Date.context_today(
                period, period.date_start - timedelta(days=1)
            )

    @api.depends("company_id")
    def _compute_warehouse_id(self):
        for period in self:
            period.warehouse_id = self.env["stock.warehouse"]._aftersales_main(
                period.company_id or self.env.company
            )

    # Rules ------------------------------------------------------------------

    @api.constrains("date_start", "date_end", "inspection_date")
    def _check_dates(self):
        for period in self:
            if period.date_end <= period.date_start:
                raise ValidationError(
                    _(
                        "Special service period %(name)s ends before it starts: "
                        "correct the To date.",
                        name=period.name,
                    )
                )
            start_day = fields.Date.context_today(period, period.date_start)
            if period.inspection_date and period.inspection_date > start_day:
                raise ValidationError(
                    _(
                        "Special service period %(name)s: the pre-event inspection "
                        "is held before the event, on %(day)s at the latest.",
                        name=period.name,
                        day=fields.Date.to_string(start_day),
                    )
                )

    @api.constrains("lot_ids", "site_ids", "contract_id")
    def _check_units_or_sites(self):
        for period in self:
            if not (period.lot_ids or period.site_ids):
                raise ValidationError(
                    _(
                        "Special service period %(name)s: name the units or the "
                        "sites it covers.",
                        name=period.name,
                    )
                )
            foreign = period.lot_ids - period.contract_id.lot_ids
            if foreign:
                raise ValidationError(
                    _(
                        "Special service period %(name)s: %(units)s are not under "
                        "contract %(contract)s.",
                        name=period.name,
                        units=format_list(self.env, foreign.mapped("name")),
                        contract=period.contract_id.name,
                    )
                )

    @api.constrains("state", "date_start", "date_end", "lot_ids", "site_ids")
    def _check_overlap(self):
        live = self.filtered(lambda p: p.state in ("draft", "approved"))
        if not live:
            return
        others = self.search(
            [
                ("id", "not in", live.ids),
                ("state", "in", ("draft", "approved")),
                ("date_start", "<", max(live.mapped("date_end"))),
                ("date_end", ">", min(live.mapped("date_start"))),
                "|",
                ("lot_ids", "in", live.lot_ids.ids),
                ("site_ids", "in", live.site_ids.ids),
            ]
        )
        for period in live:
            for other in others | (live - period):
                shared = (period.lot_ids & other.lot_ids).mapped("display_name") + (
                    period.site_ids & other.site_ids
                ).mapped("display_name")
                if (
                    shared
                    and other.date_start < period.date_end
                    and period.date_start < other.date_end
                ):
                    raise ValidationError(
                        _(
                            "Special service period %(name)s overlaps %(other)s "
                            "(%(start)s to %(end)s) for %(shared)s: one period at "
                            "a time covers a unit or site. Change the dates or the "
                            "units.",
                            name=period.name,
                            other=other.name,
                            start=format_datetime(self.env, other.date_start),
                            end=format_datetime(self.env, other.date_end),
                            shared=format_list(self.env, shared),
                        )
                    )

    def _approval_frozen_message(self):
        return _(
            "The dates, units, sites, engineers and service level of a "
            "special service period can't change once it is approved. "
            "Cancel it and draft a new one."
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._refuse_unlink(
            self.filtered(lambda p: p.state in ("approved", "done")),
            _("it was approved. Cancel it instead."),
        )

    # Requests (T3) ----------------------------------------------------------

    @api.model
    def _any_approved_between(self, first, last):
        """Whether any approved period runs at some moment from ``first`` to
        ``last``. Most requests fall in none: this look at the periods' own
        row says so in one small query, before their units and sites are
        searched."""
        self.flush_model(["state", "date_start", "date_end"])
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM aftersales_service_period
                    WHERE state = 'approved' AND date_start <= %s AND date_end > %s
                    LIMIT 1""",
                last,
                first,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _levels_for_requests(self, tickets):
        """{ticket: service level} for the requests reported inside an
        approved period about its units or from its sites. Whoever reports
        the request needn't read the periods."""
        tickets = tickets.filtered(
            lambda t: t.reported_at and (t.lot_id or t.partner_id)
        )
        if not tickets or not self._any_approved_between(
            min(tickets.mapped("reported_at")), max(tickets.mapped("reported_at"))
        ):
            return {}
        periods = self.sudo().search(
            [
                ("state", "=", "approved"),
                ("company_id", "in", tickets.company_id.ids),
                ("date_start", "<=", max(tickets.mapped("reported_at"))),
                ("date_end", ">", min(tickets.mapped("reported_at"))),
                "|",
                ("lot_ids", "in", tickets.lot_id.ids),
                ("site_ids", "in", tickets.partner_id.ids),
            ],
            order="date_start desc",
        )
        levels = {}
        for ticket in tickets:
            for period in periods:
                if (
                    period.company_id == ticket.company_id
                    and period.date_start <= ticket.reported_at < period.date_end
                    and (
                        ticket.lot_id in period.lot_ids
                        or ticket.partner_id in period.site_ids
                    )
                ):
                    levels[ticket] = period.sudo().service_level_id.with_env(self.env)
                    break
        return levels

    # Approval ---------------------------------------------------------------

    def _check_reviewer(self):
        if not self.can_review:
            raise UserError(
                _(
                    "Special service period %(name)s: the service manager approves "
                    "it, once the review is requested.",
                    name=self.name,
                )
            )

    def request_validation(self):
        """Ask the service manager's approval; a period that can't be carried
        out (no engineer, a kit that stock can't cover) is refused first."""
        self._ensure_state(("draft",), _("only a draft is sent for approval."))
        for period in self:
            period._check_ready()
        return super().request_validation()

    def _check_ready(self):
        self.ensure_one()
        if not self.engineer_ids:
            raise UserError(
                _(
                    "Special service period %(name)s: name the engineers on standby.",
                    name=self.name,
                )
            )
        if not self.contract_id.followup_plan_ids:
            raise UserError(
                _(
                    "Special service period %(name)s: contract %(contract)s has no "
                    "follow-up plan to hold the pre-event inspection. Add one to "
                    "the contract.",
                    name=self.name,
                    contract=self.contract_id.name,
                )
            )
        self._check_kit_available()

    def _check_lines_editable(self):
        if self.filtered(lambda p: p.state != "draft"):
            raise UserError(
                _(
                    "The spare kit of a special service period can't change once "
                    "it is approved."
                )
            )

    def _check_kit_available(self, moves=None):
        """Refuse, naming each short part and by how much, when the spares
        location can't cover the kit (or ``moves`` could not be reserved)."""
        self.ensure_one()
        location = self.warehouse_id._aftersales_spares_location()
        needed = {}
        for part in self.part_ids:
            needed[part.product_id] = needed.get(part.product_id, 0.0) + part.quantity
        # What ``moves`` reserved before falling short is free for the kit.
        reserved = {}
        for move in moves or ():
            reserved[move.product_id.id] = (
                reserved.get(move.product_id.id, 0.0) + move.quantity
            )
        products = self.part_ids.product_id.sudo().with_context(location=location.id)
        free = {
            product.id: product.free_qty + reserved.get(product.id, 0.0)
            for product in products
        }
        if moves is not None:
            short_products = moves.filtered(lambda m: m.state != "assigned").product_id
        else:
            short_products = self.part_ids.product_id.filtered(
                lambda p: free[p.id] < needed[p]
            )
        if short_products:
            raise UserError(
                _(
                    "Special service period %(name)s: the spare kit can't be "
                    "reserved in %(location)s, so nothing was reserved:\n%(lines)s",
                    name=self.name,
                    location=location.display_name,
                    lines="\n".join(
                        _(
                            "%(part)s: %(needed)s needed, %(free)s free, "
                            "%(short)s short",
                            part=product.display_name,
                            needed=needed[product],
                            free=free[product.id],
                            short=needed[product] - free[product.id],
                        )
                        for product in short_products
                    ),
                )
            )

    @workflow_step
    def _approve(self):
        """The manager approved: reserve the kit, put the engineers on the
        roster and plan the pre-event inspection; all of it or nothing."""
        self.ensure_one()
        # Two managers approving at once: one reserves, the other is told.
        lock_rows(
            self,
            _(
                "Special service period %(name)s is being approved or changed by "
                "another user. Reload it.",
                name=self.name,
            ),
        )
        self._check_ready()
        picking = self._reserve_kit()
        self.env["aftersales.duty"].sudo().create(
            [
                {
                    "user_id": engineer.id,
                    "date_start": self.date_start,
                    "date_end": self.date_end,
                    "company_id": self.company_id.id,
                    "service_period_id": self.id,
                    "note": _("Standby: %(event)s", event=self.event),
                }
                for engineer in self.engineer_ids
            ]
        )
        inspection = (
            self.env["aftersales.inspection"]
            .sudo()
            .create(self._prepare_inspection_vals())
        )
        inspection._schedule_engineer_activity()
        # One write: under review, the period takes no other change.
        self.write(
            {
                "state": "approved",
                "picking_id": picking.id,
                "inspection_id": inspection.id,
            }
        )
        self._message_log(body=_("Approved by the service manager."))

    def _prepare_inspection_vals(self):
        self.ensure_one()
        return {
            "plan_id": self.contract_id.followup_plan_ids[:1].id,
            "kind": "pre_event",
            "period": self.name,
            "scheduled_date": self.inspection_date
            or fields.Date.context_today(self, self.date_start),
            "engineer_id": self.engineer_ids[:1].id,
            "lot_ids": [Command.set(self.lot_ids.ids)],
        }

    def _reserve_kit(self):
        """The kit is a spare issue out of the spares location, reserved
        there (stock reservations) until the period ends. Returns the
        transfer."""
        self.ensure_one()
        if not self.part_ids:
            return self.env["stock.picking"]
        picking = self.warehouse_id._aftersales_spare_issue(
            self.partner_id,
            f"{self.name} {self.event}",
            [
                {
                    "product_id": part.product_id.id,
                    "product_uom_qty": part.quantity,
                    "product_uom": part.product_id.uom_id.id,
                    "company_id": self.company_id.id,
                    "origin": self.name,
                }
                for part in self.part_ids
            ],
        )
        # stock.move locks the quants it reserves (see _action_assign).
        picking.move_ids._action_assign()
        self._check_kit_available(picking.move_ids)
        return picking

    def _release_kit(self):
        self.picking_id.sudo().filtered(
            lambda p: p.state not in ("done", "cancel")
        ).action_cancel()

    @workflow_step
    def action_cancel(self):
        """Cancel the period: the kit is released, the standby duties and the
        pre-event inspection (if not done) are dropped."""
        # What is released below is done as the system: only who may change
        # the period cancels it.
        self.check_access("write")
        self._ensure_state(
            ("draft", "approved"), _("an ended period can't be cancelled.")
        )
        for period in self:
            period._release_kit()
            period.duty_ids.sudo().unlink()
            period.inspection_id.filtered(
                lambda i: i.state == "planned"
            ).sudo().action_cancel()
        self.write({"state": "cancelled"})
        return True

    @workflow_step
    def action_draft(self):
        self._ensure_state(("cancelled",), _("only a cancelled period is redrafted."))
        self.write({"state": "draft"})
        return True

    # Scheduled action -------------------------------------------------------

    @api.model
    def _ended_domain(self, now):
        return [("state", "=", "approved"), ("date_end", "<=", now)]

    @api.model
    def _cron_end_periods(self, batch_size=100):
        """Periods that ended give their kit back to the spares location
        (the reservation is released) and are marked ended. Two runs share
        the periods (``run_in_batches``)."""
        run_in_batches(
            self,
            self._ended_domain(fields.Datetime.now()),
            type(self)._end,
            batch_size,
        )

    @workflow_step
    def _end(self):
        for period in self.filtered(lambda p: p.state == "approved"):
            period._release_kit()
            period.state = "done"
            period._message_log(body=_("The period ended: the spare kit is released."))


class AftersalesServicePeriodPart(models.Model):
    _name = "aftersales.service.period.part"
    _inherit = "aftersales.spare.line.mixin"
    _description = "Special Service Period Spare"
    _order = "period_id, id"
    _spare_document_field = "period_id"

    period_id = fields.Many2one(
        "aftersales.service.period",
        string="Special Service Period",
        required=True,
        ondelete="cascade",
        index=True,
    )
