from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import format_date

from .common import AftersalesCase


class RulesCase(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.write({"warranty_duration": 1, "warranty_period": "year"})
        cls.part = cls.env["product.product"].create(
            {
                "name": "Fan Module",
                "type": "consu",
                "standard_price": 80,
                "list_price": 150,
            }
        )
        cls.category = cls.env["helpdesk.ticket.category"].create(
            {"name": "Power Supply"}
        )
        cls.other_category = cls.env["helpdesk.ticket.category"].create(
            {"name": "Display"}
        )
        cls.level = cls.env.ref("aftersales_service.service_level_standard")

    @classmethod
    def _accepted_unit(cls, serial, days_ago):
        """A unit accepted ``days_ago`` with a one-year warranty."""
        return cls._accepted_warranties(cls.product, [serial], days_ago)

    def _repair(self, lot, cause="equipment", category=None, parts=True):
        return self.env["repair.order"].create(
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "partner_id": self.customer.id,
                "aftersales_fault_cause": cause,
                "aftersales_fault_category_id": category and category.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.part.id,
                            "product_uom_qty": 1,
                            "repair_line_type": "add",
                        }
                    )
                ]
                if parts
                else [],
            }
        )

    def _repair_done(self, lot, **kwargs):
        repair = self._repair(lot, **kwargs)
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        return repair

    def _contract_for(self, lot):
        return self._running_contract(
            lot,
            self._days_ago(30),
            self._today() + timedelta(days=300),
            level=self.level,
        )


class TestCoverage(RulesCase):
    """W6: one decision for a unit, a date and a cause, with its prices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.in_warranty = cls._accepted_unit("COV-001", 100).lot_id
        cls.expired = cls._accepted_unit("COV-002", 500).lot_id
        cls.under_contract = cls._accepted_unit("COV-003", 500).lot_id

    def _decide(self, lot, cause="equipment"):
        coverage = lot._aftersales_coverage(self._today(), cause)[lot]
        return coverage.kind, coverage.parts, coverage.labour

    def test_each_outcome_and_its_prices(self):
        self._contract_for(self.under_contract)
        self.assertEqual(self._decide(self.in_warranty), ("warranty", "free", "free"))
        self.assertEqual(
            self._decide(self.in_warranty, "user"), ("user_damage", "charged", "free")
        )
        self.assertEqual(
            self._decide(self.under_contract), ("contract", "cost", "free")
        )
        self.assertEqual(
            self._decide(self.under_contract, "user"),
            ("user_damage", "charged", "free"),
        )
        self.assertEqual(self._decide(self.expired), ("none", "charged", "charged"))
        self.assertEqual(
            self._decide(self.expired, "user"), ("none", "charged", "charged")
        )

    def test_coverage_on_a_past_date(self):
        # Before the warranty expired, the same unit was in warranty.
        coverage = self.expired._aftersales_coverage(self._days_ago(400))[self.expired]
        self.assertEqual(coverage.kind, "warranty")
        self.assertEqual(coverage.warranty, self.expired.warranty_id)

    def test_queries_do_not_grow_with_units(self):
        self._contract_for(self.under_contract)
        for units in (
            self.in_warranty,
            self.in_warranty | self.expired | self.under_contract,
        ):
            self.env.invalidate_all()
            # Warranties, contracts and, for the units nothing covers, their
            # products' and company's post-warranty policy (E2).
            with self.assertQueryCount(8):
                result = units._aftersales_coverage(self._today())
            self.assertEqual(len(result), len(units))

    def test_repair_order_takes_coverage_and_sets_the_warranty_flag(self):
        repair = self._repair(self.in_warranty)
        self.assertEqual(repair.aftersales_coverage, "warranty")
        self.assertEqual(repair.aftersales_warranty_id, self.in_warranty.warranty_id)
        self.assertTrue(repair.under_warranty)
        repair.aftersales_fault_cause = "user"
        self.assertEqual(repair.aftersales_coverage, "user_damage")
        self.assertFalse(repair.under_warranty)
        expired = self._repair(self.expired)
        self.assertEqual(expired.aftersales_coverage, "none")
        self.assertFalse(expired.under_warranty)

    def test_request_takes_coverage_too(self):
        contract = self._contract_for(self.under_contract)
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Fan noise",
                "description": "Fan noise",
                "lot_id": self.under_contract.id,
            }
        )
        self.assertEqual(ticket.aftersales_coverage, "contract")
        self.assertEqual(ticket.aftersales_contract_id, contract)
        self.assertEqual(
            (ticket.aftersales_parts_policy, ticket.aftersales_labour_policy),
            ("cost", "free"),
        )
        ticket.aftersales_fault_cause = "user"
        self.assertEqual(ticket.aftersales_coverage, "user_damage")
        ticket.lot_id = self.in_warranty
        self.assertEqual(ticket.aftersales_coverage, "user_damage")
        self.assertEqual(ticket.aftersales_warranty_id, self.in_warranty.warranty_id)

    def test_contract_repair_charges_parts_at_cost(self):
        contract = self._contract_for(self.under_contract)
        repair = self._repair(self.under_contract)
        self.assertEqual(repair.aftersales_contract_id, contract)
        self.assertEqual(repair.aftersales_parts_policy, "cost")
        repair.action_create_sale_order()
        self.assertEqual(repair.sale_order_id.order_line.price_unit, 80)
        free = self._repair(self.in_warranty)
        free.action_create_sale_order()
        self.assertEqual(free.sale_order_id.order_line.price_unit, 0)
        charged = self._repair(self.expired)
        charged.action_create_sale_order()
        self.assertEqual(charged.sale_order_id.order_line.price_unit, 150)


class TestPartWarranty(RulesCase):
    """W3: a part fitted under warranty has a year of its own."""

    def test_part_warranty_outlives_the_unit_warranty(self):
        warranty = self._accepted_unit("PRT-001", 300)  # unit ends in ~65 days
        self._repair_done(warranty.lot_id)
        part = warranty.lot_id.part_warranty_ids
        self.assertEqual(len(part), 1)
        self.assertEqual(part.product_id, self.part)
        self.assertEqual(part.end_date, part.date_fitted + relativedelta(months=12))
        self.assertGreater(part.end_date, warranty.end_date)
        day_after_unit = warranty.end_date + timedelta(days=1)
        self.assertFalse(
            self.env["aftersales.warranty"].search(
                [("id", "=", warranty.id), ("valid_on", "=", day_after_unit)]
            )
        )
        self.assertTrue(part.date_fitted <= day_after_unit <= part.end_date)
        self.assertTrue(part.is_valid)

    def test_configurable_months(self):
        self.env.company.aftersales_part_warranty_months = 18
        warranty = self._accepted_unit("PRT-002", 10)
        self._repair_done(warranty.lot_id)
        part = warranty.lot_id.part_warranty_ids
        self.assertEqual(part.end_date, part.date_fitted + relativedelta(months=18))

    def test_part_under_its_own_warranty_is_free_after_the_unit_expired(self):
        warranty = self._accepted_unit("PRT-006", 300)  # unit ends in ~65 days
        self._repair_done(warranty.lot_id)
        later = self._repair(warranty.lot_id)
        # Move the repair past the unit's end, inside the fan's own year.
        later.schedule_date = fields.Datetime.to_datetime(
            warranty.end_date
        ) + timedelta(days=30)
        self.assertEqual(later.aftersales_coverage, "none")
        later.action_create_sale_order()
        self.assertEqual(later.sale_order_id.order_line.price_unit, 0)

    def test_no_part_warranty_when_the_user_caused_it_or_out_of_warranty(self):
        warranty = self._accepted_unit("PRT-003", 10)
        self._repair_done(warranty.lot_id, cause="user")
        expired = self._accepted_unit("PRT-004", 500)
        self._repair_done(expired.lot_id)
        self.assertFalse(warranty.lot_id.part_warranty_ids)
        self.assertFalse(expired.lot_id.part_warranty_ids)

    def test_part_that_was_never_fitted_is_refused(self):
        warranty = self._accepted_unit("PRT-005", 10)
        repair = self._repair_done(warranty.lot_id, parts=False)
        with self.assertRaisesText(ValidationError, "was never fitted"):
            self.env["aftersales.part.warranty"].create(
                {
                    "lot_id": warranty.lot_id.id,
                    "product_id": self.part.id,
                    "repair_id": repair.id,
                }
            )
        with self.assertRaisesText(ValidationError, "was never fitted"):
            self.env["aftersales.part.warranty"].create(
                {"lot_id": warranty.lot_id.id, "product_id": self.part.id}
            )
        self.assertFalse(warranty.lot_id.part_warranty_ids)


class TestExtensions(RulesCase):
    """W4: each unresolvable fault that stops the customer's work adds 60
    days, once per incident, every extension listed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warranty = cls._accepted_unit("EXT-001", 100)
        cls.base_end = cls.warranty.end_date
        cls.manager = new_test_user(
            cls.env,
            login="as_ext_mgr",
            groups="aftersales_service.group_aftersales_manager",
        )
        cls.back_office = new_test_user(
            cls.env,
            login="as_ext_bo",
            groups="aftersales_service.group_aftersales_user",
        )

    def _ticket(self, name):
        return self.env["helpdesk.ticket"].create(
            {
                "name": name,
                "description": name,
                "partner_id": self.customer.id,
                "lot_id": self.warranty.lot_id.id,
            }
        )

    def test_two_extensions_add_120_days(self):
        first, second = self._ticket("Line stopped"), self._ticket("Line stopped again")
        first.with_user(self.back_office).action_extend_warranty()
        second.with_user(self.back_office).action_extend_warranty()
        self.assertEqual(self.warranty.extension_days, 120)
        self.assertEqual(self.warranty.end_date, self.base_end + timedelta(days=120))
        self.assertEqual(self.warranty.extension_ids.ticket_id, first | second)
        explanation = self.warranty.end_date_explanation
        self.assertIn("+ 60 days", explanation)
        self.assertIn(first.display_name, explanation)
        self.assertIn(format_date(self.env, self.warranty.end_date), explanation)

    def test_one_extension_per_incident(self):
        ticket = self._ticket("Line stopped")
        ticket.action_extend_warranty()
        with self.assertRaisesText(UserError, "extends a warranty once"):
            ticket.action_extend_warranty()
        with self.assertRaisesText(ValidationError, "extends a warranty once"):
            self.env["aftersales.warranty.extension"].create(
                {
                    "warranty_id": self.warranty.id,
                    "ticket_id": ticket.id,
                    "days": 60,
                    "reason": "again",
                }
            )
        self.assertEqual(self.warranty.extension_days, 60)

    def test_days_must_be_positive(self):
        ticket = self._ticket("Line stopped")
        for days in (0, -60):
            with self.assertRaisesText(ValidationError, "positive number of days"):
                self.env["aftersales.warranty.extension"].create(
                    {
                        "warranty_id": self.warranty.id,
                        "ticket_id": ticket.id,
                        "days": days,
                        "reason": "x",
                    }
                )
        self.assertEqual(self.warranty.end_date, self.base_end)

    def test_manager_reverses_with_a_reason(self):
        ticket = self._ticket("Line stopped")
        ticket.action_extend_warranty()
        extension = self.warranty.extension_ids
        with self.assertRaisesText(UserError, "can't be changed"):
            extension.days = 600
        with self.assertRaisesText(UserError, "can't be deleted"):
            extension.unlink()
        with self.assertRaisesText(UserError, "Only a service manager"):
            extension.with_user(self.back_office).action_reverse("mistake")
        with self.assertRaisesText(UserError, "Say why"):
            extension.with_user(self.manager).action_reverse(" ")
        wizard = (
            self.env["aftersales.extension.reversal"]
            .with_user(self.manager)
            .create(
                {"extension_id": extension.id, "reason": "Fixed remotely the same day"}
            )
        )
        wizard.action_reverse()
        self.assertEqual(extension.state, "reversed")
        self.assertEqual(extension.reversed_by_id, self.manager)
        self.assertEqual(self.warranty.end_date, self.base_end)
        # Once reversed, the incident may extend again.
        ticket.action_extend_warranty()
        self.assertEqual(self.warranty.extension_days, 60)

    def test_nothing_to_extend(self):
        awaiting = self._delivered_warranties(self.product, ["EXT-002"])
        ticket = self._ticket("No warranty yet")
        ticket.lot_id = awaiting.lot_id
        with self.assertRaisesText(UserError, "no running warranty"):
            ticket.action_extend_warranty()
        expired = self._accepted_unit("EXT-003", 500)
        ticket.lot_id = expired.lot_id
        with self.assertRaisesText(UserError, "nothing to extend"):
            ticket.action_extend_warranty()
        self.assertFalse(ticket.aftersales_extension_ids)


class TestRepeatFaults(RulesCase):
    """W5: repaired twice for the same fault and failing again: a free new
    unit of the same model."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._accepted_unit("RPT-001", 200).lot_id

    def _fail_again(self, category):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Fails again",
                "description": "Fails again",
                "lot_id": self.unit.id,
                "category_id": category.id,
            }
        )

    def test_third_failure_flags_replacement(self):
        self._repair_done(self.unit, category=self.category)
        self._fail_again(self.category)
        self.assertFalse(self.unit.aftersales_replacement_due)
        self._repair_done(self.unit, category=self.category)
        self._fail_again(self.other_category)
        self.assertFalse(self.unit.aftersales_replacement_due)
        self._fail_again(self.category)
        self.assertTrue(self.unit.aftersales_replacement_due)

    def test_a_third_repair_order_also_flags_it(self):
        self._repair_done(self.unit, category=self.category)
        self._repair_done(self.unit, category=self.category)
        self._repair(self.unit, category=self.category)
        self.assertTrue(self.unit.aftersales_replacement_due)

    def test_replacement_is_a_free_confirmed_order(self):
        self._repair_done(self.unit, category=self.category)
        self._repair_done(self.unit, category=self.category)
        self._fail_again(self.category)
        action = self.unit.action_create_replacement()
        order = self.unit.aftersales_replacement_order_id
        self.assertEqual(action["res_id"], order.id)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.order_line.product_id, self.unit.product_id)
        self.assertEqual(order.amount_total, 0)
        self.assertEqual(order.picking_ids.move_ids.product_id, self.unit.product_id)
        self.assertFalse(self.unit.aftersales_replacement_due)
        with self.assertRaisesText(UserError, "not due for a replacement"):
            self.unit.action_create_replacement()


class TestRolesOnRequests(RulesCase):
    """The after-sales rules run whoever reports the fault, and the request
    screens open for every role that may see requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unit = cls._accepted_unit("ROL-001", 200).lot_id
        cls.back_office = new_test_user(
            cls.env,
            login="as_rol_bo",
            groups="aftersales_service.group_aftersales_user",
        )
        cls.stock_user = new_test_user(
            cls.env, login="as_rol_wh", groups="stock.group_stock_user"
        )
        cls.helpdesk_user = new_test_user(
            cls.env, login="as_rol_hd", groups="helpdesk_mgmt.group_helpdesk_user"
        )

    def test_back_office_report_flags_a_repeat_fault(self):
        self._repair_done(self.unit, category=self.category)
        self._repair_done(self.unit, category=self.category)
        ticket = (
            self.env["helpdesk.ticket"]
            .with_user(self.back_office)
            .create(
                {
                    "name": "Fails again",
                    "description": "Fails again",
                    "lot_id": self.unit.id,
                    "category_id": self.category.id,
                }
            )
        )
        self.assertTrue(self.unit.aftersales_replacement_due)
        self.assertIn("free replacement is due", ticket.message_ids[0].body)
        self.unit.with_user(self.back_office).action_create_replacement()
        self.assertTrue(self.unit.aftersales_replacement_order_id)

    def test_only_the_back_office_orders_a_replacement(self):
        self.unit.aftersales_replacement_due = True
        with self.assertRaisesText(UserError, "Only the service back office"):
            self.unit.with_user(self.stock_user).action_create_replacement()
        self.assertFalse(self.unit.aftersales_replacement_order_id)

    def test_helpdesk_users_outside_after_sales_open_requests(self):
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Noise", "description": "Noise", "lot_id": self.unit.id}
        )
        ticket.message_subscribe(partner_ids=self.helpdesk_user.partner_id.ids)
        for user in (self.helpdesk_user, self.back_office):
            form = Form(ticket.with_user(user))
            self.assertEqual(form.name, "Noise")
