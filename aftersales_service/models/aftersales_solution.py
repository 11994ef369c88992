from odoo import fields, models


class AftersalesSolution(models.Model):
    """The solution base (技术支持知识库): how a fault was solved, by fault
    category, for the hotline to reuse."""

    _name = "aftersales.solution"
    _description = "Solution"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(string="Symptom", required=True, index="trigram")
    category_id = fields.Many2one(
        "helpdesk.ticket.category", string="Fault Category", index=True
    )
    product_id = fields.Many2one("product.product")
    content = fields.Html(string="Solution", required=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Source Request", readonly=True, copy=False
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
