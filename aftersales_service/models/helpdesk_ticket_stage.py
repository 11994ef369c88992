from odoo import api, fields, models


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

    def write(self, vals):
        result = super().write(vals)
        if "aftersales_pauses_clock" in vals:
            # Its requests start or stop waiting for the customer now.
            self.env["helpdesk.ticket"].search(
                [("stage_id", "in", self.ids)]
            )._sync_clock_pause()
        return result

    @api.model
    def _aftersales_first(self, team, closed):
        """The first closing (or open) stage of ``team``."""
        return self.search(
            [
                ("closed", "=", closed),
                "|",
                ("team_ids", "=", False),
                ("team_ids", "in", team.ids),
            ],
            order="sequence",
            limit=1,
        )

    @api.model
    def _aftersales_follow(self, tickets, phase):
        """Move ``tickets`` to the stage reached when ``phase`` is done,
        unless a request is further on, waits for the customer or is
        closed."""
        stages = self.search([("aftersales_phase", "=", phase)], order="sequence")
        for ticket in tickets:
            current = ticket.stage_id
            if current.closed or current.aftersales_pauses_clock:
                continue
            target = stages.filtered(
                lambda s, t=ticket: not s.team_ids or t.team_id in s.team_ids
            )[:1]
            if target and target.sequence > current.sequence:
                ticket.stage_id = target
