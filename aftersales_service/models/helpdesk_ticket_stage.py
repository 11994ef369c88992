from odoo import fields, models


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    aftersales_pauses_clock = fields.Boolean(
        string="Pauses Response Clocks",
        help="Requests in this stage wait for the customer: their response-time "
        "clocks stop until they leave it.",
    )
