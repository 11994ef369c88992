from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_followup_plan import VISIT_KINDS
from .aftersales_integrity_mixin import workflow_step
from .aftersales_selections import SEVERITIES

# The inspection checklist (I4): 座谈 / 检测 / 维护保养 / 听取意见.
CHECKLIST = ("check_talk", "check_test", "check_maintenance", "check_opinions")


class AftersalesInspection(models.Model):
    """A visit or call of a follow-up plan, and its report (巡检 / 回访):
    the checklist, the units checked, the findings (each can open a request)
    and the customer's signature."""

    _name = "aftersales.inspection"
    _description = "Inspection"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.inspection"
    _order = "scheduled_date desc, id desc"
    _check_company_auto = True
    _workflow_fields = (
        "state",
        "done_date",
        "signed_at",
        "maintenance_lot_id",
        "maintenance_step_id",
    )

    plan_id = fields.Many2one(
        "aftersales.followup.plan",
        string="Follow-Up Plan",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    contract_id = fields.Many2one(
        related="plan_id.contract_id", store=True, index=True, precompute=True
    )
    company_id = fields.Many2one(
        related="plan_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="plan_id.partner_id",
        string="Customer",
        store=True,
        index=True,
        precompute=True,
    )
    kind = fields.Selection(VISIT_KINDS, required=True, default="inspection")
    period = fields.Char(
        required=True,
        readonly=True,
        help="Which promised visit or call this is; each is created once.",
    )
    scheduled_date = fields.Date(required=True, index=True, tracking=True)
    engineer_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Status",
        default="planned",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    done_date = fields.Date(string="Carried Out On", readonly=True, copy=False)
    check_talk = fields.Boolean(
        string="Talked With The Managers", help="座谈: met the customer's managers."
    )
    check_test = fields.Boolean(
        string="Tested The Problem Units", help="检测: tested the units with problems."
    )
    check_maintenance = fields.Boolean(
        string="Did The Maintenance", help="维护保养: routine maintenance done."
    )
    check_opinions = fields.Boolean(
        string="Collected Opinions", help="听取意见: heard the users' opinions."
    )
    report = fields.Html(help="What was done and found.")
    customer_opinions = fields.Text(string="Customer's Opinions")
    lot_ids = fields.Many2many(
        "stock.lot",
        "aftersales_inspection_stock_lot_rel",
        "inspection_id",
        "lot_id",
        string="Units Checked",
        domain="[('id', 'in', contract_lot_ids)]",
    )
    contract_lot_ids = fields.Many2many(related="contract_id.lot_ids")
    finding_ids = fields.One2many(
        "aftersales.inspection.finding", "inspection_id", string="Findings"
    )
    training_ids = fields.One2many(
        "aftersales.training.session", "inspection_id", string="Training Given"
    )
    # A maintenance visit (保养): the unit, the programme's step and what
    # was read on its meter.
    maintenance_lot_id = fields.Many2one(
        "stock.lot",
        string="Unit Maintained",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    maintenance_step_id = fields.Many2one(
        "aftersales.maintenance.step",
        readonly=True,
        ondelete="restrict",
    )
    maintenance_checklist = fields.Html(
        related="maintenance_step_id.checklist", string="Maintenance Checklist"
    )
    maintenance_hours = fields.Float(
        related="maintenance_step_id.duration_hours", string="Estimated Hours"
    )
    meter_reading_ids = fields.One2many(
        "aftersales.meter.reading", "inspection_id", string="Meter Readings"
    )
    signer_name = fields.Char(string="Signed By", copy=False)
    signature = fields.Binary(copy=False, attachment=True)
    signed_at = fields.Datetime(string="Signed On", readonly=True, copy=False)

    _plan_period_uniq = models.Constraint(
        "unique(plan_id, period)",
        "A visit or call of a follow-up plan is created once.",
    )

    def _schedule_engineer_activity(self):
        """Each new visit or call lands in its engineer's activities."""
        model_id = self.env["ir.model"]._get_id(self._name)
        call = self.env.ref("aftersales_service.mail_activity_type_followup_call")
        visit = self.env.ref("aftersales_service.mail_activity_type_service_visit")
        vals_list = []
        for inspection in self:
            # In the engineer's language.
            env = self.with_context(lang=inspection.engineer_id.lang).env
            labels = dict(self._fields["kind"]._description_selection(env))
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": inspection.id,
                    "activity_type_id": (
                        call if inspection.kind == "call" else visit
                    ).id,
                    "user_id": inspection.engineer_id.id,
                    "summary": env._(
                        "%(kind)s: %(customer)s",
                        kind=labels[inspection.kind],
                        customer=inspection.partner_id.display_name,
                    ),
                    "date_deadline": inspection.scheduled_date,
                    # Closed with the visit (activity_feedback).
                    "automated": True,
                }
            )
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            vals_list
        )

    def _get_report_base_filename(self):
        """The report's name when the customer downloads it."""
        self.ensure_one()
        return _("Inspection Report %(name)s", name=self.name)

    @workflow_step
    def action_done(self):
        """Close the visit or call with its report. A visit is signed by the
        customer; a call records what the customer said."""
        for inspection in self:
            if inspection.state != "planned":
                raise UserError(
                    _(
                        "Inspection %(name)s is already closed or cancelled.",
                        name=inspection.name,
                    )
                )
            if inspection.kind == "call":
                if not (inspection.customer_opinions or "").strip():
                    raise UserError(
                        _(
                            "Call %(name)s: record what the customer said "
                            "(Customer's Opinions).",
                            name=inspection.name,
                        )
                    )
                continue
            if not any(inspection[name] for name in CHECKLIST):
                raise UserError(
                    _(
                        "Inspection %(name)s: tick what was done on the checklist.",
                        name=inspection.name,
                    )
                )
            if not ((inspection.signer_name or "").strip() and inspection.signature):
                raise UserError(
                    _(
                        "Inspection %(name)s: the customer signs the report with "
                        "their name and signature.",
                        name=inspection.name,
                    )
                )
        now = fields.Datetime.now()
        for inspection in self:
            inspection.write(
                {
                    "state": "done",
                    "done_date": fields.Date.context_today(inspection, now),
                    "signed_at": inspection.signature and now,
                }
            )
        self.activity_feedback(
            [
                "aftersales_service.mail_activity_type_followup_call",
                "aftersales_service.mail_activity_type_service_visit",
            ]
        )
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        self._refuse_unlink(
            self.filtered(lambda i: i.state == "done"),
            _("the visit was reported. Its report stays with the customer's file."),
        )

    @workflow_step
    def action_cancel(self):
        self._ensure_state(("planned",), _("only a planned visit can be cancelled."))
        self.write({"state": "cancelled"})
        self.activity_unlink(
            [
                "aftersales_service.mail_activity_type_followup_call",
                "aftersales_service.mail_activity_type_service_visit",
            ]
        )
        return True

    def action_log_training(self):
        """Training given at this visit (每次维修保养时…免费进行培训), logged in
        two clicks: this button, then Save."""
        self.ensure_one()
        return self.env["aftersales.training.session"]._open_log_form(
            {
                "default_inspection_id": self.id,
                "default_contract_id": self.contract_id.id,
                "default_partner_id": self.partner_id.id,
                "default_trainer_id": self.engineer_id.id,
                "default_company_id": self.company_id.id,
            }
        )


class AftersalesInspectionFinding(models.Model):
    _name = "aftersales.inspection.finding"
    _description = "Inspection Finding"
    _order = "inspection_id, id"

    inspection_id = fields.Many2one(
        "aftersales.inspection", required=True, ondelete="cascade", index=True
    )
    description = fields.Text(required=True)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        domain="[('id', 'in', parent.contract_lot_ids)]",
    )
    severity = fields.Selection(SEVERITIES, default="general", required=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Request", readonly=True, copy=False
    )

    def action_open_request(self):
        """The finding becomes a request, with its unit and severity."""
        for finding in self:
            if finding.ticket_id:
                raise UserError(_("This finding already has a request."))
            inspection = finding.inspection_id
            finding.ticket_id = (
                self.env["helpdesk.ticket"]
                .sudo()
                .create(finding._prepare_ticket_vals())
                .id
            )
            inspection.message_post(
                body=_(
                    "Finding reported as request %(request)s.",
                    request=finding.ticket_id._get_html_link(),
                )
            )
        if len(self) == 1 and self.env["helpdesk.ticket"].has_access("read"):
            return {
                "type": "ir.actions.act_window",
                "res_model": "helpdesk.ticket",
                "res_id": self.ticket_id.id,
                "view_mode": "form",
            }
        return True

    def _prepare_ticket_vals(self):
        self.ensure_one()
        inspection = self.inspection_id
        return {
            "name": _("Found at inspection %(inspection)s", inspection=inspection.name),
            "description": self.description,
            "fault_description": self.description,
            "partner_id": inspection.partner_id.id,
            "lot_id": self.lot_id.id,
            "severity": self.severity,
            "company_id": inspection.company_id.id,
            "user_id": inspection.engineer_id.id,
            "channel_id": self.env.ref(
                "aftersales_service.helpdesk_channel_on_site"
            ).id,
        }
