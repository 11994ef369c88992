from odoo import fields, models

SUPPORT_KINDS = [
    ("meeting", "Meeting"),
    ("proposal", "Proposal"),
    ("review", "Drawing Review"),
    ("other", "Other"),
]


class AftersalesProjectSupport(models.Model):
    """Design support given on a project (B1, 设计配合): a meeting with the
    design institute and the owner, a proposal, a review of their drawings."""

    _name = "aftersales.project.support"
    _inherit = "aftersales.project.line.mixin"
    _description = "Design Support"
    _order = "date desc, id desc"

    date = fields.Date(required=True, default=fields.Date.context_today)
    kind = fields.Selection(SUPPORT_KINDS, required=True, default="meeting")
    subject = fields.Char(required=True)
    attendees = fields.Char(help="Who took part: design institute, owner, us.")
    user_id = fields.Many2one(
        "res.users",
        string="Given By",
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    note = fields.Text(string="Outcome")
