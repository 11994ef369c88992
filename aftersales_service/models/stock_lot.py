from odoo import api, fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    warranty_ids = fields.One2many("aftersales.warranty", "lot_id")
    warranty_id = fields.Many2one(
        "aftersales.warranty",
        string="Unit Warranty",
        compute="_compute_warranty_id",
        search="_search_warranty_id",
    )
    warranty_status = fields.Selection(related="warranty_id.warranty_status")
    warranty_end_date = fields.Date(
        related="warranty_id.end_date", string="Warranty End"
    )
    warranty_acceptance_date = fields.Date(
        related="warranty_id.acceptance_date", string="Accepted On"
    )

    @api.depends("warranty_ids")
    def _compute_warranty_id(self):
        # A serial number has at most one warranty (unique constraint).
        for lot in self:
            lot.warranty_id = lot.warranty_ids[:1]

    def _search_warranty_id(self, operator, value):
        return [("warranty_ids", operator, value)]

    def action_open_warranty(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.warranty",
            "res_id": self.warranty_id.id,
            "view_mode": "form",
            "name": self.warranty_id.display_name,
        }
