from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.misc import format_date, format_datetime

from .aftersales_domains import bool_domain
from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import claim_rows, lock_rows
from .aftersales_roles import check_role

LOANER_TRIGGERS = [
    ("major_fault", "Major fault not fixed 8 h after arrival"),
    ("offsite_repair", "Off-site repair"),
    ("long_repair", "Repair estimated over 12 h"),
]
# A major fault still not fixed this long after the engineers arrived makes a
# loaner due (重大故障…8小时后仍无法排除).
MAJOR_FAULT_HOURS = 8
# A repair estimated to take longer than this makes a loaner due
# (维护需要超过12小时以上的,由我公司免费提供备品使用).
LONG_REPAIR_HOURS = 12


class AftersalesLoaner(models.Model):
    """A loaner (备用设备) the customer is owed while their unit is out of
    service: the obligation, with its deadline, then the loaner unit issued,
    taken back and tested before it serves again."""

    _name = "aftersales.loaner"
    _description = "Loaner"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.loaner"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = (
        "state",
        "issue_picking_id",
        "return_picking_id",
        "issued_at",
        "returned_at",
        "test_result",
        "tested_by_id",
        "tested_at",
        "escalated",
    )

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    repair_id = fields.Many2one(
        "repair.order", string="Off-Site Repair", index="btree_not_null", copy=False
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        help="The customer who holds the loaner.",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Faulty Unit",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    required_grade = fields.Integer(
        related="lot_id.product_id.aftersales_spec_grade", string="Grade Needed"
    )
    trigger = fields.Selection(LOANER_TRIGGERS, string="Due For", required=True)
    due_at = fields.Datetime(
        string="Due By",
        required=True,
        index=True,
        tracking=True,
        help="The loaner reaches the customer by then, free of charge.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The warehouse whose loaner pool serves the customer: the one "
        "that delivered the faulty unit.",
    )
    loaner_location_id = fields.Many2one(
        related="warehouse_id.aftersales_loaner_location_id"
    )
    loaner_lot_id = fields.Many2one(
        "stock.lot",
        string="Loaner",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('aftersales_is_loaner', '=', True), "
        "('aftersales_loaner_state', '=', 'available'), "
        "('location_id', 'child_of', loaner_location_id), "
        "('product_id.aftersales_spec_grade', '>=', required_grade)]",
        help="A loaner of no lower specification grade than the faulty unit "
        "(不低于故障设备规格型号档次).",
    )
    state = fields.Selection(
        [
            ("due", "Due"),
            ("issued", "Issued"),
            ("returned", "Returned, To Test"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="due",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    issue_picking_id = fields.Many2one(
        "stock.picking", string="Issue Transfer", readonly=True, copy=False
    )
    return_picking_id = fields.Many2one(
        "stock.picking", string="Return Transfer", readonly=True, copy=False
    )
    issued_at = fields.Datetime(string="Issued On", readonly=True, copy=False)
    return_by = fields.Date(
        tracking=True,
        help="When the loaner is expected back, 14 days after it goes out by "
        "default: the customer's own unit is repaired within 12 days "
        "(设备维修时间不超过12天), and two more days bring it back.",
    )
    returned_at = fields.Datetime(string="Returned On", readonly=True, copy=False)
    test_result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed")],
        readonly=True,
        copy=False,
        tracking=True,
    )
    tested_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    tested_at = fields.Datetime(string="Tested On", readonly=True, copy=False)
    test_notes = fields.Text(copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)
    is_late = fields.Boolean(
        string="Late", compute="_compute_is_late", search="_search_is_late"
    )
    notice_ids = fields.One2many(
        "aftersales.replacement.notice", "loaner_id", string="Replacement Notices"
    )

    _loaner_differs_from_unit = models.Constraint(
        "CHECK (loaner_lot_id IS NULL OR loaner_lot_id != lot_id)",
        "A unit can't be its own loaner.",
    )

    # One loaner per request at a time: the scheduled action and the
    # triggers never owe the customer two.
    _ticket_open_uniq = models.UniqueIndex(
        "(ticket_id) WHERE state != 'cancelled'",
        "This request already has a loaner that is not cancelled.",
    )

    @api.depends("lot_id")
    def _compute_warehouse_id(self):
        warehouses = self.lot_id._aftersales_warehouses()
        for loaner in self:
            loaner.warehouse_id = warehouses.get(loaner.lot_id) or self.env[
                "stock.warehouse"
            ]._aftersales_main(loaner.company_id)

    def _compute_is_late(self):
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for loaner in self:
            loaner.is_late = (
                loaner.state == "due" and bool(loaner.due_at) and loaner.due_at < now
            ) or (
                loaner.state == "issued"
                and bool(loaner.return_by)
                and loaner.return_by < today
            )

    def _search_is_late(self, operator, value):
        # Odoo passes "in" (negations are derived from it).
        if operator != "in":
            return NotImplemented
        late = (
            Domain("state", "=", "due") & Domain("due_at", "<", fields.Datetime.now())
        ) | (
            Domain("state", "=", "issued")
            & Domain("return_by", "<", fields.Date.context_today(self))
        )
        return bool_domain(late, value)

    @api.constrains("loaner_lot_id", "lot_id")
    def _check_loaner_grade(self):
        for loaner in self.filtered("loaner_lot_id"):
            if not loaner.loaner_lot_id.aftersales_is_loaner:
                raise ValidationError(
                    _(
                        "Loaner: %(unit)s is not loaner stock. Pick a unit flagged "
                        "as a loaner.",
                        unit=loaner.loaner_lot_id.display_name,
                    )
                )
            given = loaner.loaner_lot_id.product_id.aftersales_spec_grade
            if given < loaner.required_grade:
                raise ValidationError(
                    _(
                        "Loaner: %(loaner)s has specification grade %(given)s, lower "
                        "than grade %(needed)s of the faulty unit %(unit)s. Pick a "
                        "loaner of the same or a higher grade.",
                        loaner=loaner.loaner_lot_id.display_name,
                        given=given,
                        needed=loaner.required_grade,
                        unit=loaner.lot_id.display_name,
                    )
                )

    # Obligations ------------------------------------------------------------

    @api.model
    def _owe_loaners(self, tickets, trigger, repair=None):
        """The loaner rules (L1), in one place: the request says what
        happened (``trigger``), and the customer is owed a loaner when
        - the repair is estimated at more than 12 hours (``long_repair``),
          from now;
        - the unit is sent to an off-site ``repair`` (``offsite_repair``),
          from now;
        - a major fault is still not fixed 8 hours after the engineers
          arrived (``major_fault``, found by the scheduled action), from
          then."""
        now = fields.Datetime.now()
        if trigger == "long_repair":
            long_repairs = tickets.filtered(
                lambda t: (
                    t.aftersales_estimated_repair_hours > LONG_REPAIR_HOURS
                    and not t.stage_id.closed
                )
            )
            return self._create_obligations(long_repairs, trigger, now)
        if trigger == "offsite_repair":
            return self._create_obligations(tickets, trigger, now, repair=repair)
        if trigger == "major_fault":
            return self._create_obligations(
                tickets,
                trigger,
                lambda t: t.arrival_done_at + timedelta(hours=MAJOR_FAULT_HOURS),
            )
        raise ValueError(f"Unknown loaner trigger {trigger!r}")

    @api.model
    @workflow_step
    def _create_obligations(self, tickets, trigger, since, repair=None):
        """Owe a loaner to each request in ``tickets`` that has none yet, due
        the company's loaner hours after ``since``. A request already owed
        one keeps it; an off-site ``repair`` is recorded on it, and when that
        loaner is already out it now stands in for a unit at the factory."""
        tickets = tickets.filtered("lot_id")
        if not tickets:
            return self.browse()
        # Run as the system: whoever reports or plans the fault need not
        # manage loaners.
        owed = self.sudo().search(
            [("ticket_id", "in", tickets.ids), ("state", "!=", "cancelled")]
        )
        if repair:
            attached = owed.filtered(lambda loaner: not loaner.repair_id)
            attached.write({"repair_id": repair.id})
            attached.filtered(
                lambda loaner: loaner.state == "issued"
            )._issue_replacement_notice()
        vals_list = []
        for ticket in tickets - owed.ticket_id:
            start = since(ticket) if callable(since) else since
            vals_list.append(
                {
                    "company_id": ticket.company_id.id,
                    "ticket_id": ticket.id,
                    "repair_id": repair and repair.id,
                    "partner_id": (
                        ticket.partner_id.commercial_partner_id
                        or ticket.aftersales_unit_warranty_id.partner_id
                    ).id,
                    "lot_id": ticket.lot_id.id,
                    "trigger": trigger,
                    "due_at": start
                    + timedelta(hours=ticket.company_id.aftersales_loaner_hours),
                }
            )
        loaners = self.sudo().create(vals_list)
        trigger_labels = dict(self._fields["trigger"]._description_selection(self.env))
        for loaner in loaners:
            loaner.ticket_id.message_post(
                body=_(
                    "Loaner %(loaner)s due by %(due)s: %(trigger)s.",
                    loaner=loaner._get_html_link(),
                    due=format_datetime(self.env, loaner.due_at, dt_format="short"),
                    trigger=trigger_labels[loaner.trigger],
                )
            )
        return loaners

    @api.model
    @workflow_step
    def _cron_loaners(self):
        """Owe loaners for major faults still not fixed 8 h after the
        engineers arrived, then escalate late loaners: due ones not issued
        in time, and issued ones not back by their return date."""
        now = fields.Datetime.now()
        # Each step claims its rows: a second run at the same time skips
        # what this one holds, so nothing is owed or escalated twice.
        stuck = claim_rows(
            self.env["helpdesk.ticket"].search(
                [
                    ("severity", "=", "major"),
                    ("arrival_done_at", "<=", now - timedelta(hours=MAJOR_FAULT_HOURS)),
                    ("repair_done_at", "=", False),
                    ("stage_id.closed", "=", False),
                    ("lot_id", "!=", False),
                ]
            )
        )
        self._owe_loaners(stuck, "major_fault")
        # A loaner not yet out is no longer owed once the customer's unit
        # works again (or is away at the factory, which keeps it owed).
        no_longer_owed = claim_rows(
            self.search(
                [
                    ("state", "=", "due"),
                    "|",
                    ("ticket_id.stage_id.closed", "=", True),
                    "&",
                    ("ticket_id.repair_done_at", "!=", False),
                    ("repair_id", "=", False),
                ]
            )
        )
        no_longer_owed.write({"state": "cancelled"})
        for loaner in no_longer_owed:
            loaner.message_post(body=_("No longer owed: the unit was repaired."))
        claim_rows(
            self.search([("is_late", "=", True), ("escalated", "=", False)])
        )._escalate()

    @workflow_step
    def _escalate(self):
        activity_type = self.env.ref(
            "aftersales_service.mail_activity_type_loaner_late"
        )
        for loaner in self:
            supervisor = loaner.ticket_id._breach_supervisor()
            if loaner.state == "due":
                summary = _(
                    "Loaner not issued by %(due)s",
                    due=format_datetime(self.env, loaner.due_at, dt_format="short"),
                )
            else:
                summary = _(
                    "Loaner not returned by %(day)s",
                    day=format_date(self.env, loaner.return_by),
                )
            loaner.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                date_deadline=fields.Date.context_today(loaner),
                user_id=supervisor.id,
            )
            loaner.message_post(
                body=_(
                    "%(summary)s. Escalated to %(user)s.",
                    summary=summary,
                    user=supervisor.name,
                )
            )
        self.write({"escalated": True})

    # Issue, return, test ----------------------------------------------------

    def _check_warehouse_user(self):
        check_role(
            self.env,
            "aftersales_service.group_aftersales_warehouse",
            _("Only warehouse users issue and take back loaners."),
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_issued(self):
        self._refuse_unlink(
            self.filtered(lambda loaner: loaner.state not in ("due", "cancelled")),
            _("the loaner was issued. Take it back and test it instead."),
        )

    @workflow_step
    def action_issue(self):
        """Ship the loaner to the customer: a done transfer out of the
        warehouse's loaner location."""
        self._check_warehouse_user()
        self._ensure_state(("due",), _("only a loaner that is due can be issued."))
        for loaner in self:
            if not loaner.loaner_lot_id:
                raise UserError(
                    _("Loaner %(name)s: pick the loaner unit first.", name=loaner.name)
                )
            lock_rows(
                loaner.loaner_lot_id,
                _(
                    "Loaner %(unit)s is being issued by another user. Reload and "
                    "pick another loaner.",
                    unit=loaner.loaner_lot_id.name,
                ),
            )
            if loaner.loaner_lot_id.aftersales_loaner_state != "available":
                raise UserError(
                    _(
                        "Loaner %(unit)s is not available (it is out or waiting for "
                        "its test). Pick another loaner.",
                        unit=loaner.loaner_lot_id.name,
                    )
                )
            warehouse = loaner.warehouse_id
            picking = self.env["stock.picking"]._aftersales_transfer(
                warehouse.aftersales_loaner_out_type_id,
                loaner.loaner_lot_id,
                warehouse.aftersales_loaner_location_id,
                self.env.ref("stock.stock_location_customers"),
                loaner.partner_id,
                loaner.name,
                validate=True,
            )
            now = fields.Datetime.now()
            loaner.write(
                {
                    "state": "issued",
                    "issue_picking_id": picking.id,
                    "issued_at": now,
                    "return_by": loaner.return_by
                    or fields.Date.add(fields.Date.context_today(loaner, now), days=14),
                    "escalated": False,
                }
            )
            loaner.loaner_lot_id.aftersales_loaner_state = "issued"
            loaner._issue_replacement_notice()
        return True

    def _issue_replacement_notice(self):
        """A unit that goes back to the factory is replaced for the time being
        under a spare replacement notice (故障处理备品替换通知)."""
        away = self.filtered(
            lambda loaner: (
                loaner.repair_id
                and not loaner.notice_ids.filtered(lambda n: n.state == "open")
            )
        )
        self.env["aftersales.replacement.notice"].sudo().create(
            [loaner._prepare_replacement_notice_vals() for loaner in away]
        )

    def _prepare_replacement_notice_vals(self):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "ticket_id": self.ticket_id.id,
            "repair_id": self.repair_id.id,
            "partner_id": self.partner_id.id,
            "lot_id": self.lot_id.id,
            "loaner_id": self.id,
            "replacement_lot_id": self.loaner_lot_id.id,
        }

    @workflow_step
    def action_return(self):
        """Take the loaner back into the loaner location, to be tested."""
        self._check_warehouse_user()
        self._ensure_state(("issued",), _("only an issued loaner can come back."))
        for loaner in self:
            warehouse = loaner.warehouse_id
            picking = self.env["stock.picking"]._aftersales_transfer(
                warehouse.aftersales_loaner_in_type_id,
                loaner.loaner_lot_id,
                self.env.ref("stock.stock_location_customers"),
                warehouse.aftersales_loaner_location_id,
                loaner.partner_id,
                loaner.name,
                validate=True,
            )
            loaner.write(
                {
                    "state": "returned",
                    "return_picking_id": picking.id,
                    "returned_at": fields.Datetime.now(),
                }
            )
            loaner.loaner_lot_id.aftersales_loaner_state = "to_test"
        return True

    @workflow_step
    def _record_test(self, result):
        self._check_warehouse_user()
        self._ensure_state(
            ("returned",), _("a loaner is tested once it has come back.")
        )
        self.write(
            {
                "test_result": result,
                "tested_by_id": self.env.uid,
                "tested_at": fields.Datetime.now(),
            }
        )
        if result == "passed":
            self.write({"state": "done"})
            self.loaner_lot_id.aftersales_loaner_state = "available"
        return True

    def action_test_passed(self):
        """The returned loaner works: it is available for the next customer."""
        return self._record_test("passed")

    def action_test_failed(self):
        """The returned loaner fails its test: it stays out of the pool until
        it is mended and passes a new test."""
        return self._record_test("failed")

    @workflow_step
    def _keep_for_good(self, scrap_request):
        """The customer's unit is scrapped: the loaner stays with them as its
        permanent substitute, and leaves the loaner pool."""
        issued = self.filtered(lambda loaner: loaner.state == "issued")
        issued.write({"state": "done"})
        issued.loaner_lot_id.write(
            {"aftersales_is_loaner": False, "aftersales_loaner_state": False}
        )
        for loaner in issued:
            loaner.message_post(
                body=_(
                    "Kept by the customer for good: %(unit)s is scrapped under "
                    "%(scrap)s.",
                    unit=loaner.lot_id.display_name,
                    scrap=scrap_request.name,
                )
            )

    @workflow_step
    def action_cancel(self):
        self._ensure_state(
            ("due",), _("only a loaner not yet issued can be cancelled.")
        )
        self.write({"state": "cancelled"})
        return True
