from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from .aftersales_campaign import VERSION_KINDS
from .aftersales_integrity_mixin import workflow_step

LINE_STATES = [
    ("to_notify", "To Notify"),
    ("notified", "Notified"),
    ("planned", "Planned"),
    ("done", "Done"),
    ("declined", "Declined"),
]


class AftersalesCampaignLine(models.Model):
    """One affected unit of a campaign: told, planned, done or declined, with
    who and when. Lines are created when the campaign is launched, never by
    hand."""

    _name = "aftersales.campaign.line"
    _description = "Campaign Unit"
    _inherit = ["aftersales.integrity.mixin"]
    _order = "campaign_id desc, partner_id, lot_id"
    _check_company_auto = True
    _workflow_fields = (
        "campaign_id",
        "lot_id",
        "partner_id",
        "notice_id",
        "state",
        "notified_at",
        "planned_at",
        "planned_by_id",
        "done_at",
        "done_by_id",
        "declined_at",
        "declined_by_id",
        "free",
        "ticket_id",
        "dispatch_id",
        "sale_order_id",
    )

    campaign_id = fields.Many2one(
        "aftersales.campaign",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    kind = fields.Selection(related="campaign_id.kind")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    notice_id = fields.Many2one(
        "aftersales.campaign.notice",
        string="Customer Notice",
        index="btree_not_null",
        readonly=True,
    )
    state = fields.Selection(
        LINE_STATES, string="Status", default="to_notify", required=True
    )
    installed_version = fields.Char(
        related="lot_id.aftersales_version", string="Installed Version"
    )
    done_version = fields.Char(
        string="Version Now Installed",
        help="The firmware or software version the unit runs after the work.",
    )
    notified_at = fields.Datetime(string="Notified On", readonly=True)
    planned_at = fields.Datetime(string="Planned On", readonly=True)
    planned_by_id = fields.Many2one("res.users", readonly=True)
    done_at = fields.Datetime(string="Done On", readonly=True)
    done_by_id = fields.Many2one("res.users", readonly=True)
    declined_at = fields.Datetime(string="Declined On", readonly=True)
    declined_by_id = fields.Many2one("res.users", readonly=True)
    decline_reason = fields.Char(string="Why Declined")
    free = fields.Boolean(
        string="Free of Charge",
        readonly=True,
        help="Decided when the unit is planned, from the campaign's rule and the "
        "unit's warranty or contract on that day.",
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Request", readonly=True, index="btree_not_null"
    )
    dispatch_id = fields.Many2one(
        "aftersales.dispatch",
        string="Dispatch Order",
        readonly=True,
        index="btree_not_null",
    )
    sale_order_id = fields.Many2one(
        "sale.order", string="Quotation", readonly=True, index="btree_not_null"
    )

    _unit_once = models.Constraint(
        "UNIQUE (campaign_id, lot_id)",
        "A unit is listed once per campaign.",
    )

    def write(self, vals):
        closed = self.filtered(lambda line: line.state in ("done", "declined"))
        if closed and {"done_version", "decline_reason"} & set(vals):
            raise UserError(
                _(
                    "Unit %(unit)s (%(campaign)s) is done or declined: its version "
                    "and reason are kept as recorded.",
                    unit=closed[0].lot_id.name,
                    campaign=closed[0].campaign_id.name,
                )
            )
        return super().write(vals)

    @api.depends("campaign_id.name", "lot_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.campaign_id.name} · {line.lot_id.name}"

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_unlink(
            self, _("it records what the customer was told and what was done.")
        )

    # Actions -----------------------------------------------------------------

    @workflow_step
    def action_plan(self):
        """Plan the work on these units: a request and a draft dispatch order
        per unit, free within the service period (服务期内), else quoted to
        the customer (升级与改造方案), one quotation per customer."""
        self.check_access("write")
        self._ensure_state(
            ("to_notify", "notified"),
            _("only a unit not yet planned, done or declined can be planned."),
        )
        self._ensure_launched()
        today = fields.Date.context_today(self)
        free_of = {}
        for campaign, lines in self.grouped("campaign_id").items():
            if campaign.charge_rule == "service":
                coverage = lines.lot_id._aftersales_coverage(today)
                for line in lines:
                    free_of[line] = coverage[line.lot_id].kind in (
                        "warranty",
                        "contract",
                    )
            else:
                free_of.update(dict.fromkeys(lines, campaign.charge_rule == "free"))
        charged = self.filtered(lambda line: not free_of[line])
        missing = charged.campaign_id.filtered(lambda c: not c.quote_product_id)
        if missing:
            raise UserError(
                _(
                    "Campaign %(name)s: unit %(unit)s is not free, so it is quoted; "
                    "choose the campaign's Quotation Product first.",
                    name=missing[0].name,
                    unit=charged.filtered(lambda line: line.campaign_id == missing[0])[
                        0
                    ].lot_id.name,
                )
            )
        now = fields.Datetime.now()
        orders = charged._make_quotations()
        for line in self:
            ticket = line._make_request()
            dispatch = (
                self.env["aftersales.dispatch"]
                .sudo()
                .create(
                    {
                        **self.env["aftersales.dispatch"]._vals_from_request(ticket),
                        "campaign_line_id": line.id,
                    }
                )
            )
            line.write(
                {
                    "state": "planned",
                    "planned_at": now,
                    "planned_by_id": self.env.uid,
                    "free": free_of[line],
                    "ticket_id": ticket.id,
                    "dispatch_id": dispatch.id,
                    "sale_order_id": orders.get(
                        (line.campaign_id, line.partner_id), self.env["sale.order"]
                    ).id,
                }
            )
        return True

    def _make_request(self):
        """The request the work on this unit is done under."""
        self.ensure_one()
        campaign = self.campaign_id
        contact = self.lot_id.warranty_id.partner_id or self.partner_id
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            .create(
                {
                    "name": _(
                        "%(campaign)s: %(title)s on %(unit)s",
                        campaign=campaign.name,
                        title=campaign.title,
                        unit=self.lot_id.name,
                    ),
                    # The customer reads the request: in their language.
                    "description": plaintext2html(
                        campaign.with_context(lang=contact.lang).notice or ""
                    ),
                    "partner_id": contact.id,
                    "lot_id": self.lot_id.id,
                    "company_id": self.company_id.id,
                    "user_id": campaign.user_id.id,
                }
            )
        )

    def _make_quotations(self):
        """One quotation per campaign and customer, a line per unit:
        ``{(campaign, customer): sale.order}``."""
        orders = {}
        for (campaign, partner), lines in self.grouped(
            lambda line: (line.campaign_id, line.partner_id)
        ).items():
            product = campaign.quote_product_id
            orders[campaign, partner] = (
                self.env["sale.order"]
                .sudo()
                .create(
                    {
                        "partner_id": partner.id,
                        "company_id": campaign.company_id.id,
                        "user_id": (partner.user_id or campaign.user_id).id,
                        "origin": campaign.name,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "name": _(
                                        "%(product)s: %(title)s, unit %(unit)s "
                                        "(%(campaign)s)",
                                        product=product.display_name,
                                        title=campaign.title,
                                        unit=line.lot_id.name,
                                        campaign=campaign.name,
                                    ),
                                }
                            )
                            for line in lines
                        ],
                    }
                )
            )
        return orders

    @workflow_step
    def action_done(self):
        """The work is done: the unit runs the version entered."""
        self.check_access("write")
        self._ensure_state(
            ("to_notify", "notified", "planned"),
            _("only a unit not yet done or declined is marked done."),
        )
        self._ensure_launched()
        self._check_done_version()
        for line in self.filtered("done_version"):
            line.lot_id._aftersales_record_version(
                line.done_version, campaign=line.campaign_id, dispatch=line.dispatch_id
            )
        self.write(
            {
                "state": "done",
                "done_at": fields.Datetime.now(),
                "done_by_id": self.env.uid,
            }
        )
        return True

    def _check_done_version(self):
        missing = self.filtered(
            lambda line: (
                line.kind in VERSION_KINDS and not (line.done_version or "").strip()
            )
        )
        if missing:
            raise UserError(
                _(
                    "Unit %(unit)s (%(campaign)s): enter the firmware or software "
                    "version it now runs before marking it done.",
                    unit=missing[0].lot_id.name,
                    campaign=missing[0].campaign_id.name,
                )
            )

    @workflow_step
    def action_decline(self):
        """The customer declines the work on these units."""
        self.check_access("write")
        self._ensure_state(
            ("to_notify", "notified", "planned"),
            _("only a unit not yet done or declined can be declined."),
        )
        unexplained = self.filtered(
            lambda line: not (line.decline_reason or "").strip()
        )
        if unexplained:
            raise UserError(
                _(
                    "Unit %(unit)s (%(campaign)s): say why the customer declines in "
                    "Why Declined first.",
                    unit=unexplained[0].lot_id.name,
                    campaign=unexplained[0].campaign_id.name,
                )
            )
        self.write(
            {
                "state": "declined",
                "declined_at": fields.Datetime.now(),
                "declined_by_id": self.env.uid,
            }
        )
        self.dispatch_id.sudo().filtered(
            lambda d: d.state in ("draft", "dispatched")
        ).action_cancel()
        return True

    def _ensure_state(self, allowed, problem):
        wrong = self.filtered(lambda line: line.state not in allowed)
        if wrong:
            raise UserError(
                _(
                    "Unit %(unit)s (%(campaign)s): %(problem)s",
                    unit=wrong[0].lot_id.name,
                    campaign=wrong[0].campaign_id.name,
                    problem=problem,
                )
            )

    def _ensure_launched(self):
        closed = self.campaign_id.filtered(lambda c: c.state != "launched")
        if closed:
            raise UserError(
                _(
                    "Campaign %(name)s is not running: its units are no longer "
                    "planned or done.",
                    name=closed[0].name,
                )
            )

    @workflow_step
    def _done_by_dispatch(self, dispatch):
        """The dispatch order that did the work finished: the unit runs
        ``dispatch``'s version."""
        self.filtered(lambda line: line.state == "planned").write(
            {
                "state": "done",
                "done_version": dispatch.installed_version,
                "done_at": fields.Datetime.now(),
                "done_by_id": self.env.uid,
            }
        )
