from odoo import fields, models


class AftersalesAvailabilityLine(models.TransientModel):
    """A contract's or a unit's availability over the period of its
    ``aftersales.availability``."""

    _name = "aftersales.availability.line"
    _description = "Equipment Availability Line"
    _order = "kind, partner_id, contract_id, lot_id"

    availability_id = fields.Many2one(
        "aftersales.availability", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [("contract", "Contract"), ("unit", "Unit")], required=True, readonly=True
    )
    contract_id = fields.Many2one("aftersales.contract", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Unit", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    unit_count = fields.Integer(string="Units", readonly=True)
    hours = fields.Float(
        string="Time (h)",
        readonly=True,
        help="The period's hours, times the units for a contract.",
    )
    downtime_hours = fields.Float(string="Downtime (h)", readonly=True)
    stoppage_count = fields.Integer(string="Stoppages", readonly=True)
    availability = fields.Float(
        string="Availability (%)", digits=(16, 2), readonly=True
    )
    target = fields.Float(string="Target (%)", digits=(16, 2), readonly=True)
    below_target = fields.Boolean(readonly=True)
