from odoo import api, fields, models

from .aftersales_coverage import (
    COVERAGES,
    FAULT_CAUSES,
    LABOUR_POLICIES,
    PARTS_POLICIES,
)


class RepairOrder(models.Model):
    _inherit = "repair.order"

    aftersales_fault_cause = fields.Selection(
        FAULT_CAUSES,
        string="Fault Cause",
        default="equipment",
        required=True,
        help="Whether the fault is the equipment's or was caused by the user. "
        "Damage the user caused is charged for parts, even in warranty.",
    )
    aftersales_fault_category_id = fields.Many2one(
        "helpdesk.ticket.category",
        string="Fault Category",
        help="Two repairs of the same fault category on a unit, then a third "
        "failure, make the unit due for a free replacement.",
    )
    aftersales_coverage = fields.Selection(
        COVERAGES,
        string="Coverage",
        compute="_compute_aftersales_coverage",
        store=True,
        help="What covers this repair, decided from the unit's warranty and "
        "contracts on the scheduled date and from the fault cause.",
    )
    aftersales_parts_policy = fields.Selection(
        PARTS_POLICIES,
        string="Parts Price",
        compute="_compute_aftersales_coverage",
        store=True,
    )
    aftersales_labour_policy = fields.Selection(
        LABOUR_POLICIES,
        string="Labour Price",
        compute="_compute_aftersales_coverage",
        store=True,
    )
    aftersales_warranty_id = fields.Many2one(
        "aftersales.warranty",
        string="Covering Warranty",
        compute="_compute_aftersales_coverage",
        store=True,
    )
    aftersales_contract_id = fields.Many2one(
        "aftersales.contract",
        string="Covering Contract",
        compute="_compute_aftersales_coverage",
        store=True,
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", store=True, readonly=False
    )

    @api.depends("lot_id", "schedule_date", "aftersales_fault_cause")
    def _compute_aftersales_coverage(self):
        # One coverage look-up per day and cause, for all the units at once.
        groups = {}
        for repair in self.filtered("lot_id"):
            day = fields.Date.context_today(repair, repair.schedule_date)
            key = (day, repair.aftersales_fault_cause)
            groups[key] = groups.get(key, self.browse()) | repair
        coverage_of = {}
        for (day, cause), repairs in groups.items():
            by_lot = repairs.lot_id._aftersales_coverage(day, cause)
            coverage_of.update({repair: by_lot[repair.lot_id] for repair in repairs})
        for repair in self:
            coverage = coverage_of.get(repair)
            repair.aftersales_coverage = coverage and coverage.kind
            repair.aftersales_parts_policy = coverage and coverage.parts
            repair.aftersales_labour_policy = coverage and coverage.labour
            repair.aftersales_warranty_id = coverage and coverage.warranty
            repair.aftersales_contract_id = coverage and coverage.contract

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
