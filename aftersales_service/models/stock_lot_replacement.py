from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .aftersales_locking import lock_rows
from .aftersales_roles import check_role

# Why a unit is due for a free replacement.
REPLACEMENT_REASONS = [
    ("repeat_fault", "Failed Again After Two Repairs"),
    ("unrepairable", "Can't Be Repaired"),
]


class StockLot(models.Model):
    """A unit's free replacement (W5, E3): due when it failed again after two
    repairs of the same fault, or was found unrepairable under warranty;
    ordered by the back office as a zero-priced sale."""

    _inherit = "stock.lot"

    aftersales_replacement_due = fields.Boolean(
        string="Replacement Due",
        readonly=True,
        copy=False,
        help="Repaired twice for the same fault and failed again, or found "
        "unrepairable under warranty: the customer is entitled to a free new "
        "unit of the same model.",
    )
    aftersales_replacement_order_id = fields.Many2one(
        "sale.order", string="Replacement Order", readonly=True, copy=False
    )
    aftersales_replacement_reason = fields.Selection(
        REPLACEMENT_REASONS,
        string="Replacement Reason",
        readonly=True,
        copy=False,
        tracking=True,
    )
    aftersales_replacement_source = fields.Reference(
        [
            ("helpdesk.ticket", "Request"),
            ("aftersales.dispatch", "Dispatch Order"),
            ("repair.order", "Repair Order"),
        ],
        string="Replacement Found On",
        readonly=True,
        copy=False,
        help="The document on which the replacement became due.",
    )
    aftersales_replacement_reason_text = fields.Char(
        string="Why Replaced",
        compute="_compute_aftersales_replacement_reason_text",
        compute_sudo=True,
    )
    aftersales_replaced_by_lot_id = fields.Many2one(
        "stock.lot",
        string="Replaced By Unit",
        related="warranty_id.replaced_by_warranty_id.lot_id",
    )

    @api.depends("aftersales_replacement_reason", "aftersales_replacement_source")
    def _compute_aftersales_replacement_reason_text(self):
        for lot in self:
            lot.aftersales_replacement_reason_text = (
                lot.aftersales_replacement_reason
                and lot._aftersales_replacement_reason_text()
            )

    def _aftersales_replacement_reason_text(self):
        """Why the unit is replaced and where that was found, in a few words:
        "can't be repaired, found on PG/2026/0007"."""
        self.ensure_one()
        lot = self.sudo()
        source = lot.aftersales_replacement_source
        if lot.aftersales_replacement_reason == "unrepairable":
            if source:
                return _(
                    "can't be repaired, found on %(document)s",
                    document=source.display_name,
                )
            return _("can't be repaired")
        if lot.aftersales_replacement_reason == "repeat_fault":
            if source:
                return _(
                    "failed again after two repairs of the same fault, on %(document)s",
                    document=source.display_name,
                )
            return _("failed again after two repairs of the same fault")
        return _("free replacement")

    def _aftersales_check_repeat_fault(self, category, sources=None):
        """A new failure of ``category``: flag the units that were already
        repaired twice for it (同一设备、同一质量问题连续两次维修仍无法正常使用,
        无条件免费更换). ``sources`` ({unit id: document}) says where each
        failure was reported. Returns the units flagged now. Runs as the
        system: the person reporting the failure need not read repairs or
        edit units."""
        sources = sources or {}
        flagged = self.browse()
        repairs = (
            self.env["repair.order"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", self.ids),
                    ("state", "=", "done"),
                    ("aftersales_fault_category_id", "=", category.id),
                ],
                ["lot_id"],
                ["__count"],
            )
        )
        for lot, count in repairs:
            if count >= 2 and not (
                lot.aftersales_replacement_due or lot.aftersales_replacement_order_id
            ):
                source = sources.get(lot.id)
                lot.write(
                    {
                        "aftersales_replacement_due": True,
                        "aftersales_replacement_reason": "repeat_fault",
                        "aftersales_replacement_source": (
                            f"{source._name},{source.id}" if source else False
                        ),
                    }
                )
                flagged |= lot.with_env(self.env)
                lot.message_post(
                    body=_(
                        "Repaired %(count)s times for %(category)s and failed again: "
                        "a free replacement unit is due.",
                        count=count,
                        category=category.display_name,
                    )
                )
        return flagged

    @api.model
    def _aftersales_flag_repeat_faults(self, tickets):
        """New failures reported on ``tickets``: flag their units that were
        repaired twice for the same fault category, and say so on the
        requests. One look-up per fault category, for all the units at once."""
        reported = tickets.filtered(lambda t: t.lot_id and t.category_id)
        for category in reported.category_id:
            same = reported.filtered(lambda t, c=category: t.category_id == c)
            flagged = same.lot_id._aftersales_check_repeat_fault(
                category, {ticket.lot_id.id: ticket for ticket in same}
            )
            for ticket in same.filtered(lambda t, f=flagged: t.lot_id in f):
                ticket.message_post(
                    body=_(
                        "Unit %(unit)s failed again after two repairs of this "
                        "fault: a free replacement is due (see the unit).",
                        unit=ticket.lot_id.name,
                    )
                )

    def _aftersales_record_unrepairable(self, document, day, cause):
        """E3: ``document`` (a dispatch order or a repair order) found that
        this unit can't be repaired (无法修复), for a fault of ``cause`` on
        ``day``. Under warranty that day, the unit is due for a free new unit
        (无法修复的免费更换整机), through the same path as W5: the back office
        then orders it (``action_create_replacement``). Anything else is a
        sale, refused here with what to do. Runs as the system: the engineer
        or the repair centre need not edit units."""
        self.ensure_one()
        lot = self.sudo()
        lock_rows(
            lot,
            _(
                "Another user is recording a replacement for unit %(unit)s right "
                "now. Try again in a moment.",
                unit=lot.name,
            ),
        )
        lot.invalidate_recordset(
            ["aftersales_replacement_due", "aftersales_replacement_order_id"]
        )
        if lot.aftersales_replacement_order_id:
            raise UserError(
                _(
                    "Unit %(unit)s already has its free replacement, ordered on "
                    "%(order)s (%(reason)s): there is nothing more to record.",
                    unit=lot.name,
                    order=lot.aftersales_replacement_order_id.name,
                    reason=lot._aftersales_replacement_reason_text(),
                )
            )
        if lot.aftersales_replacement_due:
            raise UserError(
                _(
                    "Unit %(unit)s is already due for a free replacement "
                    "(%(reason)s): the back office orders it from the unit.",
                    unit=lot.name,
                    reason=lot._aftersales_replacement_reason_text(),
                )
            )
        coverage = lot._aftersales_coverage(day, cause)[lot]
        if coverage.kind == "user_damage":
            raise UserError(
                _(
                    "Unit %(unit)s: the user caused the damage, which the warranty "
                    "doesn't cover. A new unit is a sale, not a free replacement: "
                    "quote it to the customer.",
                    unit=lot.name,
                )
            )
        if coverage.kind != "warranty":
            raise UserError(
                _(
                    "Unit %(unit)s was not under warranty on %(date)s, the day of "
                    "the fault (%(status)s). A new unit is a sale, not a free "
                    "replacement: quote it to the customer.",
                    unit=lot.name,
                    date=format_date(self.env, day),
                    status=lot._aftersales_warranty_status_text(day),
                )
            )
        lot.write(
            {
                "aftersales_replacement_due": True,
                "aftersales_replacement_reason": "unrepairable",
                "aftersales_replacement_source": f"{document._name},{document.id}",
            }
        )
        lot.message_post(
            body=_(
                "Can't be repaired, found on %(document)s under warranty %(warranty)s: "
                "a free replacement unit is due.",
                document=document.display_name,
                warranty=coverage.warranty.name,
            )
        )
        return True

    def _aftersales_warranty_status_text(self, day):
        """Why the unit's warranty doesn't cover ``day``, in a few words."""
        self.ensure_one()
        warranty = self.sudo().warranty_id
        if not warranty:
            return _("it has no unit warranty")
        if warranty.state == "awaiting":
            return _("its warranty awaits the customer's acceptance")
        if warranty.state == "closed" and warranty.closed_on <= day:
            return _(
                "its warranty closed on %(date)s",
                date=format_date(self.env, warranty.closed_on),
            )
        if warranty.start_date > day:
            return _(
                "its warranty started on %(date)s",
                date=format_date(self.env, warranty.start_date),
            )
        return _(
            "its warranty ended on %(date)s",
            date=format_date(self.env, warranty.end_date),
        )

    def action_create_replacement(self):
        """Create the free replacement: a zero-priced sale order for a new
        unit of the same product, confirmed, so that its delivery is ready."""
        self.ensure_one()
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office can order a free replacement."),
        )
        if not self.aftersales_replacement_due:
            raise UserError(
                _("Unit %(unit)s is not due for a replacement.", unit=self.name)
            )
        customer = self.warranty_id.partner_id
        if not customer:
            raise UserError(
                _(
                    "Unit %(unit)s has no warranty customer to deliver the "
                    "replacement to.",
                    unit=self.name,
                )
            )
        # The replacement is owed by the warranty, whoever records it.
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": customer.id,
                    "partner_shipping_id": (
                        self.warranty_id.site_partner_id or customer
                    ).id,
                    "company_id": self.company_id.id or self.env.company.id,
                    "origin": self.name,
                    "client_order_ref": _(
                        "Free replacement of %(unit)s", unit=self.name
                    ),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_id.id,
                                "product_uom_qty": 1,
                                "price_unit": 0.0,
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        self.sudo().write(
            {
                "aftersales_replacement_due": False,
                "aftersales_replacement_order_id": order.id,
            }
        )
        self.sudo().message_post(
            body=_("Free replacement ordered: %(order)s.", order=order.name)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
        }
