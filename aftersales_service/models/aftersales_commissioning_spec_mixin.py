from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# How a commissioning test item (调试项目) is judged.
CHECK_KINDS = [
    ("range", "Between Min and Max"),
    ("min", "At Least Min"),
    ("max", "At Most Max"),
    ("check", "Checked by the Engineer"),
]


class AftersalesCommissioningSpecMixin(models.AbstractModel):
    """What a commissioning test item expects (标准值): a measured number in
    a range, above a minimum or below a maximum, in a unit of measurement;
    or a check the engineer judges (for example 无异响). The product's
    checklist items and the record's lines share it."""

    _name = "aftersales.commissioning.spec.mixin"
    _description = "Commissioning Test Item Specification"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Test Item", required=True, translate=True)
    kind = fields.Selection(
        CHECK_KINDS, string="Judged", required=True, default="range"
    )
    min_value = fields.Float(string="Min", digits=(16, 3))
    max_value = fields.Float(string="Max", digits=(16, 3))
    measure_unit = fields.Char(
        string="Unit", help="The unit of the measured value, for example V, MΩ, ℃."
    )
    expected_value = fields.Char(
        string="Expected",
        help="What the engineer checks for, when the item is not measured: "
        "for example 'no abnormal noise'.",
    )
    expected_text = fields.Char(
        string="Standard Value", compute="_compute_expected_text"
    )

    @api.depends("kind", "min_value", "max_value", "measure_unit", "expected_value")
    def _compute_expected_text(self):
        for item in self:
            unit = f" {item.measure_unit}" if item.measure_unit else ""
            low, high = f"{item.min_value:g}", f"{item.max_value:g}"
            item.expected_text = {
                "range": f"{low} – {high}{unit}",
                "min": f"≥ {low}{unit}",
                "max": f"≤ {high}{unit}",
            }.get(item.kind, item.expected_value or "")

    @api.constrains("kind", "min_value", "max_value", "name")
    def _check_spec(self):
        for item in self:
            if not (item.name or "").strip():
                raise ValidationError(
                    _("A commissioning test item needs a name, what is tested.")
                )
            if item.kind == "range" and item.min_value > item.max_value:
                raise ValidationError(
                    _(
                        "Test item %(item)s: the minimum %(low)s exceeds the "
                        "maximum %(high)s. Enter the range from the lower value "
                        "to the higher one.",
                        item=item.name,
                        low=item.min_value,
                        high=item.max_value,
                    )
                )

    def _spec_vals(self):
        """The specification, to copy onto a commissioning record's line."""
        self.ensure_one()
        return {
            name: self[name]
            for name in (
                "sequence",
                "name",
                "kind",
                "min_value",
                "max_value",
                "measure_unit",
                "expected_value",
            )
        }
