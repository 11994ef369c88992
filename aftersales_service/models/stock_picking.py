from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    aftersales_return_repair_ids = fields.One2many(
        "repair.order", "aftersales_return_picking_id", string="Repairs Shipped Back"
    )
    aftersales_inbound_repair_ids = fields.One2many(
        "repair.order", "aftersales_inbound_picking_id", string="Repairs Shipped In"
    )
    # E4: the company packs and ships the unit both ways (协助用户将设备打包、
    # 起运往维修点).
    aftersales_pickup_date = fields.Datetime(
        string="Pickup On",
        copy=False,
        help="When the carrier collects the unit. Set on the way to the repair "
        "centre, the customer is told.",
    )
    aftersales_packed = fields.Boolean(
        string="Packed", copy=False, help="The unit is packed for transport."
    )
    aftersales_carrier = fields.Char(string="Carrier", copy=False)
    aftersales_tracking_ref = fields.Char(
        string="Tracking Reference",
        copy=False,
        help="The carrier's reference, once the transfer is done.",
    )

    @api.constrains("aftersales_tracking_ref", "state")
    def _check_aftersales_tracking_ref(self):
        for picking in self:
            if picking.aftersales_tracking_ref and picking.state != "done":
                raise ValidationError(
                    _(
                        "Transfer %(name)s: enter the tracking reference once the "
                        "transfer is done.",
                        name=picking.name,
                    )
                )

    def write(self, vals):
        picked_up = self.browse()
        if vals.get("aftersales_pickup_date"):
            picked_up = self.filtered(lambda p: not p.aftersales_pickup_date)
        result = super().write(vals)
        # The carrier comes for the unit: the customer is told.
        picked_up.aftersales_inbound_repair_ids._aftersales_tell_customer("pickup")
        return result

    def _action_done(self):
        # A repaired unit goes back only after it passed its test.
        self.aftersales_return_repair_ids._aftersales_check_tested()
        result = super()._action_done()
        # Shipped back: the off-site repair's turnaround is over, and the
        # customer is told.
        shipped = self.filtered(
            lambda p: p.state == "done"
        ).aftersales_return_repair_ids
        shipped.sudo()._complete_phase("aftersales_turnaround")
        shipped._aftersales_tell_customer("shipped_back")
        return result

    @api.model
    def _aftersales_transfer(
        self, picking_type, lot, source, destination, partner, origin, validate=False
    ):
        """A picking that moves one serial-numbered unit ``lot`` from
        ``source`` to ``destination``, reserved, and done when ``validate``."""
        product = lot.product_id
        if not source.should_bypass_reservation():
            free = self.env["stock.quant"]._get_available_quantity(
                product, source, lot_id=lot, strict=False
            )
            if free < 1:
                raise UserError(
                    _(
                        "%(unit)s is not free in %(location)s: it can't be moved "
                        "from there.",
                        unit=lot.display_name,
                        location=source.display_name,
                    )
                )
        picking = self.create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "origin": origin,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "picking_id": picking.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                }
            )
        ]
        if validate:
            move.picked = True
            result = picking.with_context(
                skip_sms=True, cancel_backorder=True
            ).button_validate()
            if result is not True or picking.state != "done":
                raise UserError(
                    _(
                        "Transfer %(picking)s of %(unit)s could not be done.",
                        picking=picking.name,
                        unit=lot.name,
                    )
                )
        return picking
