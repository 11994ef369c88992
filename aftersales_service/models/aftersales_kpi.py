import itertools
from collections import defaultdict
from contextlib import contextmanager
from graphlib import CycleError, TopologicalSorter

from odoo import fields, models, tools
from odoo.tools import SQL

from .aftersales_selections import SEVERITIES

# Memory to hash the KPIs' groups in (per process of the plan).
KPI_WORK_MEM = "16MB"


def _rollup_parts(spec):
    """The finest grouping's aggregates that ``spec`` rolls up from, or None
    when it does not roll up."""
    if spec == "__count":
        return ("__count",)
    fname, __, function = spec.partition(":")
    if function in ("sum", "count", "min", "max"):
        return (spec,)
    if function == "avg":
        return (f"{fname}:sum", f"{fname}:count")
    return None


def _rollup(spec, values):
    """``spec`` over the finest groups' ``values`` (one list per part)."""
    first, *rest = values
    # Empty is False, as the ORM gives it.
    present = [value for value in first if value is not None and value is not False]
    function = spec.partition(":")[2]
    if spec == "__count" or function == "count":
        return sum(present)
    if not present:
        return False
    if function == "min":
        return min(present)
    if function == "max":
        return max(present)
    if function == "sum":
        return sum(present)
    count = sum(rest[0])
    return sum(present) / count if count else False


def _rollup_ranks(rows, width):
    """For each of the ``width`` grouped columns of ``rows`` (ordered by
    those columns, as the ORM orders groups), the rank of each value in that
    column's own order: the order the values follow within the groups of
    the columns before it. Raises CycleError when the rows don't tell that
    order whole (two values never in the same group)."""
    ranks = []
    for column in range(width):
        graph = {}
        previous = {}
        for row in rows:
            value, prefix = row[column], row[:column]
            graph.setdefault(value, set())
            if prefix in previous and previous[prefix] != value:
                graph[value].add(previous[prefix])
            previous[prefix] = value
        order = list(TopologicalSorter(graph).static_order())
        if any(a not in graph[b] for a, b in itertools.pairwise(order)):
            raise CycleError("the groups' order is not whole", order)
        ranks.append({value: rank for rank, value in enumerate(order)})
    return ranks


class AftersalesKpi(models.Model):
    """One row per request with the service measures (K2), for pivot and
    graph views, and one per complaint (Q2) with its own (its id negated).
    Percentages are 100 or 0 per row, so their average is the rate; a
    measure is empty where it doesn't apply yet."""

    _name = "aftersales.kpi"
    _description = "Service KPIs"
    _auto = False
    _order = "reported_at desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("helpdesk.ticket", string="Request", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    category_id = fields.Many2one(
        "helpdesk.ticket.category", string="Fault Category", readonly=True
    )
    severity = fields.Selection(SEVERITIES, readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Unit", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    service_level_id = fields.Many2one("aftersales.service.level", readonly=True)
    reported_at = fields.Datetime(string="Reported On", readonly=True)
    request_count = fields.Integer(string="Requests", readonly=True)
    response_hours = fields.Float(
        string="Response Time (h)", aggregator="avg", readonly=True
    )
    arrival_hours = fields.Float(
        string="Arrival Time (h)", aggregator="avg", readonly=True
    )
    repair_hours = fields.Float(
        string="Repair Time (h)", aggregator="avg", readonly=True
    )
    restore_hours = fields.Float(
        string="Time To Restore (h)",
        aggregator="avg",
        readonly=True,
        help="From the report to the repair: its average is the MTTR.",
    )
    downtime_hours = fields.Float(
        string="Downtime (h)",
        aggregator="sum",
        readonly=True,
        help="A request whose fault stopped the customer's work: from the report "
        "to the repair (or the closing). Two requests for one outage each count "
        "it here; Equipment Availability counts it once.",
    )
    ack_met_rate = fields.Float(
        string="Acknowledged In Time (%)", aggregator="avg", readonly=True
    )
    plan_met_rate = fields.Float(
        string="Planned In Time (%)", aggregator="avg", readonly=True
    )
    arrival_met_rate = fields.Float(
        string="On Site In Time (%)", aggregator="avg", readonly=True
    )
    repair_met_rate = fields.Float(
        string="Repaired In Time (%)", aggregator="avg", readonly=True
    )
    turnaround_hours = fields.Float(
        string="Off-Site Turnaround (h)",
        aggregator="avg",
        readonly=True,
        help="The request's last off-site repair, from the unit's arrival at the "
        "repair centre to its shipping back.",
    )
    turnaround_met_rate = fields.Float(
        string="Off-Site Repairs In Time (%)", aggregator="avg", readonly=True
    )
    turnaround_done_at = fields.Datetime(string="Shipped Back On", readonly=True)
    first_time_fix_rate = fields.Float(
        string="First-Time Fix (%)", aggregator="avg", readonly=True
    )
    repeat_fault_rate = fields.Float(
        string="Repeat Faults (%)",
        aggregator="avg",
        readonly=True,
        help="Requests whose unit had a request of the same fault category in the "
        "company's repeat-fault days before.",
    )
    satisfaction_rate = fields.Float(
        string="Satisfied (%)", aggregator="avg", readonly=True
    )
    loaner_count = fields.Integer(string="Loaners", readonly=True)
    in_service_life = fields.Boolean(string="Failed Within Service Life", readonly=True)
    # When each step was done (empty until it is): a measure of a step not
    # reached is empty, where a list would show its 0.00.
    ack_done_at = fields.Datetime(string="Acknowledged On", readonly=True)
    arrival_done_at = fields.Datetime(string="On Site On", readonly=True)
    arrival_deadline = fields.Datetime(string="On Site By", readonly=True)
    repair_done_at = fields.Datetime(string="Repaired On", readonly=True)
    rated = fields.Boolean(readonly=True)
    # Q2: complaints, counted on the day they were received.
    complaint_id = fields.Many2one("aftersales.complaint", readonly=True)
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    complaint_answer_met_rate = fields.Float(
        string="Complaints Answered In Time (%)", aggregator="avg", readonly=True
    )
    complaint_resolve_met_rate = fields.Float(
        string="Complaints Resolved In Time (%)", aggregator="avg", readonly=True
    )
    # Archived requests (duplicates, tests) are not counted: the ORM leaves
    # out the inactive rows, as it does archived requests.
    active = fields.Boolean(readonly=True)

    # The KPIs are grouped over every request on file (a million and more):
    # one scan of the requests, which PostgreSQL runs in parallel and
    # hashes when the plan allows it (make bench).

    @contextmanager
    def _kpi_planner(self):
        """Plan the KPIs' aggregations without JIT compilation (it would
        take a third of the time) and with room to hash the groups in
        memory, as long as they run; then the session's settings again."""
        cr = self.env.cr
        cr.execute(
            "SELECT current_setting('jit'), current_setting('work_mem'), "
            "set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [KPI_WORK_MEM],
        )
        jit, work_mem = cr.fetchone()[:2]
        try:
            yield
        finally:
            cr.execute(
                "SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)",
                [jit, work_mem],
            )

    def _read_group(self, *args, **kwargs):
        with self._kpi_planner():
            return super()._read_group(*args, **kwargs)

    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """The pivot's rows, columns and totals rolled up from its finest
        grouping: one plain GROUP BY, whose aggregation PostgreSQL splits
        between its workers, where GROUPING SETS runs in one process (1.3 s
        for a million requests, 0.6 s rolled up). The groups come in the
        order the ORM gives them. An order by a measure, or an aggregate
        that does not roll up, is left to the ORM."""
        finest = max(grouping_sets, key=len, default=())
        # The web client orders by the grouped fields: the finest grouping,
        # in that order, is the plain GROUP BY's.
        sequence = [term.split()[0] for term in (order or "").split(",") if term]
        parts = [_rollup_parts(spec) for spec in aggregates]
        if (
            None in parts
            or set(sequence or finest) != set(finest)
            or any(not set(groupby) <= set(finest) for groupby in grouping_sets)
        ):
            with self._kpi_planner():
                return super()._read_grouping_sets(
                    domain, grouping_sets, aggregates, order
                )
        # Without an order, the ORM's: the fields as the groupings name them.
        sequence = sequence or list(
            dict.fromkeys(spec for groupby in grouping_sets for spec in groupby)
        )
        needed = list(dict.fromkeys(part for spec in parts for part in spec))
        rows = self._read_group(domain, sequence, needed, order=order)
        position = {part: len(sequence) + n for n, part in enumerate(needed)}
        try:
            ranks = _rollup_ranks(rows, len(sequence))
        except CycleError:
            # The finest groups don't tell how the coarser ones sort (two
            # values never in the same group, or sorting alike): the ORM
            # orders them itself.
            with self._kpi_planner():
                return super()._read_grouping_sets(
                    domain, grouping_sets, aggregates, order
                )
        result = []
        for groupby in grouping_sets:
            columns = [sequence.index(spec) for spec in groupby]
            groups = defaultdict(list)
            for row in rows:
                groups[tuple(row[column] for column in columns)].append(row)
            # In the order's sequence of fields, whatever the grouping's.
            by_sequence = sorted(range(len(columns)), key=columns.__getitem__)
            keys = sorted(
                groups,
                key=lambda key, columns=columns, by_sequence=by_sequence: tuple(
                    ranks[columns[n]][key[n]] for n in by_sequence
                ),
            )
            result.append(
                [
                    (
                        *key,
                        *(
                            _rollup(
                                spec,
                                [
                                    [row[position[part]] for row in groups[key]]
                                    for part in spec_parts
                                ],
                            )
                            for spec, spec_parts in zip(aggregates, parts, strict=True)
                        ),
                    )
                    for key in keys
                ]
            )
        return result

    def _query(self):
        # The requests' response clocks measure themselves.
        clock = self.env["helpdesk.ticket"]
        repairs = self.env["repair.order"]
        complaints = self.env["aftersales.complaint"]

        def last_repair(measure):
            # The request's last off-site repair measures its turnaround.
            return SQL(
                """(SELECT %s
                      FROM repair_order rep
                     WHERE rep.aftersales_ticket_id = t.id
                       AND rep.state != 'cancel'
                     ORDER BY rep.id DESC
                     LIMIT 1)""",
                measure,
            )

        return SQL(
            """
            SELECT t.id AS id,
                   t.id AS ticket_id,
                   t.company_id,
                   t.commercial_partner_id AS partner_id,
                   t.team_id,
                   t.user_id,
                   t.category_id,
                   t.severity,
                   t.lot_id,
                   (SELECT lot.product_id FROM stock_lot lot
                     WHERE lot.id = t.lot_id) AS product_id,
                   t.service_level_id,
                   t.reported_at,
                   1 AS request_count,
                   %(ack_hours)s AS response_hours,
                   %(arrival_hours)s AS arrival_hours,
                   %(repair_hours)s AS repair_hours,
                   CASE WHEN t.repair_done_at IS NOT NULL
                        THEN EXTRACT(EPOCH FROM t.repair_done_at - t.reported_at)
                             / 3600.0 END AS restore_hours,
                   CASE WHEN t.fault_impact = 'stopped'
                             AND COALESCE(t.repair_done_at, t.closed_date)
                                 > t.reported_at
                        THEN EXTRACT(EPOCH FROM COALESCE(t.repair_done_at,
                                                         t.closed_date)
                                                - t.reported_at) / 3600.0
                        END AS downtime_hours,
                   %(ack)s AS ack_met_rate,
                   %(plan)s AS plan_met_rate,
                   %(arrival)s AS arrival_met_rate,
                   %(repair)s AS repair_met_rate,
                   %(turnaround_hours)s AS turnaround_hours,
                   %(turnaround)s AS turnaround_met_rate,
                   %(turnaround_done_at)s AS turnaround_done_at,
                   CASE WHEN t.repair_done_at IS NOT NULL
                        THEN (CASE WHEN (SELECT count(*)
                                           FROM aftersales_dispatch d
                                          WHERE d.ticket_id = t.id
                                            AND d.state != 'cancelled') <= 1
                                    AND COALESCE(t.reopen_count, 0) = 0
                                   THEN 100.0 ELSE 0.0 END) END
                       AS first_time_fix_rate,
                   CASE WHEN t.lot_id IS NOT NULL AND t.category_id IS NOT NULL
                        THEN (CASE WHEN EXISTS (
                                SELECT 1 FROM helpdesk_ticket o
                                 WHERE o.lot_id = t.lot_id
                                   AND o.category_id = t.category_id
                                   AND o.reported_at < t.reported_at
                                   AND o.reported_at >= t.reported_at
                                       - (SELECT company.aftersales_repeat_fault_days
                                            FROM res_company company
                                           WHERE company.id = t.company_id)
                                         * INTERVAL '1 day')
                              THEN 100.0 ELSE 0.0 END) END AS repeat_fault_rate,
                   CASE WHEN t.rating_last_value > 0
                        THEN (CASE WHEN t.rating_last_value >= 5
                                   THEN 100.0 ELSE 0.0 END) END
                       AS satisfaction_rate,
                   (SELECT count(*)
                      FROM aftersales_loaner l
                     WHERE l.ticket_id = t.id
                       AND l.state IN ('issued', 'returned', 'done')) AS loaner_count,
                   COALESCE(t.aftersales_in_service_life, FALSE) AS in_service_life,
                   t.ack_done_at,
                   t.arrival_done_at,
                   t.arrival_deadline,
                   t.repair_done_at,
                   COALESCE(t.rating_last_value, 0) > 0 AS rated,
                   NULL::integer AS complaint_id,
                   0 AS complaint_count,
                   NULL::numeric AS complaint_answer_met_rate,
                   NULL::numeric AS complaint_resolve_met_rate,
                   t.active
              -- No join nor condition: what a request's row reads elsewhere
              -- is in its columns, so that the planner reads this part as
              -- the requests' table itself; it computes a column only where
              -- a query reads it (a pivot reads the requests' table alone),
              -- and a list's page only for the page's rows (the report
              -- date's index).
              FROM helpdesk_ticket t
             UNION ALL
            -- Of the types of the requests' columns, so that the planner
            -- reads the two parts as one table (see above).
            SELECT -c.id, c.ticket_id, c.company_id, c.commercial_partner_id,
                   ct.team_id, c.user_id, ct.category_id, ct.severity, ct.lot_id,
                   NULL::integer, c.service_level_id, c.received_at,
                   -- no request: its hours (response, arrival, repair,
                   -- restore, downtime), rates, turnaround, first-time fix,
                   -- repeat, satisfaction, loaners, service life, dates
                   0, NULL::float8, NULL::float8, NULL::float8, NULL::numeric,
                   NULL::numeric,
                   NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
                   NULL::float8, NULL::numeric, NULL::timestamp,
                   NULL::numeric, NULL::numeric, NULL::numeric, 0::bigint, FALSE,
                   NULL::timestamp, NULL::timestamp, NULL::timestamp,
                   NULL::timestamp, FALSE,
                   c.id, 1, %(answer)s, %(resolve)s, TRUE
              FROM aftersales_complaint c
              LEFT JOIN helpdesk_ticket ct ON ct.id = c.ticket_id
            """,
            ack_hours=clock._clock_kpi_hours("t", "ack"),
            arrival_hours=clock._clock_kpi_hours("t", "arrival"),
            repair_hours=clock._clock_kpi_hours("t", "repair"),
            ack=clock._clock_kpi_met_rate("t", "ack"),
            plan=clock._clock_kpi_met_rate("t", "plan"),
            arrival=clock._clock_kpi_met_rate("t", "arrival"),
            repair=clock._clock_kpi_met_rate("t", "repair"),
            turnaround_hours=last_repair(
                repairs._clock_kpi_hours("rep", "aftersales_turnaround")
            ),
            turnaround=last_repair(
                repairs._clock_kpi_met_rate("rep", "aftersales_turnaround")
            ),
            turnaround_done_at=last_repair(
                SQL.identifier("rep", "aftersales_turnaround_done_at")
            ),
            answer=complaints._clock_kpi_met_rate("c", "answer"),
            resolve=complaints._clock_kpi_met_rate("c", "resolve"),
        )

    def init(self):
        # What the view filters and the repeat-fault check look up.
        tools.create_index(
            self.env.cr,
            "helpdesk_ticket_aftersales_reported_at_index",
            "helpdesk_ticket",
            ["reported_at"],
        )
        tools.create_index(
            self.env.cr,
            "helpdesk_ticket_aftersales_repeat_index",
            "helpdesk_ticket",
            ["lot_id", "category_id", "reported_at"],
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )
