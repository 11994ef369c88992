from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from .common import ROLES, AftersalesCase


class TestPreShipmentCheck(AftersalesCase):
    """B5: with the company's setting on, a warranty product's delivery is
    validated only once a technician recorded a passed pre-shipment check
    (发送货物前…确认设备无任何故障)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.aftersales_preshipment_check = True
        cls.warehouse_user = new_test_user(
            cls.env, login="as_ps_wh", groups=ROLES["warehouse"]
        )

    def _sale_delivery(self, product, name):
        lot = self._stock_serials(product, [name])
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "partner_shipping_id": self.site.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "picking_id": picking.id,
                    "quantity": 1,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
        ]
        move.picked = True
        return picking

    def _validate(self, picking):
        return picking.with_context(skip_sms=True).button_validate()

    def test_a_delivery_without_a_passed_check_is_refused(self):
        picking = self._sale_delivery(self.product, "PS-001")
        self.assertTrue(picking.aftersales_check_required)
        with self.assertRaisesText(UserError, "pre-shipment check"):
            self._validate(picking)
        self.assertNotEqual(picking.state, "done")
        self.assertFalse(picking.move_line_ids.lot_id.warranty_ids)
        picking.with_user(self.warehouse_user).write(
            {"aftersales_check_result": "fail", "aftersales_check_remarks": "Fan noise"}
        )
        with self.assertRaisesText(UserError, "pre-shipment check"):
            self._validate(picking)
        self.assertNotEqual(picking.state, "done")

    def test_a_passed_check_ships_and_says_who_checked_when(self):
        picking = self._sale_delivery(self.product, "PS-002")
        picking.with_user(self.warehouse_user).aftersales_check_result = "pass"
        self.assertEqual(picking.aftersales_checked_by_id, self.warehouse_user)
        self.assertTrue(picking.aftersales_checked_at)
        self._validate(picking)
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.move_line_ids.lot_id.warranty_ids)
        # What was recorded stays as recorded.
        with self.assertRaisesText(UserError, "is done"):
            picking.aftersales_check_result = "fail"

    def test_who_checked_is_stamped_never_typed(self):
        picking = self._sale_delivery(self.product, "PS-003")
        with self.assertRaisesText(UserError, "recorded with the"):
            picking.with_user(self.warehouse_user).write(
                {"aftersales_check_result": "pass", "aftersales_checked_by_id": 1}
            )
        self.assertFalse(picking.aftersales_check_result)

    def test_off_the_setting_or_the_warranty_nothing_is_asked(self):
        plain = self.env["product.product"].create(
            {"name": "Cable", "is_storable": True, "tracking": "serial"}
        )
        picking = self._sale_delivery(plain, "PS-CABLE")
        self.assertFalse(picking.aftersales_check_required)
        self._validate(picking)
        self.assertEqual(picking.state, "done")
        self.env.company.aftersales_preshipment_check = False
        picking = self._sale_delivery(self.product, "PS-004")
        self.assertFalse(picking.aftersales_check_required)
        self._validate(picking)
        self.assertEqual(picking.state, "done")
