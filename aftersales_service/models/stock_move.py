from odoo import Command, _, fields, models

from .aftersales_locking import lock_rows


class StockMove(models.Model):
    _inherit = "stock.move"

    aftersales_spare_request_id = fields.Many2one(
        "aftersales.spare.request",
        string="Spare Request",
        index="btree_not_null",
        copy=False,
    )

    def _action_assign(self, force_qty=False):
        # Spares asked for a dispatch or a repair are reserved under a lock on
        # the quants they come from: of two transactions reserving the last
        # part, the second is refused at once. Without it, Odoo's reservation
        # skips the quant the first one holds and reserves the part again on
        # a new, empty quant.
        spares = self.filtered(
            lambda m: (
                m.aftersales_spare_request_id
                and m.state in ("confirmed", "partially_available", "waiting")
            )
        )
        if spares:
            lock_rows(
                self.env["stock.quant"]
                .sudo()
                .search(
                    [
                        ("product_id", "in", spares.product_id.ids),
                        ("location_id", "child_of", spares.location_id.ids),
                    ]
                ),
                _(
                    "Another user is reserving the same spare parts right now. "
                    "Try again in a moment."
                ),
            )
        return super()._action_assign(force_qty=force_qty)

    def _should_assign_at_confirm(self):
        # The warehouse reserves spares for a request; confirming the repair
        # or the spare issue that carries them reserves nothing.
        if self.aftersales_spare_request_id:
            return self._should_bypass_reservation()
        return super()._should_assign_at_confirm()

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._create_unit_warranties()
        moves._offer_units_to_contracts()
        return moves

    def _create_unit_warranties(self):
        """Give each serial number delivered to a customer its warranty,
        awaiting the customer's acceptance (or, for a free replacement, as
        the company's setting says)."""
        lines = self.filtered(
            lambda move: (
                move.state == "done"
                and move.location_dest_id.usage == "customer"
                and move.product_id.warranty_tracked
            )
        ).move_line_ids.filtered(
            # A loaner lent to a customer is still ours, with no warranty.
            lambda line: line.lot_id and not line.lot_id.aftersales_is_loaner
        )
        if not lines:
            return
        # The warehouse user who validates the delivery need not manage
        # warranties: the warranty is the system's record of the delivery.
        Warranty = self.env["aftersales.warranty"].sudo()
        covered = Warranty.search([("lot_id", "in", lines.lot_id.ids)]).lot_id
        vals_list = []
        for line in lines:
            if line.lot_id in covered:
                continue
            covered |= line.lot_id
            vals_list.append(line._prepare_aftersales_warranty_vals())
        # A free replacement's unit takes over from the unit it replaces.
        Warranty.create(vals_list)._aftersales_take_over_replaced()

    def _offer_units_to_contracts(self):
        """Add the units (serial numbers with a unit warranty) delivered under
        a sale order to the draft service contracts that order sells, for the
        account manager to check before starting them."""
        delivered = self.filtered(
            lambda m: (
                m.state == "done"
                and m.location_dest_id.usage == "customer"
                and m.sale_line_id
                and m.product_id.warranty_tracked
            )
        )
        for order in delivered.sale_line_id.order_id:
            drafts = order.order_line.aftersales_contract_id.sudo().filtered(
                lambda c: c.state == "draft" and not c.previous_contract_id
            )
            lots = delivered.filtered(
                lambda m, order=order: m.sale_line_id.order_id == order
            ).move_line_ids.lot_id
            if drafts and lots:
                drafts.write({"lot_ids": [Command.link(lot.id) for lot in lots]})

    def _create_repair_sale_order_line(self):
        result = super()._create_repair_sale_order_line()
        # Parts are priced by coverage: at cost under a contract, free under
        # their own warranty.
        self.repair_id.filtered(
            lambda r: r.aftersales_parts_policy == "cost" or r.lot_id.part_warranty_ids
        )._update_sale_order_line_price()
        return result
