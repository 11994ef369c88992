from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    aftersales_zone = fields.Selection(
        [("city", "City"), ("county", "County")],
        string="Service Zone",
        default="city",
        help="Where the customer is, for the on-site response target: in a city "
        "(市区) or a county (县区).",
    )
