from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from .aftersales_contract import ACTIVE_STATES
from .aftersales_coverage import Coverage
from .aftersales_locking import lock_rows
from .aftersales_roles import check_role

# Why a unit is due for a free replacement.
REPLACEMENT_REASONS = [
    ("repeat_fault", "Failed Again After Two Repairs"),
    ("unrepairable", "Can't Be Repaired"),
]


class StockLot(models.Model):
    _name = "stock.lot"
    _inherit = [
        "stock.lot",
        "aftersales.archive.mixin",
        "aftersales.campaign.unit.mixin",
    ]

    warranty_ids = fields.One2many("aftersales.warranty", "lot_id")
    warranty_id = fields.Many2one(
        "aftersales.warranty",
        string="Unit Warranty",
        compute="_compute_warranty_id",
        search="_search_warranty_id",
    )
    warranty_status = fields.Selection(related="warranty_id.warranty_status")
    warranty_end_date = fields.Date(
        related="warranty_id.end_date", string="Warranty End"
    )
    warranty_acceptance_date = fields.Date(
        related="warranty_id.acceptance_date", string="Accepted On"
    )
    warranty_partner_id = fields.Many2one(
        related="warranty_id.partner_id", string="Unit Customer"
    )
    aftersales_contract_ids = fields.Many2many(
        "aftersales.contract",
        "aftersales_contract_stock_lot_rel",
        "lot_id",
        "contract_id",
        string="Service Contracts",
        readonly=True,
    )
    part_warranty_ids = fields.One2many(
        "aftersales.part.warranty", "lot_id", string="Part Warranties"
    )
    # K1: the unit's service archive (用户维修档案), through smart buttons.
    aftersales_request_count = fields.Integer(
        string="Requests", compute="_compute_aftersales_archive_counts"
    )
    aftersales_dispatch_count = fields.Integer(
        string="Dispatch Orders", compute="_compute_aftersales_archive_counts"
    )
    aftersales_contract_count = fields.Integer(
        string="Contracts", compute="_compute_aftersales_archive_counts"
    )
    aftersales_extension_count = fields.Integer(
        string="Extensions", compute="_compute_aftersales_archive_counts"
    )
    aftersales_part_count = fields.Integer(
        string="Parts Fitted", compute="_compute_aftersales_archive_counts"
    )
    aftersales_loaner_count = fields.Integer(
        string="Loaners", compute="_compute_aftersales_archive_counts"
    )
    aftersales_loan_count = fields.Integer(
        string="Loans", compute="_compute_aftersales_archive_counts"
    )
    aftersales_notice_count = fields.Integer(
        string="Replacement Notices", compute="_compute_aftersales_archive_counts"
    )
    aftersales_scrap_count = fields.Integer(
        string="Scrap Requests", compute="_compute_aftersales_archive_counts"
    )
    aftersales_inspection_count = fields.Integer(
        string="Inspections", compute="_compute_aftersales_archive_counts"
    )
    aftersales_training_count = fields.Integer(
        string="Trainings", compute="_compute_aftersales_archive_counts"
    )
    # L1: loaner stock (备用设备).
    aftersales_is_loaner = fields.Boolean(
        string="Loaner",
        tracking=True,
        help="This unit belongs to the loaner pool, lent to customers while "
        "their own unit is repaired.",
    )
    aftersales_loaner_state = fields.Selection(
        [
            ("available", "Available"),
            ("issued", "At a Customer"),
            ("to_test", "To Test"),
        ],
        string="Loaner Status",
        default="available",
        tracking=True,
        index=True,
        help="A loaner that comes back is tested before it is lent again.",
    )
    # Q6: how much of the time the unit worked (保证设备的可用率).
    aftersales_availability = fields.Float(
        string="Availability This Quarter (%)",
        compute="_compute_aftersales_availability",
        digits=(16, 2),
        help="1 − downtime / time, from the first day of this quarter to now. "
        "Downtime runs from the report of a fault that stopped the unit to its "
        "repair; overlapping stoppages count once.",
    )
    aftersales_availability_target = fields.Float(
        string="Availability Target (%)",
        compute="_compute_aftersales_availability",
        digits=(16, 2),
        help="The target of the unit's running service contract.",
    )
    aftersales_spec_grade = fields.Integer(
        related="product_id.aftersales_spec_grade", string="Specification Grade"
    )
    aftersales_replacement_due = fields.Boolean(
        string="Replacement Due",
        readonly=True,
        copy=False,
        help="Repaired twice for the same fault and failed again, or found "
        "unrepairable under warranty: the customer is entitled to a free new "
        "unit of the same model.",
    )
    aftersales_replacement_order_id = fields.Many2one(
        "sale.order", string="Replacement Order", readonly=True, copy=False
    )
    aftersales_replacement_reason = fields.Selection(
        REPLACEMENT_REASONS,
        string="Replacement Reason",
        readonly=True,
        copy=False,
        tracking=True,
    )
    aftersales_replacement_source = fields.Reference(
        [
            ("helpdesk.ticket", "Request"),
            ("aftersales.dispatch", "Dispatch Order"),
            ("repair.order", "Repair Order"),
        ],
        string="Replacement Found On",
        readonly=True,
        copy=False,
        help="The document on which the replacement became due.",
    )
    aftersales_replacement_reason_text = fields.Char(
        string="Why Replaced",
        compute="_compute_aftersales_replacement_reason_text",
        compute_sudo=True,
    )
    aftersales_replaced_by_lot_id = fields.Many2one(
        "stock.lot",
        string="Replaced By Unit",
        related="warranty_id.replaced_by_warranty_id.lot_id",
    )

    # Serial numbers are looked up exactly (phone intake, integrations, the
    # warranty search): a b-tree index answers in well under a millisecond
    # among a million units, where the name's trigram index scans every
    # serial sharing the prefix's trigrams (make bench).
    _aftersales_name_index = models.Index("(name)")

    def _compute_aftersales_availability(self):
        report = self.env["aftersales.availability"]
        start, end = report._quarter_to_date()
        downtime = self._aftersales_downtime(
            [(lot.id, start, end) for lot in self if lot.id]
        )
        for lot in self:
            seconds = downtime.get((lot.id, start, end), (0, 0))[0]
            lot.aftersales_availability = report._percent(seconds, start, end)
            lot.aftersales_availability_target = max(
                lot.aftersales_contract_ids.filtered(
                    lambda c: c.state in ACTIVE_STATES
                ).mapped("availability_target"),
                default=0,
            )

    @api.model
    def _aftersales_downtime(self, windows):
        """The downtime of units in time windows (Q6), in one query.

        ``windows`` lists (unit id, start, end), naive UTC datetimes. A
        request about the unit whose fault stopped the customer's work (impact
        *Stopped*) is down from its report to its repair (or, solved without
        a repair, to its closing; still open, to the window's end), cut to
        the window. Stoppages that overlap are merged (range_agg), so that two
        requests about one outage count it once. Returns {(unit id, start,
        end): (seconds down, stoppages)} for the windows with downtime."""
        windows = [w for w in windows if w[2] > w[1]]
        if not windows:
            return {}
        self.env["helpdesk.ticket"].flush_model(
            [
                "lot_id",
                "active",
                "fault_impact",
                "reported_at",
                "repair_done_at",
                "closed_date",
            ]
        )
        lot_ids, starts, ends = zip(*windows, strict=True)
        self.env.cr.execute(
            SQL(
                """
                WITH w AS (
                    SELECT *
                      FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])
                           AS w(lot_id, win_start, win_end)
                ), stops AS (
                    SELECT w.lot_id, w.win_start, w.win_end,
                           count(*) AS stoppages,
                           range_agg(tsrange(
                               GREATEST(t.reported_at, w.win_start),
                               LEAST(COALESCE(t.repair_done_at, t.closed_date,
                                              w.win_end),
                                     w.win_end))) AS down
                      FROM w
                      JOIN helpdesk_ticket t ON t.lot_id = w.lot_id
                     WHERE t.active
                       AND t.fault_impact = 'stopped'
                       AND t.reported_at < w.win_end
                       AND COALESCE(t.repair_done_at, t.closed_date, 'infinity')
                           > GREATEST(t.reported_at, w.win_start)
                     GROUP BY w.lot_id, w.win_start, w.win_end
                )
                SELECT lot_id, win_start, win_end, stoppages,
                       (SELECT sum(EXTRACT(EPOCH FROM upper(span) - lower(span)))
                          FROM unnest(down) AS span) AS seconds
                  FROM stops
                """,
                list(lot_ids),
                list(starts),
                list(ends),
            )
        )
        return {
            (lot_id, start, end): (float(seconds or 0), stoppages)
            for lot_id, start, end, stoppages, seconds in self.env.cr.fetchall()
        }

    @api.depends("warranty_ids")
    def _mail_get_partner_fields(self, introspect_fields=False):
        """Whom a message about the unit suggests: its customer as its
        warranty knows it, and for the stock users, who may read stock moves,
        also Odoo's own guess (the partners of the unit's deliveries)."""
        names = ["warranty_partner_id"]
        if self.env["stock.move"].has_access("read"):
            names += super()._mail_get_partner_fields(introspect_fields)
        return names

    def _compute_warranty_id(self):
        # A serial number has at most one warranty (unique constraint).
        for lot in self:
            lot.warranty_id = lot.warranty_ids[:1]

    def _search_warranty_id(self, operator, value):
        return [("warranty_ids", operator, value)]

    @api.depends("aftersales_replacement_reason", "aftersales_replacement_source")
    def _compute_aftersales_replacement_reason_text(self):
        for lot in self:
            lot.aftersales_replacement_reason_text = (
                lot.aftersales_replacement_reason
                and lot._aftersales_replacement_reason_text()
            )

    def _aftersales_replacement_reason_text(self):
        """Why the unit is replaced and where that was found, in a few words:
        "can't be repaired, found on PG/2026/0007"."""
        self.ensure_one()
        lot = self.sudo()
        source = lot.aftersales_replacement_source
        if lot.aftersales_replacement_reason == "unrepairable":
            if source:
                return _(
                    "can't be repaired, found on %(document)s",
                    document=source.display_name,
                )
            return _("can't be repaired")
        if lot.aftersales_replacement_reason == "repeat_fault":
            if source:
                return _(
                    "failed again after two repairs of the same fault, on %(document)s",
                    document=source.display_name,
                )
            return _("failed again after two repairs of the same fault")
        return _("free replacement")

    def action_open_availability(self):
        """The unit's availability over a period to pick (Q6)."""
        self.ensure_one()
        return self.env["aftersales.availability"]._action_open(lot_id=self.id)

    def action_open_warranty(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.warranty",
            "res_id": self.warranty_id.id,
            "view_mode": "form",
            "name": self.warranty_id.display_name,
        }

    def _aftersales_warehouses(self):
        """{unit: the warehouse that serves it}: the one that delivered it,
        else the first warehouse of its company. Its loaners, spares and
        repairs come from there."""
        first = {}
        result = {}
        for lot in self:
            warehouse = lot.warranty_id.picking_id.picking_type_id.warehouse_id
            if not warehouse:
                company = lot.company_id or self.env.company
                if company not in first:
                    first[company] = self.env["stock.warehouse"]._aftersales_main(
                        company
                    )
                warehouse = first[company]
            result[lot] = warehouse
        return result

    def _aftersales_coverage(self, date, cause="equipment"):
        """Coverage of each unit in ``self`` on ``date`` for a fault of
        ``cause``: ``{lot: Coverage}``, in the same few queries whatever the
        number of units."""
        # What the callers read of them comes with the look-up.
        warranties = self.env["aftersales.warranty"].search_fetch(
            [
                ("lot_id", "in", self.ids),
                *self.env["aftersales.warranty"]._domain_valid_on(date),
            ],
            ["lot_id", "acceptance_date"],
        )
        contracts = self.env["aftersales.contract"].search_fetch(
            [
                ("lot_ids", "in", self.ids),
                ("state", "in", ACTIVE_STATES),
                ("date_start", "<=", date),
                ("date_end", ">=", date),
            ],
            ["service_level_id"],
        )
        warranty_of = {warranty.lot_id: warranty for warranty in warranties}
        contract_of = {}
        if len(self) == 1 and contracts:
            # One unit (a request): every contract found covers it, their
            # units needn't be read.
            contract_of[self] = contracts[0]
        for contract in contracts if len(self) > 1 else ():
            for lot in contract.lot_ids & self:
                contract_of.setdefault(lot, contract)
        # The post-warranty policy matters only to units nothing covers.
        uncovered = self.filtered(
            lambda lot: lot not in warranty_of and lot not in contract_of
        )
        policy_of = uncovered._aftersales_post_warranty_policies(date)
        return {
            lot: Coverage.decide(
                warranty_of.get(lot, self.env["aftersales.warranty"]),
                contract_of.get(lot, self.env["aftersales.contract"]),
                cause,
                policy_of.get(lot, False),
            )
            for lot in self
        }

    def _aftersales_post_warranty_policies(self, date):
        """What each unit pays on ``date`` with neither warranty nor contract
        (E2): ``{lot: policy}``, its product's policy, else its company's,
        until the product's guaranteed service life (E5) ends; list prices
        after that. The same few queries whatever the number of units."""
        fallback = self.env.company.aftersales_post_warranty_policy
        policies = {}
        for lot in self:
            product = lot.product_id
            if product.aftersales_service_life_years and not (
                lot._aftersales_in_service_life(date)
            ):
                policies[lot] = "list"
            else:
                policies[lot] = (
                    product.aftersales_post_warranty_policy
                    or lot.company_id.aftersales_post_warranty_policy
                    or fallback
                )
        return policies

    def _aftersales_check_repeat_fault(self, category, sources=None):
        """A new failure of ``category``: flag the units that were already
        repaired twice for it (同一设备、同一质量问题连续两次维修仍无法正常使用,
        无条件免费更换). ``sources`` ({unit id: document}) says where each
        failure was reported. Returns the units flagged now. Runs as the
        system: the person reporting the failure need not read repairs or
        edit units."""
        sources = sources or {}
        flagged = self.browse()
        repairs = (
            self.env["repair.order"]
            .sudo()
            ._read_group(
                [
                    ("lot_id", "in", self.ids),
                    ("state", "=", "done"),
                    ("aftersales_fault_category_id", "=", category.id),
                ],
                ["lot_id"],
                ["__count"],
            )
        )
        for lot, count in repairs:
            if count >= 2 and not (
                lot.aftersales_replacement_due or lot.aftersales_replacement_order_id
            ):
                source = sources.get(lot.id)
                lot.write(
                    {
                        "aftersales_replacement_due": True,
                        "aftersales_replacement_reason": "repeat_fault",
                        "aftersales_replacement_source": (
                            f"{source._name},{source.id}" if source else False
                        ),
                    }
                )
                flagged |= lot.with_env(self.env)
                lot.message_post(
                    body=_(
                        "Repaired %(count)s times for %(category)s and failed again: "
                        "a free replacement unit is due.",
                        count=count,
                        category=category.display_name,
                    )
                )
        return flagged

    def _aftersales_in_service_life(self, day):
        """Whether ``day`` falls within the unit's guaranteed service life
        (E5): the product's years from the unit's acceptance."""
        self.ensure_one()
        # Most units a request is about were accepted; the product is read
        # only for those.
        accepted = self.warranty_id.acceptance_date
        years = accepted and self.product_id.aftersales_service_life_years
        return bool(years and accepted <= day < accepted + relativedelta(years=years))

    @api.model
    def _aftersales_flag_repeat_faults(self, tickets):
        """New failures reported on ``tickets``: flag their units that were
        repaired twice for the same fault category, and say so on the
        requests. One look-up per fault category, for all the units at once."""
        reported = tickets.filtered(lambda t: t.lot_id and t.category_id)
        for category in reported.category_id:
            same = reported.filtered(lambda t, c=category: t.category_id == c)
            flagged = same.lot_id._aftersales_check_repeat_fault(
                category, {ticket.lot_id.id: ticket for ticket in same}
            )
            for ticket in same.filtered(lambda t, f=flagged: t.lot_id in f):
                ticket.message_post(
                    body=_(
                        "Unit %(unit)s failed again after two repairs of this "
                        "fault: a free replacement is due (see the unit).",
                        unit=ticket.lot_id.name,
                    )
                )

    def _aftersales_record_unrepairable(self, document, day, cause):
        """E3: ``document`` (a dispatch order or a repair order) found that
        this unit can't be repaired (无法修复), for a fault of ``cause`` on
        ``day``. Under warranty that day, the unit is due for a free new unit
        (无法修复的免费更换整机), through the same path as W5: the back office
        then orders it (``action_create_replacement``). Anything else is a
        sale, refused here with what to do. Runs as the system: the engineer
        or the repair centre need not edit units."""
        self.ensure_one()
        lot = self.sudo()
        lock_rows(
            lot,
            _(
                "Another user is recording a replacement for unit %(unit)s right "
                "now. Try again in a moment.",
                unit=lot.name,
            ),
        )
        lot.invalidate_recordset(
            ["aftersales_replacement_due", "aftersales_replacement_order_id"]
        )
        if lot.aftersales_replacement_order_id:
            raise UserError(
                _(
                    "Unit %(unit)s already has its free replacement, ordered on "
                    "%(order)s (%(reason)s): there is nothing more to record.",
                    unit=lot.name,
                    order=lot.aftersales_replacement_order_id.name,
                    reason=lot._aftersales_replacement_reason_text(),
                )
            )
        if lot.aftersales_replacement_due:
            raise UserError(
                _(
                    "Unit %(unit)s is already due for a free replacement "
                    "(%(reason)s): the back office orders it from the unit.",
                    unit=lot.name,
                    reason=lot._aftersales_replacement_reason_text(),
                )
            )
        coverage = lot._aftersales_coverage(day, cause)[lot]
        if coverage.kind == "user_damage":
            raise UserError(
                _(
                    "Unit %(unit)s: the user caused the damage, which the warranty "
                    "doesn't cover. A new unit is a sale, not a free replacement: "
                    "quote it to the customer.",
                    unit=lot.name,
                )
            )
        if coverage.kind != "warranty":
            raise UserError(
                _(
                    "Unit %(unit)s was not under warranty on %(date)s, the day of "
                    "the fault (%(status)s). A new unit is a sale, not a free "
                    "replacement: quote it to the customer.",
                    unit=lot.name,
                    date=format_date(self.env, day),
                    status=lot._aftersales_warranty_status_text(day),
                )
            )
        lot.write(
            {
                "aftersales_replacement_due": True,
                "aftersales_replacement_reason": "unrepairable",
                "aftersales_replacement_source": f"{document._name},{document.id}",
            }
        )
        lot.message_post(
            body=_(
                "Can't be repaired, found on %(document)s under warranty %(warranty)s: "
                "a free replacement unit is due.",
                document=document.display_name,
                warranty=coverage.warranty.name,
            )
        )
        return True

    def _aftersales_warranty_status_text(self, day):
        """Why the unit's warranty doesn't cover ``day``, in a few words."""
        self.ensure_one()
        warranty = self.sudo().warranty_id
        if not warranty:
            return _("it has no unit warranty")
        if warranty.state == "awaiting":
            return _("its warranty awaits the customer's acceptance")
        if warranty.state == "closed" and warranty.closed_on <= day:
            return _(
                "its warranty closed on %(date)s",
                date=format_date(self.env, warranty.closed_on),
            )
        if warranty.start_date > day:
            return _(
                "its warranty started on %(date)s",
                date=format_date(self.env, warranty.start_date),
            )
        return _(
            "its warranty ended on %(date)s",
            date=format_date(self.env, warranty.end_date),
        )

    def action_create_replacement(self):
        """Create the free replacement: a zero-priced sale order for a new
        unit of the same product, confirmed, so that its delivery is ready."""
        self.ensure_one()
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office can order a free replacement."),
        )
        if not self.aftersales_replacement_due:
            raise UserError(
                _("Unit %(unit)s is not due for a replacement.", unit=self.name)
            )
        customer = self.warranty_id.partner_id
        if not customer:
            raise UserError(
                _(
                    "Unit %(unit)s has no warranty customer to deliver the "
                    "replacement to.",
                    unit=self.name,
                )
            )
        # The replacement is owed by the warranty, whoever records it.
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": customer.id,
                    "partner_shipping_id": (
                        self.warranty_id.site_partner_id or customer
                    ).id,
                    "company_id": self.company_id.id or self.env.company.id,
                    "origin": self.name,
                    "client_order_ref": _(
                        "Free replacement of %(unit)s", unit=self.name
                    ),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_id.id,
                                "product_uom_qty": 1,
                                "price_unit": 0.0,
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        self.sudo().write(
            {
                "aftersales_replacement_due": False,
                "aftersales_replacement_order_id": order.id,
            }
        )
        self.sudo().message_post(
            body=_("Free replacement ordered: %(order)s.", order=order.name)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
        }

    def _aftersales_archive(self):
        """What the unit's archive lists: {count field: (model, domain)}."""
        return {
            "aftersales_request_count": (
                "helpdesk.ticket",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_dispatch_count": (
                "aftersales.dispatch",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_contract_count": (
                "aftersales.contract",
                [("lot_ids", "in", self.ids)],
            ),
            "aftersales_extension_count": (
                "aftersales.warranty.extension",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_part_count": (
                "aftersales.part.warranty",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_loaner_count": (
                "aftersales.loaner",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_loan_count": (
                "aftersales.loaner",
                [("loaner_lot_id", "in", self.ids)],
            ),
            "aftersales_notice_count": (
                "aftersales.replacement.notice",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_scrap_count": (
                "aftersales.scrap.request",
                [("lot_id", "in", self.ids)],
            ),
            "aftersales_inspection_count": (
                "aftersales.inspection",
                [("lot_ids", "in", self.ids)],
            ),
            "aftersales_training_count": (
                "aftersales.training.session",
                [("lot_ids", "in", self.ids)],
            ),
        }
