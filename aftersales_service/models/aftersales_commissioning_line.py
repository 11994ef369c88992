import math

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

RESULTS = [("pass", "Pass"), ("fail", "Fail")]


class AftersalesCommissioningLine(models.Model):
    """One test item of a unit's commissioning record: the standard value
    (标准值), the measured value (实测值) and the result (合格/不合格),
    computed from the range where there is one, else the engineer's
    judgement."""

    _name = "aftersales.commissioning.line"
    _description = "Commissioning Test Result"
    _inherit = ["aftersales.commissioning.spec.mixin", "aftersales.integrity.mixin"]
    _order = "commissioning_id, sequence, id"
    _number_bounds = {"min_value": (-1e12, 1e12), "max_value": (-1e12, 1e12)}

    commissioning_id = fields.Many2one(
        "aftersales.commissioning",
        string="Commissioning Record",
        required=True,
        index=True,
        ondelete="cascade",
    )
    measured_value = fields.Char(
        help="What the engineer measured (实测值); a number for a measured item.",
    )
    measured_number = fields.Float(
        compute="_compute_measured_number", store=True, digits=(16, 3)
    )
    judged_result = fields.Selection(
        RESULTS,
        string="Engineer's Judgement",
        help="Pass or fail, for an item checked rather than measured.",
    )
    result = fields.Selection(
        RESULTS,
        compute="_compute_result",
        store=True,
        help="Computed from the range for a measured item; the engineer's "
        "judgement for a checked one.",
    )

    @api.model
    def _parse_number(self, text):
        """The number ``text`` holds (a decimal comma accepted), else None."""
        try:
            number = float((text or "").strip().replace(",", "."))
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    @api.depends("measured_value", "kind")
    def _compute_measured_number(self):
        for line in self:
            line.measured_number = (
                line.kind != "check" and line._parse_number(line.measured_value)
            ) or 0.0

    @api.depends(
        "measured_value",
        "measured_number",
        "kind",
        "min_value",
        "max_value",
        "judged_result",
    )
    def _compute_result(self):
        for line in self:
            if line.kind == "check":
                line.result = line.judged_result
                continue
            if not (line.measured_value or "").strip():
                line.result = False
                continue
            value = line.measured_number
            ok = {
                "range": line.min_value <= value <= line.max_value,
                "min": value >= line.min_value,
                "max": value <= line.max_value,
            }[line.kind]
            line.result = "pass" if ok else "fail"

    @api.constrains("measured_value", "kind")
    def _check_measured_value(self):
        for line in self:
            if (
                line.kind != "check"
                and (line.measured_value or "").strip()
                and line._parse_number(line.measured_value) is None
            ):
                raise ValidationError(
                    _(
                        "Test item %(item)s is measured: %(value)s is not a "
                        "number. Enter the measured value as a number, for "
                        "example 231.5, in %(unit)s.",
                        item=line.name,
                        value=line.measured_value,
                        unit=line.measure_unit or _("its unit"),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = self.env["aftersales.commissioning"].browse(
            [vals.get("commissioning_id") for vals in vals_list]
        )
        records._check_open()
        return super().create(vals_list)

    def write(self, vals):
        self.commissioning_id._check_open()
        # The specification comes from the product's checklist: on site the
        # engineer enters what was measured, never what was expected.
        spec = set(self.env["aftersales.commissioning.spec.mixin"]._fields)
        if not self.env.su and set(vals) & spec - {"sequence"}:
            raise UserError(
                _(
                    "The standard value of a test item comes from the product's "
                    "commissioning checklist; enter the measured value and the "
                    "result only."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        self.commissioning_id._check_open()
