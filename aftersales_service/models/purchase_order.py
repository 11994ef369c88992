from odoo import fields, models


class PurchaseOrder(models.Model):
    """Purchase orders made from spare purchase requisitions are received
    straight into the warehouse's spares location, where spare requests
    reserve their parts."""

    _inherit = "purchase.order"

    aftersales_spare_location_id = fields.Many2one(
        "stock.location",
        string="Spares Location",
        readonly=True,
        copy=False,
        help="The spares location the parts of this order are received into.",
    )

    def _get_destination_location(self):
        if self.aftersales_spare_location_id:
            return self.aftersales_spare_location_id.id
        return super()._get_destination_location()
