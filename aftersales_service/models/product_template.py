from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .aftersales_warranty import WARRANTY_PERIODS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    warranty_tracked = fields.Boolean(
        string="Unit Warranty",
        help="Each delivered serial number of this product gets a warranty "
        "that starts on the customer's acceptance date.",
    )
    warranty_duration = fields.Integer(
        default=lambda self: self.env.company.aftersales_warranty_duration,
    )
    warranty_period = fields.Selection(
        WARRANTY_PERIODS,
        default=lambda self: self.env.company.aftersales_warranty_period,
    )
    manufacturer_warranty_duration = fields.Integer(
        string="Manufacturer's Warranty",
        help="The manufacturer's own warranty, counted from acceptance. When it "
        "ends later than ours, the unit's warranty runs until the manufacturer's "
        "end. Leave 0 when the manufacturer gives none.",
    )
    manufacturer_warranty_period = fields.Selection(
        WARRANTY_PERIODS, string="Manufacturer's Warranty Period", default="year"
    )

    @api.onchange("warranty_tracked")
    def _onchange_warranty_tracked(self):
        if self.warranty_tracked and self.is_storable:
            self.tracking = "serial"

    @api.constrains(
        "warranty_tracked",
        "warranty_duration",
        "warranty_period",
        "manufacturer_warranty_duration",
        "tracking",
    )
    def _check_warranty_terms(self):
        for template in self:
            if template.manufacturer_warranty_duration < 0:
                raise ValidationError(
                    _(
                        "Product %(product)s: the manufacturer warranty cannot be "
                        "negative. Enter 0 when the manufacturer gives none.",
                        product=template.display_name,
                    )
                )
            if not template.warranty_tracked:
                continue
            if template.warranty_duration <= 0 or not template.warranty_period:
                raise ValidationError(
                    _(
                        "Product %(product)s: the warranty duration must be a "
                        "positive number of months or years (for example 1 year).",
                        product=template.display_name,
                    )
                )
            if template.tracking != "serial":
                raise ValidationError(
                    _(
                        "Product %(product)s: a unit warranty follows each serial "
                        "number, so set Tracking to 'By Unique Serial Number' first.",
                        product=template.display_name,
                    )
                )
