from markupsafe import Markup, escape

from odoo import api, fields, models


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

    @api.model
    def _save_from_request(self, ticket, content):
        """Keep how ``ticket`` was solved (``content``), under its fault
        category and product."""
        return self.create(
            {
                "name": ticket.name,
                "category_id": ticket.category_id.id,
                "product_id": ticket.lot_id.product_id.id,
                "content": content,
                "ticket_id": ticket.id,
                "company_id": ticket.company_id.id,
            }
        )

    @api.model
    def _save_from_dispatches(self, ticket):
        """A request solved on site feeds the solution base too (T8): the
        engineers' analysis and actions of its last finished dispatch order,
        once."""
        done = ticket.dispatch_ids.filtered(lambda d: d.state in ("done", "signed"))
        if not done or self.sudo().search_count([("ticket_id", "=", ticket.id)]):
            return self.browse()
        last = done.sorted("finished_at")[-1]
        steps = "".join(
            f"<li>{escape(action.content)}</li>" for action in last.action_ids
        )
        content = Markup("<p>%s</p><ul>%s</ul>") % (last.analysis or "", Markup(steps))
        return self.sudo()._save_from_request(ticket.sudo(), content)
