from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

METER_UNITS = [("hours", "Operating Hours"), ("count", "Count")]


class AftersalesMaintenanceStep(models.Model):
    """A step of a product's maintenance programme (保养周期): how often it
    falls due, in months and, optionally, in operating hours or counts on
    the unit's meter (whichever comes first), what is done (its checklist)
    and how long it takes."""

    _name = "aftersales.maintenance.step"
    _description = "Maintenance Step"
    _inherit = "aftersales.integrity.mixin"
    _order = "product_tmpl_id, sequence, id"
    # A cycle of up to 10 years; a meter interval of up to a billion.
    _number_bounds = {
        "interval_months": (None, 120),
        "interval_meter": (None, 1e9),
        "duration_hours": (None, 1000),
    }

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    interval_months = fields.Integer(
        string="Every (Months)",
        required=True,
        default=6,
        help="The step falls due this many months after the last one (保养周期).",
    )
    interval_meter = fields.Float(
        string="Or Every (Meter)",
        help="The step also falls due after this much use on the unit's meter, "
        "if that comes first (projected from the average use between readings). "
        "0 for none.",
    )
    meter_unit = fields.Selection(METER_UNITS, default="hours", required=True)
    key_units_only = fields.Boolean(
        help="The deep inspection (定期深度检查): only units marked as key units "
        "(关键设备) get this step.",
    )
    checklist = fields.Html(
        help="What the engineer checks and does on this step; printed on the "
        "maintenance report."
    )
    duration_hours = fields.Float(
        string="Estimated Duration (Hours)", help="How long the step takes on site."
    )

    @api.constrains("interval_months", "interval_meter", "duration_hours")
    def _check_intervals(self):
        for step in self:
            if step.interval_months <= 0:
                raise ValidationError(
                    _(
                        "Maintenance step %(step)s: the interval in months must be "
                        "a positive number (for example 6).",
                        step=step.name,
                    )
                )
            if step.interval_meter < 0 or step.duration_hours < 0:
                raise ValidationError(
                    _(
                        "Maintenance step %(step)s: the meter interval and the "
                        "duration can't be negative (0 for none).",
                        step=step.name,
                    )
                )
