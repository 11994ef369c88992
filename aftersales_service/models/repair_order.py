from odoo import api, fields, models


class RepairOrder(models.Model):
    _name = "repair.order"
    _inherit = ["repair.order", "aftersales.coverage.mixin"]
    _aftersales_coverage_date_field = "schedule_date"

    aftersales_fault_category_id = fields.Many2one(
        "helpdesk.ticket.category",
        string="Fault Category",
        help="Two repairs of the same fault category on a unit, then a third "
        "failure, make the unit due for a free replacement.",
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", store=True, readonly=False
    )

    @api.depends("aftersales_parts_policy")
    def _compute_under_warranty(self):
        # Odoo's warranty flag prices the parts at zero.
        for repair in self.filtered("aftersales_parts_policy"):
            repair.under_warranty = repair.aftersales_parts_policy == "free"

    @api.model_create_multi
    def create(self, vals_list):
        repairs = super().create(vals_list)
        for repair in repairs.filtered(
            lambda r: r.lot_id and r.aftersales_fault_category_id
        ):
            repair.lot_id._aftersales_check_repeat_fault(
                repair.aftersales_fault_category_id
            )
        return repairs

    def write(self, vals):
        result = super().write(vals)
        if {"lot_id", "schedule_date", "aftersales_fault_cause"} & set(vals):
            # The coverage may have changed: so do the quoted part prices.
            self._update_sale_order_line_price()
        return result

    def _update_sale_order_line_price(self):
        result = super()._update_sale_order_line_price()
        for repair in self.filtered(lambda r: r.aftersales_parts_policy == "cost"):
            for line in repair.move_ids.filtered(
                lambda m: m.repair_line_type == "add" and m.sale_line_id
            ).sale_line_id:
                cost = line.product_id.standard_price
                line.write({"price_unit": cost, "technical_price_unit": cost})
        return result

    def action_repair_done(self):
        result = super().action_repair_done()
        self._create_part_warranties()
        return result

    def _create_part_warranties(self):
        """Each part fitted free under the unit's warranty, for an equipment
        fault, gets its own warranty (W3)."""
        vals_list = []
        for repair in self.filtered(
            lambda r: (
                r.state == "done" and r.lot_id and r.aftersales_coverage == "warranty"
            )
        ):
            fitted = repair.move_ids.filtered(
                lambda move: move.repair_line_type == "add" and move.state == "done"
            )
            vals_list += [repair._prepare_part_warranty_vals(move) for move in fitted]
        self.env["aftersales.part.warranty"].sudo().create(vals_list)

    def _prepare_part_warranty_vals(self, move):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "lot_id": self.lot_id.id,
            "product_id": move.product_id.id,
            "part_lot_id": move.lot_ids[:1].id,
            "repair_id": self.id,
            "date_fitted": fields.Date.context_today(self, move.date),
            "months": self.company_id.aftersales_part_warranty_months,
        }
