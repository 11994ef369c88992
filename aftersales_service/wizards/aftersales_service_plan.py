from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..models.aftersales_integrity_mixin import workflow_step


class AftersalesServicePlan(models.TransientModel):
    """A fault that can't be solved remotely: the service plan, who goes and
    when, proposed from the request; one action plans, dispatches and tells
    the customer (出发前通知用户预计到达时间), or opens the draft dispatch order
    to add the spares and tools first."""

    _name = "aftersales.service.plan"
    _description = "Plan Service for a Request"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    plan = fields.Html(
        string="Service Plan",
        required=True,
        compute="_compute_proposal",
        store=True,
        readonly=False,
        precompute=True,
    )
    engineer_ids = fields.Many2many(
        "res.users",
        string="Engineers",
        domain="[('share', '=', False)]",
        compute="_compute_proposal",
        store=True,
        readonly=False,
        precompute=True,
        help="Proposed: the engineer of the unit's contract, else the one who last "
        "worked on the unit, else the engineer on duty.",
    )
    planned_departure = fields.Datetime(
        compute="_compute_proposal", store=True, readonly=False, precompute=True
    )
    expected_arrival = fields.Datetime(
        compute="_compute_proposal",
        store=True,
        readonly=False,
        precompute=True,
        help="Proposed: the request's on-site deadline. The customer is told it "
        "before the engineers leave.",
    )

    qualification_warning = fields.Text(
        compute="_compute_qualification_warning",
        help="Engineers chosen who hold no valid qualification for the unit.",
    )

    @api.depends("engineer_ids", "expected_arrival", "ticket_id")
    @api.depends_context("tz")
    def _compute_qualification_warning(self):
        Qualification = self.env["aftersales.qualification"]
        for wizard in self:
            day = fields.Date.context_today(
                wizard, wizard.expected_arrival or fields.Datetime.now()
            )
            problems = Qualification._qualification_problems(
                wizard.engineer_ids._origin, wizard.ticket_id.lot_id.product_id, day
            )
            wizard.qualification_warning = "\n".join(problems.values()) or False

    @api.depends("ticket_id")
    def _compute_proposal(self):
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        Dispatch = self.env["aftersales.dispatch"]
        for wizard in self:
            ticket = wizard.ticket_id
            fault = html2plaintext(ticket.description or "").strip() or ticket.name
            wizard.plan = Markup("<p>%s</p>") % _(
                "On site: %(fault)s", fault=fault or ""
            )
            wizard.engineer_ids = Dispatch._propose_engineers(ticket)
            wizard.planned_departure = now
            arrival = ticket.arrival_deadline
            wizard.expected_arrival = (
                arrival if arrival and arrival > now else now + timedelta(hours=1)
            )

    def _plan(self):
        """Record the plan on the request and make its draft dispatch order."""
        self.ensure_one()
        if not self.plan or not self.plan.striptags().strip():
            raise UserError(_("Describe the service plan."))
        ticket = self.ticket_id
        ticket._check_open_for_visits()
        ticket.service_plan = self.plan
        ticket._complete_phase("ack")
        ticket._complete_phase("plan")
        return self.env["aftersales.dispatch"].create(
            {
                **self.env["aftersales.dispatch"]._vals_from_request(ticket),
                "engineer_ids": [Command.set(self.engineer_ids.ids)],
                "planned_departure": self.planned_departure,
                "expected_arrival": self.expected_arrival,
            }
        )

    @workflow_step
    def action_plan(self):
        """Plan, and open the draft order to add spares, instruments and
        tools before dispatching it."""
        dispatch = self._plan()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.dispatch",
            "res_id": dispatch.id,
            "view_mode": "form",
        }

    @workflow_step
    def action_plan_and_dispatch(self):
        """Plan and send the engineers at once: the customer is told when
        they will arrive."""
        dispatch = self._plan()
        dispatch.action_dispatch()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(order)s: %(engineers)s dispatched; the customer was told "
                    "the expected arrival.",
                    order=dispatch.name,
                    engineers=", ".join(dispatch.engineer_ids.mapped("name")),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
