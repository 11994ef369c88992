from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches

# A qualification shows as expiring, and its reminder goes, this many days
# before it ends.
EXPIRY_LEAD_DAYS = 30


class AftersalesQualification(models.Model):
    """An engineer's qualification (资质) for a product family: from the day
    it was issued to the day it expires, granted by an internal training
    session or by a certificate (售后人员培训, 客服中心成员均具备如下基本条件)."""

    _name = "aftersales.qualification"
    _description = "Engineer Qualification"
    _inherit = ["aftersales.integrity.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_expiry, id"
    _check_company_auto = True
    _rec_names_search = ["employee_id", "categ_id"]
    # The session that granted it is stamped by the session; the reminder
    # by the scheduled action.
    _workflow_fields = ("session_id", "reminded_expiry")

    employee_id = fields.Many2one(
        "hr.employee",
        string="Engineer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        related="employee_id.user_id", string="User", store=True, index=True
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Family",
        required=True,
        index=True,
        tracking=True,
        help="Units of this product category and of its subcategories.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date_issued = fields.Date(string="Certified On", required=True, tracking=True)
    date_expiry = fields.Date(
        string="Expires", required=True, index=True, tracking=True
    )
    session_id = fields.Many2one(
        "aftersales.training.session",
        string="Granted By Session",
        index="btree_not_null",
        check_company=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    certificate = fields.Char(
        string="Certificate No.",
        tracking=True,
        help="The certificate or document that granted it, when no training "
        "session of ours did.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "aftersales_qualification_attachment_rel",
        "qualification_id",
        "attachment_id",
        string="Documents",
    )
    status = fields.Selection(
        [
            ("valid", "Valid"),
            ("expiring", "Expiring Soon"),
            ("expired", "Expired"),
            ("future", "Not Yet Valid"),
        ],
        compute="_compute_status",
    )
    reminded_expiry = fields.Date(
        copy=False,
        readonly=True,
        help="The expiry date the manager was last reminded of.",
    )
    reminder_due = fields.Boolean(
        compute="_compute_reminder_due",
        store=True,
        index=True,
        help="The manager has not been reminded of this expiry date yet.",
    )
    active = fields.Boolean(default=True)

    _employee_categ_uniq = models.Constraint(
        "unique(employee_id, categ_id, company_id)",
        "An engineer holds one qualification per product family: renew it "
        "rather than adding another.",
    )

    @api.depends("date_issued", "date_expiry")
    @api.depends_context("tz")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for qualification in self:
            if not (qualification.date_issued and qualification.date_expiry):
                qualification.status = False
            elif qualification.date_issued > today:
                qualification.status = "future"
            elif qualification.date_expiry < today:
                qualification.status = "expired"
            elif qualification.date_expiry <= today + timedelta(days=EXPIRY_LEAD_DAYS):
                qualification.status = "expiring"
            else:
                qualification.status = "valid"

    @api.depends("date_expiry", "reminded_expiry")
    def _compute_reminder_due(self):
        for qualification in self:
            qualification.reminder_due = (
                qualification.reminded_expiry != qualification.date_expiry
            )

    @api.depends("employee_id", "categ_id")
    def _compute_display_name(self):
        for qualification in self:
            qualification.display_name = _(
                "%(engineer)s: %(family)s",
                engineer=qualification.employee_id.name or "",
                family=qualification.categ_id.display_name or "",
            )

    @api.constrains("date_issued", "date_expiry", "session_id", "certificate")
    def _check_qualification(self):
        for qualification in self:
            if qualification.date_expiry < qualification.date_issued:
                raise ValidationError(
                    _(
                        "Qualification %(name)s expires on %(expiry)s, before it "
                        "was issued on %(issued)s: correct one of the dates.",
                        name=qualification.display_name,
                        expiry=format_date(self.env, qualification.date_expiry),
                        issued=format_date(self.env, qualification.date_issued),
                    )
                )
            if not (qualification.session_id or qualification.certificate):
                raise ValidationError(
                    _(
                        "Qualification %(name)s: enter the certificate or document "
                        "that granted it (training sessions of ours grant theirs "
                        "when they are given).",
                        name=qualification.display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_granted(self):
        self._refuse_unlink(
            self.filtered("session_id"),
            _("a training session granted it. Archive it instead."),
        )

    # Granting, from internal training sessions.

    @api.model
    @workflow_step
    def _grant_from_sessions(self, sessions):
        """Grant or renew, for the trainees of ``sessions`` (given internal
        sessions for a product family) who passed, the qualification for
        that family: issued on the session's day, valid for the session's
        validity. A renewal never shortens a qualification."""
        sessions = sessions.filtered(
            lambda s: s.audience == "internal" and s.qualification_categ_id
        )
        Qualification = self.sudo()
        for session in sessions:
            issued = fields.Date.context_today(session, session.date_end)
            expiry = issued + relativedelta(months=session._qualification_months())
            passed = session.attendee_ids.filtered(
                lambda a: a.attended and a.passed
            ).employee_id
            existing = Qualification.with_context(active_test=False).search(
                [
                    ("employee_id", "in", passed.ids),
                    ("categ_id", "=", session.qualification_categ_id.id),
                    ("company_id", "=", session.company_id.id),
                ]
            )
            for qualification in existing:
                qualification.write(
                    {
                        "active": True,
                        "date_issued": issued,
                        "date_expiry": max(expiry, qualification.date_expiry),
                        "session_id": session.id,
                    }
                )
            Qualification.create(
                [
                    {
                        "employee_id": employee.id,
                        "categ_id": session.qualification_categ_id.id,
                        "company_id": session.company_id.id,
                        "date_issued": issued,
                        "date_expiry": expiry,
                        "session_id": session.id,
                    }
                    for employee in passed - existing.employee_id
                ]
            )

    # Checking, for dispatch orders.

    @api.model
    def _qualification_problems(self, users, product, day):
        """What keeps each of ``users`` from serving ``product`` on ``day``:
        {user: message}. Empty when its family needs no qualification or
        when they all hold a valid one."""
        return self._qualification_problems_many([(users, product, day)])[0]

    @api.model
    def _qualification_problems_many(self, asks):
        """``_qualification_problems`` for each (users, product, day) of
        ``asks``, in a fixed number of queries: a list of {user: message}."""
        categs = self.env["product.category"].sudo()
        for __, product, __ in asks:
            categs |= product.sudo().categ_id
        # A family covers its subfamilies: the families above each category.
        families = {
            categ: [int(part) for part in categ.parent_path.split("/") if part]
            for categ in categs
        }
        above = categs.browse({cid for ids in families.values() for cid in ids})
        needed = set(above.filtered("aftersales_qualification_required").ids)
        users = self.env["res.users"].union(*(ask[0] for ask in asks))
        held = (
            self.sudo().search(
                [
                    ("user_id", "in", users.ids),
                    ("categ_id", "in", above.ids),
                    ("company_id", "in", self.env.companies.ids),
                ],
                order="date_expiry desc",
            )
            if needed and users
            else self.browse()
        )
        results = []
        for ask_users, product, day in asks:
            categ = product.sudo().categ_id
            problems = {}
            results.append(problems)
            if not (categ and needed.intersection(families[categ])):
                continue
            for user in ask_users:
                mine = held.filtered(
                    lambda q, u=user, c=categ: (
                        q.user_id == u and q.categ_id.id in families[c]
                    )
                )
                if any(q.date_issued <= day <= q.date_expiry for q in mine):
                    continue
                expired = mine.filtered(lambda q, d=day: q.date_expiry < d)[:1]
                problems[user] = (
                    _(
                        "%(engineer)s's qualification for %(family)s expired on "
                        "%(date)s.",
                        engineer=user.name,
                        family=expired.categ_id.display_name,
                        date=format_date(self.env, expired.date_expiry),
                    )
                    if expired
                    else _(
                        "%(engineer)s is not qualified for %(family)s.",
                        engineer=user.name,
                        family=categ.display_name,
                    )
                )
        return results

    # The reminder before a qualification expires.

    @api.model
    def _cron_remind_expiring(self, batch_size=200):
        """Give the engineer's manager (else the company's escalation
        supervisor) an activity for each qualification that expires within
        ``EXPIRY_LEAD_DAYS`` days, once per expiry date."""
        run_in_batches(
            self,
            self._expiry_reminder_domain(fields.Date.context_today(self)),
            type(self)._remind_expiring,
            batch_size,
        )

    @api.model
    def _expiry_reminder_domain(self, today):
        return [
            ("reminder_due", "=", True),
            ("date_expiry", ">=", today),
            ("date_expiry", "<=", today + timedelta(days=EXPIRY_LEAD_DAYS)),
        ]

    @workflow_step
    def _remind_expiring(self):
        activity_type = self.env.ref(
            "aftersales_service.mail_activity_type_qualification_renewal"
        )
        for qualification in self:
            manager = (
                qualification.employee_id.parent_id.user_id
                or qualification.company_id.aftersales_supervisor_id
            )
            note = _(
                "The qualification of %(engineer)s for %(family)s expires on "
                "%(date)s: plan a training session or record the renewed "
                "certificate.",
                engineer=qualification.employee_id.name,
                family=qualification.categ_id.display_name,
                date=format_date(self.env, qualification.date_expiry),
            )
            if manager:
                qualification.activity_schedule(
                    activity_type_id=activity_type.id,
                    date_deadline=qualification.date_expiry,
                    note=note,
                    user_id=manager.id,
                )
            else:
                qualification.message_post(body=note)
        for qualification in self:
            qualification.reminded_expiry = qualification.date_expiry
