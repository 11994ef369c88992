from odoo import Command, _, fields, models
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


class AftersalesServicePlan(models.TransientModel):
    """A fault that can't be solved remotely: record the service plan and
    open the dispatch order."""

    _name = "aftersales.service.plan"
    _description = "Plan Service for a Request"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    plan = fields.Html(string="Service Plan", required=True)
    engineer_ids = fields.Many2many(
        "res.users", string="Engineers", domain="[('share', '=', False)]"
    )
    planned_departure = fields.Datetime()
    expected_arrival = fields.Datetime()

    @workflow_step
    def action_plan(self):
        self.ensure_one()
        if not self.plan or not self.plan.striptags().strip():
            raise UserError(_("Describe the service plan."))
        ticket = self.ticket_id
        ticket.service_plan = self.plan
        ticket._complete_phase("ack")
        ticket._complete_phase("plan")
        dispatch = self.env["aftersales.dispatch"].create(
            {
                **self.env["aftersales.dispatch"]._vals_from_request(ticket),
                "engineer_ids": [Command.set(self.engineer_ids.ids)],
                "planned_departure": self.planned_departure,
                "expected_arrival": self.expected_arrival,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.dispatch",
            "res_id": dispatch.id,
            "view_mode": "form",
        }
