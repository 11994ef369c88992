from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .common import AftersalesCase


class TestWarrantyFromDelivery(AftersalesCase):
    def test_delivery_creates_one_warranty_per_serial(self):
        lots = self._stock_serials(self.product, ["PLC-001", "PLC-002", "PLC-003"])
        picking = self._deliver(self.product, lots)
        warranties = lots.warranty_ids
        self.assertEqual(len(warranties), 3)
        self.assertEqual(warranties.lot_id, lots)
        self.assertEqual(set(warranties.mapped("state")), {"awaiting"})
        self.assertEqual(set(warranties.mapped("warranty_status")), {"awaiting"})
        self.assertEqual(warranties.partner_id, self.customer)
        self.assertEqual(warranties.site_partner_id, self.site)
        self.assertEqual(warranties.picking_id, picking)
        self.assertEqual(set(warranties.mapped("duration")), {2})
        self.assertTrue(all(w.delivery_date for w in warranties))
        self.assertFalse(any(warranties.mapped("end_date")))
        self.assertTrue(all(w.name.startswith("WTY/") for w in warranties))
        self.assertEqual(
            lots[0].warranty_id, warranties.filtered(lambda w: w.lot_id == lots[0])
        )

    def test_products_without_warranty_terms_get_none(self):
        plain = self._create_product("Cable Kit", warranty_tracked=False)
        lots = self._stock_serials(plain, ["CK-001"])
        self._deliver(plain, lots)
        self.assertFalse(lots.warranty_ids)

    def test_internal_transfer_creates_no_warranty(self):
        lots = self._stock_serials(self.product, ["PLC-010"])
        internal = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1,
                            "product_uom": self.product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.stock_location.id,
                        }
                    )
                ],
            }
        )
        internal.action_confirm()
        internal.action_assign()
        internal.move_ids.picked = True
        internal.button_validate()
        self.assertEqual(internal.state, "done")
        self.assertFalse(lots.warranty_ids)

    def test_sale_order_delivery_links_the_order(self):
        lots = self._stock_serials(self.product, ["PLC-020"])
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "partner_shipping_id": self.site.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        order.picking_ids.with_context(skip_sms=True).button_validate()
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(lots.warranty_ids.sale_order_id, order)
        self.assertEqual(lots.warranty_ids.partner_id, self.customer)

    def test_delivering_a_serial_again_keeps_its_warranty(self):
        lots = self._stock_serials(self.product, ["PLC-030"])
        delivery = self._deliver(self.product, lots)
        first = lots.warranty_ids
        # The unit comes back, then is delivered again: still one warranty.
        return_form = Form(
            self.env["stock.return.picking"].with_context(
                active_id=delivery.id, active_model="stock.picking"
            )
        )
        wizard = return_form.save()
        wizard.product_return_moves.quantity = 1
        returned = self.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        self._deliver(self.product, lots)
        self.assertEqual(lots.warranty_ids, first)


class TestAcceptance(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warranty = cls._delivered_warranties(cls.product, ["ACC-001"])
        cls._backdate_delivery(cls.warranty, 30)

    def test_acceptance_starts_the_warranty(self):
        accepted_on = self._days_ago(20)
        self.warranty.record_acceptance(accepted_on, "Zhang San", "YS-001")
        self.assertEqual(self.warranty.state, "accepted")
        self.assertEqual(self.warranty.acceptance_date, accepted_on)
        self.assertEqual(self.warranty.accepted_by, "Zhang San")
        self.assertEqual(self.warranty.acceptance_reference, "YS-001")
        self.assertEqual(self.warranty.end_date, accepted_on + relativedelta(years=2))
        self.assertEqual(self.warranty.warranty_status, "valid")
        self.assertEqual(self.warranty.lot_id.warranty_end_date, self.warranty.end_date)

    def test_months_are_counted_as_months(self):
        self.warranty.period = "month"
        self.warranty.duration = 18
        self.warranty.record_acceptance(self._days_ago(1), "Zhang San")
        self.assertEqual(
            self.warranty.end_date, self._days_ago(1) + relativedelta(months=18)
        )

    def test_longer_manufacturer_warranty_applies(self):
        product = self._create_product(
            "Drive Unit",
            duration=2,
            manufacturer_warranty_duration=3,
            manufacturer_warranty_period="year",
        )
        warranty = self._delivered_warranties(product, ["DRV-001"])
        warranty.record_acceptance(self._today(), "Zhang San")
        self.assertEqual(
            warranty.manufacturer_end_date, self._today() + relativedelta(years=3)
        )
        self.assertEqual(warranty.end_date, self._today() + relativedelta(years=3))

    def test_shorter_manufacturer_warranty_does_not_shorten_ours(self):
        product = self._create_product(
            "Sensor Head",
            duration=2,
            manufacturer_warranty_duration=6,
            manufacturer_warranty_period="month",
        )
        warranty = self._delivered_warranties(product, ["SNS-001"])
        warranty.record_acceptance(self._today(), "Zhang San")
        self.assertEqual(warranty.end_date, self._today() + relativedelta(years=2))

    def test_manufacturer_end_date_from_certificate(self):
        self.warranty.record_acceptance(self._today(), "Zhang San")
        certificate_end = self._today() + relativedelta(years=5)
        self.warranty.manufacturer_end_date = certificate_end
        self.assertEqual(self.warranty.end_date, certificate_end)

    def test_acceptance_before_delivery_is_refused(self):
        with self.assertRaisesText(ValidationError, "before the delivery"):
            self.warranty.record_acceptance(self._days_ago(31), "Zhang San")
        self.assertEqual(self.warranty.state, "awaiting")
        self.assertFalse(self.warranty.acceptance_date)
        self.assertFalse(self.warranty.end_date)

    def test_acceptance_in_the_future_is_refused(self):
        with self.assertRaisesText(ValidationError, "in the future"):
            self.warranty.record_acceptance(
                self._today() + relativedelta(days=1), "Zhang San"
            )
        self.assertEqual(self.warranty.state, "awaiting")

    def test_accepting_twice_is_refused(self):
        first_day = self._days_ago(10)
        self.warranty.record_acceptance(first_day, "Zhang San", "YS-001")
        with self.assertRaisesText(UserError, "already accepted"):
            self.warranty.record_acceptance(self._days_ago(5), "Li Si", "YS-002")
        self.assertEqual(self.warranty.acceptance_date, first_day)
        self.assertEqual(self.warranty.accepted_by, "Zhang San")

    def test_acceptance_needs_a_date_and_a_person(self):
        with self.assertRaisesText(UserError, "acceptance date"):
            self.warranty.record_acceptance(False, "Zhang San")
        with self.assertRaisesText(UserError, "Accepted By"):
            self.warranty.record_acceptance(self._today(), "  ")
        self.assertEqual(self.warranty.state, "awaiting")


class TestBadTerms(AftersalesCase):
    def test_zero_or_negative_duration_on_product(self):
        for duration in (0, -1):
            with self.assertRaisesText(ValidationError, "positive number"):
                self._create_product(f"Bad {duration}", duration=duration)
        with self.assertRaisesText(ValidationError, "positive number"):
            self.product.warranty_duration = 0

    def test_negative_manufacturer_warranty(self):
        with self.assertRaisesText(ValidationError, "cannot be negative"):
            self.product.manufacturer_warranty_duration = -2

    def test_warranty_needs_serial_tracking(self):
        with self.assertRaisesText(ValidationError, "Unique Serial Number"):
            self._create_product("Bulk Oil", tracking="lot")

    def test_zero_duration_on_warranty(self):
        warranty = self._delivered_warranties(self.product, ["BAD-001"])
        with self.assertRaisesText(ValidationError, "positive number"):
            warranty.duration = 0
        with self.assertRaisesText(ValidationError, "positive number"):
            warranty.duration = -12

    def test_second_warranty_for_a_serial_is_refused(self):
        warranty = self._delivered_warranties(self.product, ["DUP-001"])
        with self.assertRaisesText(ValidationError, "DUP-001 already has one"):
            self.env["aftersales.warranty"].create(
                {"lot_id": warranty.lot_id.id, "duration": 1, "period": "year"}
            )
        self.assertEqual(
            self.env["aftersales.warranty"].search_count(
                [("lot_id", "=", warranty.lot_id.id)]
            ),
            1,
        )


class TestBulkAcceptance(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warranties = cls._delivered_warranties(
            cls.product, ["BLK-001", "BLK-002", "BLK-003"]
        )
        cls._backdate_delivery(cls.warranties, 10)

    def _wizard(self, model, ids):
        return Form(
            self.env["aftersales.warranty.acceptance"].with_context(
                active_model=model, active_ids=ids
            )
        )

    def test_accept_many_warranties_at_once(self):
        form = self._wizard("aftersales.warranty", self.warranties.ids)
        self.assertEqual(form.acceptance_date, self._today())
        form.acceptance_date = self._days_ago(2)
        form.accepted_by = "Wang Wei"
        form.reference = "YS-BULK-1"
        form.save().action_accept()
        self.assertEqual(set(self.warranties.mapped("state")), {"accepted"})
        self.assertEqual(
            set(self.warranties.mapped("acceptance_reference")), {"YS-BULK-1"}
        )
        self.assertEqual(
            set(self.warranties.mapped("end_date")),
            {self._days_ago(2) + relativedelta(years=2)},
        )

    def test_accept_from_serial_numbers(self):
        form = self._wizard("stock.lot", self.warranties.lot_id.ids)
        form.accepted_by = "Wang Wei"
        form.save().action_accept()
        self.assertEqual(set(self.warranties.mapped("state")), {"accepted"})

    def test_already_accepted_units_are_left_out(self):
        self.warranties[0].record_acceptance(self._days_ago(5), "Li Si")
        form = self._wizard("aftersales.warranty", self.warranties.ids)
        self.assertEqual(len(form.warranty_ids), 2)
        form.accepted_by = "Wang Wei"
        form.save().action_accept()
        self.assertEqual(self.warranties[0].accepted_by, "Li Si")
        self.assertEqual(set(self.warranties[1:].mapped("accepted_by")), {"Wang Wei"})

    def test_nothing_to_accept(self):
        self.warranties.record_acceptance(self._days_ago(5), "Li Si")
        with self.assertRaisesText(UserError, "None of the selected units"):
            self._wizard("aftersales.warranty", self.warranties.ids)

    def test_one_bad_unit_accepts_none(self):
        late = self.warranties[-1]
        self._backdate_delivery(late, 1)
        form = self._wizard("aftersales.warranty", self.warranties.ids)
        form.acceptance_date = self._days_ago(5)
        form.accepted_by = "Wang Wei"
        wizard = form.save()
        with self.assertRaisesText(ValidationError, "before the delivery"):
            wizard.action_accept()
        self.assertEqual(set(self.warranties.mapped("state")), {"awaiting"})


class TestWarrantySearch(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.current, cls.expired, cls.awaiting = cls._delivered_warranties(
            cls.product, ["SRC-001", "SRC-002", "SRC-003"]
        ).sorted(lambda w: w.lot_id.name)
        cls._backdate_delivery(cls.current | cls.expired | cls.awaiting, 1200)
        cls.current.record_acceptance(cls._days_ago(100), "Zhang San")
        cls.expired.record_acceptance(cls._days_ago(1000), "Zhang San")
        cls.mine = cls.current | cls.expired | cls.awaiting

    def _search(self, domain):
        return self.env["aftersales.warranty"].search(
            [("id", "in", self.mine.ids), *domain]
        )

    def test_in_warranty_on_a_date(self):
        self.assertEqual(self._search([("valid_on", "=", self._today())]), self.current)
        self.assertEqual(
            self._search([("valid_on", "=", self._days_ago(500))]), self.expired
        )
        self.assertFalse(self._search([("valid_on", "=", self._days_ago(1100))]))
        self.assertEqual(
            self._search([("valid_on", "=", str(self._days_ago(99)))]), self.current
        )

    def test_valid_on_needs_one_date(self):
        with self.assertRaisesText(UserError, "one date"):
            self._search([("valid_on", ">", self._today())])

    def test_status(self):
        self.assertEqual(
            (self.current | self.expired | self.awaiting).mapped("warranty_status"),
            ["valid", "expired", "awaiting"],
        )
        self.assertEqual(
            self._search([("warranty_status", "=", "valid")]), self.current
        )
        self.assertEqual(
            self._search([("warranty_status", "=", "expired")]), self.expired
        )
        self.assertEqual(
            self._search([("warranty_status", "in", ["awaiting", "expired"])]),
            self.awaiting | self.expired,
        )
        self.assertEqual(
            self._search([("warranty_status", "!=", "valid")]),
            self.awaiting | self.expired,
        )

    def test_serial_numbers_by_warranty_status(self):
        lots = self.env["stock.lot"].search(
            [("id", "in", self.mine.lot_id.ids), ("warranty_status", "=", "valid")]
        )
        self.assertEqual(lots, self.current.lot_id)
        self.assertEqual(self.expired.lot_id.warranty_status, "expired")
