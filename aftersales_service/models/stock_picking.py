from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_list

# B5: who checked the units before they ship, and when: stamped by the
# server as the result is recorded.
PRESHIPMENT_STAMPS = ("aftersales_checked_by_id", "aftersales_checked_at")


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

    # B5: the pre-shipment check (发送货物前…确认设备无任何故障).
    aftersales_check_required = fields.Boolean(
        string="Pre-Shipment Check Required",
        compute="_compute_aftersales_check_required",
    )
    aftersales_check_result = fields.Selection(
        [("pass", "Passed"), ("fail", "Failed")],
        string="Pre-Shipment Check",
        copy=False,
        tracking=True,
        help="The technician's finding before shipping: the units are free of "
        "faults (passed), or not.",
    )
    aftersales_check_remarks = fields.Text(string="Check Remarks", copy=False)
    aftersales_checked_by_id = fields.Many2one(
        "res.users", string="Checked By", readonly=True, copy=False
    )
    aftersales_checked_at = fields.Datetime(
        string="Checked On", readonly=True, copy=False
    )

    @api.depends("picking_type_code", "sale_id", "move_ids.product_id")
    def _compute_aftersales_check_required(self):
        for picking in self:
            picking.aftersales_check_required = bool(
                picking.company_id.aftersales_preshipment_check
                and picking.picking_type_code == "outgoing"
                and picking.sale_id
                and any(picking.move_ids.product_id.mapped("warranty_tracked"))
            )

    def _aftersales_check_preshipment(self):
        """Refuse to ship units that need a pre-shipment check without a
        passed one."""
        unchecked = self.filtered(
            lambda p: (
                p.aftersales_check_required and p.aftersales_check_result != "pass"
            )
        )
        if unchecked:
            raise UserError(
                _(
                    "Deliveries %(names)s ship units with a unit warranty: a "
                    "technician records a passed pre-shipment check first "
                    "(Pre-Shipment Check: Passed). A failed check means the "
                    "fault is fixed and the unit checked again.",
                    names=format_list(self.env, unchecked.mapped("name")),
                )
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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._aftersales_check_stamps(vals)
        return super().create(vals_list)

    def _aftersales_check_stamps(self, vals):
        """Refuse a client's own 'checked by' or 'checked on': the server
        stamps them with the result."""
        if set(PRESHIPMENT_STAMPS) & set(vals) and not self.env.su:
            raise UserError(
                _(
                    "Who checked the delivery, and when, is recorded with the "
                    "pre-shipment check's result: set the result."
                )
            )
        if vals.get("aftersales_check_result"):
            vals.update(
                aftersales_checked_by_id=self.env.uid,
                aftersales_checked_at=fields.Datetime.now(),
            )

    def write(self, vals):
        if "aftersales_check_result" in vals or "aftersales_check_remarks" in vals:
            done = self.filtered(lambda p: p.state in ("done", "cancel"))
            if done:
                raise UserError(
                    _(
                        "Delivery %(name)s is done: its pre-shipment check is "
                        "kept as recorded.",
                        name=done[0].name,
                    )
                )
        vals = dict(vals)
        self._aftersales_check_stamps(vals)
        if "aftersales_check_result" in vals and not vals["aftersales_check_result"]:
            vals.update(aftersales_checked_by_id=False, aftersales_checked_at=False)
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
        self._aftersales_check_preshipment()
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
