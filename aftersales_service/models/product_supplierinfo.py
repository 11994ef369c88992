from odoo import fields, models


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    # The vendor pricelist is where a spare's vendor is set up for its
    # purchase requisitions; Odoo's own Chinese leaves this label out:
    # declared here, the add-on translates it.
    delay = fields.Integer()
