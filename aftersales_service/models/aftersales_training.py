from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_integrity_mixin import workflow_step

# The longest session logged as one: a course of a month.
MAX_SESSION = timedelta(days=31)


class AftersalesTrainingTopic(models.Model):
    _name = "aftersales.training.topic"
    _description = "Training Topic"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)


class AftersalesTrainingSession(models.Model):
    """A training session (技术培训, C1–C2): topics, trainer, when and how
    long, the customer's trainees and who attended, the materials; part of
    the contract's training plan while it is planned."""

    _name = "aftersales.training.session"
    _description = "Training Session"
    _inherit = ["aftersales.integrity.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _workflow_fields = ("state",)

    name = fields.Char(string="Subject", required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    contract_id = fields.Many2one(
        "aftersales.contract",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        "aftersales_training_stock_lot_rel",
        "session_id",
        "lot_id",
        string="Units",
        compute="_compute_lot_ids",
        store=True,
        help="The units of the contract: the training appears in their archive.",
    )
    topic_ids = fields.Many2many("aftersales.training.topic", string="Topics")
    trainer_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    date_start = fields.Datetime(string="Start", required=True, tracking=True)
    date_end = fields.Datetime(string="End", required=True, tracking=True)
    duration = fields.Float(
        string="Duration (Hours)", compute="_compute_duration", store=True
    )
    location = fields.Char(string="Where")
    attendee_ids = fields.One2many(
        "aftersales.training.attendee", "session_id", string="Trainees", copy=True
    )
    attended_count = fields.Integer(
        string="Attended", compute="_compute_attended_count", store=True
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "aftersales_training_attachment_rel",
        "session_id",
        "attachment_id",
        string="Materials",
        help="Manuals and slides handed out (中文版手册).",
    )
    inspection_id = fields.Many2one(
        "aftersales.inspection",
        string="Given At Visit",
        index="btree_not_null",
        check_company=True,
    )
    dispatch_id = fields.Many2one(
        "aftersales.dispatch",
        string="Given At Dispatch",
        index="btree_not_null",
        check_company=True,
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
    notes = fields.Html()

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for session in self:
            if session.date_start and session.date_end:
                delta = session.date_end - session.date_start
                session.duration = delta.total_seconds() / 3600
            else:
                session.duration = 0.0

    @api.depends("contract_id.lot_ids")
    def _compute_lot_ids(self):
        for session in self:
            session.lot_ids = session.contract_id.lot_ids

    @api.depends("attendee_ids.attended")
    def _compute_attended_count(self):
        for session in self:
            session.attended_count = len(session.attendee_ids.filtered("attended"))

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for session in self:
            if session.date_end <= session.date_start:
                raise ValidationError(
                    _(
                        "Training %(name)s: the end must come after the start "
                        "(a session lasts some time).",
                        name=session.name,
                    )
                )
            if session.date_end - session.date_start > MAX_SESSION:
                raise ValidationError(
                    _(
                        "Training %(name)s lasts more than %(days)s days: check the "
                        "end; a longer course is logged as several sessions.",
                        name=session.name,
                        days=MAX_SESSION.days,
                    )
                )

    @api.constrains("partner_id", "contract_id")
    def _check_customer(self):
        for session in self:
            customer = session.partner_id.commercial_partner_id
            if session.contract_id and session.contract_id.partner_id != customer:
                raise ValidationError(
                    _(
                        "Training %(name)s: contract %(contract)s belongs to another "
                        "customer.",
                        name=session.name,
                        contract=session.contract_id.name,
                    )
                )
            session.attendee_ids._check_trainee()

    @api.onchange("inspection_id", "dispatch_id")
    def _onchange_visit(self):
        visit = self.inspection_id or self.dispatch_id
        if visit and not self.partner_id:
            self.partner_id = visit.partner_id

    @workflow_step
    def action_done(self):
        for session in self:
            if session.state != "planned":
                raise UserError(
                    _("Training %(name)s is already closed.", name=session.name)
                )
            if not session.attendee_ids.filtered("attended"):
                raise UserError(
                    _(
                        "Training %(name)s: tick the trainees who attended.",
                        name=session.name,
                    )
                )
        self.write({"state": "done"})
        return True

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        sessions.filtered(lambda s: s.inspection_id or s.dispatch_id)._log_as_given()
        return sessions

    @workflow_step
    def _log_as_given(self):
        """Training logged from a visit or a dispatch order was given there
        (每次维修保养时…免费进行培训)."""
        self.write({"state": "done"})

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        self._refuse_unlink(
            self.filtered(lambda s: s.state == "done"),
            _("the session took place. Its attendance record stays on file."),
        )

    @workflow_step
    def action_cancel(self):
        if self.filtered(lambda s: s.state == "done"):
            raise UserError(_("A training that was given can't be cancelled."))
        self.write({"state": "cancelled"})
        return True

    @api.model
    def _open_log_form(self, context):
        """The form to log training given at a visit: everything known is
        filled in, the trainer saves it."""
        now = fields.Datetime.now()
        maintenance = self.env.ref(
            "aftersales_service.training_topic_maintenance", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "name": _("Log Training"),
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_name": _("Daily maintenance"),
                "default_date_start": fields.Datetime.to_string(
                    fields.Datetime.subtract(now, hours=1)
                ),
                "default_date_end": fields.Datetime.to_string(now),
                "default_topic_ids": maintenance.ids,
                **context,
            },
        }


class AftersalesTrainingAttendee(models.Model):
    _name = "aftersales.training.attendee"
    _description = "Trainee"
    _order = "session_id, id"

    session_id = fields.Many2one(
        "aftersales.training.session", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Trainee",
        required=True,
        domain="[('commercial_partner_id', '=', parent.partner_id)]",
    )
    function = fields.Char(related="partner_id.function")
    attended = fields.Boolean(default=True)

    @api.constrains("partner_id", "session_id")
    def _check_trainee(self):
        for attendee in self:
            customer = attendee.session_id.partner_id.commercial_partner_id
            if attendee.partner_id.commercial_partner_id != customer:
                raise ValidationError(
                    _(
                        "Training %(name)s: %(trainee)s is not a contact of "
                        "%(customer)s. Trainees are the customer's own people.",
                        name=attendee.session_id.name,
                        trainee=attendee.partner_id.display_name,
                        customer=customer.display_name,
                    )
                )

    _session_partner_uniq = models.Constraint(
        "unique(session_id, partner_id)",
        "A trainee is listed once per session.",
    )
