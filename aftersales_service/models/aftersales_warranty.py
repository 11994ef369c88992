from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date, format_list

from .aftersales_integrity_mixin import workflow_step
from .aftersales_roles import check_role

WARRANTY_PERIODS = [("month", "Months"), ("year", "Years")]
# The warranty of a unit delivered free in place of another (W5, E3).
REPLACEMENT_WARRANTIES = [
    ("new_term", "A New Term"),
    ("rest_of_term", "The Rest of the Old Term"),
]


def add_period(start, duration, period):
    """Return ``start`` moved forward by ``duration`` months or years."""
    if not start or not duration or not period:
        return False
    return start + relativedelta(**{f"{period}s": duration})


class AftersalesWarranty(models.Model):
    """The warranty of one delivered unit (serial number).

    It is created when the unit is delivered, waits for the customer's
    acceptance (验收), and runs from the acceptance date for the product's
    duration, or until the manufacturer's end when that is later.
    """

    _name = "aftersales.warranty"
    _description = "Unit Warranty"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "aftersales.warranty.start.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.warranty"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = (
        "state",
        "picking_id",
        "delivery_date",
        "acceptance_date",
        "accepted_by",
        "acceptance_reference",
        "end_date",
        "renewal_notice_id",
        "expiry_notice_id",
        "closed_on",
        "replaces_warranty_id",
        "replaced_by_warranty_id",
        "continued_end_date",
        "start_basis",
        "commissioned_on",
        "go_live_date",
    )
    # What a manager may correct (Correct a Date), saying why.
    _correctable_fields = ("delivery_date", "acceptance_date")
    # A term of up to 100 years (1,200 months).
    _number_bounds = {"duration": (None, 1200), "manufacturer_duration": (None, 1200)}
    _rec_names_search = ["name", "lot_id"]

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    product_id = fields.Many2one(
        related="lot_id.product_id", store=True, index=True, string="Product"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        tracking=True,
        check_company=True,
        help="The customer's company, which the warranty is given to.",
    )
    site_partner_id = fields.Many2one(
        "res.partner",
        string="Installation Address",
        check_company=True,
        help="The address the unit was delivered to.",
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Delivery", readonly=True, check_company=True
    )
    sale_order_id = fields.Many2one(
        related="picking_id.sale_id", string="Sales Order", store=True
    )
    delivery_date = fields.Datetime(readonly=True)
    state = fields.Selection(
        [
            ("awaiting", "Awaiting Acceptance"),
            ("accepted", "Accepted"),
            ("closed", "Closed"),
        ],
        string="Status",
        default="awaiting",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    acceptance_date = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="The date the customer accepted the unit as fit for use "
        "(验收合格交付使用之日). The warranty starts on this date, unless the "
        "product's start basis is another.",
    )
    accepted_by = fields.Char(
        readonly=True,
        copy=False,
        tracking=True,
        help="Who signed the acceptance for the customer.",
    )
    acceptance_reference = fields.Char(
        readonly=True,
        copy=False,
        tracking=True,
        help="The acceptance certificate or report number.",
    )
    duration = fields.Integer(required=True, tracking=True)
    period = fields.Selection(WARRANTY_PERIODS, required=True, default="year")
    manufacturer_duration = fields.Integer(string="Manufacturer's Warranty")
    manufacturer_period = fields.Selection(
        WARRANTY_PERIODS, string="Manufacturer's Period", default="year"
    )
    manufacturer_end_date = fields.Date(
        compute="_compute_manufacturer_end_date",
        store=True,
        readonly=False,
        tracking=True,
        help="End of the manufacturer's warranty. Computed from the product's "
        "terms at acceptance; correct it from the manufacturer's certificate.",
    )
    end_date = fields.Date(
        compute="_compute_end_date",
        store=True,
        index=True,
        tracking=True,
        help="Acceptance date plus the warranty duration, or the manufacturer's "
        "end date when that is later.",
    )
    extension_ids = fields.One2many(
        "aftersales.warranty.extension", "warranty_id", string="Extensions"
    )
    part_warranty_ids = fields.One2many(related="lot_id.part_warranty_ids")
    extension_days = fields.Integer(
        compute="_compute_end_date",
        store=True,
        help="Days added by the active extensions.",
    )
    end_date_explanation = fields.Text(
        string="How the End Date Is Computed", compute="_compute_end_date_explanation"
    )
    warranty_status = fields.Selection(
        [
            ("awaiting", "Awaiting Acceptance"),
            ("valid", "In Warranty"),
            ("expired", "Expired"),
            ("closed", "Closed"),
        ],
        compute="_compute_warranty_status",
        search="_search_warranty_status",
    )
    # E1: the notices about the end of the unit's own warranty.
    renewal_notice_id = fields.Many2one(
        "aftersales.warranty.notice",
        readonly=True,
        copy=False,
        help="Sent before the warranty ends, with the extended-warranty offer, "
        "when no running contract continues the cover.",
    )
    expiry_notice_id = fields.Many2one(
        "aftersales.warranty.notice",
        readonly=True,
        copy=False,
        help="Sent when the warranty ended without renewal: what to watch for, "
        "and the substitutes of discontinued products.",
    )
    valid_on = fields.Date(
        string="In Warranty On",
        compute="_compute_valid_on",
        search="_search_valid_on",
        help="Search only: finds the warranties that cover the given date.",
    )

    # E3 and W5: a unit replaced free. The old unit's warranty is closed when
    # the replacement is delivered; the new unit's warranty keeps the rest of
    # the old term or starts a new one (the company's setting).
    closed_on = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="The day the warranty stopped covering the unit, before its end: "
        "the day its free replacement was delivered. It covers the faults "
        "that occurred before.",
    )
    replaced_by_warranty_id = fields.Many2one(
        "aftersales.warranty",
        string="Replaced By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The warranty of the unit delivered free in place of this one.",
    )
    replaces_warranty_id = fields.Many2one(
        "aftersales.warranty",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The warranty of the unit this one was delivered free in place of.",
    )
    continued_end_date = fields.Date(
        string="Continues the Old Term To",
        readonly=True,
        copy=False,
        help="A replacement unit that keeps the rest of the old unit's term: the "
        "day that term ended. It takes the place of the product's duration.",
    )

    _lot_unique = models.Constraint(
        "unique(lot_id)",
        "A serial number has one warranty only, and this one already has it.",
    )
    # The warranties that ended after their renewal notice and still wait for
    # the expiry notice: a handful, whatever the installed base.
    _expiry_notice_due_index = models.Index(
        "(end_date) WHERE renewal_notice_id IS NOT NULL AND expiry_notice_id IS NULL"
    )
    _duration_positive = models.Constraint(
        "CHECK(duration > 0)",
        "The warranty duration must be a positive number.",
    )

    @api.model
    def _only_unit_of(self, partner):
        """The unit of ``partner``'s company when it has exactly one under
        warranty, else none."""
        units = self.search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("lot_id", "!=", False),
            ],
            limit=2,
        ).lot_id
        return units if len(units) == 1 else units.browse()

    @api.model_create_multi
    def create(self, vals_list):
        self._check_lots_have_no_warranty([vals.get("lot_id") for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("lot_id"):
            self._check_lots_have_no_warranty([vals["lot_id"]] * len(self))
        return super().write(vals)

    def _check_lots_have_no_warranty(self, lot_ids):
        """Refuse a second warranty for a serial number with a message that
        names it (the unique index guards against concurrent inserts)."""
        lot_ids = [lot_id for lot_id in lot_ids if lot_id]
        taken = (
            self.env["aftersales.warranty"]
            .sudo()
            .search([("lot_id", "in", lot_ids), ("id", "not in", self.ids)])
            .lot_id
        )
        duplicates = taken | self.env["stock.lot"].browse(
            {lot_id for lot_id in lot_ids if lot_ids.count(lot_id) > 1}
        )
        if duplicates:
            raise ValidationError(
                _(
                    "A serial number has one warranty only, and %(lots)s already "
                    "has one: open the existing warranty instead of creating "
                    "another.",
                    lots=format_list(self.env, duplicates.sudo().mapped("name")),
                )
            )

    @api.depends("start_date", "manufacturer_duration", "manufacturer_period")
    def _compute_manufacturer_end_date(self):
        for warranty in self:
            warranty.manufacturer_end_date = add_period(
                warranty.start_date,
                warranty.manufacturer_duration,
                warranty.manufacturer_period,
            )

    @api.depends(
        "start_date",
        "duration",
        "period",
        "continued_end_date",
        "manufacturer_end_date",
        "extension_ids.days",
        "extension_ids.state",
    )
    def _compute_end_date(self):
        for warranty in self:
            warranty.extension_days = sum(
                warranty.extension_ids.filtered(lambda e: e.state == "active").mapped(
                    "days"
                )
            )
            own_end = warranty._own_end_date()
            ends = [d for d in (own_end, warranty.manufacturer_end_date) if d]
            warranty.end_date = own_end and max(ends) + timedelta(
                days=warranty.extension_days
            )

    def _own_end_date(self):
        """The end of the unit's own term, before the manufacturer's and the
        extensions: the start plus the duration, or the end of the old
        unit's term that a replacement continues."""
        self.ensure_one()
        if self.continued_end_date and self.start_date:
            return self.continued_end_date
        return add_period(self.start_date, self.duration, self.period)

    @api.depends(
        "end_date",
        "state",
        "start_basis",
        "closed_on",
        "replaced_by_warranty_id",
        "replaces_warranty_id",
        "continued_end_date",
    )
    def _compute_end_date_explanation(self):
        for warranty in self:
            replaces = warranty.replaces_warranty_id.sudo()
            if not warranty.start_date:
                lines = [warranty._pending_start_line()]
                if replaces:
                    lines.insert(0, warranty._replacement_line())
                warranty.end_date_explanation = "\n".join(lines)
                continue
            own_end = warranty._own_end_date()
            if warranty.continued_end_date:
                lines = [warranty._replacement_line()]
            else:
                period = dict(self._fields["period"]._description_selection(self.env))[
                    warranty.period
                ]
                if warranty.start_basis == "acceptance":
                    lines = [
                        _(
                            "Accepted on %(date)s + %(duration)s %(period)s = %(end)s",
                            date=format_date(self.env, warranty.start_date),
                            duration=warranty.duration,
                            period=period,
                            end=format_date(self.env, own_end),
                        )
                    ]
                else:
                    lines = [
                        warranty._start_line(),
                        _(
                            "%(date)s + %(duration)s %(period)s = %(end)s",
                            date=format_date(self.env, warranty.start_date),
                            duration=warranty.duration,
                            period=period,
                            end=format_date(self.env, own_end),
                        ),
                    ]
                if replaces:
                    lines.insert(0, warranty._replacement_line())
            base = own_end
            if (
                warranty.manufacturer_end_date
                and warranty.manufacturer_end_date > own_end
            ):
                base = warranty.manufacturer_end_date
                lines.append(
                    _(
                        "The manufacturer's warranty ends later, on %(end)s: it "
                        "applies.",
                        end=format_date(self.env, base),
                    )
                )
            for extension in warranty.extension_ids.filtered(
                lambda e: e.state == "active"
            ):
                if extension.ticket_id:
                    line = _(
                        "+ %(days)s days: %(reason)s (%(ticket)s)",
                        days=extension.days,
                        reason=extension.reason,
                        ticket=extension.ticket_id.display_name,
                    )
                else:
                    line = _(
                        "+ %(days)s days: %(reason)s",
                        days=extension.days,
                        reason=extension.reason,
                    )
                lines.append(line)
            lines.append(
                _("Ends on %(end)s", end=format_date(self.env, warranty.end_date))
            )
            if warranty.state == "closed":
                lines.append(warranty._closing_line())
            warranty.end_date_explanation = "\n".join(lines)

    def _replacement_line(self):
        """The explanation's line of a replacement unit's warranty: which
        unit it replaces and which term it follows."""
        self.ensure_one()
        replaces = self.replaces_warranty_id.sudo()
        if self.continued_end_date:
            return _(
                "Replaces unit %(unit)s (%(reason)s): started on its delivery, "
                "%(date)s, with the rest of the old term, to %(end)s.",
                unit=replaces.lot_id.name,
                reason=replaces.lot_id._aftersales_replacement_reason_text(),
                date=format_date(self.env, self.acceptance_date),
                end=format_date(self.env, self.continued_end_date),
            )
        return _(
            "Replaces unit %(unit)s (%(reason)s): a new term, from the "
            "customer's acceptance.",
            unit=replaces.lot_id.name,
            reason=replaces.lot_id._aftersales_replacement_reason_text(),
        )

    def _closing_line(self):
        """The explanation's line of a warranty closed by a replacement."""
        self.ensure_one()
        return _(
            "Closed on %(date)s: replaced by unit %(unit)s (%(reason)s).",
            date=format_date(self.env, self.closed_on),
            unit=self.replaced_by_warranty_id.sudo().lot_id.name,
            reason=self.lot_id.sudo()._aftersales_replacement_reason_text(),
        )

    @api.depends("state", "start_date", "end_date", "closed_on")
    def _compute_warranty_status(self):
        today = fields.Date.context_today(self)
        for warranty in self:
            # Started on a day that is still to come where the user is.
            if warranty.state == "awaiting" or (
                warranty.start_date and warranty.start_date > today
            ):
                warranty.warranty_status = "awaiting"
            elif warranty.state == "closed" and warranty.closed_on <= today:
                warranty.warranty_status = "closed"
            elif warranty.end_date and warranty.end_date >= today:
                warranty.warranty_status = "valid"
            else:
                warranty.warranty_status = "expired"

    def _search_warranty_status(self, operator, value):
        # Odoo passes "in" (negations are derived from it).
        if operator != "in":
            return NotImplemented
        today = fields.Date.context_today(self)
        # As _compute_warranty_status decides, in SQL.
        started = Domain("start_date", "<=", today) & (
            Domain("state", "=", "accepted")
            | (Domain("state", "=", "closed") & Domain("closed_on", ">", today))
        )
        domains = {
            "awaiting": Domain("state", "=", "awaiting")
            | Domain("start_date", ">", today),
            "valid": Domain(self._domain_valid_on(today)),
            "expired": started & Domain("end_date", "<", today),
            "closed": Domain("state", "=", "closed") & Domain("closed_on", "<=", today),
        }
        return Domain.OR(domains[status] for status in value if status in domains)

    def _compute_valid_on(self):
        self.valid_on = False

    def _search_valid_on(self, operator, value):
        # "=" a date, or "in" dates: the warranties that cover any of them.
        dates = list(value) if operator == "in" else [value]
        if operator not in ("=", "in") or not dates or not all(dates):
            raise UserError(
                _("Search 'In Warranty On' with one date, for example 2026-06-30.")
            )
        return Domain.OR(
            self._domain_valid_on(fields.Date.to_date(day)) for day in dates
        )

    @api.model
    def _domain_valid_on(self, date):
        """Domain of the warranties that cover ``date``. A warranty closed
        by a free replacement still covers the days before it closed."""
        return [
            "|",
            ("state", "=", "accepted"),
            "&",
            ("state", "=", "closed"),
            ("closed_on", ">", date),
            ("start_date", "<=", date),
            ("end_date", ">=", date),
        ]

    @api.model
    def _notice_domain(self, kind, today):
        """The warranties due the ``kind`` notice (E1) on ``today``, while no
        running contract covers their unit: the renewal notice from the
        company's notice days before the end; the expiry notice once an end
        that the renewal notice announced has passed (units that ended before
        notices were sent get none)."""
        covered = Domain(
            "lot_id.aftersales_contract_ids",
            "any",
            self.env["aftersales.contract"]._covering_domain(today),
        )
        if kind == "expiry":
            return (
                Domain("state", "=", "accepted")
                & Domain("renewal_notice_id", "!=", False)
                & Domain("expiry_notice_id", "=", False)
                & Domain("end_date", "<", today)
                & ~covered
            )
        companies = self.env["res.company"].sudo().search([])
        return (
            Domain("state", "=", "accepted")
            & Domain("renewal_notice_id", "=", False)
            & Domain("partner_id", "!=", False)
            & Domain("end_date", ">=", today)
            & ~covered
            & Domain.OR(
                Domain("company_id", "=", company.id)
                & Domain(
                    "end_date",
                    "<=",
                    today + timedelta(days=company._aftersales_unit_notice_days()),
                )
                for company in companies
            )
        )

    def action_offer_extended_warranty(self):
        """Quote an extended warranty (续保合同) for these units of one
        customer: a draft contract and its quotation, for the account manager
        to send."""
        check_role(
            self.env,
            "aftersales_service.group_aftersales_account_manager",
            _("Only account managers quote extended warranties."),
        )
        contract = self.env["aftersales.contract"]._offer_extension(self, self.env.user)
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": contract.sale_order_id.id,
            "view_mode": "form",
        }

    def _check_extension_offer(self):
        """Refuse an extended-warranty offer that has nothing to extend, or
        that another contract or quotation already covers."""
        if not self:
            raise UserError(
                _("Select the warranties to quote an extended warranty for.")
            )
        if (
            len(self.partner_id) != 1
            or not all(self.mapped("partner_id"))
            or len(self.company_id) != 1
        ):
            raise UserError(
                _(
                    "An extended-warranty quotation is for the units of one "
                    "customer: select the warranties of one customer."
                )
            )
        closed = self.filtered(lambda w: w.state == "closed")
        if closed:
            raise UserError(
                _(
                    "Units %(units)s were replaced free: their warranty is "
                    "closed, and the replacement units have their own.",
                    units=format_list(self.env, closed.lot_id.mapped("name")),
                )
            )
        awaiting = self.filtered(lambda w: w.state == "awaiting")
        if awaiting:
            raise UserError(
                _(
                    "Units %(units)s await acceptance: their warranty has not "
                    "started, so there is nothing to extend yet.",
                    units=format_list(self.env, awaiting.lot_id.mapped("name")),
                )
            )
        Contract = self.env["aftersales.contract"].sudo()
        covering = Contract.search(
            [
                *Contract._covering_domain(fields.Date.context_today(self)),
                ("lot_ids", "in", self.lot_id.ids),
            ],
            limit=1,
        )
        if covering:
            raise UserError(
                _(
                    "Units %(units)s are still covered by contract %(contract)s "
                    "until %(end)s: renew that contract instead.",
                    units=format_list(
                        self.env, (covering.lot_ids & self.lot_id).mapped("name")
                    ),
                    contract=covering.name,
                    end=format_date(self.env, covering.date_end),
                )
            )
        quoted = self._open_extension_offers()[:1]
        if quoted:
            raise UserError(
                _(
                    "Units %(units)s already have an extended-warranty quotation, "
                    "%(order)s: send it, or cancel it first.",
                    units=format_list(
                        self.env, (quoted.lot_ids & self.lot_id).mapped("name")
                    ),
                    order=quoted.sale_order_id.name,
                )
            )

    def _open_extension_offers(self):
        """The extended-warranty contracts quoted for these units whose
        quotation is still open (draft or sent)."""
        return (
            self.env["aftersales.contract"]
            .sudo()
            .search(
                [
                    ("kind", "=", "extended"),
                    ("state", "=", "draft"),
                    ("lot_ids", "in", self.lot_id.ids),
                    ("sale_order_id.state", "in", ("draft", "sent")),
                ]
            )
        )

    @api.constrains("duration", "manufacturer_duration")
    def _check_duration(self):
        for warranty in self:
            if warranty.duration <= 0:
                raise ValidationError(
                    _(
                        "Warranty %(name)s: the duration must be a positive number "
                        "of months or years.",
                        name=warranty.name,
                    )
                )
            if warranty.manufacturer_duration < 0:
                raise ValidationError(
                    _(
                        "Warranty %(name)s: the manufacturer warranty cannot be "
                        "negative.",
                        name=warranty.name,
                    )
                )

    @api.constrains("acceptance_date", "delivery_date")
    def _check_acceptance_date(self):
        today = fields.Date.context_today(self)
        for warranty in self.filtered("acceptance_date"):
            if warranty.acceptance_date > today:
                raise ValidationError(
                    _(
                        "Serial number %(lot)s: the acceptance date %(date)s is in "
                        "the future. Record acceptance once the customer has "
                        "accepted the unit.",
                        lot=warranty.lot_id.name,
                        date=format_date(self.env, warranty.acceptance_date),
                    )
                )
            delivered = warranty._delivery_day()
            if delivered and warranty.acceptance_date < delivered:
                raise ValidationError(
                    _(
                        "Serial number %(lot)s: the acceptance date %(date)s is "
                        "before the delivery on %(delivered)s. A unit is accepted "
                        "after it is delivered; correct the acceptance date.",
                        lot=warranty.lot_id.name,
                        date=format_date(self.env, warranty.acceptance_date),
                        delivered=format_date(self.env, delivered),
                    )
                )

    def _delivery_day(self):
        """The delivery date as a day in the user's time zone."""
        self.ensure_one()
        if not self.delivery_date:
            return False
        return fields.Date.context_today(self, timestamp=self.delivery_date)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        self._refuse_unlink(
            self.filtered(lambda w: w.state == "accepted" or w.extension_ids),
            _(
                "the warranty runs from the customer's acceptance, with its "
                "extensions listed."
            ),
        )

    def _in_trial(self, moment):
        """Whether the unit was in trial operation at ``moment`` (naive UTC):
        delivered, and not yet accepted."""
        self.ensure_one()
        day = moment.date()
        return bool(
            self.delivery_date
            and self.delivery_date <= moment
            and (self.state == "awaiting" or day < (self.acceptance_date or day))
        )

    def _acceptance_blockers(self):
        """Return what still stands between these units and their acceptance,
        one sentence per unit and reason, naming the unit. Empty when all of
        them may be accepted. What happens before acceptance (commissioning,
        handover) adds its reasons here."""
        reasons = []
        reasons += self.env["aftersales.commissioning"]._blocks_acceptance(self)
        reasons += self.env["aftersales.project"]._blocks_acceptance(self)
        return reasons

    @workflow_step
    def record_acceptance(
        self, acceptance_date, accepted_by, reference=False, go_live_date=False
    ):
        """Record the customer's acceptance of these units and start their
        warranties (from the date of their start basis; ``go_live_date`` for
        those that start on go-live). All of them are accepted, or none."""
        if not self:
            raise UserError(_("Select the warranties to accept."))
        try:
            acceptance_date = fields.Date.to_date(acceptance_date)
        except (TypeError, ValueError):
            acceptance_date = False
        if not acceptance_date:
            raise UserError(_("Enter the acceptance date, for example 2026-06-30."))
        if reference and not isinstance(reference, str):
            raise UserError(
                _(
                    "The acceptance reference is a text, for example a "
                    "certificate number."
                )
            )
        if not isinstance(accepted_by, str) or not accepted_by.strip():
            raise UserError(
                _("Enter who accepted the units for the customer (Accepted By).")
            )
        accepted = self.filtered(lambda w: w.state != "awaiting")
        if accepted:
            raise UserError(
                _(
                    "Acceptance is recorded once per unit, and these are already "
                    "accepted: %(names)s.",
                    names=format_list(self.env, accepted.lot_id.mapped("name")),
                )
            )
        try:
            go_live_date = fields.Date.to_date(go_live_date or False)
        except (TypeError, ValueError):
            raise UserError(
                _("Enter the go-live date as a date, for example 2026-06-30.")
            ) from None
        self._check_go_live(go_live_date, acceptance_date)
        blockers = self._acceptance_blockers()
        if blockers:
            raise UserError(
                _(
                    "Acceptance can't be recorded yet:\n%(reasons)s",
                    reasons="\n".join(f"- {reason}" for reason in blockers),
                )
            )
        self.write(
            {
                "state": "accepted",
                "acceptance_date": acceptance_date,
                "accepted_by": accepted_by.strip(),
                "acceptance_reference": reference or False,
            }
        )
        self.filtered(lambda w: w.start_basis == "go_live").write(
            {"go_live_date": go_live_date}
        )
        return True

    @workflow_step
    def _aftersales_take_over_replaced(self):
        """These warranties were just created by the delivery of their
        units. Those delivered by a free replacement order (W5, E3) take over
        from the replaced unit's warranty: see ``_aftersales_replace``."""
        orders = self.sale_order_id
        if not orders:
            return
        replaced = (
            self.env["stock.lot"]
            .sudo()
            .search([("aftersales_replacement_order_id", "in", orders.ids)])
        )
        for new in self.filtered("sale_order_id"):
            old = replaced.filtered(
                lambda lot, order=new.sale_order_id: (
                    lot.aftersales_replacement_order_id == order
                )
            )[:1].warranty_id
            if old and old.state != "closed" and not old.replaced_by_warranty_id:
                new._aftersales_replace(old)

    def _aftersales_replace(self, old):
        """This warranty's unit was delivered free in place of ``old``'s.
        Following the company's setting, this warranty keeps the rest of the
        old term (it starts now, accepted, and ends when the old one would
        have) or starts a new term once the customer accepts the unit. The
        old warranty closes on the delivery day: it no longer covers the
        old unit, save for the faults that occurred before."""
        self.ensure_one()
        day = self._delivery_day() or fields.Date.context_today(self)
        vals = {"replaces_warranty_id": old.id}
        setting = self.company_id.aftersales_replacement_warranty
        if setting == "rest_of_term" and old.end_date:
            vals.update(
                {
                    "state": "accepted",
                    "acceptance_date": day,
                    "acceptance_reference": old.name,
                    "continued_end_date": old.end_date,
                }
            )
        self.write(vals)
        old.write(
            {"state": "closed", "closed_on": day, "replaced_by_warranty_id": self.id}
        )
        reason = old.lot_id._aftersales_replacement_reason_text()
        old.message_post(
            body=_(
                "Closed on %(date)s: unit %(unit)s was replaced free by unit "
                "%(new)s (%(reason)s). The warranty still covers the faults that "
                "occurred before.",
                date=format_date(self.env, day),
                unit=old.lot_id.name,
                new=self.lot_id.name,
                reason=reason,
            )
        )
        old.lot_id.message_post(
            body=_(
                "Replaced free by unit %(new)s, delivered on %(date)s; the "
                "warranty %(warranty)s is closed.",
                new=self.lot_id.name,
                date=format_date(self.env, day),
                warranty=old.name,
            )
        )
        self.message_post(body=self._replacement_line())
