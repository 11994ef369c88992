from odoo import fields, models


class AftersalesDispatch(models.Model):
    """The unit's meter readings taken on a dispatch order (抄表), which
    feed its next maintenance (M1). Kept apart from the order's own file,
    which holds its workflow."""

    _inherit = "aftersales.dispatch"

    meter_reading_ids = fields.One2many(
        "aftersales.meter.reading", "dispatch_id", string="Meter Readings"
    )
