from odoo import models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _prepare_aftersales_warranty_vals(self):
        """Values of the warranty created when this line delivers a serial
        number to a customer."""
        self.ensure_one()
        product = self.product_id.product_tmpl_id
        picking = self.move_id.picking_id
        site = picking.partner_id or self.move_id.partner_id
        return {
            "lot_id": self.lot_id.id,
            "company_id": self.company_id.id,
            "partner_id": site.commercial_partner_id.id,
            "site_partner_id": site.id,
            "picking_id": picking.id,
            "delivery_date": self.date,
            "duration": product.warranty_duration,
            "period": product.warranty_period,
            "manufacturer_duration": product.manufacturer_warranty_duration,
            "manufacturer_period": product.manufacturer_warranty_period,
            "start_basis": product.aftersales_warranty_start or "acceptance",
        }
