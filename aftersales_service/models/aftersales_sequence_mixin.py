from odoo import _, api, fields, models


class AftersalesSequenceMixin(models.AbstractModel):
    """A reference numbered by the sequence ``_aftersales_sequence_code``
    when the record is created (WTY/2026/00001, SC/…, PG/…)."""

    _name = "aftersales.sequence.mixin"
    _description = "After-Sales Reference"
    _aftersales_sequence_code = None

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        index="trigram",
        default=lambda self: _("New"),
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    self._aftersales_sequence_code
                ) or _("New")
        return super().create(vals_list)
