import math
from datetime import date, datetime

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ROLES, AftersalesCase, PortalCase, role_users

# April 2027 in UTC: 30 days, 720 hours; the customer counts its days in UTC.
APRIL = (date(2027, 4, 1), date(2027, 4, 30))
AFTER_APRIL = "2027-05-15 12:00:00"


def at(text):
    return datetime.fromisoformat(text)


class TestAvailability(AftersalesCase):
    """Availability = 1 − downtime / time (Q6), worked out by hand below.

    Unit A: r1 stopped it from 10 April 08:00 to 20:00 (12 h); r2, the same
    outage reported again at 14:00, was repaired at 02:00 on the 11th
    (12 h); they overlap from 14:00 to 20:00, so together 08:00 to 02:00 =
    18 h, not 24. r3 ran from 31 March 20:00 to 1 April 04:00: 4 h fall in
    April. r4 did not stop the work: not downtime.
        downtime 18 + 4 = 22 h; availability 1 − 22/720 = 96.9444 %.
    Unit B: r5 from 30 April 18:00 to 1 May 06:00, cut at the period's end:
    6 h; r7 was solved without a repair and closed after 3 h.
        downtime 6 + 3 = 9 h; 1 − 9/720 = 98.75 %.
    Unit C: no stoppage: 100 %.
    Unit E: r6 stopped it on 25 April 00:00 and is still open: to the
    period's end, 6 days = 144 h; 1 − 144/720 = 80 %.
    The contract (A, B, C, E; target 99 %) is its units together:
        1 − (22 + 9 + 0 + 144) / (4 × 720) = 1 − 175/2880 = 93.9236 %,
        the mean of its units' 96.9444, 98.75, 100 and 80.
    Another customer's unit D (r8: 10 April 00:00 to 20 April 00:00, 240 h)
    is under a contract from 16 April only: the contract counts 16 to 20
    April, 96 h of 15 days = 360 h: 1 − 96/360 = 73.3333 %; the unit
    over all April: 1 − 240/720 = 66.6667 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "UTC"
        cls.customer.tz = "UTC"
        cls.other = cls.env["res.partner"].create(
            {"name": "Yiwu Water Works", "is_company": True, "tz": "UTC"}
        )
        lots = cls._stock_serials(cls.product, ["AV-A", "AV-B", "AV-C", "AV-E"])
        cls.unit_a, cls.unit_b, cls.unit_c, cls.unit_e = lots
        cls.unit_d = cls._stock_serials(cls.product, ["AV-D"])
        cls.contract = cls._running_contract(
            lots,
            start=date(2027, 1, 1),
            end=date(2027, 12, 31),
            availability_target=99,
        )
        cls.other_contract = cls._running_contract(
            cls.unit_d,
            start=date(2027, 4, 16),
            end=date(2027, 12, 31),
            partner=cls.other,
            availability_target=95,
        )
        cls.r1 = cls._stop(cls.unit_a, "2027-04-10 08:00", "2027-04-10 20:00")
        cls.r2 = cls._stop(cls.unit_a, "2027-04-10 14:00", "2027-04-11 02:00")
        cls.r3 = cls._stop(cls.unit_a, "2027-03-31 20:00", "2027-04-01 04:00")
        cls.r4 = cls._stop(
            cls.unit_a, "2027-04-20 00:00", "2027-04-21 00:00", impact="high"
        )
        cls._stop(cls.unit_b, "2027-04-30 18:00", "2027-05-01 06:00")
        r7 = cls._stop(cls.unit_b, "2027-04-05 00:00", None)
        r7.closed_date = at("2027-04-05 03:00")
        cls.r6 = cls._stop(cls.unit_e, "2027-04-25 00:00", None)
        cls._stop(cls.unit_d, "2027-04-10 00:00", "2027-04-20 00:00", cls.other)

    @classmethod
    def _stop(cls, unit, reported, repaired, partner=None, impact="stopped"):
        request = cls.env["helpdesk.ticket"].create(
            {
                "name": f"{unit.name} stopped {reported}",
                "description": "Stopped",
                "partner_id": (partner or cls.customer).id,
                "lot_id": unit.id,
                "fault_impact": impact,
                "reported_at": at(reported),
            }
        )
        if repaired:
            request.repair_done_at = at(repaired)
        return request

    def _rows(self, date_from, date_to, **filters):
        rows = self.env["aftersales.availability"]._rows_for(
            self.env.company, date_from, date_to, **filters
        )
        return {(row["kind"], row["contract_id"], row["lot_id"]): row for row in rows}

    def _availability(self, rows, kind, contract, lot=None):
        return rows[(kind, contract.id, lot.id if lot else False)]["availability"]

    @freeze_time(AFTER_APRIL)
    def test_april_by_hand(self):
        rows = self._rows(*APRIL, partner=self.customer)
        expected = {
            self.unit_a: 100 * (1 - 22 / 720),
            self.unit_b: 100 * (1 - 9 / 720),
            self.unit_c: 100.0,
            self.unit_e: 100 * (1 - 144 / 720),
        }
        for unit, availability in expected.items():
            with self.subTest(unit=unit.name):
                self.assertAlmostEqual(
                    self._availability(rows, "unit", self.contract, unit),
                    availability,
                )
        contract = rows[("contract", self.contract.id, False)]
        self.assertAlmostEqual(contract["availability"], 100 * (1 - 175 / 2880))
        self.assertAlmostEqual(
            contract["availability"], sum(expected.values()) / len(expected)
        )
        self.assertAlmostEqual(contract["downtime_hours"], 175)
        self.assertAlmostEqual(contract["hours"], 4 * 720)
        self.assertEqual(contract["unit_count"], 4)
        self.assertEqual(contract["target"], 99)
        self.assertTrue(contract["below_target"])
        # The other customer's unit is not this customer's.
        self.assertNotIn(("unit", self.other_contract.id, self.unit_d.id), rows)
        # r1 and r2 overlap: counted once (18 h, not the naive 24 h).
        unit_a = rows[("unit", self.contract.id, self.unit_a.id)]
        self.assertAlmostEqual(unit_a["downtime_hours"], 22)
        self.assertEqual(unit_a["stoppage_count"], 3)

    @freeze_time(AFTER_APRIL)
    def test_a_contract_counts_the_days_it_ran(self):
        rows = self._rows(*APRIL, partner=self.other)
        self.assertAlmostEqual(
            self._availability(rows, "contract", self.other_contract),
            100 * (1 - 96 / 360),
        )
        self.assertAlmostEqual(
            self._availability(rows, "unit", self.other_contract, self.unit_d),
            100 * (1 - 240 / 720),
        )

    @freeze_time("2027-04-20 12:00:00")
    def test_a_period_not_over_counts_to_now(self):
        # 1 to 20 April 12:00: 19.5 days = 468 h. Unit E's stoppage has not
        # begun; unit B's repair of the 5th is in; unit A's 22 h are.
        rows = self._rows(*APRIL, contract=self.contract)
        self.assertAlmostEqual(
            self._availability(rows, "unit", self.contract, self.unit_a),
            100 * (1 - 22 / 468),
        )
        self.assertAlmostEqual(
            self._availability(rows, "unit", self.contract, self.unit_e), 100.0
        )
        self.assertAlmostEqual(
            self._availability(rows, "contract", self.contract),
            100 * (1 - 25 / (4 * 468)),
        )

    @freeze_time(AFTER_APRIL)
    def test_one_day_inside_a_stoppage(self):
        # Unit E on 27 April: down all day.
        rows = self._rows(date(2027, 4, 27), date(2027, 4, 27), lot=self.unit_e)
        self.assertAlmostEqual(
            self._availability(rows, "unit", self.contract, self.unit_e), 0.0
        )

    @freeze_time(AFTER_APRIL)
    def test_downtime_is_one_query(self):
        windows = [
            (unit.id, at("2027-04-01 00:00"), at("2027-05-01 00:00"))
            for unit in self.contract.lot_ids | self.unit_d
        ]
        self.env.flush_all()
        with self.assertQueryCount(1):
            downtime = self.env["stock.lot"]._aftersales_downtime(windows)
        self.assertEqual(len(downtime), 4)  # unit C has none

    @freeze_time("2027-05-01 00:00:00")
    def test_the_unit_and_the_contract_show_this_quarter(self):
        # The quarter so far is April: the same figures, to two decimals.
        self.assertAlmostEqual(
            self.unit_a.aftersales_availability, 100 * (1 - 22 / 720), places=2
        )
        self.assertEqual(self.unit_a.aftersales_availability_target, 99)
        self.assertEqual(self.unit_c.aftersales_availability, 100.0)
        self.assertAlmostEqual(
            self.contract.availability, 100 * (1 - 175 / 2880), places=2
        )

    def test_kpi_downtime_per_request(self):
        self.env.flush_all()
        kpis = self.env["aftersales.kpi"].search(
            [("ticket_id", "in", (self.r1 | self.r4 | self.r6).ids)]
        )
        by_request = {kpi.ticket_id: kpi.downtime_hours for kpi in kpis}
        self.assertEqual(by_request[self.r1], 12)
        self.assertEqual(by_request[self.r4], 0)  # did not stop the work
        self.assertEqual(by_request[self.r6], 0)  # not repaired yet

    @freeze_time("2027-07-15 12:00:00")
    def test_the_quarterly_analysis_shows_availability(self):
        analysis = self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2027, "quarter": "2"}
        )
        rows = analysis._statistics()["availability"]
        contract = next(row for row in rows if row["kind"] == "contract")
        # April to June: 91 days, 2184 h a unit; unit B's r5 now whole
        # (12 h, + r7's 3 h); unit E down from 25 April to the quarter's end
        # (67 days, 1608 h).
        self.assertAlmostEqual(
            contract["availability"], 100 * (1 - (22 + 15 + 1608) / (4 * 2184))
        )
        self.assertEqual(contract["contract"], self.contract.name)
        self.assertEqual(
            {row["unit"] for row in rows if row["kind"] == "unit"},
            {"AV-A", "AV-B", "AV-C", "AV-E"},
        )
        self.assertIn("Equipment Availability", analysis.figures)
        self.assertIn("99.00", analysis.figures)

    @freeze_time(AFTER_APRIL)
    def test_the_screen_follows_the_period(self):
        manager = new_test_user(
            self.env,
            login="as_av_manager",
            groups="aftersales_service.group_aftersales_manager",
        )
        report = Form(self.env["aftersales.availability"].with_user(manager))
        self.assertEqual(report.date_from, date(2027, 4, 1))
        self.assertEqual(report.date_to, date(2027, 5, 15))
        report.contract_id = self.contract
        report.date_to = date(2027, 4, 30)
        self.assertEqual(len(report.line_ids), 5)
        saved = report.save()
        contract_line = saved.line_ids.filtered(lambda line: line.kind == "contract")
        self.assertAlmostEqual(
            contract_line.availability, 100 * (1 - 175 / 2880), places=2
        )
        self.assertTrue(contract_line.below_target)
        self.assertEqual(
            saved.line_ids.filtered("below_target").lot_id,
            self.unit_a | self.unit_b | self.unit_e,
        )

    @freeze_time(AFTER_APRIL)
    def test_bad_periods_are_refused(self):
        report = self.env["aftersales.availability"]
        with self.assertRaisesText(ValidationError, "before it starts"):
            report.create({"date_from": "2027-04-30", "date_to": "2027-04-01"})
        with self.assertRaisesText(ValidationError, "in the future"):
            report.create({"date_from": "2027-06-01", "date_to": "2027-06-30"})
        with self.assertRaisesText(ValidationError, "not a plausible date"):
            report.create({"date_from": "1800-01-01", "date_to": "2027-04-01"})

    def test_targets_outside_0_to_100_are_refused(self):
        count = self.env["aftersales.contract"].search_count([])
        for target in (-1, 100.5, math.nan, math.inf):
            with (
                self.subTest(target=target),
                self.assertRaisesText(ValidationError, "Availability Target (%)"),
            ):
                self.env["aftersales.contract"].create(
                    {
                        "partner_id": self.customer.id,
                        "service_level_id": self.contract.service_level_id.id,
                        "date_start": "2027-01-01",
                        "date_end": "2027-12-31",
                        "availability_target": target,
                    }
                )
            with (
                self.subTest(target=target, write=True),
                self.assertRaisesText(ValidationError, "Availability Target (%)"),
            ):
                self.contract.write({"availability_target": target})
        self.assertEqual(self.env["aftersales.contract"].search_count([]), count)
        self.assertEqual(self.contract.availability_target, 99)
        self.contract.availability_target = 100
        self.contract.availability_target = 0

    def test_a_renewal_keeps_the_target(self):
        self.contract.product_id = self.env.ref(
            "aftersales_service.product_service_contract"
        )
        self.contract.action_renew()
        self.assertEqual(self.contract.renewal_contract_id.availability_target, 99)

    def test_access_per_role(self):
        # The service manager and the back office; nobody else, customers
        # included (they read it in their quarterly analysis).
        allowed = {"back_office", "manager"}
        users = role_users(self.env, "as_av", {**ROLES, "portal": "base.group_portal"})
        for role, user in users.items():
            report = self.env["aftersales.availability"].with_user(user)
            with self.subTest(role=role):
                if role in allowed:
                    lines = report.create({"contract_id": self.contract.id}).line_ids
                    self.assertTrue(lines)
                    # The figures are computed, never typed.
                    with self.assertRaises(AccessError):
                        lines[0].write({"availability": 100})
                else:
                    with self.assertRaises(AccessError):
                        report.create({"contract_id": self.contract.id})


@tagged("post_install", "-at_install")
class TestAvailabilityInThePortal(PortalCase, AftersalesCase):
    """A customer reads availability in the quarterly analysis the portal
    gives them: their own units', never another customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(cls.customer, "as_portal_av")
        other = cls.env["res.partner"].create(
            {"name": "Zhoushan Shipyard", "is_company": True}
        )
        mine, theirs = cls._stock_serials(cls.product, ["AV-MINE", "AV-THEIRS"])
        cls._running_contract(mine, availability_target=99)
        cls._running_contract(theirs, partner=other, availability_target=98)
        today = fields.Date.context_today(cls.env["aftersales.contract"])
        cls.analysis = cls.env["aftersales.fault.analysis"].create(
            {
                "partner_id": cls.customer.id,
                "year": today.year,
                "quarter": str((today.month - 1) // 3 + 1),
                # Customers see the analyses sent to them.
                "sent_on": fields.Datetime.now(),
            }
        )

    def test_own_units_only(self):
        self.authenticate("as_portal_av", "as_portal_av")
        answer = self.url_open(f"/my/analyses/{self.analysis.id}/pdf")
        self.assertEqual(answer.status_code, 200)
        # Odoo's tests render a report's HTML rather than its PDF.
        self.assertIn("Equipment Availability", answer.text)
        self.assertIn("AV-MINE", answer.text)
        self.assertIn("99.00", answer.text)
        self.assertNotIn("AV-THEIRS", answer.text)
        with self.assertRaises(AccessError):
            self.env["aftersales.availability"].with_user(self.portal).create({})
