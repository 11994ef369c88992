from odoo import _, api, fields, models

# The after-sales operation types: {field: sequence code}.
AFTERSALES_PICKING_TYPES = {
    "aftersales_loaner_out_type_id": "LNO",
    "aftersales_loaner_in_type_id": "LNI",
    "aftersales_spare_type_id": "SPR",
}


class StockWarehouse(models.Model):
    """Each warehouse keeps loaners (备用设备), spares (备品备件) and units
    under repair in locations of their own, moved by their own operation
    types."""

    _inherit = "stock.warehouse"

    aftersales_loaner_location_id = fields.Many2one(
        "stock.location", string="Loaner Location", check_company=True, copy=False
    )
    aftersales_spare_location_id = fields.Many2one(
        "stock.location", string="Spares Location", check_company=True, copy=False
    )
    aftersales_repair_location_id = fields.Many2one(
        "stock.location", string="Repair Location", check_company=True, copy=False
    )
    aftersales_loaner_out_type_id = fields.Many2one(
        "stock.picking.type", string="Loaner Issue Type", check_company=True, copy=False
    )
    aftersales_loaner_in_type_id = fields.Many2one(
        "stock.picking.type",
        string="Loaner Return Type",
        check_company=True,
        copy=False,
    )
    aftersales_spare_type_id = fields.Many2one(
        "stock.picking.type", string="Spare Issue Type", check_company=True, copy=False
    )

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get(
            "company_id", self.default_get(["company_id"])["company_id"]
        )
        locations = {
            "aftersales_loaner_location_id": (_("Loaners"), "LOANER"),
            "aftersales_spare_location_id": (_("Spares"), "SPARES"),
            "aftersales_repair_location_id": (_("Repair"), "REPAIR"),
        }
        for field, (name, suffix) in locations.items():
            values[field] = {
                "name": name,
                "active": True,
                "usage": "internal",
                "barcode": self._valid_barcode(code + suffix, company_id),
            }
        return values

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        for field, prefix in AFTERSALES_PICKING_TYPES.items():
            values[field] = {
                "name": _(
                    "%(warehouse)s Sequence %(code)s",
                    warehouse=name or self.name,
                    code=prefix,
                ),
                "prefix": f"{code or self.code}/{prefix}/",
                "padding": 5,
                "company_id": self.company_id.id,
            }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        customers = self.env.ref("stock.stock_location_customers")
        common = {"company_id": self.company_id.id, "use_create_lots": False}
        data.update(
            {
                "aftersales_loaner_out_type_id": {
                    **common,
                    "name": _("Loaner Issues"),
                    "code": "outgoing",
                    "use_existing_lots": True,
                    "default_location_src_id": self.aftersales_loaner_location_id.id,
                    "default_location_dest_id": customers.id,
                    "sequence": next_sequence + 1,
                    "sequence_code": "LNO",
                },
                "aftersales_loaner_in_type_id": {
                    **common,
                    "name": _("Loaner Returns"),
                    "code": "incoming",
                    "use_existing_lots": True,
                    "default_location_src_id": customers.id,
                    "default_location_dest_id": self.aftersales_loaner_location_id.id,
                    "sequence": next_sequence + 2,
                    "sequence_code": "LNI",
                },
                "aftersales_spare_type_id": {
                    **common,
                    "name": _("Spare Issues"),
                    "code": "outgoing",
                    # The warehouse reserves spares for a request, one at a
                    # time; confirming the request reserves nothing.
                    "reservation_method": "manual",
                    "use_existing_lots": True,
                    "default_location_src_id": self.aftersales_spare_location_id.id,
                    "default_location_dest_id": customers.id,
                    "sequence": next_sequence + 3,
                    "sequence_code": "SPR",
                },
            }
        )
        return data, next_sequence + 4

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        barcode = (self.code or "").replace(" ", "").upper()
        for field, prefix in AFTERSALES_PICKING_TYPES.items():
            data[field] = {"active": self.active, "barcode": barcode + prefix}
        return data

    @api.model
    def _aftersales_setup_missing(self):
        """Give warehouses made before the add-on was installed their
        after-sales locations and operation types (run at install and at
        each update; new warehouses get them when they are created)."""
        warehouses = self.with_context(active_test=False).search(
            [("aftersales_spare_type_id", "=", False)]
        )
        for warehouse in warehouses:
            warehouse._create_missing_locations({})
            picking_types = warehouse._create_or_update_sequences_and_picking_types()
            if picking_types:
                warehouse.write(picking_types)
