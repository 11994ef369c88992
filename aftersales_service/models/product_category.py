from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    aftersales_qualification_required = fields.Boolean(
        string="Engineers Need a Qualification",
        help="Engineers sent to units of this family (or of its subcategories) "
        "hold a valid qualification for it (资质): the dispatch order warns, or "
        "refuses, as the After-Sales settings say.",
    )
