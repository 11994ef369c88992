from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_handover_template import HANDOVER_KINDS
from .aftersales_integrity_mixin import workflow_step

# What a handed-over document keeps as it was handed over.
HANDED_OVER_FIELDS = {"project_id", "name", "kind", "file", "file_name", "received_by"}


class AftersalesProjectHandover(models.Model):
    """One document of a project's handover archive (B3, 竣工交接 / 用户档案):
    marked handed over with its file, and kept as handed over."""

    _name = "aftersales.project.handover"
    _description = "Handover Document"
    _inherit = "aftersales.project.line.mixin"
    _order = "project_id, sequence, id"
    _workflow_fields = ("state", "handed_over_on")

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Document", required=True)
    kind = fields.Selection(HANDOVER_KINDS, required=True, default="other")
    file = fields.Binary(attachment=True, copy=False)
    file_name = fields.Char(copy=False)
    received_by = fields.Char(help="Who received the document for the customer.")
    state = fields.Selection(
        [("missing", "Missing"), ("handed_over", "Handed Over")],
        string="Status",
        default="missing",
        required=True,
        copy=False,
        index=True,
    )
    handed_over_on = fields.Date(readonly=True, copy=False)

    @api.model
    def _fill_from_template(self, projects):
        """Start each new project's checklist from its company's template."""
        templates = (
            self.env["aftersales.handover.template"]
            .sudo()
            .search([("company_id", "in", projects.company_id.ids)])
        )
        self.create(
            [
                {
                    "project_id": project.id,
                    "sequence": template.sequence,
                    "name": template.name,
                    "kind": template.kind,
                }
                for project in projects.filtered(lambda p: not p.handover_ids)
                for template in templates
                if template.company_id == project.company_id
            ]
        )

    def write(self, vals):
        kept = self.filtered(lambda item: item.state == "handed_over")
        if kept and set(vals) & HANDED_OVER_FIELDS:
            raise UserError(
                _(
                    "%(document)s was handed over to the customer and is kept as "
                    "handed over.",
                    document=kept[0].name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_keeps_handed_over(self):
        self._refuse_unlink(
            self.filtered(lambda item: item.state == "handed_over"),
            _("it was handed over to the customer."),
        )

    @workflow_step
    def action_hand_over(self):
        """Mark these documents handed over to the customer, with their file."""
        for item in self:
            if item.state != "missing":
                raise UserError(
                    _("%(document)s is handed over already.", document=item.name)
                )
            if not item.file:
                raise UserError(
                    _(
                        "%(document)s: attach the file handed over (File) before "
                        "marking it handed over.",
                        document=item.name,
                    )
                )
        self.write(
            {"state": "handed_over", "handed_over_on": fields.Date.context_today(self)}
        )
        return True
