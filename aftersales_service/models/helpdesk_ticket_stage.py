from odoo import fields, models


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    aftersales_pauses_clock = fields.Boolean(
        string="Pauses Response Clocks",
        help="Requests in this stage wait for the customer: their response-time "
        "clocks stop until they leave it.",
    )
    aftersales_phase = fields.Selection(
        [
            ("ack", "Acknowledged"),
            ("plan", "Service Planned"),
            ("arrival", "Engineer On Site"),
            ("repair", "Repaired"),
        ],
        string="Reached When",
        help="A request moves to this stage by itself when this step of the "
        "service is done, unless it is already further on.",
    )
