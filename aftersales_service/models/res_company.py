from odoo import fields, models

from .aftersales_warranty import WARRANTY_PERIODS


class ResCompany(models.Model):
    _inherit = "res.company"

    aftersales_warranty_duration = fields.Integer(
        string="Default Warranty Duration",
        default=1,
        help="Warranty duration proposed for a product when its unit warranty "
        "is switched on.",
    )
    aftersales_warranty_period = fields.Selection(
        WARRANTY_PERIODS,
        string="Default Warranty Period",
        default="year",
        required=True,
    )
