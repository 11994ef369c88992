from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import AftersalesCase, role_users


@tagged("post_install", "-at_install")
class TestUnitWarrantyNotices(AftersalesCase):
    """E1: before a unit's own warranty ends, the customer's written notice,
    the extended-warranty quotation and the account manager's activity;
    after an end without renewal, the expiry notice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = role_users(cls.env, "e1")
        cls.customer.user_id = cls.users["account_manager"]
        cls.product = cls._create_product("Fire Alarm Panel", duration=1)
        cls.extension = cls.env["product.product"].create(
            {
                "name": "Extended Warranty, One Year",
                "type": "service",
                "list_price": 1200.0,
                "aftersales_contract": True,
                "aftersales_contract_months": 12,
                "aftersales_service_level_id": cls.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
            }
        )
        cls.env.company.write(
            {
                "aftersales_extension_product_id": cls.extension.id,
                "aftersales_renewal_notice_days": 10,
                "aftersales_unit_notice_days": 0,
            }
        )
        cls.Notice = cls.env["aftersales.warranty.notice"]
        # Next week: its Monday is 1 to 7 days ahead.
        cls.monday = cls._today() + timedelta(days=7 - cls._today().weekday())

    def _ending_on(self, names, end, product=None):
        """Units of the customer whose one-year warranty ends on ``end``."""
        accepted = end - relativedelta(years=1)
        return self._accepted_warranties(
            product or self.product, names, (self._today() - accepted).days
        )

    def _notices(self, warranties):
        return self.Notice.search([("warranty_ids", "in", warranties.ids)])

    def _mails(self, notices):
        return self.env["mail.mail"].search(
            [("model", "=", self.Notice._name), ("res_id", "in", notices.ids)]
        )

    def test_units_ending_the_same_week_share_one_notice_and_offer(self):
        same_week = self._ending_on(["FA-1"], self.monday) | self._ending_on(
            ["FA-2"], self.monday + timedelta(days=1)
        )
        self.assertEqual(same_week.mapped("end_date")[0].weekday(), 0)
        self.Notice._cron_send_notices()

        notice = self._notices(same_week)
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.kind, "renewal")
        self.assertEqual(notice.warranty_ids, same_week)
        self.assertEqual(notice.partner_id, self.customer)
        self.assertEqual(notice.week_start, self.monday)
        self.assertEqual(notice.user_id, self.users["account_manager"])
        self.assertEqual(same_week.renewal_notice_id, notice)
        # The written notice, in one mail, naming both units.
        mail = self._mails(notice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn("FA-1", mail.body_html)
        self.assertIn("FA-2", mail.body_html)
        self.assertIn(notice.sale_order_id.name, mail.body_html)
        # The extended-warranty contract, from the day after the first end,
        # for both units, and its quotation: one line per unit at its price.
        contract = notice.contract_id
        self.assertEqual(contract.kind, "extended")
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.lot_ids, same_week.lot_id)
        self.assertEqual(contract.date_start, self.monday + timedelta(days=1))
        self.assertEqual(
            contract.date_end,
            self.monday + relativedelta(years=1, days=1) - timedelta(days=1),
        )
        self.assertEqual(contract.amount, 2400.0)
        self.assertEqual(contract.user_id, self.users["account_manager"])
        order = notice.sale_order_id
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.order_line.product_uom_qty, 2)
        self.assertEqual(order.order_line.price_unit, 1200.0)
        self.assertEqual(order.order_line.aftersales_contract_id, contract)
        # The account manager follows it up before the first end.
        activity = notice.activity_ids
        self.assertEqual(activity.user_id, self.users["account_manager"])
        self.assertEqual(activity.date_deadline, self.monday)
        # Each unit's warranty says so.
        for warranty in same_week:
            self.assertIn(notice.name, warranty.message_ids[0].body)

        # Once, however often it runs.
        self.Notice._cron_send_notices()
        self.assertEqual(self._notices(same_week), notice)
        self.assertEqual(len(self._mails(notice)), 1)

    def test_weeks_and_customers_get_their_own_notices(self):
        self.env.company.aftersales_unit_notice_days = 20
        this_week = self._ending_on(["FB-1"], self.monday)
        next_week = self._ending_on(["FB-2"], self.monday + timedelta(days=7))
        other = self.env["res.partner"].create(
            {"name": "Zhoushan Ferry Co.", "is_company": True}
        )
        other_unit = self._ending_on(["FB-3"], self.monday)
        other_unit.partner_id = other
        too_far = self._ending_on(["FB-4"], self.monday + timedelta(days=21))
        self.Notice._cron_send_notices()
        self.assertEqual(self._notices(this_week).warranty_ids, this_week)
        self.assertEqual(self._notices(next_week).warranty_ids, next_week)
        self.assertEqual(self._notices(other_unit).partner_id, other)
        self.assertFalse(self._notices(too_far))

    def test_a_batch_edge_does_not_split_a_customers_week(self):
        units = self._ending_on(["FC-1", "FC-2", "FC-3"], self.monday)
        self.Notice._cron_send_notices(batch_size=1)
        notice = self._notices(units)
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.warranty_ids, units)

    def test_a_running_contract_continues_the_cover(self):
        covered = self._ending_on(["FD-1"], self.monday)
        self._running_contract(covered.lot_id)
        self.Notice._cron_send_notices()
        self.assertFalse(self._notices(covered))
        self.assertFalse(covered.renewal_notice_id)

    def test_without_a_product_the_notice_goes_and_the_quote_is_by_hand(self):
        self.env.company.aftersales_extension_product_id = False
        unit = self._ending_on(["FE-1"], self.monday)
        self.Notice._cron_send_notices()
        notice = self._notices(unit)
        self.assertTrue(self._mails(notice))
        self.assertFalse(notice.contract_id)
        self.assertIn("quote it by hand", notice.activity_ids.summary)

    def test_units_quoted_by_hand_keep_their_quotation(self):
        """The account manager quoted one unit before the notice: the notice
        still goes, quotes the other unit, and the first keeps its own."""
        quoted, other = self._ending_on(["FK-1", "FK-2"], self.monday)
        action = quoted.with_user(
            self.users["account_manager"]
        ).action_offer_extended_warranty()
        by_hand = self.env["sale.order"].browse(action["res_id"])
        self.Notice._cron_send_notices()
        notice = self._notices(quoted)
        self.assertEqual(notice.warranty_ids, quoted | other)
        self.assertEqual(notice.contract_id.lot_ids, other.lot_id)
        self.assertNotEqual(notice.sale_order_id, by_hand)
        self.assertEqual(by_hand.state, "draft")
        # Quoted by hand in full: the notice names that quotation.
        unit = self._ending_on(["FK-3"], self.monday + timedelta(days=7))
        self.env.company.aftersales_unit_notice_days = 20
        action = unit.with_user(
            self.users["account_manager"]
        ).action_offer_extended_warranty()
        self.Notice._cron_send_notices()
        self.assertEqual(unit.renewal_notice_id.sale_order_id.id, action["res_id"])

    def test_expiry_notice_after_an_end_without_renewal(self):
        self.product.write(
            {
                "aftersales_discontinued": True,
                "aftersales_substitute_ids": [
                    (4, self._create_product("Fire Alarm Panel II").id)
                ],
            }
        )
        unit = self._ending_on(["FF-1"], self.monday)
        long_ended = self._ending_on(["FF-2"], self._today() - timedelta(days=40))
        self.Notice._cron_send_notices()
        self.assertTrue(unit.renewal_notice_id)
        with freeze_time(self.monday + timedelta(days=1)):
            self.Notice._cron_send_notices()
        notice = unit.expiry_notice_id
        self.assertEqual(notice.kind, "expiry")
        mail = self._mails(notice)
        self.assertEqual(len(mail), 1)
        self.assertIn("Fire Alarm Panel II", mail.body_html)
        self.assertIn(notice.name, unit.message_ids[0].body)
        # A unit that ended before any notice was sent gets none.
        self.assertFalse(self._notices(long_ended))

    def test_taking_the_offer_starts_the_extended_warranty(self):
        unit = self._ending_on(["FG-1"], self.monday)
        self.Notice._cron_send_notices()
        notice = unit.renewal_notice_id
        notice.sale_order_id.action_confirm()
        self.assertEqual(notice.contract_id.state, "running")
        self.assertFalse(notice.activity_ids)
        self.assertIn(notice.contract_id.name, notice.message_ids[0].body)
        # Covered from then on: no expiry notice at the end.
        with freeze_time(self.monday + timedelta(days=3)):
            self.Notice._cron_send_notices()
        self.assertFalse(unit.expiry_notice_id)

    # The account manager's quotation ----------------------------------------

    def test_account_manager_quotes_an_extended_warranty(self):
        unit = self._ending_on(["FH-1"], self._today() + timedelta(days=90))
        action = unit.with_user(
            self.users["account_manager"]
        ).action_offer_extended_warranty()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.user_id, self.users["account_manager"])
        contract = order.order_line.aftersales_contract_id
        self.assertEqual(contract.lot_ids, unit.lot_id)
        self.assertEqual(contract.date_start, unit.end_date + timedelta(days=1))

    def test_bad_offers_are_refused_and_nothing_is_written(self):
        manager = self.users["account_manager"]
        covered = self._ending_on(["FI-1"], self.monday)
        contract = self._running_contract(covered.lot_id)
        awaiting = self._delivered_warranties(self.product, ["FI-2"])
        other = self._ending_on(["FI-3"], self.monday)
        other.partner_id = self.env["res.partner"].create({"name": "Other Co."})
        free = self._ending_on(["FI-4"], self.monday)
        cases = [
            (covered, f"still covered by contract {contract.name}"),
            (awaiting, "await acceptance"),
            (free | other, "one customer"),
            (self.env["aftersales.warranty"], "Select the warranties"),
        ]
        counts = (
            self.env["aftersales.contract"].search_count([]),
            self.env["sale.order"].search_count([]),
        )
        for warranties, text in cases:
            with self.subTest(text=text), self.assertRaisesText(UserError, text):
                warranties.with_user(manager).action_offer_extended_warranty()
        self.assertEqual(
            counts,
            (
                self.env["aftersales.contract"].search_count([]),
                self.env["sale.order"].search_count([]),
            ),
        )
        # Once quoted, not twice.
        action = free.with_user(manager).action_offer_extended_warranty()
        order = self.env["sale.order"].browse(action["res_id"])
        with self.assertRaisesText(UserError, order.name):
            free.with_user(manager).action_offer_extended_warranty()
        # Cancelled, it may be quoted again.
        order.action_cancel()
        free.with_user(manager).action_offer_extended_warranty()
        # Without the product to quote with.
        self.env.company.aftersales_extension_product_id = False
        free_too = self._ending_on(["FI-5"], self.monday)
        with self.assertRaisesText(UserError, "Extended Warranty Product"):
            free_too.with_user(manager).action_offer_extended_warranty()

    def test_negative_notice_days_are_refused(self):
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self.env.company.aftersales_unit_notice_days = -1

    # Access ------------------------------------------------------------------

    def test_who_may_quote_and_read_notices(self):
        unit = self._ending_on(["FJ-1"], self.monday)
        for role in ("back_office", "engineer", "warehouse", "trainer"):
            with (
                self.subTest(role=role),
                self.assertRaisesText(UserError, "Only account managers"),
            ):
                unit.with_user(self.users[role]).action_offer_extended_warranty()
        self.Notice._cron_send_notices()
        notice = unit.renewal_notice_id
        for role in ("back_office", "manager", "account_manager"):
            with self.subTest(role=role):
                as_role = notice.with_user(self.users[role])
                self.assertEqual(as_role.warranty_ids.lot_id.name, "FJ-1")
                as_role.message_post(body="Called the customer.")
                with self.assertRaises(AccessError):
                    as_role.write({"week_start": self._today()})
                with self.assertRaises(AccessError):
                    as_role.copy()
                with self.assertRaises(AccessError):
                    as_role.unlink()
        for role in ("engineer", "warehouse", "trainer"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                notice.with_user(self.users[role]).read(["name"])
        # Sent notices stay on file, and only the notices set a warranty's.
        with self.assertRaisesText(UserError, "record of what was sent"):
            notice.sudo().unlink()
        with self.assertRaisesText(UserError, "set by its actions"):
            unit.with_user(self.users["manager"]).write({"renewal_notice_id": False})
