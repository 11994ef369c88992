from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .aftersales_domains import bool_domain


class AftersalesPartWarranty(models.Model):
    """The warranty of a part fitted under warranty, for a fault that was not
    the user's doing (更换上的零部件还有继续1年的免费质量保修期). It runs from
    the day it was fitted, even beyond the end of the unit's own warranty."""

    _name = "aftersales.part.warranty"
    _inherit = "aftersales.integrity.mixin"
    # A part's term of up to 100 years.
    _number_bounds = {"months": (None, 1200)}
    _description = "Part Warranty"
    _order = "date_fitted desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        help="The unit the part was fitted in.",
    )
    product_id = fields.Many2one(
        "product.product", string="Part", required=True, check_company=True
    )
    part_lot_id = fields.Many2one(
        "stock.lot",
        string="Part Serial Number",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    repair_id = fields.Many2one(
        "repair.order",
        string="Fitted By Repair",
        index="btree_not_null",
        check_company=True,
    )
    spare_request_id = fields.Many2one(
        "aftersales.spare.request",
        string="Fitted On Site",
        index="btree_not_null",
        check_company=True,
        help="The spare request whose part was fitted on site.",
    )
    date_fitted = fields.Date(required=True, default=fields.Date.context_today)
    months = fields.Integer(
        required=True,
        default=lambda self: self.env.company.aftersales_part_warranty_months,
    )
    end_date = fields.Date(compute="_compute_end_date", store=True, index=True)
    is_valid = fields.Boolean(
        string="In Warranty", compute="_compute_is_valid", search="_search_is_valid"
    )

    @api.depends("date_fitted", "months")
    def _compute_end_date(self):
        for part in self:
            part.end_date = part.date_fitted and (
                part.date_fitted + relativedelta(months=part.months)
            )

    def _compute_is_valid(self):
        today = fields.Date.context_today(self)
        for part in self:
            part.is_valid = (
                bool(part.end_date) and part.date_fitted <= today <= part.end_date
            )

    def _search_is_valid(self, operator, value):
        # Odoo passes "in" (negations are derived from it).
        if operator != "in":
            return NotImplemented
        today = fields.Date.context_today(self)
        valid = Domain("date_fitted", "<=", today) & Domain("end_date", ">=", today)
        return bool_domain(valid, value)

    @api.constrains("months")
    def _check_months(self):
        for part in self:
            if part.months <= 0:
                raise ValidationError(
                    _(
                        "A part warranty lasts a positive number of months "
                        "(for example 12)."
                    )
                )

    @api.constrains("repair_id", "spare_request_id", "product_id", "lot_id")
    def _check_part_was_fitted(self):
        for part in self:
            if part.spare_request_id:
                source = part.spare_request_id
                moves = source.move_ids
            else:
                source = part.repair_id
                moves = source.move_ids.filtered(lambda m: m.repair_line_type == "add")
            fitted = moves.filtered(lambda move: move.state == "done").product_id
            if part.product_id not in fitted or source.lot_id != part.lot_id:
                raise ValidationError(
                    _(
                        "Part %(part)s was never fitted in unit %(unit)s: a part "
                        "warranty starts from the repair that fitted the part.",
                        part=part.product_id.display_name,
                        unit=part.lot_id.name,
                    )
                )

    def _compute_display_name(self):
        for part in self:
            part.display_name = f"{part.product_id.display_name} ({part.lot_id.name})"
