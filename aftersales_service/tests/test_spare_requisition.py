from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import StockCase

PURCHASE_USER = "purchase.group_purchase_user"


class TestSpareRequisition(StockCase):
    """M3: what the spares location can't supply goes to purchasing as a
    spare purchase requisition (维修备品采购单), approved by purchasing and
    turned into requests for quotation received into the spares
    location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchaser = new_test_user(
            cls.env, login="as_m3_buyer", groups=PURCHASE_USER
        )
        cls.purchaser2 = new_test_user(
            cls.env, login="as_m3_buyer2", groups=PURCHASE_USER
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Relay Works"})
        cls.vendor2 = cls.env["res.partner"].create({"name": "Board House"})
        cls.relay = cls._spare("Relay R-4", 1, seller_ids=cls._sellers(cls.vendor, 35))
        cls.board = cls._spare("IO Board", 0, seller_ids=cls._sellers(cls.vendor2, 900))
        cls.fuse = cls._spare("Fuse 5 A", 0, seller_ids=cls._sellers(cls.vendor, 2))
        cls.unsourced = cls._spare("Odd Bracket", 0)

    @classmethod
    def _sellers(cls, vendor, price):
        return [Command.create({"partner_id": vendor.id, "price": price, "delay": 7})]

    def _spare_request(self, lines):
        dispatch = self._plan(self._request())
        dispatch.with_user(self.engineer).action_dispatch()
        request = self.env["aftersales.spare.request"].create(
            {
                "dispatch_id": dispatch.id,
                "line_ids": [
                    Command.create({"product_id": product.id, "quantity": quantity})
                    for product, quantity in lines
                ],
            }
        )
        request.action_request()
        return request

    def _requisition(self, lines, user=None):
        requisition = (
            self.env["aftersales.spare.requisition"]
            .with_user(user or self.back_office)
            .create(
                {
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "quantity": quantity})
                        for product, quantity in lines
                    ],
                }
            )
        )
        requisition.request_validation()
        return requisition.with_env(self.env)

    def _approved(self, lines):
        requisition = self._requisition(lines)
        requisition.with_user(self.purchaser).validate_tier()
        return requisition

    # From the spare request ---------------------------------------------------

    def test_a_short_spare_request_orders_its_missing_parts_once(self):
        request = self._spare_request([(self.relay, 3), (self.fan_in_stock(), 1)])
        with self.assertRaisesText(UserError, "can't be reserved in full"):
            request.with_user(self.warehouse_user).action_reserve()
        action = request.with_user(self.back_office).action_order_missing_parts()
        requisition = self.env["aftersales.spare.requisition"].browse(action["res_id"])
        # Three asked, one in the spares location: two to buy. The part in
        # stock is not ordered.
        self.assertRecordValues(
            requisition.line_ids,
            [
                {
                    "product_id": self.relay.id,
                    "quantity": 2.0,
                    "vendor_id": self.vendor.id,
                    "spare_request_id": request.id,
                }
            ],
        )
        self.assertEqual(requisition.requester_id, self.back_office)
        self.assertEqual(requisition.origin, request.name)
        self.assertEqual(requisition.state, "draft")
        self.assertEqual(requisition.validation_status, "pending")
        self.assertEqual(request.requisition_line_ids, requisition.line_ids)
        relay_line = request.line_ids.filtered(lambda x: x.product_id == self.relay)
        self.assertIn(requisition.name, relay_line.incoming)
        # Asking again finds the shortage covered.
        with self.assertRaisesText(UserError, "nothing to order"):
            request.with_user(self.warehouse_user).action_order_missing_parts()
        self.assertEqual(
            self.env["aftersales.spare.requisition.line"].search_count(
                [("product_id", "=", self.relay.id)]
            ),
            1,
        )

    def fan_in_stock(self):
        return self._spare(
            "Cabinet Fan F-1", 5, seller_ids=self._sellers(self.vendor, 9)
        )

    def test_only_a_waiting_request_orders_parts(self):
        request = self.env["aftersales.spare.request"].create(
            {
                "dispatch_id": self._plan(self._request()).id,
                "line_ids": [Command.create({"product_id": self.relay.id})],
            }
        )
        with self.assertRaisesText(UserError, "only a request waiting for its parts"):
            request.action_order_missing_parts()

    def _count(self):
        return self.env["aftersales.spare.requisition"].search_count([])

    def test_a_draft_repair_is_confirmed_before_its_parts_are_ordered(self):
        repair = self.env["repair.order"].browse(
            self._request().action_offsite_repair()["res_id"]
        )
        request = self.env["aftersales.spare.request"].create(
            {
                "repair_id": repair.id,
                "line_ids": [Command.create({"product_id": self.board.id})],
            }
        )
        request.action_request()
        with self.assertRaisesText(UserError, "confirm repair"):
            request.with_user(self.warehouse_user).action_order_missing_parts()
        # The unit arrives in the repair location and the repair starts.
        repair.aftersales_inbound_picking_id.button_validate()
        repair.action_validate()
        action = request.with_user(self.warehouse_user).action_order_missing_parts()
        self.assertRecordValues(
            self.env["aftersales.spare.requisition"].browse(action["res_id"]).line_ids,
            [{"product_id": self.board.id, "quantity": 1.0}],
        )

    def test_a_part_without_vendor_says_what_to_set_up(self):
        request = self._spare_request([(self.unsourced, 2)])
        before = self._count()
        with self.assertRaisesText(UserError, "Purchase tab (vendor pricelist)"):
            request.with_user(self.back_office).action_order_missing_parts()
        self.assertEqual(self._count(), before)

    # The spare floor ----------------------------------------------------------

    def test_the_spare_floor_is_requisitioned_up_to_its_maximum(self):
        self.env["stock.warehouse.orderpoint"].create(
            {
                "warehouse_id": self.warehouse.id,
                "location_id": self.spare_location.id,
                "product_id": self.fuse.id,
                "product_min_qty": 4,
                "product_max_qty": 10,
                "route_id": self.warehouse.aftersales_spare_route_id.id,
            }
        )
        Requisition = self.env["aftersales.spare.requisition"]
        requisition = Requisition._order_shortages(
            self.warehouse, self.fuse | self.unsourced
        )
        # Nothing in stock: up to the maximum. The bracket has no vendor and
        # no floor; it is not bought.
        self.assertRecordValues(
            requisition.line_ids, [{"product_id": self.fuse.id, "quantity": 10.0}]
        )
        self.assertEqual(requisition.origin, "Spare floor")
        # The next run finds the floor covered by the open requisition.
        self.assertFalse(Requisition._order_shortages(self.warehouse, self.fuse))

    def test_shortages_cost_the_same_queries_for_one_part_or_many(self):
        Requisition = self.env["aftersales.spare.requisition"]
        parts = self.relay | self.board | self.fuse | self.unsourced
        parts |= self.env["product.product"].create(
            [
                {"name": f"Spare {n}", "type": "consu", "is_storable": True}
                for n in range(10)
            ]
        )

        def queries(products):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Requisition._shortages(self.warehouse, products)
            return self.env.cr.sql_log_count - before

        queries(parts)  # Odoo's own caches (rules, units) are filled once.
        self.assertEqual(queries(self.relay), queries(parts))

    # Approval -----------------------------------------------------------------

    def test_purchasing_approves_and_nobody_else(self):
        requisition = self._requisition([(self.relay, 2)])
        # The banner names who approves it, not the group's bare name.
        review = requisition.review_ids
        named = review.todo_by.rstrip("…").split(", ")
        self.assertTrue(set(named) <= set(review.reviewer_ids.mapped("name")))
        self.assertIn(self.purchaser, review.reviewer_ids)
        # The back office asked: it can't approve, nor can the warehouse.
        for user in (self.back_office, self.warehouse_user):
            with self.assertRaisesText(UserError, "only purchasing approves it"):
                requisition.with_user(user).validate_tier()
        self.assertEqual(requisition.state, "draft")
        # Nor by writing the state.
        with self.assertRaisesText(UserError, "Status is set by its actions"):
            requisition.with_user(self.back_office).write({"state": "approved"})
        requisition.with_user(self.purchaser).validate_tier()
        self.assertEqual(requisition.state, "approved")
        self.assertEqual(requisition.validation_status, "validated")
        # Supply has the order to place on its list.
        self.assertEqual(
            requisition.activity_ids.activity_type_id,
            self.env.ref("aftersales_service.mail_activity_type_order_spares"),
        )
        self.assertEqual(requisition.activity_ids.user_id, self.purchaser)
        with self.assertRaises(UserError):
            requisition.with_user(self.purchaser2).validate_tier()
        self.assertEqual(len(requisition.review_ids), 1)

    def test_purchasing_does_not_approve_its_own(self):
        requisition = self._requisition([(self.relay, 1)], user=self.manager_buyer())
        with self.assertRaisesText(UserError, "never the one who asked"):
            requisition.with_user(requisition.requester_id).validate_tier()
        requisition.with_user(self.purchaser).validate_tier()
        self.assertEqual(requisition.state, "approved")

    def manager_buyer(self):
        return new_test_user(
            self.env,
            login="as_m3_bo_buyer",
            groups=f"aftersales_service.group_aftersales_user,{PURCHASE_USER}",
        )

    # Purchase orders ------------------------------------------------------------

    def test_approved_requisitions_become_one_quotation_per_vendor(self):
        request = self._spare_request([(self.relay, 3)])
        first = self.env["aftersales.spare.requisition"].browse(
            request.with_user(self.back_office).action_order_missing_parts()["res_id"]
        )
        first.with_user(self.purchaser).validate_tier()
        second = self._approved([(self.board, 1), (self.fuse, 20)])
        with self.assertRaisesText(UserError, "Only purchasing turns"):
            (first | second).with_user(
                self.warehouse_user
            ).action_create_purchase_orders()
        (first | second).with_user(self.purchaser).action_create_purchase_orders()
        self.assertEqual((first | second).mapped("state"), ["ordered", "ordered"])
        orders = (first | second).purchase_ids
        self.assertEqual(orders.partner_id, self.vendor | self.vendor2)
        self.assertEqual(len(orders), 2)
        relay_order = orders.filtered(lambda o: o.partner_id == self.vendor)
        # Quotations, priced from the vendor pricelist, received into spares.
        self.assertEqual(relay_order.state, "draft")
        self.assertRecordValues(
            relay_order.order_line.sorted("price_unit"),
            [
                {"product_id": self.fuse.id, "product_qty": 20.0, "price_unit": 2.0},
                {"product_id": self.relay.id, "product_qty": 2.0, "price_unit": 35.0},
            ],
        )
        self.assertEqual(relay_order.picking_type_id, self.warehouse.in_type_id)
        self.assertIn(first.name, relay_order.origin)
        self.assertIn(second.name, relay_order.origin)
        # The spare request shows where its part is coming from.
        line = request.line_ids
        line.invalidate_recordset(["incoming"])
        self.assertIn(f"{relay_order.name}, expected", line.incoming)
        # Ordering twice is refused.
        with self.assertRaisesText(UserError, "already ordered"):
            first.with_user(self.purchaser).action_create_purchase_orders()
        self.assertEqual(
            self.env["purchase.order.line"].search_count(
                [("aftersales_requisition_line_id", "in", first.line_ids.ids)]
            ),
            1,
        )
        # Purchasing confirms; the receipt goes into the spares location, and
        # the waiting request reserves its parts.
        relay_order.with_user(self.purchaser).button_confirm()
        receipt = relay_order.picking_ids
        self.assertEqual(receipt.location_dest_id, self.spare_location)
        receipt.move_ids.picked = True
        receipt.button_validate()
        request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(request.state, "reserved")
        line.invalidate_recordset(["incoming"])
        self.assertFalse(line.incoming)

    def test_not_before_approval(self):
        requisition = self._requisition([(self.relay, 2)])
        with self.assertRaisesText(UserError, "not approved by purchasing yet"):
            requisition.with_user(self.purchaser).action_create_purchase_orders()
        self.assertFalse(requisition.purchase_ids)

    # Bad input ------------------------------------------------------------------

    def test_bad_quantities_and_parts_are_refused_whole(self):
        Requisition = self.env["aftersales.spare.requisition"].with_user(
            self.back_office
        )
        before = self._count()
        for quantity, message in (
            (0, "must be positive"),
            (-2, "must be positive"),
            (float("nan"), "Quantity"),
            (float("inf"), "Quantity"),
            (1e9, "Quantity"),
        ):
            with (
                self.subTest(quantity=quantity),
                self.assertRaisesText(ValidationError, message),
            ):
                Requisition.create(
                    {
                        "warehouse_id": self.warehouse.id,
                        "line_ids": [
                            Command.create(
                                {"product_id": self.relay.id, "quantity": quantity}
                            )
                        ],
                    }
                )
        with self.assertRaisesText(ValidationError, "Purchase tab (vendor pricelist)"):
            Requisition.create(
                {
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [Command.create({"product_id": self.unsourced.id})],
                }
            )
        self.assertEqual(self._count(), before)

    def test_an_approved_requisition_does_not_change(self):
        requisition = self._approved([(self.relay, 2)])
        user = self.back_office
        with self.assertRaisesText(UserError, "under review or approved"):
            requisition.line_ids.with_user(user).quantity = 20
        with self.assertRaisesText(UserError, "under review or approved"):
            requisition.with_user(user).line_ids = [
                Command.create({"product_id": self.fuse.id})
            ]
        with self.assertRaisesText(UserError, "under review or approved"):
            requisition.line_ids.with_user(user).unlink()
        other = self.env["stock.warehouse"].create({"name": "North", "code": "NTH"})
        with self.assertRaisesText(UserError, "can't change"):
            requisition.with_user(user).warehouse_id = other
        with self.assertRaisesText(UserError, "purchasing approved it"):
            requisition.with_user(self.manager_user()).unlink()
        self.assertRecordValues(
            requisition.line_ids, [{"product_id": self.relay.id, "quantity": 2.0}]
        )

    def manager_user(self):
        return new_test_user(
            self.env,
            login="as_m3_manager",
            groups="aftersales_service.group_aftersales_manager",
        )

    def test_under_review_the_parts_are_fixed(self):
        requisition = self._requisition([(self.relay, 2)])
        with self.assertRaisesText(UserError, "under review or approved"):
            requisition.line_ids.with_user(self.back_office).quantity = 5
        # Rejected, corrected, asked again.
        requisition.with_user(self.purchaser).reject_tier()
        requisition.with_user(self.back_office).restart_validation()
        requisition.line_ids.with_user(self.back_office).quantity = 5
        self.assertEqual(requisition.line_ids.quantity, 5)

    def test_cancel_and_draft(self):
        requisition = self._approved([(self.relay, 2)])
        requisition.with_user(self.back_office).action_cancel()
        self.assertEqual(requisition.state, "cancelled")
        self.assertFalse(requisition.activity_ids)
        requisition.with_user(self.back_office).action_draft()
        self.assertEqual(requisition.state, "draft")
        self.assertEqual(requisition.validation_status, "no")
        ordered = self._approved([(self.fuse, 2)])
        ordered.with_user(self.purchaser).action_create_purchase_orders()
        with self.assertRaisesText(UserError, "cancel its purchase order instead"):
            ordered.with_user(self.back_office).action_cancel()

    # Access ---------------------------------------------------------------------

    def test_who_may_do_what(self):
        Requisition = self.env["aftersales.spare.requisition"]
        for user in (self.engineer, self.purchaser):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Requisition.with_user(user).create({"warehouse_id": self.warehouse.id})
        for user in (self.back_office, self.warehouse_user):
            self.assertTrue(
                Requisition.with_user(user).create({"warehouse_id": self.warehouse.id})
            )
        requisition = self._requisition([(self.relay, 1)])
        # Purchasing reads what it approves.
        self.assertEqual(
            requisition.with_user(self.purchaser).line_ids.vendor_id, self.vendor
        )
        with self.assertRaises(AccessError):
            requisition.with_user(self.engineer).read(["name"])

    def test_purchasing_opens_a_requisition_made_for_a_spare_request(self):
        request = self._spare_request([(self.relay, 3)])
        action = request.with_user(self.warehouse_user).action_order_missing_parts()
        requisition = self.env["aftersales.spare.requisition"].browse(action["res_id"])
        # The form as purchasing reads it: the spare request's name, though
        # purchasing has no access to spare requests themselves.
        [values] = requisition.with_user(self.purchaser).web_read(
            {
                "line_ids": {
                    "fields": {
                        "spare_request_id": {"fields": {"display_name": {}}},
                        "vendor_id": {"fields": {"display_name": {}}},
                        "purchase_id": {"fields": {"display_name": {}}},
                    }
                }
            }
        )
        [line] = values["line_ids"]
        self.assertEqual(line["spare_request_id"]["display_name"], request.name)
        self.assertEqual(line["vendor_id"]["display_name"], "Relay Works")
