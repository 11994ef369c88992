from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.aftersales_integrity_mixin import workflow_step


class AftersalesRemoteSolution(models.TransientModel):
    """Remote guidance first (远程指导): the fault was solved remotely; record
    how, close the request, and optionally keep it in the solution base."""

    _name = "aftersales.remote.solution"
    _description = "Solve a Request Remotely"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    guidance = fields.Html(required=True, help="How the user was guided to solve it.")
    save_solution = fields.Boolean(string="Add to Solution Base", default=True)

    @workflow_step
    def action_solve(self):
        self.ensure_one()
        if not self.guidance or not self.guidance.striptags().strip():
            raise UserError(_("Describe the guidance that solved the fault."))
        ticket = self.ticket_id
        ticket.write({"remote_guidance": self.guidance, "solved_remotely": True})
        ticket._complete_phase("ack")
        if self.save_solution:
            self.env["aftersales.solution"]._save_from_request(ticket, self.guidance)
        ticket._close()
        return {"type": "ir.actions.act_window_close"}
