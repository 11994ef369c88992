from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from ..models.aftersales_integrity_mixin import workflow_step


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
