from odoo import Command
from odoo.exceptions import UserError, ValidationError

from .common import StockCase


class TestSpareRequests(StockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.module = cls._spare("Power Module PM-2", 1)
        cls.fan = cls._spare("Cabinet Fan", 5)

    def _dispatch(self):
        dispatch = self._plan(self._request())
        dispatch.with_user(self.engineer).action_dispatch()
        return dispatch

    def _ask(self, dispatch, product, quantity=1, user=None):
        request = (
            self.env["aftersales.spare.request"]
            .with_user(user or self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "quantity": quantity})
                    ],
                }
            )
        )
        request.action_request()
        return request.with_env(self.env)

    def _reserved(self, product):
        return sum(
            self.env["stock.quant"]
            .search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "=", self.spare_location.id),
                ]
            )
            .mapped("reserved_quantity")
        )

    def test_engineer_asks_warehouse_reserves_dispatch_consumes(self):
        self.unit.warranty_id.record_acceptance(self._today(), "Wang Wei")
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.module)
        self.assertEqual(request.state, "requested")
        self.assertEqual(request.picking_id.location_id, self.spare_location)
        self.assertEqual(request.picking_id.state, "confirmed")
        self.assertEqual(request.lot_id, self.unit)
        with self.assertRaisesText(UserError, "Only warehouse users reserve"):
            request.with_user(self.engineer).action_reserve()
        self.assertEqual(self._reserved(self.module), 0)
        request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(request.state, "reserved")
        self.assertEqual(request.move_ids.state, "assigned")
        self.assertEqual(self._reserved(self.module), 1)

        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Replaced the power module"})]}
        )
        dispatch.with_user(self.engineer).action_finish()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.picking_id.state, "done")
        self.assertEqual(
            self.module.with_context(location=self.spare_location.id).qty_available, 0
        )
        # Fitted under the unit's warranty for an equipment fault: the part
        # gets its own warranty from today.
        part = self.unit.part_warranty_ids
        self.assertEqual(part.product_id, self.module)
        self.assertEqual(part.spare_request_id, request)
        self.assertEqual(part.date_fitted, self._today())

    def test_the_last_unit_goes_to_one_request_only(self):
        first = self._ask(self._dispatch(), self.module)
        second = self._ask(self._dispatch(), self.module)
        first.with_user(self.warehouse_user).action_reserve()
        with self.assertRaisesText(UserError, "0.0 free"):
            second.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(second.state, "requested")
        self.assertEqual(second.move_ids.state, "confirmed")
        self.assertEqual(self._reserved(self.module), 1)
        # Cancelling the first releases the part for the second.
        first.with_user(self.engineer).action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(self._reserved(self.module), 0)
        second.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(second.state, "reserved")

    def test_a_cancelled_dispatch_releases_its_spares(self):
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.fan, 2)
        request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(self._reserved(self.fan), 2)
        dispatch.with_user(self.back_office).action_cancel()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self._reserved(self.fan), 0)

    def test_finishing_with_unreserved_parts_is_refused(self):
        dispatch = self._dispatch()
        request = self._ask(dispatch, self.fan)
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Cleaned the filters"})]}
        )
        with self.assertRaisesText(UserError, "is not reserved yet"):
            dispatch.with_user(self.engineer).action_finish()
        self.assertEqual(dispatch.state, "on_site")
        self.assertEqual(request.state, "requested")

    def test_bad_requests(self):
        dispatch = self._dispatch()
        Request = self.env["aftersales.spare.request"].with_user(self.engineer)
        count = Request.search_count([])
        with self.assertRaisesText(ValidationError, "must be positive"):
            Request.create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [
                        Command.create({"product_id": self.fan.id, "quantity": 0})
                    ],
                }
            )
        with self.assertRaisesText(ValidationError, "either for a dispatch order"):
            Request.create({"line_ids": [Command.create({"product_id": self.fan.id})]})
        empty = Request.create({"dispatch_id": dispatch.id})
        with self.assertRaisesText(UserError, "add the parts needed"):
            empty.action_request()
        self.assertEqual(empty.state, "draft")
        self.assertFalse(empty.picking_id)
        self.assertEqual(Request.search_count([]), count + 1)

    def test_sent_requests_keep_their_parts(self):
        request = self._ask(self._dispatch(), self.fan)
        with self.assertRaisesText(UserError, "Only the parts of a draft request"):
            request.line_ids.with_user(self.engineer).write({"quantity": 4})
        with self.assertRaisesText(UserError, "Only the parts of a draft request"):
            request.line_ids.with_user(self.engineer).unlink()
        request.with_user(self.warehouse_user).action_reserve()
        with self.assertRaisesText(UserError, "Cancel a spare request before deleting"):
            request.unlink()
        self.assertEqual(request.line_ids.quantity, 1)

    def test_no_parts_for_a_finished_dispatch(self):
        dispatch = self._dispatch()
        unsent = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [Command.create({"product_id": self.fan.id})],
                }
            )
        )
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {"action_ids": [Command.create({"content": "Cleaned the filters"})]}
        )
        dispatch.with_user(self.engineer).action_finish()
        # A request never sent is dropped when the work is finished.
        self.assertEqual(unsent.state, "cancelled")
        late = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [Command.create({"product_id": self.fan.id})],
                }
            )
        )
        with self.assertRaisesText(UserError, "takes no more parts"):
            late.action_request()

    def test_engineers_see_their_own_requests(self):
        request = self._ask(self._dispatch(), self.fan)
        Request = self.env["aftersales.spare.request"]
        self.assertIn(request, Request.with_user(self.engineer).search([]))
        self.assertNotIn(request, Request.with_user(self.other_engineer).search([]))
        self.assertIn(request, Request.with_user(self.warehouse_user).search([]))
        self.assertIn(request, Request.with_user(self.back_office).search([]))

    def test_discontinued_part_proposes_its_substitute(self):
        old = self._spare("Power Module PM-1", 0)
        old.write(
            {
                "aftersales_discontinued": True,
                "aftersales_substitute_ids": [Command.set(self.module.ids)],
            }
        )
        request = (
            self.env["aftersales.spare.request"]
            .with_user(self.engineer)
            .create(
                {
                    "dispatch_id": self._dispatch().id,
                    "line_ids": [Command.create({"product_id": old.id})],
                }
            )
        )
        line = request.line_ids
        self.assertEqual(line.substitute_id, self.module)
        with self.assertRaisesText(UserError, "Use its substitute Power Module PM-2"):
            request.action_request()
        self.assertEqual(request.state, "draft")
        line.action_use_substitute()
        self.assertEqual(line.product_id, self.module)
        self.assertFalse(line.substitute_id)
        request.action_request()
        self.assertEqual(request.state, "requested")

    def test_short_part_proposes_a_substitute_in_stock(self):
        self.module.aftersales_substitute_ids = [Command.set(self.fan.ids)]
        request = self._ask(self._dispatch(), self.module, 3)
        self.assertEqual(request.line_ids.substitute_id, self.fan)
        with self.assertRaisesText(UserError, "substitute: Cabinet Fan"):
            request.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(self._reserved(self.module), 0)

    def test_parts_for_an_off_site_repair(self):
        request = self._request()
        repair = self.env["repair.order"].browse(
            request.action_offsite_repair()["res_id"]
        )
        spares = (
            self.env["aftersales.spare.request"]
            .with_user(self.back_office)
            .create(
                {
                    "repair_id": repair.id,
                    "line_ids": [
                        Command.create({"product_id": self.fan.id, "quantity": 2})
                    ],
                }
            )
        )
        spares.action_request()
        move = repair.move_ids.filtered(
            lambda m: m.aftersales_spare_request_id == spares
        )
        self.assertEqual(move.repair_line_type, "add")
        self.assertEqual(move.location_id, self.spare_location)
        with self.assertRaisesText(UserError, "confirm repair"):
            spares.with_user(self.warehouse_user).action_reserve()
        # The unit arrives in the repair location and the repair starts.
        repair.aftersales_inbound_picking_id.button_validate()
        self.assertEqual(
            self._quant_at(self.unit, self.warehouse.aftersales_repair_location_id), 1
        )
        self.assertIs(repair.action_validate(), True)
        # Confirming the repair reserves nothing: the warehouse does.
        self.assertEqual(move.state, "confirmed")
        spares.with_user(self.warehouse_user).action_reserve()
        self.assertEqual(move.state, "assigned")
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(move.state, "done")
        self.assertEqual(spares.state, "done")
        self.assertEqual(
            self.fan.with_context(location=self.spare_location.id).qty_available, 3
        )
