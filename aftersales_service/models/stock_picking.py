from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    aftersales_return_repair_ids = fields.One2many(
        "repair.order", "aftersales_return_picking_id", string="Repairs Shipped Back"
    )

    def _action_done(self):
        # A repaired unit goes back only after it passed its test.
        self.aftersales_return_repair_ids._aftersales_check_tested()
        result = super()._action_done()
        # Shipped back: the off-site repair's turnaround is over.
        self.filtered(
            lambda p: p.state == "done"
        ).aftersales_return_repair_ids.sudo()._complete_phase("aftersales_turnaround")
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
