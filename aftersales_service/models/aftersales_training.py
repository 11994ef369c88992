from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_integrity_mixin import workflow_step

# The longest session logged as one: a course of a month.
MAX_SESSION = timedelta(days=31)
# Who records an internal session as given, granting its qualifications.
GRANTING_GROUPS = (
    "aftersales_service.group_aftersales_trainer",
    "aftersales_service.group_aftersales_manager",
)


class AftersalesTrainingTopic(models.Model):
    _name = "aftersales.training.topic"
    _description = "Training Topic"
    _order = "sequence, id"

    _inherit = ["aftersales.integrity.mixin"]
    # A qualification is valid for up to 10 years.
    _number_bounds = {"qualification_months": (0, 120)}

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    qualification_months = fields.Integer(
        string="Qualification Validity (Months)",
        help="How long the qualification that an internal session of this "
        "topic grants stays valid; 0 takes the company's setting.",
    )


class AftersalesTrainingSession(models.Model):
    """A training session (技术培训, C1–C2): topics, trainer, when and how
    long, the customer's trainees and who attended, the materials; part of
    the contract's training plan while it is planned. An internal session
    (售后人员培训, Q4) trains our own engineers: those who pass get or renew
    the qualification for its product family when it is given."""

    _name = "aftersales.training.session"
    _description = "Training Session"
    _inherit = ["aftersales.integrity.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _workflow_fields = ("state",)

    name = fields.Char(string="Subject", required=True, tracking=True)
    audience = fields.Selection(
        [("customer", "Customer's People"), ("internal", "Our Engineers")],
        string="Trainees Are",
        default="customer",
        required=True,
        tracking=True,
    )
    qualification_categ_id = fields.Many2one(
        "product.category",
        string="Qualifies For",
        tracking=True,
        help="Internal sessions: the trainees who pass get or renew their "
        "qualification for this product family when the session is given.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
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

    @api.constrains("partner_id", "contract_id", "audience", "qualification_categ_id")
    def _check_customer(self):
        for session in self:
            if session.audience == "customer" and not session.partner_id:
                raise ValidationError(
                    _(
                        "Training %(name)s: choose the customer whose people are "
                        "trained, or make it an internal session.",
                        name=session.name,
                    )
                )
            if session.audience == "internal" and (
                session.partner_id or session.contract_id
            ):
                raise ValidationError(
                    _(
                        "Training %(name)s trains our own engineers: it has no "
                        "customer or contract.",
                        name=session.name,
                    )
                )
            if session.audience == "customer" and session.qualification_categ_id:
                raise ValidationError(
                    _(
                        "Training %(name)s: only internal sessions grant our "
                        "engineers' qualifications.",
                        name=session.name,
                    )
                )
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
            if session.audience == "internal" and not (
                self.env.su
                or any(self.env.user.has_group(group) for group in GRANTING_GROUPS)
            ):
                raise UserError(
                    _(
                        "Training %(name)s grants qualifications: a trainer or the "
                        "service manager records it as given.",
                        name=session.name,
                    )
                )
            if not session.attendee_ids.filtered("attended"):
                raise UserError(
                    _(
                        "Training %(name)s: tick the trainees who attended.",
                        name=session.name,
                    )
                )
        self.write({"state": "done"})
        self.env["aftersales.qualification"]._grant_from_sessions(self)
        return True

    def _check_qualification_kept(self):
        if self.filtered(lambda s: s.state == "done" and s.audience == "internal"):
            raise UserError(
                _(
                    "An internal session that was given keeps its trainees and the "
                    "qualification it granted."
                )
            )

    def _qualification_months(self):
        """How long the qualification this session grants stays valid: the
        longest of its topics' validities, else the company's."""
        self.ensure_one()
        return (
            max(self.topic_ids.mapped("qualification_months"), default=0)
            or self.company_id.aftersales_qualification_months
        )

    @api.onchange("audience")
    def _onchange_audience(self):
        if self.audience == "internal":
            self.partner_id = self.contract_id = False
        else:
            self.qualification_categ_id = False

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

    @api.constrains("audience", "qualification_categ_id")
    def _check_granted_kept(self):
        self._check_qualification_kept()

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
    def _get_report_base_filename(self):
        """The attendance sheet's name when the customer downloads it."""
        self.ensure_one()
        return _("Attendance Sheet %(name)s", name=self.name)

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
        domain="[('commercial_partner_id', '=', parent.partner_id)]",
    )
    employee_id = fields.Many2one(
        "hr.employee",
        string="Engineer",
        help="The trainee of an internal session.",
    )
    function = fields.Char(related="partner_id.function")
    attended = fields.Boolean(default=True)
    passed = fields.Boolean(
        help="Internal sessions: the engineer passed, and gets the qualification "
        "when the session is given."
    )

    @api.onchange("passed")
    def _onchange_passed(self):
        if self.passed:
            self.attended = True

    @api.constrains("employee_id", "attended", "passed", "session_id")
    def _check_granted_kept(self):
        self.session_id._check_qualification_kept()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_qualified(self):
        self.session_id._check_qualification_kept()

    @api.constrains("partner_id", "employee_id", "session_id", "attended", "passed")
    def _check_trainee(self):
        for attendee in self:
            if attendee.passed and not attendee.attended:
                raise ValidationError(
                    _(
                        "Training %(name)s: %(trainee)s passed without attending; "
                        "tick Attended or untick Passed.",
                        name=attendee.session_id.name,
                        trainee=(attendee.employee_id or attendee.partner_id).name,
                    )
                )
            if attendee.session_id.audience == "internal":
                if attendee.partner_id or not attendee.employee_id:
                    raise ValidationError(
                        _(
                            "Training %(name)s is internal: its trainees are our "
                            "employees; choose the engineer on each line.",
                            name=attendee.session_id.name,
                        )
                    )
                continue
            if attendee.employee_id or not attendee.partner_id:
                raise ValidationError(
                    _(
                        "Training %(name)s trains the customer's people: choose "
                        "the customer's contact on each line.",
                        name=attendee.session_id.name,
                    )
                )
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
    _session_employee_uniq = models.Constraint(
        "unique(session_id, employee_id)",
        "An engineer is listed once per session.",
    )
