from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    aftersales_return_repair_ids = fields.One2many(
        "repair.order", "aftersales_return_picking_id", string="Repairs Shipped Back"
    )

    def _action_done(self):
        # A repaired unit goes back only after it passed its test.
        self.aftersales_return_repair_ids._aftersales_check_tested()
        return super()._action_done()
