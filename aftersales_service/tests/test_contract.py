from contextlib import suppress
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import AftersalesCase


class ContractCase(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = cls.env.ref("aftersales_service.service_level_standard")
        cls.contract_product = cls.env.ref(
            "aftersales_service.product_service_contract"
        )
        cls.account_manager = new_test_user(
            cls.env,
            login="as_contract_am",
            groups="aftersales_service.group_aftersales_account_manager",
            email="am@example.com",
        )
        cls.engineer = new_test_user(
            cls.env,
            login="as_contract_engineer",
            groups="aftersales_service.group_aftersales_engineer",
        )
        cls.units = cls._delivered_warranties(
            cls.product, ["CTR-001", "CTR-002"]
        ).lot_id
        cls.customer.email = "service@ningbo-port.example.com"

    @classmethod
    def _contract(cls, start, end, units=None, **values):
        return cls.env["aftersales.contract"].create(
            {
                "partner_id": cls.customer.id,
                "service_level_id": cls.level.id,
                "user_id": cls.account_manager.id,
                "engineer_id": cls.engineer.id,
                "product_id": cls.contract_product.id,
                "date_start": start,
                "date_end": end,
                "amount": 12000,
                "lot_ids": [
                    Command.set((units if units is not None else cls.units).ids)
                ],
                **values,
            }
        )


class TestContract(ContractCase):
    def test_end_before_start_is_refused(self):
        count = self.env["aftersales.contract"].search_count([])
        with self.assertRaisesText(ValidationError, "before it starts"):
            self._contract(self._today(), self._days_ago(1))
        self.assertEqual(self.env["aftersales.contract"].search_count([]), count)

    def test_unit_under_two_overlapping_contracts_is_refused(self):
        first = self._contract(self._days_ago(100), self._today() + timedelta(days=265))
        first.action_start()
        second = self._contract(
            self._today(), self._today() + timedelta(days=365), units=self.units[0]
        )
        with self.assertRaisesText(
            ValidationError, "CTR-001 is already under contract"
        ):
            second.action_start()
        self.assertEqual(second.state, "draft")
        # After the first one ends, the unit is free again.
        later = self._contract(
            first.date_end + timedelta(days=1),
            first.date_end + timedelta(days=30),
            units=self.units[0],
        )
        later.action_start()
        self.assertEqual(later.state, "running")

    def test_cancelled_contract_does_not_hold_units(self):
        first = self._contract(self._today(), self._today() + timedelta(days=365))
        first.action_start()
        first.action_cancel()
        second = self._contract(self._today(), self._today() + timedelta(days=365))
        second.action_start()
        self.assertEqual(second.state, "running")

    def test_negative_price_is_refused(self):
        with self.assertRaisesText(ValidationError, "price cannot be negative"):
            self._contract(self._today(), self._today(), amount=-1)

    def test_renew_creates_the_next_contract_and_its_quotation(self):
        start = self._today() - relativedelta(years=1) + timedelta(days=5)
        contract = self._contract(start, start + relativedelta(years=1, days=-1))
        contract.action_start()
        action = contract.action_renew()
        renewal = contract.renewal_contract_id
        self.assertEqual(action["res_id"], renewal.id)
        # Renewed once the customer confirms the quotation, not before.
        self.assertEqual(contract.state, "running")
        self.assertFalse(contract.can_renew)
        self.assertEqual(renewal.state, "draft")
        self.assertEqual(renewal.previous_contract_id, contract)
        self.assertEqual(renewal.date_start, contract.date_end + timedelta(days=1))
        self.assertEqual(
            renewal.date_end, renewal.date_start + relativedelta(years=1, days=-1)
        )
        self.assertEqual(renewal.lot_ids, contract.lot_ids)
        self.assertEqual(renewal.amount, contract.amount)
        order = contract.renewal_order_id
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.order_line.product_id, self.contract_product)
        self.assertEqual(order.order_line.price_unit, 12000)
        self.assertEqual(order.order_line.aftersales_contract_id, renewal)
        # Confirming the quotation starts the renewal.
        order.action_confirm()
        self.assertEqual(renewal.state, "running")
        self.assertEqual(contract.state, "renewed")

    def test_cancelled_renewal_quotation_frees_the_contract(self):
        contract = self._contract(self._today(), self._today() + timedelta(days=30))
        contract.action_start()
        contract.action_renew()
        renewal, order = contract.renewal_contract_id, contract.renewal_order_id
        order.action_cancel()
        self.assertEqual(renewal.state, "cancelled")
        self.assertTrue(contract.can_renew)
        contract.action_renew()
        self.assertNotEqual(contract.renewal_contract_id, renewal)

    def test_cancelling_the_sale_cancels_its_contract(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.contract_product.id})
                ],
            }
        )
        order.action_confirm()
        contract = order.order_line.aftersales_contract_id
        contract.action_start()
        order._action_cancel()
        self.assertEqual(contract.state, "cancelled")

    def test_renewing_twice_or_a_cancelled_contract_is_refused(self):
        contract = self._contract(self._today(), self._today() + timedelta(days=30))
        contract.action_start()
        contract.action_renew()
        with self.assertRaisesText(UserError, "cannot be renewed"):
            contract.action_renew()
        cancelled = self._contract(self._today(), self._today(), units=self.units[:0])
        cancelled.action_cancel()
        with self.assertRaisesText(UserError, "is Cancelled and cannot be renewed"):
            cancelled.action_renew()
        self.assertFalse(cancelled.renewal_contract_id)

    def test_selling_a_contract_product_creates_the_contract(self):
        lots = self._stock_serials(self.product, ["CTR-SO-1"])
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.product.id}),
                    Command.create(
                        {"product_id": self.contract_product.id, "price_unit": 9000}
                    ),
                ],
            }
        )
        order.action_confirm()
        contract = order.order_line.aftersales_contract_id
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.partner_id, self.customer)
        self.assertEqual(contract.service_level_id, self.level)
        self.assertEqual(contract.amount, 9000)
        self.assertEqual(contract.sale_order_id, order)
        self.assertEqual(
            contract.date_start, fields.Date.context_today(contract, order.date_order)
        )
        self.assertEqual(
            contract.date_end, contract.date_start + relativedelta(months=12, days=-1)
        )
        self.assertEqual(order.aftersales_contract_count, 1)
        self.assertFalse(contract.lot_ids)
        # Units delivered under the order are offered for the contract.
        order.picking_ids.with_context(skip_sms=True).button_validate()
        self.assertEqual(contract.lot_ids, lots)
        contract.with_user(self.account_manager).action_start()
        self.assertEqual(contract.state, "running")


class TestNotices(ContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.aftersales_renewal_notice_days = 10
        cls.Contract = cls.env["aftersales.contract"]

    def _running(self, days_left, units=None):
        end = self._today() + timedelta(days=days_left)
        contract = self._contract(end - relativedelta(years=1), end, units=units)
        contract.action_start()
        return contract

    def _renewal_mails(self, contracts):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "aftersales.contract"),
                ("res_id", "in", contracts.ids),
                ("subject", "ilike", "ends on"),
            ]
        )

    def test_renewal_notice_ten_days_before_the_end(self):
        due = self._running(5)
        not_yet = self._running(20, units=self.units[:0])
        self.Contract._cron_send_notices()
        self.assertEqual(due.state, "to_renew")
        self.assertTrue(due.renewal_notice_date)
        self.assertEqual(not_yet.state, "running")
        mail = self._renewal_mails(due)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn("CTR-001", mail.body_html)
        self.assertFalse(self._renewal_mails(not_yet))
        activities = due.activity_ids
        renewal = activities.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref(
                    "aftersales_service.mail_activity_type_contract_renewal"
                )
            )
        )
        visit = activities - renewal
        self.assertEqual(renewal.user_id, self.account_manager)
        self.assertEqual(renewal.date_deadline, due.date_end)
        self.assertEqual(
            visit.activity_type_id,
            self.env.ref("aftersales_service.mail_activity_type_pre_expiry_visit"),
        )
        self.assertEqual(visit.user_id, self.engineer)

    def test_running_twice_sends_one_notice(self):
        due = self._running(3)
        self.Contract._cron_send_notices()
        self.Contract._cron_send_notices()
        self.assertEqual(len(self._renewal_mails(due)), 1)
        self.assertEqual(len(due.activity_ids), 2)

    def test_interrupted_run_notifies_each_contract_once(self):
        contracts = self.Contract.union(
            *(self._running(days, units=self.units[:0]) for days in range(1, 6))
        )

        class Stop(Exception):
            pass

        def stop_after_first_batch(*args, **kwargs):
            raise Stop()

        # The first batch is done (and, under the scheduler, committed); then
        # the process dies.
        with (
            patch(
                "odoo.addons.aftersales_service.models.aftersales_locking"
                ".commit_progress",
                stop_after_first_batch,
            ),
            suppress(Stop),
        ):
            self.Contract._cron_send_notices(batch_size=2)
        self.assertEqual(len(contracts.filtered("renewal_notice_date")), 2)
        self.Contract._cron_send_notices(batch_size=2)
        for contract in contracts:
            self.assertEqual(len(self._renewal_mails(contract)), 1, contract.name)
            self.assertEqual(contract.state, "to_renew")

    def test_a_failing_contract_does_not_hold_back_the_others(self):
        good = self._running(2, units=self.units[:1])
        bad = self._running(2, units=self.units[1:])
        original = type(self.Contract)._send_renewal_notices

        def fail_for_bad(records):
            if bad in records:
                raise ValueError("mail server exploded")
            return original(records)

        with (
            patch.object(type(self.Contract), "_send_renewal_notices", fail_for_bad),
            self.assertLogs(
                "odoo.addons.aftersales_service.models.aftersales_locking", "ERROR"
            ),
        ):
            self.Contract._cron_send_notices()
        self.assertEqual(good.state, "to_renew")
        self.assertEqual(bad.state, "running")
        self.assertFalse(self._renewal_mails(bad))
        # The next run retries it.
        self.Contract._cron_send_notices()
        self.assertEqual(bad.state, "to_renew")

    def test_expiry_notice_lists_substitutes(self):
        substitute = self._create_product("PLC Cabinet Mk II", warranty_tracked=False)
        self.product.write(
            {
                "aftersales_discontinued": True,
                "aftersales_substitute_ids": [Command.set(substitute.ids)],
            }
        )
        ended = self._running(-1)
        renewed = self._running(-1, units=self.units[:0])
        renewed.action_renew()
        renewed.renewal_order_id.action_confirm()
        self.Contract._cron_send_notices()
        self.assertEqual(ended.state, "expired")
        self.assertTrue(ended.expiry_notice_date)
        self.assertEqual(renewed.state, "renewed")
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "aftersales.contract"),
                ("res_id", "=", ended.id),
                ("subject", "ilike", "has ended"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("PLC Cabinet Mk II", mail.body_html)
        self.assertIn("free on-site repair", mail.body_html)
        self.Contract._cron_send_notices()
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [
                    ("model", "=", "aftersales.contract"),
                    ("res_id", "=", ended.id),
                    ("subject", "ilike", "has ended"),
                ]
            ),
            1,
        )

    def test_query_count_does_not_grow_with_contracts(self):
        """Queries grow with the batches (of 50 here), not with the contracts:
        100 contracts in two batches cost what 10 in one cost, twice at most."""

        def run_with(count, queries):
            contracts = self.Contract.union(
                *(self._running(4, units=self.units[:0]) for _i in range(count))
            )
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(queries):
                self.Contract._cron_send_notices(batch_size=50)
            self.assertEqual(set(contracts.mapped("state")), {"to_renew"})

        # A first run fills the caches a fresh process starts without (Odoo's
        # own runner, right after installing), so that both runners count
        # the same.
        self._running(4, units=self.units[:0])
        self.Contract._cron_send_notices(batch_size=50)
        run_with(10, QUERIES_ONE_BATCH)
        run_with(100, QUERIES_TWO_BATCHES)
        self.assertLessEqual(QUERIES_TWO_BATCHES, 2 * QUERIES_ONE_BATCH)


QUERIES_ONE_BATCH = 52
QUERIES_TWO_BATCHES = 78


class TestContractAccess(ContractCase):
    """Account managers edit and renew contracts, the back office reads them,
    warehouse users see none, and a portal contact sees their own company's
    contracts and warranties only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.back_office = new_test_user(
            cls.env,
            login="as_ctr_bo",
            groups="aftersales_service.group_aftersales_user",
        )
        cls.warehouse_user = new_test_user(
            cls.env,
            login="as_ctr_wh",
            groups="aftersales_service.group_aftersales_warehouse",
        )
        cls.contract = cls._contract(cls._today(), cls._today() + timedelta(days=30))
        cls.contract.action_start()
        contact = cls.env["res.partner"].create(
            {
                "name": "Chen Jie",
                "parent_id": cls.customer.id,
                "email": "cj@example.com",
            }
        )
        cls.portal = new_test_user(
            cls.env,
            login="as_ctr_portal",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        other = cls.env["res.partner"].create(
            {"name": "Other Customer", "is_company": True}
        )
        cls.other_contract = cls._contract(
            cls._today(),
            cls._today() + timedelta(days=30),
            units=cls.units[:0],
            partner_id=other.id,
        )
        cls.other_contract.action_start()
        cls.other_warranty = cls._delivered_warranties(
            cls.product, ["CTR-OTHER"], other
        )

    def test_account_manager_edits_and_renews(self):
        contract = self.contract.with_user(self.account_manager)
        contract.amount = 15000
        contract.action_renew()
        self.assertTrue(self.contract.renewal_contract_id)
        new = (
            self.env["aftersales.contract"]
            .with_user(self.account_manager)
            .create(
                {
                    "partner_id": self.customer.id,
                    "service_level_id": self.level.id,
                    "date_start": self._today(),
                    "date_end": self._today(),
                }
            )
        )
        self.assertEqual(new.user_id, self.account_manager)

    def test_back_office_reads_only(self):
        contract = self.contract.with_user(self.back_office)
        self.assertEqual(contract.partner_id, self.customer)
        with self.assertRaises(AccessError):
            contract.amount = 1
        with self.assertRaises(AccessError):
            contract.action_renew()

    def test_warehouse_sees_no_contract(self):
        with self.assertRaises(AccessError):
            self.contract.with_user(self.warehouse_user).read(["amount"])

    def test_portal_sees_own_company_only(self):
        Contract = self.env["aftersales.contract"].with_user(self.portal)
        self.assertEqual(Contract.search([]), self.contract)
        self.assertEqual(
            self.contract.with_user(self.portal).date_end, self.contract.date_end
        )
        with self.assertRaises(AccessError):
            self.other_contract.with_user(self.portal).read(["amount"])
        with self.assertRaises(AccessError):
            self.contract.with_user(self.portal).write({"amount": 1})
        Warranty = self.env["aftersales.warranty"].with_user(self.portal)
        self.assertEqual(Warranty.search([]), self.units.warranty_ids)
        with self.assertRaises(AccessError):
            self.other_warranty.with_user(self.portal).read(["end_date"])
