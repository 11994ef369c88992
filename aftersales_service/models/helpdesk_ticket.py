from odoo import _, api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "aftersales.coverage.mixin"]

    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        index="btree_not_null",
        tracking=True,
        help="The serial number of the unit the request is about.",
    )
    aftersales_warranty_id = fields.Many2one(
        related="lot_id.warranty_id", string="Unit Warranty"
    )
    aftersales_extension_ids = fields.One2many(
        "aftersales.warranty.extension", "ticket_id", string="Warranty Extensions"
    )

    @api.onchange("lot_id")
    def _onchange_lot_id_partner(self):
        if self.lot_id.warranty_id.partner_id and not self.partner_id:
            self.partner_id = self.lot_id.warranty_id.partner_id

    @api.model_create_multi
    def create(self, vals_list):
        tickets = super().create(vals_list)
        tickets._check_repeat_faults()
        return tickets

    def _check_repeat_faults(self):
        for ticket in self.filtered(lambda t: t.lot_id and t.category_id):
            ticket.lot_id._aftersales_check_repeat_fault(ticket.category_id)

    def action_extend_warranty(self):
        """The fault can't be resolved and it stopped the customer's work:
        extend the unit's warranty (W4), once for this incident."""
        self.ensure_one()
        if not self.lot_id:
            raise UserError(_("Set the unit of this request first."))
        warranty = self.lot_id.warranty_id
        if warranty:
            # Two people marking the same incident at once extend it once.
            self.env.cr.execute(
                "SELECT id FROM aftersales_warranty WHERE id = %s FOR UPDATE",
                [warranty.id],
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
                    end=warranty.end_date,
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
        days = warranty.company_id.aftersales_extension_days
        self.env["aftersales.warranty.extension"].create(
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
            end=warranty.end_date,
        )
        self.message_post(body=message)
        warranty.message_post(body=message)
        return True
