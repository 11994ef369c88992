from .common import StockCase


class TestWarehouseSetup(StockCase):
    def test_each_warehouse_has_its_locations_and_types(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Hangzhou Depot", "code": "HZD"}
        )
        for fname in (
            "aftersales_loaner_location_id",
            "aftersales_spare_location_id",
            "aftersales_repair_location_id",
        ):
            location = warehouse[fname]
            self.assertEqual(location.usage, "internal")
            self.assertEqual(location.location_id, warehouse.view_location_id)
            self.assertEqual(location.warehouse_id, warehouse)
        issue = warehouse.aftersales_loaner_out_type_id
        self.assertEqual(
            issue.default_location_src_id, warehouse.aftersales_loaner_location_id
        )
        self.assertEqual(issue.code, "outgoing")
        back = warehouse.aftersales_loaner_in_type_id
        self.assertEqual(
            back.default_location_dest_id, warehouse.aftersales_loaner_location_id
        )
        spares = warehouse.aftersales_spare_type_id
        self.assertEqual(
            spares.default_location_src_id, warehouse.aftersales_spare_location_id
        )

    def test_warehouses_made_before_the_add_on_are_completed(self):
        """Installing on a database with several warehouses: each one gets
        the locations and operation types once."""
        warehouses = self.env["stock.warehouse"].create(
            [
                {"name": "Old Depot A", "code": "ODA"},
                {"name": "Old Depot B", "code": "ODB"},
            ]
        )
        fnames = [
            "aftersales_loaner_location_id",
            "aftersales_spare_location_id",
            "aftersales_repair_location_id",
            "aftersales_loaner_out_type_id",
            "aftersales_loaner_in_type_id",
            "aftersales_spare_type_id",
        ]
        warehouses.write(dict.fromkeys(fnames, False))
        self.env["stock.warehouse"]._aftersales_setup_missing()
        types_before = self.env["stock.picking.type"].search_count([])
        for warehouse in warehouses:
            for fname in fnames:
                self.assertTrue(warehouse[fname], fname)
        self.env["stock.warehouse"]._aftersales_setup_missing()
        self.assertEqual(self.env["stock.picking.type"].search_count([]), types_before)
