from odoo import api, fields, models

from .aftersales_coverage import (
    COVERAGES,
    FAULT_CAUSES,
    LABOUR_POLICIES,
    PARTS_POLICIES,
    POST_WARRANTY_POLICIES,
)


class AftersalesCoverageMixin(models.AbstractModel):
    """The coverage decision (W6) on a document about a unit: a request, a
    repair. The document says which unit (``lot_id``) and which moment
    (``_aftersales_coverage_date_field``); the fault cause is its own."""

    _name = "aftersales.coverage.mixin"
    _description = "After-Sales Coverage"
    _aftersales_coverage_date_field = "create_date"

    aftersales_fault_cause = fields.Selection(
        FAULT_CAUSES,
        string="Responsibility",
        default="equipment",
        required=True,
        help="Whether the fault is the equipment's or was caused by the user. "
        "Damage the user caused is charged for parts, even in warranty.",
    )
    aftersales_coverage = fields.Selection(
        COVERAGES,
        string="Coverage",
        compute="_compute_aftersales_coverage",
        store=True,
        help="What covers this fault, decided from the unit's warranty and "
        "contracts at the time of the fault and from its cause.",
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
    aftersales_post_warranty_policy = fields.Selection(
        POST_WARRANTY_POLICIES,
        string="Policy Applied",
        compute="_compute_aftersales_coverage",
        store=True,
        help="Neither warranty nor contract: the post-warranty policy the prices "
        "follow.",
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

    @api.depends(
        lambda self: (
            "lot_id",
            self._aftersales_coverage_date_field,
            "aftersales_fault_cause",
            # What covers the unit can change after the fault was reported.
            "lot_id.warranty_ids.state",
            "lot_id.warranty_ids.end_date",
            "lot_id.warranty_ids.closed_on",
            "lot_id.aftersales_contract_ids.state",
            "lot_id.aftersales_contract_ids.date_start",
            "lot_id.aftersales_contract_ids.date_end",
            # What a unit pays after its warranty (E2, E5).
            "lot_id.product_id.aftersales_post_warranty_policy",
            "lot_id.product_id.aftersales_service_life_years",
            "lot_id.company_id.aftersales_post_warranty_policy",
        )
    )
    def _compute_aftersales_coverage(self):
        # One coverage look-up per day and cause, for all the units at once.
        groups = {}
        for record in self.filtered("lot_id"):
            moment = (
                record[self._aftersales_coverage_date_field] or fields.Datetime.now()
            )
            key = (
                fields.Date.context_today(record, moment),
                record.aftersales_fault_cause,
            )
            groups[key] = groups.get(key, self.browse()) | record
        coverage_of = {}
        for (day, cause), records in groups.items():
            by_lot = records.lot_id._aftersales_coverage(day, cause)
            coverage_of.update({record: by_lot[record.lot_id] for record in records})
        for record in self:
            coverage = coverage_of.get(record)
            record.aftersales_coverage = coverage and coverage.kind
            record.aftersales_parts_policy = coverage and coverage.parts
            record.aftersales_labour_policy = coverage and coverage.labour
            record.aftersales_warranty_id = coverage and coverage.warranty
            record.aftersales_contract_id = coverage and coverage.contract
            record.aftersales_post_warranty_policy = coverage and coverage.policy
