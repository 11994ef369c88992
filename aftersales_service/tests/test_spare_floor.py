from odoo import Command
from odoo.exceptions import ValidationError

from .common import StockCase


class TestSpareFloor(StockCase):
    """3 % of the units in service, per spare, rounded up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fuse = cls._spare("Fuse 10 A", 0)
        cls.board = cls._spare("Control Board", 0)
        cls.pump = cls._create_product(
            "Circulation Pump", aftersales_spare_ids=[Command.set(cls.fuse.ids)]
        )
        cls.product.aftersales_spare_ids = [Command.set((cls.fuse | cls.board).ids)]
        # 40 cabinets under warranty, 2 of them also under a contract.
        cabinets = cls._accepted_warranties(
            cls.product,
            [f"FLR-C{n:03}" for n in range(40)],
            30,
            delivered_days_ago=40,
            by="Li Ming",
        )
        # 27 pumps whose warranty expired, under a running contract instead,
        # and 5 pumps neither under warranty nor under contract.
        pumps = cls._accepted_warranties(
            cls.pump,
            [f"FLR-P{n:03}" for n in range(32)],
            1100,
            delivered_days_ago=1200,
            by="Li Ming",
        )
        cls._running_contract(
            pumps[:27].lot_id | cabinets[:2].lot_id,
            product_id=cls.env.ref("aftersales_service.product_service_contract").id,
            amount=1000,
        )

    def _rules(self):
        return self.env["stock.warehouse.orderpoint"].search(
            [
                ("location_id", "=", self.spare_location.id),
                ("product_id", "in", (self.fuse | self.board).ids),
            ]
        )

    def test_floors_from_the_installed_base(self):
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        counts = Orderpoint._aftersales_units_in_service(self.env.company)
        # The unit DSP-001 awaits acceptance: not in service yet.
        self.assertEqual(counts[self.warehouse, self.product.product_tmpl_id], 40)
        self.assertEqual(counts[self.warehouse, self.pump.product_tmpl_id], 27)
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        rules = self._rules()
        fuse = rules.filtered(lambda r: r.product_id == self.fuse)
        board = rules.filtered(lambda r: r.product_id == self.board)
        # Fuse: 40 cabinets + 27 pumps = 67 units; 3 % = 2.01, so 3.
        self.assertEqual(fuse.aftersales_units_in_service, 67)
        self.assertEqual(fuse.product_min_qty, 3)
        # Board: 40 cabinets; 3 % = 1.2, so 2.
        self.assertEqual(board.aftersales_units_in_service, 40)
        self.assertEqual(board.product_min_qty, 2)
        self.assertEqual(board.warehouse_id, self.warehouse)
        # The floor is kept by resupplying the spares from the stock.
        rule = board.route_id.rule_ids
        self.assertEqual(board.route_id, self.warehouse.aftersales_spare_route_id)
        self.assertEqual(rule.location_src_id, self.warehouse.lot_stock_id)
        self.assertEqual(rule.location_dest_id, self.spare_location)

        # A second run updates the same rules.
        self.env.company.aftersales_spare_floor_percent = 10
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        self.assertEqual(self._rules(), rules)
        self.assertEqual(fuse.product_min_qty, 7)  # 6.7
        self.assertEqual(board.product_min_qty, 4)  # 4.0
        self.assertGreaterEqual(fuse.product_max_qty, 7)

    def test_each_warehouse_keeps_the_floor_of_the_units_it_serves(self):
        ningbo = self.env["stock.warehouse"].create({"name": "Ningbo", "code": "NB"})
        pumps = self.env["stock.lot"].create(
            [{"name": f"NB-P{n}", "product_id": self.pump.id} for n in range(10)]
        )
        Picking = self.env["stock.picking"]
        for pump in pumps:
            self.env["stock.quant"]._update_available_quantity(
                self.pump, ningbo.lot_stock_id, 1, lot_id=pump
            )
            Picking._aftersales_transfer(
                ningbo.out_type_id,
                pump,
                ningbo.lot_stock_id,
                self.customer_location,
                self.site,
                "NB",
                validate=True,
            )
        pumps.warranty_ids.record_acceptance(self._today(), "Zhou Jie")
        Orderpoint = self.env["stock.warehouse.orderpoint"]
        Orderpoint._aftersales_update_spare_floors(self.env.company)
        fuse_rules = Orderpoint.search([("product_id", "=", self.fuse.id)])
        by_warehouse = {
            r.warehouse_id: r.aftersales_units_in_service for r in fuse_rules
        }
        self.assertEqual(by_warehouse, {self.warehouse: 67, ningbo: 10})
        ningbo_rule = fuse_rules.filtered(lambda r: r.warehouse_id == ningbo)
        self.assertEqual(ningbo_rule.location_id, ningbo.aftersales_spare_location_id)
        self.assertEqual(ningbo_rule.product_min_qty, 1)  # 0.3

    def test_exact_shares_are_not_rounded_up(self):
        self.env.company.aftersales_spare_floor_percent = 25
        floors = self.env["stock.warehouse.orderpoint"]._aftersales_spare_floors(
            self.env.company
        )
        self.assertEqual(floors[self.warehouse, self.board], (40, 10))
        self.assertEqual(floors[self.warehouse, self.fuse], (67, 17))  # 16.75

    def test_the_share_is_a_percentage(self):
        with self.assertRaisesText(ValidationError, "between 0 and 100"):
            self.env.company.aftersales_spare_floor_percent = 120
        self.assertEqual(self.env.company.aftersales_spare_floor_percent, 3)

    def test_settings_button_and_scheduled_action(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_aftersales_update_spare_floors()
        self.assertEqual(action["res_model"], "stock.warehouse.orderpoint")
        self.assertEqual(len(self._rules()), 2)
        cron = self.env.ref("aftersales_service.ir_cron_spare_floors")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        cron.method_direct_trigger()
        self.assertEqual(len(self._rules()), 2)
