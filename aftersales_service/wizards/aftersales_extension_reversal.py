from odoo import fields, models


class AftersalesExtensionReversal(models.TransientModel):
    """Reverse a warranty extension, with the reason."""

    _name = "aftersales.extension.reversal"
    _description = "Reverse Warranty Extension"

    extension_id = fields.Many2one(
        "aftersales.warranty.extension", required=True, ondelete="cascade"
    )
    reason = fields.Char(required=True)

    def action_reverse(self):
        self.ensure_one()
        self.extension_id.action_reverse(self.reason)
        return {"type": "ir.actions.act_window_close"}
