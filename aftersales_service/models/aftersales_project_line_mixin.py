from odoo import fields, models


class AftersalesProjectLineMixin(models.AbstractModel):
    """What a document, a design-support entry or a handover document holds
    of its equipment project: the project, its company and customer."""

    _name = "aftersales.project.line.mixin"
    _inherit = "aftersales.integrity.mixin"
    _description = "Equipment Project Line"
    _check_company_auto = True

    project_id = fields.Many2one(
        "aftersales.project",
        string="Equipment Project",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="project_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="project_id.partner_id", store=True, index=True, string="Customer"
    )
