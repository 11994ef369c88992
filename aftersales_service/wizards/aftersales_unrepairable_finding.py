from odoo import _, api, fields, models
from odoo.exceptions import UserError

# The documents on which a unit is found unrepairable.
FINDING_DOCUMENTS = ("aftersales.dispatch", "repair.order")


class AftersalesUnrepairableFinding(models.TransientModel):
    """E3: the engineer on site (dispatch order) or the repair centre (repair
    order) records that the unit can't be repaired (无法修复), with the
    evidence, and the unit becomes due for its free replacement."""

    _name = "aftersales.unrepairable.finding"
    _description = "Record an Unrepairable Unit"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True
    )
    document_name = fields.Char(
        string="Found On", compute="_compute_document", compute_sudo=True
    )
    lot_name = fields.Char(
        string="Unit", compute="_compute_document", compute_sudo=True
    )
    evidence = fields.Text(
        string="Appraisal Finding",
        help="What was found and what was tried before concluding that the unit "
        "can't be repaired (鉴定结论). It is kept on the document and on the "
        "unit's replacement.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Photos and Files",
        help="Photos of the fault, test reports: kept on the document.",
    )

    @api.depends("res_model", "res_id")
    def _compute_document(self):
        for wizard in self:
            document = wizard._document_or_none()
            wizard.document_name = document.display_name if document else False
            wizard.lot_name = document.lot_id.name if document else False

    def _document_or_none(self):
        self.ensure_one()
        if self.res_model not in FINDING_DOCUMENTS or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    def action_record(self):
        """Record the finding on the document; the unit's free replacement
        becomes due."""
        self.ensure_one()
        if self.res_model not in FINDING_DOCUMENTS or not self.res_id:
            raise UserError(
                _(
                    "Open this form from the dispatch order or the repair order "
                    "whose unit can't be repaired."
                )
            )
        document = self.env[self.res_model].browse(self.res_id)
        if not document.sudo().exists():
            raise UserError(_("The document of this finding no longer exists."))
        document._aftersales_record_unrepairable(self.evidence, self.attachment_ids)
        return {"type": "ir.actions.act_window_close"}
