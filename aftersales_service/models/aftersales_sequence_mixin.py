from odoo import _, api, fields, models
from odoo.exceptions import UserError


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

    def _ensure_state(self, allowed, problem):
        """Refuse, naming the first record and the ``problem``, unless every
        record is in one of the ``allowed`` states."""
        wrong = self.filtered(lambda record: record.state not in allowed)
        if wrong:
            raise UserError(
                _(
                    "%(document)s %(name)s: %(problem)s",
                    document=self.env["ir.model"]._get(self._name).name,
                    name=wrong[0].name,
                    problem=problem,
                )
            )
