from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AftersalesSpareLineMixin(models.AbstractModel):
    """A line of parts taken from the spares location for a document
    (``_spare_document_field``): a stocked part and a positive quantity,
    changed only while the document allows it (its
    ``_check_lines_editable``)."""

    _name = "aftersales.spare.line.mixin"
    _inherit = "aftersales.integrity.mixin"
    _description = "Spare Parts Line"
    _number_bounds = {"quantity": (None, 1e6)}
    _spare_document_field = None

    product_id = fields.Many2one(
        "product.product",
        string="Part",
        required=True,
        domain="[('is_storable', '=', True)]",
    )
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )

    def _spare_documents(self):
        return self[self._spare_document_field]

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._spare_documents()._check_lines_editable()
        return lines

    def write(self, vals):
        # After the values' own checks, which name the field; the refusal
        # undoes the write.
        documents = self._spare_documents()
        result = super().write(vals)
        (documents | self._spare_documents())._check_lines_editable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_if_editable(self):
        self._spare_documents()._check_lines_editable()

    @api.constrains("product_id", "quantity")
    def _check_part_and_quantity(self):
        for line in self:
            document = line._spare_documents()._description
            if not line.product_id.is_storable:
                raise ValidationError(
                    _(
                        "%(document)s: %(part)s is not a stocked part (a service or "
                        "consumable). Ask for a part kept in stock.",
                        document=document,
                        part=line.product_id.display_name,
                    )
                )
            if line.quantity <= 0:
                raise ValidationError(
                    _(
                        "%(document)s: the quantity of %(part)s must be positive.",
                        document=document,
                        part=line.product_id.display_name,
                    )
                )
