import io
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time
from lxml import etree

from odoo import fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..models.aftersales_fault_analysis import quarter_bounds
from .common import AftersalesCase

# Twenty requests of one customer in 2027 Q2, one a day from 1 April 08:00:
# (fault category, severity, acknowledged, on site, repaired after arrival,
# unit), in hours from the report; None when not (yet) done.
FIXTURE = [
    ("power", "general", 0.5, 3, 2, 0),
    ("power", "general", 0.5, 5, 3, 0),
    ("power", "major", 1.0, 6, 6, 1),
    ("cooling", "general", 0.25, 2, 1, 1),
    ("cooling", "general", 2.0, 26, 5, 2),
    ("cooling", "major", 0.5, 10, 9, 2),
    ("network", "general", 0.5, 4, 2, 3),
    ("network", "general", 0.75, 8, None, 3),
    ("power", "general", 1.5, 20, 4, 0),
    ("power", "general", 0.5, 3, 1, 0),
    ("cooling", "general", 0.5, 12, 2, 1),
    ("network", "major", 0.5, 30, 7, 2),
    ("power", "general", 0.5, 2, 2, 3),
    ("cooling", "general", 1.0, 6, 3, 3),
    ("network", "general", 0.5, 5, 2, 1),
    ("power", "major", 0.5, 9, 10, 2),
    ("cooling", "general", 0.5, 4, None, 0),
    ("network", "general", 1.0, 24, 4, 3),
    ("power", "general", None, None, None, 1),
    ("cooling", "general", 0.5, 7, 3, 2),
]
START = datetime(2027, 4, 1, 8, 0)


class TestQuarterlyAnalysis(AftersalesCase):
    """The figures below were worked out by hand from FIXTURE (Standard 7×24:
    acknowledged within 1 h, planned within 2, on site within 24, repaired
    within 4 h of arrival, 8 for a major fault)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.back_office = new_test_user(
            cls.env, login="as_an_bo", groups="aftersales_service.group_aftersales_user"
        )
        cls.level = cls.env.ref("aftersales_service.service_level_standard")
        cls.customer.tz = "Asia/Shanghai"
        cls.units = cls._delivered_warranties(
            cls.product, [f"AN-{n}" for n in range(5)]
        ).lot_id
        cls.categories = {
            name: cls.env["helpdesk.ticket.category"].create({"name": name.title()})
            for name in ("power", "cooling", "network")
        }
        cls.requests = cls.env["helpdesk.ticket"]
        for day, (category, severity, ack, arrival, repair, unit) in enumerate(FIXTURE):
            reported = START + timedelta(days=day)
            request = cls._fixture_request(
                reported, category, severity, cls.units[unit]
            )
            cls._stamp(request, reported, ack, arrival, repair)
            cls.requests |= request
        # Two visits for the 5th and 12th: not fixed the first time.
        for index in (4, 11):
            for __ in range(2):
                cls.env["aftersales.dispatch"].create(
                    {"ticket_id": cls.requests[index].id}
                )
        # The customer rates four of them: three satisfied, one dissatisfied.
        for index, value in ((0, 5), (1, 5), (2, 5), (3, 1)):
            request = cls.requests[index]
            request.rating_apply(value, token=request._rating_get_access_token())
        # Loaners went out for the 3rd and 16th (major faults).
        for index in (2, 15):
            cls.env["aftersales.loaner"].create(
                {
                    "ticket_id": cls.requests[index].id,
                    "partner_id": cls.customer.id,
                    "lot_id": cls.requests[index].lot_id.id,
                    "trigger": "major_fault",
                    "due_at": START,
                    "state": "issued",
                }
            )
        # Outside the quarter (23:00 on 31 March in Shanghai), or another
        # customer's: not counted.
        cls._fixture_request(
            datetime(2027, 3, 31, 15, 0), "power", "major", cls.units[4]
        )
        other = cls.env["res.partner"].create({"name": "Other", "is_company": True})
        cls._fixture_request(
            datetime(2027, 5, 5, 8, 0), "power", "major", cls.units[4], other
        )
        cls.analysis = cls.env["aftersales.fault.analysis"].create(
            {"partner_id": cls.customer.id, "year": 2027, "quarter": "2"}
        )

    @classmethod
    def _fixture_request(cls, reported, category, severity, unit, partner=None):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": f"{category} {reported}",
                "description": category,
                "partner_id": (partner or cls.customer).id,
                "lot_id": unit.id,
                "category_id": cls.categories[category].id,
                "severity": severity,
                "reported_at": reported,
                "service_level_id": cls.level.id,
            }
        )

    @classmethod
    def _stamp(cls, request, reported, ack, arrival, repair):
        def at(hours):
            return hours is not None and reported + timedelta(hours=hours)

        request.write(
            {
                "ack_done_at": at(ack),
                "plan_done_at": at(ack),
                "arrival_done_at": at(arrival),
                "repair_done_at": repair is not None and at(arrival + repair),
            }
        )

    def test_the_quarter_by_hand(self):
        stats = self.analysis._statistics()
        self.assertEqual(self.analysis.date_from, fields.Date.to_date("2027-04-01"))
        self.assertEqual(self.analysis.date_to, fields.Date.to_date("2027-06-30"))
        self.assertEqual(stats["requests"], 20)
        self.assertEqual(
            stats["by_category"],
            [
                (("Cooling", "General Fault"), 6),
                (("Cooling", "Major Fault"), 1),
                (("Network", "General Fault"), 4),
                (("Network", "Major Fault"), 1),
                (("Power", "General Fault"), 6),
                (("Power", "Major Fault"), 2),
            ],
        )
        self.assertEqual(stats["by_severity"], {"General Fault": 16, "Major Fault": 4})
        # Response: 19 acknowledged, 13.5 h in all; the 90th percentile is the
        # 18th of the 19 sorted values.
        response_mean, response_p90 = stats["durations"]["response_hours"]
        self.assertAlmostEqual(response_mean, 13.5 / 19)
        self.assertAlmostEqual(response_p90, 1.5)
        arrival_mean, arrival_p90 = stats["durations"]["arrival_hours"]
        self.assertAlmostEqual(arrival_mean, 186 / 19)
        self.assertAlmostEqual(arrival_p90, 26)
        # Repair, from arrival: 17 repaired, 66 h in all.
        repair_mean, repair_p90 = stats["durations"]["repair_hours"]
        self.assertAlmostEqual(repair_mean, 66 / 17)
        self.assertAlmostEqual(repair_p90, 9)
        # In time: 17 of 19 acknowledgements (2 h and 1.5 h are late), all 19
        # plans, 17 of 19 arrivals (26 h and 30 h), 14 of 17 repairs (5 h
        # for a general fault, 9 h and 10 h for major ones).
        self.assertAlmostEqual(stats["sla"]["ack_met_rate"], 100 * 17 / 19)
        self.assertAlmostEqual(stats["sla"]["plan_met_rate"], 100.0)
        self.assertAlmostEqual(stats["sla"]["arrival_met_rate"], 100 * 17 / 19)
        self.assertAlmostEqual(stats["sla"]["repair_met_rate"], 100 * 14 / 17)
        # MTTR: from report to repair, 240 h over 17 repairs.
        self.assertAlmostEqual(stats["mttr"], 240 / 17)
        # Repeat faults: the 2nd, 6th, 8th, 9th, 10th, 11th, 18th, 19th and
        # 20th had the same category on the same unit before.
        self.assertEqual(stats["repeat_faults"], 9)
        # First-time fix: 15 of the 17 repaired needed one visit at most.
        self.assertAlmostEqual(stats["first_time_fix"], 100 * 15 / 17)
        self.assertAlmostEqual(stats["satisfaction"], 75.0)
        self.assertEqual(stats["loaners"], 2)

    def test_kpi_measures_agree_with_the_analysis(self):
        stats = self.analysis._statistics()
        domain = [
            ("partner_id", "=", self.customer.id),
            ("reported_at", ">=", "2027-04-01 00:00:00"),
            ("reported_at", "<", "2027-07-01 00:00:00"),
        ]
        measures = [
            "request_count:sum",
            "response_hours:avg",
            "arrival_hours:avg",
            "repair_hours:avg",
            "restore_hours:avg",
            "ack_met_rate:avg",
            "arrival_met_rate:avg",
            "repair_met_rate:avg",
            "first_time_fix_rate:avg",
            "repeat_fault_rate:avg",
            "satisfaction_rate:avg",
            "loaner_count:sum",
        ]
        [values] = self.env["aftersales.kpi"]._read_group(domain, [], measures)
        (
            requests,
            response,
            arrival,
            repair,
            restore,
            ack_met,
            arrival_met,
            repair_met,
            first_time_fix,
            repeat_rate,
            satisfaction,
            loaners,
        ) = values
        self.assertEqual(requests, stats["requests"])
        self.assertAlmostEqual(response, stats["durations"]["response_hours"][0])
        self.assertAlmostEqual(arrival, stats["durations"]["arrival_hours"][0])
        self.assertAlmostEqual(repair, stats["durations"]["repair_hours"][0])
        self.assertAlmostEqual(restore, stats["mttr"])
        self.assertAlmostEqual(ack_met, stats["sla"]["ack_met_rate"])
        self.assertAlmostEqual(arrival_met, stats["sla"]["arrival_met_rate"])
        self.assertAlmostEqual(repair_met, stats["sla"]["repair_met_rate"])
        self.assertAlmostEqual(first_time_fix, stats["first_time_fix"])
        self.assertAlmostEqual(repeat_rate, 100 * stats["repeat_faults"] / 20)
        self.assertAlmostEqual(satisfaction, stats["satisfaction"])
        self.assertEqual(loaners, stats["loaners"])

    def test_a_step_not_reached_leaves_its_measures_empty(self):
        """The ORM reads an empty measure as 0.00, which would read as an
        instant response: the list leaves a measure empty on the rows where
        the KPI view has none, and the pivot's averages of such a request
        are empty."""
        KPI = self.env["aftersales.kpi"]
        arch = etree.fromstring(
            KPI.get_views([[False, "list"]])["views"]["list"]["arch"]
        )
        columns = {node.get("name"): node for node in arch.iter("field")}
        measures = [
            name
            for name, node in columns.items()
            if KPI._fields[name].type == "float" and not node.get("column_invisible")
        ]
        self.assertIn("response_hours", measures)
        rows = KPI.search([("ticket_id", "in", self.requests.ids)])
        self.env.cr.execute(
            SQL("SELECT * FROM aftersales_kpi WHERE id IN %s", tuple(rows.ids))
        )
        stored = {row["id"]: row for row in self.env.cr.dictfetchall()}
        empty = 0
        for values in rows.read(list(columns), load=None):
            for name in measures:
                hidden = columns[name].get("invisible")
                shown = not (hidden and safe_eval(hidden, values))
                is_set = stored[values["id"]][name] is not None
                self.assertEqual(shown, is_set, f"{name} of {values['id']}")
                empty += not is_set
        self.assertGreater(empty, 0)
        unreached = self.requests[18]  # never acknowledged
        [group] = KPI.formatted_read_group(
            [("ticket_id", "=", unreached.id)],
            ["ticket_id"],
            ["response_hours:avg", "arrival_met_rate:avg"],
        )
        self.assertIs(group["response_hours:avg"], False)
        self.assertIs(group["arrival_met_rate:avg"], False)

    def test_the_form_shows_the_quarters_figures(self):
        """The analysis form shows the figures the printed analysis gives,
        a measure without a value left empty."""
        view = self.env["aftersales.fault.analysis"].get_views([[False, "form"]])
        self.assertIn('name="figures"', view["views"]["form"]["arch"])
        figures = etree.fromstring(f"<div>{self.analysis.figures}</div>")
        rows = [
            [" ".join(cell.xpath("string()").split()) for cell in row.xpath("th|td")]
            for row in figures.iter("tr")
        ]
        for expected in (
            ["Requests", "20"],
            ["General Fault", "16"],
            ["Major Fault", "4"],
            ["Cooling", "General Fault", "6"],
            ["Response Time (h)", f"{13.5 / 19:.2f}", "1.50"],
            ["Arrival Time (h)", f"{186 / 19:.2f}", "26.00"],
            ["On Site In Time (%)", f"{100 * 17 / 19:.1f}"],
            ["MTTR (h)", f"{240 / 17:.2f}"],
            ["First-Time Fix (%)", f"{100 * 15 / 17:.1f}"],
            ["Satisfied (%)", "75.0"],
            ["Repeat Faults", "9"],
            ["Loaners Issued", "2"],
        ):
            self.assertIn(expected, rows)
        # A quarter without a rated request: its satisfaction stays empty.
        empty = self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2027, "quarter": "3"}
        )
        self.assertIn(
            ["Satisfied (%)", ""],
            [
                [" ".join(c.xpath("string()").split()) for c in row.xpath("th|td")]
                for row in etree.fromstring(f"<div>{empty.figures}</div>").iter("tr")
            ],
        )

    def test_archived_requests_are_not_counted(self):
        """A request archived (a duplicate, a test) leaves the KPIs and the
        analysis alike."""
        domain = [
            ("partner_id", "=", self.customer.id),
            ("reported_at", ">=", "2027-04-01 00:00:00"),
            ("reported_at", "<", "2027-07-01 00:00:00"),
        ]
        KPI = self.env["aftersales.kpi"]
        before = KPI.search_count(domain)
        self.requests[0].active = False
        self.env.flush_all()
        self.assertEqual(KPI.search_count(domain), before - 1)
        self.assertEqual(self.analysis._statistics()["requests"], before - 1)

    def _kpi_plan(self, query):
        """The nodes of PostgreSQL's plan for ``query``, each with the types
        of the nodes above it."""
        self.env.cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", query))
        nodes, plans = [], [(self.env.cr.fetchone()[0][0]["Plan"], ())]
        while plans:
            plan, above = plans.pop()
            nodes.append((plan, above))
            plans += [
                (child, (*above, plan["Node Type"])) for child in plan.get("Plans", [])
            ]
        return nodes

    def _kpi_plan_tables(self, measures):
        """The tables PostgreSQL reads to group the KPIs by quarter with
        ``measures``, as the pivot does."""
        query = SQL(
            "SELECT date_trunc('quarter', reported_at), %s FROM aftersales_kpi "
            "GROUP BY 1",
            SQL(", ").join(SQL("avg(%s)", SQL.identifier(m)) for m in measures),
        )
        return {plan.get("Relation Name") for plan, __ in self._kpi_plan(query)} - {
            None
        }

    def _rounded(self, result):
        return [
            [
                tuple(round(v, 6) if isinstance(v, float) else v for v in group)
                for group in groups
            ]
            for groups in result
        ]

    def test_the_pivot_rolls_up_what_the_orm_groups(self):
        """The pivot's totals are rolled up from its finest grouping, in
        one plain GROUP BY: the same groups, in the same order, with the
        same sums, counts and averages as the ORM's GROUPING SETS, whatever
        the fields and their order."""
        KPI = self.env["aftersales.kpi"]
        measures = [
            "__count",
            "request_count:sum",
            "response_hours:avg",
            "arrival_met_rate:avg",
            "restore_hours:max",
            "complaint_count:sum",
        ]
        cases = [
            (["reported_at:quarter"], ["severity"], "severity, reported_at:quarter"),
            (
                ["reported_at:quarter"],
                ["severity"],
                "reported_at:quarter desc, severity",
            ),
            (["category_id", "user_id"], ["team_id"], ""),
            (["partner_id"], [], "partner_id"),
        ]
        for rolled_up, (rows, cols, order) in zip(
            (True, True, False, True), cases, strict=True
        ):
            sets = [
                (*rows[:n], *cols[:m])
                for n in range(len(rows) + 1)
                for m in range(len(cols) + 1)
            ]
            with self.subTest(rows=rows, cols=cols, order=order):
                expected = models.BaseModel._read_grouping_sets(
                    KPI, [], sets, measures, order=order or None
                )
                self.assertTrue(expected[-1])
                # Rolled up: no GROUPING SETS. Else (the teams' order is not
                # in the finest groups of the demo data), the ORM's.
                orm = patch.object(
                    models.BaseModel,
                    "_read_grouping_sets",
                    side_effect=AssertionError("GROUPING SETS"),
                )
                # The plan's settings and the query; then the ORM's.
                queries = 3 if rolled_up else 6
                with (
                    orm if rolled_up else nullcontext(),
                    self.assertQueryCount(queries),
                ):
                    rolled = KPI._read_grouping_sets(
                        [], sets, measures, order=order or None
                    )
                self.assertEqual(self._rounded(rolled), self._rounded(expected))
        # Ordered by a measure: the ORM's own query.
        self.assertEqual(
            KPI._read_grouping_sets([], [(), ("severity",)], ["__count"], "__count"),
            models.BaseModel._read_grouping_sets(
                KPI, [], [(), ("severity",)], ["__count"], "__count"
            ),
        )

    def test_the_pivot_reads_only_what_its_measures_need(self):
        """A million requests: the pivot's measures come from the requests'
        table alone, the columns of other measures (repairs, dispatch orders,
        loaners, units, repeat faults) are not computed. A request's columns
        and a complaint's must keep the same types for that."""
        pivot = ["request_count", "response_hours", "arrival_hours", "restore_hours"]
        self.assertEqual(
            self._kpi_plan_tables([*pivot, "complaint_count", "arrival_met_rate"]),
            {"helpdesk_ticket", "aftersales_complaint"},
        )
        self.assertIn("repair_order", self._kpi_plan_tables(["turnaround_hours"]))

    def test_the_list_computes_its_page_only(self):
        """A million requests: the KPI list's page is read in the report
        date's order from the requests' table itself (not from a subquery
        of the view, which would compute every request's row before the
        page), so that its measures are computed for the page's rows only."""
        nodes = self._kpi_plan(
            SQL(
                "SELECT * FROM aftersales_kpi WHERE active "
                "ORDER BY reported_at DESC LIMIT 80"
            )
        )
        [above] = [
            above
            for plan, above in nodes
            if plan.get("Relation Name") == "helpdesk_ticket"
            and plan.get("Alias") == "t"
        ]
        self.assertNotIn("Subquery Scan", above)

    def test_the_xlsx_holds_the_same_numbers(self):
        self.analysis.recommendations = "<p>Replace the cooling fans before summer.</p>"
        content, kind = self.env["ir.actions.report"]._render_xlsx(
            "aftersales_service.action_report_fault_analysis_xlsx",
            self.analysis.ids,
            data=None,
        )
        self.assertEqual(kind, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        cells = {
            row[0]: row[1:]
            for row in sheet.iter_rows(values_only=True)
            if row and row[0]
        }
        self.assertEqual(cells["Requests"][0], 20)
        self.assertAlmostEqual(cells["Response Time (h)"][0], 13.5 / 19)
        self.assertAlmostEqual(cells["Response Time (h)"][1], 1.5)
        self.assertAlmostEqual(cells["Arrival Time (h)"][1], 26)
        self.assertAlmostEqual(cells["On Site In Time (%)"][0], 100 * 17 / 19)
        self.assertAlmostEqual(cells["MTTR (h)"][0], 240 / 17)
        self.assertEqual(cells["Repeat Faults"][0], 9)
        self.assertEqual(cells["Loaners Issued"][0], 2)
        self.assertIn(
            "Replace the cooling fans before summer.",
            [row[0] for row in sheet.iter_rows(values_only=True)],
        )

    def test_the_pdf_prints_and_is_sent(self):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        html = report._render_qweb_html(
            "aftersales_service.report_fault_analysis", self.analysis.ids
        )[0].decode()
        self.assertIn("Quarterly Fault Analysis", html)
        self.assertIn("14.12", html)  # MTTR
        pdf, __ = report._render_qweb_pdf(
            "aftersales_service.report_fault_analysis", self.analysis.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.customer.email = "service@ningbo-port.example.com"
        self.analysis.with_user(self.back_office).action_send()
        self.assertTrue(self.analysis.sent_on)
        message = self.analysis.message_ids.filtered(
            lambda m: m.message_type == "comment"
        )[:1]
        self.assertIn("2027", message.subject)
        self.assertTrue(message.attachment_ids)

    def test_the_quarter_runs_from_local_midnight(self):
        self.assertEqual(
            quarter_bounds(2027, "2", "Asia/Shanghai"),
            (
                date(2027, 4, 1),
                date(2027, 6, 30),
                datetime(2027, 3, 31, 16, 0),
                datetime(2027, 6, 30, 16, 0),
            ),
        )

    def test_the_quarterly_run_prepares_then_sends_each_once(self):
        Analysis = self.env["aftersales.fault.analysis"]
        self.customer.email = "service@ningbo-port.example.com"
        self.analysis.unlink()
        with freeze_time("2027-07-02"):
            Analysis._cron_quarterly_analyses()
            Analysis._cron_quarterly_analyses()
        created = Analysis.search([("year", "=", 2027), ("quarter", "=", "2")])
        self.assertEqual(len(created), 2)  # the customer and the other one
        # Not sent before the team writes its recommendations.
        self.assertFalse(any(created.mapped("sent_on")))
        mine = created.filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(
            mine.activity_ids.summary, "Write the recommendations, then it is sent"
        )
        mine.recommendations = "<p>Replace the cooling fans before summer.</p>"
        with freeze_time("2027-07-03"):
            Analysis._cron_quarterly_analyses()
            Analysis._cron_quarterly_analyses()
        self.assertTrue(mine.sent_on)
        self.assertEqual(
            len(mine.message_ids.filtered(lambda m: m.message_type == "comment")), 1
        )
        self.assertFalse((created - mine).sent_on)

    def test_bad_input_and_access(self):
        with self.assertRaisesText(ValidationError, "four digits"):
            self.env["aftersales.fault.analysis"].create(
                {"partner_id": self.customer.id, "year": 27, "quarter": "1"}
            )
        engineer = new_test_user(
            self.env,
            login="as_an_eng",
            groups="aftersales_service.group_aftersales_engineer",
        )
        with self.assertRaises(AccessError):
            self.analysis.with_user(engineer).read(["year"])
        with self.assertRaises(AccessError):
            self.env["aftersales.kpi"].with_user(engineer).search([])
