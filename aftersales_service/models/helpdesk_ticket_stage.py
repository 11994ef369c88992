from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


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
            ("closed", "Closed After Its Service"),
        ],
        string="Reached When",
        help="A request moves to this stage by itself when this step of the "
        "service is done, unless it is already further on. Close Request, and "
        "the customer's confirmation in the portal, move a repaired request to "
        "the stage reached when closed after its service: only there is it "
        "followed up and its customer asked to rate it. Its other closing "
        "stages (cancelled, rejected) close a request without a service.",
    )

    @api.constrains("aftersales_phase", "closed")
    def _check_closed_phase(self):
        for stage in self:
            phase = stage.aftersales_phase
            if phase and (phase == "closed") != stage.closed:
                raise ValidationError(
                    _(
                        "Stage %(stage)s: only a closing stage is reached when a "
                        "request is closed after its service, and a closing stage "
                        "is reached by no other step.",
                        stage=stage.name,
                    )
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
    def _aftersales_first_open(self, team):
        """The first open stage of ``team``."""
        return self.search(
            [
                ("closed", "=", False),
                "|",
                ("team_ids", "=", False),
                ("team_ids", "in", team.ids),
            ],
            order="sequence",
            limit=1,
        )

    @api.model
    def _aftersales_reached(self, tickets, phase):
        """The stage each of ``tickets`` reaches when ``phase`` is done,
        ``{ticket: stage}``: the first, by sequence, of its team's (or of
        every team's) and of its company's (or of every company's). One
        search for all of them."""
        stages = (
            self.sudo()
            .search(
                [
                    ("aftersales_phase", "=", phase),
                    ("company_id", "in", [False, *tickets.company_id.ids]),
                ],
                order="sequence, id",
            )
            .with_env(self.env)
        )
        return {
            ticket: stages.filtered(
                lambda s, t=ticket: (
                    (not s.team_ids or t.team_id in s.team_ids)
                    and s.company_id in (t.company_id, self.env["res.company"])
                )
            )[:1]
            for ticket in tickets
        }

    @api.model
    def _aftersales_follow(self, tickets, phase):
        """Move ``tickets`` to the stage reached when ``phase`` is done,
        unless a request is further on, waits for the customer or is
        closed."""
        reached = self._aftersales_reached(tickets, phase)
        for ticket in tickets:
            current = ticket.stage_id
            if current.closed or current.aftersales_pauses_clock:
                continue
            target = reached[ticket]
            if target and target.sequence > current.sequence:
                ticket.stage_id = target
