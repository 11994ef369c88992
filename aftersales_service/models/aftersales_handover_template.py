from odoo import fields, models

HANDOVER_KINDS = [
    ("as_built", "As-Built Drawings"),
    ("manual", "Operation and Training Manual"),
    ("equipment_list", "Equipment List"),
    ("certificate", "Manufacturer's Quality Certificate"),
    ("supply_proof", "Proof of Supply"),
    ("other", "Other"),
]


class AftersalesHandoverTemplate(models.Model):
    """A document of the company's handover checklist (B3, 竣工交接): each new
    equipment project's checklist starts from these."""

    _name = "aftersales.handover.template"
    _description = "Handover Checklist Template"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Document", required=True, translate=True)
    kind = fields.Selection(HANDOVER_KINDS, required=True, default="other")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
