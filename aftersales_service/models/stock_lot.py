from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .aftersales_contract import ACTIVE_STATES
from .aftersales_coverage import Coverage


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
        # A unit has one warranty at most: the units' own, filtered here. A
        # new request's trial check has read them already (one query fewer
        # per request); other callers read them here (one more, once).
        warranties = self.warranty_ids.filtered_domain(
            self.env["aftersales.warranty"]._domain_valid_on(date)
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

    def _aftersales_in_service_life(self, day):
        """Whether ``day`` falls within the unit's guaranteed service life
        (E5): the product's years from the unit's acceptance."""
        self.ensure_one()
        # Most units a request is about were accepted; the product is read
        # only for those.
        accepted = self.warranty_id.acceptance_date
        years = accepted and self.product_id.aftersales_service_life_years
        return bool(years and accepted <= day < accepted + relativedelta(years=years))

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
