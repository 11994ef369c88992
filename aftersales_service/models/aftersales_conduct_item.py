from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class AftersalesConductItem(models.Model):
    """An item of the service conduct (服务规范) the engineers keep on site,
    for example 进入室内穿鞋套. Each new dispatch order copies the active
    items as its checklist: the engineers tick them, the customer confirms
    them when signing. The service manager keeps the list."""

    _name = "aftersales.conduct.item"
    _description = "Service Conduct Item"
    _order = "sequence, id"

    name = fields.Char(string="Conduct Item", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.constrains("name")
    def _check_name(self):
        for item in self:
            if not (item.name or "").strip():
                raise ValidationError(
                    _(
                        "Service conduct: an item needs a name, what the engineer "
                        "does on site (for example, wear shoe covers indoors)."
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = (
            self.env["aftersales.dispatch.conduct"]
            .sudo()
            .search([("conduct_item_id", "in", self.ids)], limit=1)
            .conduct_item_id
        )
        if used:
            raise UserError(
                _(
                    "Service conduct item %(name)s is on dispatch orders and can't "
                    "be deleted: archive it, and new orders no longer list it.",
                    name=used.name,
                )
            )

    def _prepare_dispatch_conduct_vals(self):
        """The checklist lines of a new dispatch order, one per item."""
        return [
            {"conduct_item_id": item.id, "sequence": item.sequence} for item in self
        ]
