from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# The after-sales operation types: {field: sequence code}.
AFTERSALES_PICKING_TYPES = {
    "aftersales_loaner_out_type_id": "LNO",
    "aftersales_loaner_in_type_id": "LNI",
    "aftersales_spare_type_id": "SPR",
}
# Their names, translated into each installed language: {field: name}.
AFTERSALES_PICKING_TYPE_NAMES = {
    "aftersales_loaner_out_type_id": _lt("Loaner Issues"),
    "aftersales_loaner_in_type_id": _lt("Loaner Returns"),
    "aftersales_spare_type_id": _lt("Spare Issues"),
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
    aftersales_spare_route_id = fields.Many2one(
        "stock.route",
        string="Spares Resupply Route",
        check_company=True,
        copy=False,
        help="Brings spares from the warehouse's stock to its spares location "
        "when a spare falls below its floor.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses._aftersales_create_spare_route()
        warehouses._aftersales_name_picking_types(
            [code for code, __ in self.env["res.lang"].get_installed()], overwrite=True
        )
        return warehouses

    def _aftersales_name_picking_types(self, langs, overwrite=False):
        """Name the add-on's operation types in each of ``langs`` from the
        code's translations: Odoo names the types it creates in one language
        only. Without ``overwrite``, a name already given in a language
        stays."""
        for field, name in AFTERSALES_PICKING_TYPE_NAMES.items():
            for picking_type in self.with_context(active_test=False).mapped(field):
                stored = picking_type._fields["name"]._get_stored_translations(
                    picking_type
                )
                translations = {
                    lang: name._translate(lang)
                    for lang in langs
                    if overwrite or lang not in (stored or {})
                }
                if translations:
                    picking_type.update_field_translations("name", translations)

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get(
            "company_id", self.default_get(["company_id"])["company_id"]
        )
        locations = {
            "aftersales_loaner_location_id": (_("Loaners"), "LOANER"),
            "aftersales_spare_location_id": (_("Spares"), "SPARES"),
            "aftersales_repair_location_id": (_("Under Repair"), "REPAIR"),
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
                    "code": "outgoing",
                    "use_existing_lots": True,
                    "default_location_src_id": self.aftersales_loaner_location_id.id,
                    "default_location_dest_id": customers.id,
                    "sequence": next_sequence + 1,
                    "sequence_code": "LNO",
                },
                "aftersales_loaner_in_type_id": {
                    **common,
                    "code": "incoming",
                    "use_existing_lots": True,
                    "default_location_src_id": customers.id,
                    "default_location_dest_id": self.aftersales_loaner_location_id.id,
                    "sequence": next_sequence + 2,
                    "sequence_code": "LNI",
                },
                "aftersales_spare_type_id": {
                    **common,
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
        for field, name in AFTERSALES_PICKING_TYPE_NAMES.items():
            data[field]["name"] = str(name)
        return data, next_sequence + 4

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        barcode = (self.code or "").replace(" ", "").upper()
        for field, prefix in AFTERSALES_PICKING_TYPES.items():
            data[field] = {"active": self.active, "barcode": barcode + prefix}
        return data

    def _aftersales_create_spare_route(self):
        """A route of each warehouse's own that resupplies its spares location
        from its stock: the spare floors' reordering rules use it."""
        for warehouse in self.filtered(
            lambda w: w.aftersales_spare_location_id and not w.aftersales_spare_route_id
        ):
            warehouse.aftersales_spare_route_id = self.env["stock.route"].create(
                {
                    "name": _(
                        "%(warehouse)s: Resupply Spares", warehouse=warehouse.name
                    ),
                    "company_id": warehouse.company_id.id,
                    "product_selectable": False,
                    "sequence": 100,
                    "rule_ids": [
                        Command.create(
                            {
                                "name": _(
                                    "%(warehouse)s: Stock to Spares",
                                    warehouse=warehouse.name,
                                ),
                                "action": "pull",
                                "procure_method": "make_to_stock",
                                "location_src_id": warehouse.lot_stock_id.id,
                                "location_dest_id": (
                                    warehouse.aftersales_spare_location_id.id
                                ),
                                "picking_type_id": warehouse.int_type_id.id,
                                "warehouse_id": warehouse.id,
                                "company_id": warehouse.company_id.id,
                            }
                        )
                    ],
                }
            )

    def _aftersales_spares_location(self):
        """The spares location (备品备件库) parts are reserved in; refused
        when the warehouse has none."""
        self.ensure_one()
        if not self.aftersales_spare_location_id:
            raise UserError(
                _(
                    "Warehouse %(warehouse)s has no spares location.",
                    warehouse=self.name,
                )
            )
        return self.aftersales_spare_location_id

    def _aftersales_spare_issue(self, partner, origin, move_vals_list):
        """A confirmed *Spare Issues* transfer of parts out of the spares
        location to ``partner``'s site, one move per values of
        ``move_vals_list``. Whoever asks for the parts, the transfer is the
        warehouse's document: it is made as the system."""
        self.ensure_one()
        source = self._aftersales_spares_location()
        customers = self.env.ref("stock.stock_location_customers")
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                {
                    "picking_type_id": self.aftersales_spare_type_id.id,
                    "partner_id": partner.id,
                    "location_id": source.id,
                    "location_dest_id": customers.id,
                    "origin": origin,
                    "move_ids": [
                        Command.create(
                            {
                                "location_id": source.id,
                                "location_dest_id": customers.id,
                                **vals,
                            }
                        )
                        for vals in move_vals_list
                    ],
                }
            )
        )
        picking.action_confirm()
        return picking

    @api.model
    def _aftersales_main(self, company):
        """The company's first warehouse: the one the add-on uses when
        nothing names another."""
        return self.search([("company_id", "=", company.id)], limit=1)

    @api.model
    def _aftersales_setup_missing(self):
        """Give warehouses made before the add-on was installed their
        after-sales locations, operation types and spares route (run at
        install and at each update; new warehouses get them when they are
        created)."""
        warehouses = self.with_context(active_test=False).search(
            [
                "|",
                ("aftersales_spare_type_id", "=", False),
                ("aftersales_spare_route_id", "=", False),
            ]
        )
        if not warehouses:
            return
        # The loaner, spares and repair locations are storage locations:
        # switch them on, as Settings > Inventory > Storage Locations does.
        group_user = self.env.ref("base.group_user").sudo()
        multi_locations = self.env.ref("stock.group_stock_multi_locations")
        if multi_locations not in group_user.implied_ids:
            group_user.write({"implied_ids": [Command.link(multi_locations.id)]})
        warehouses.int_type_id.filtered(lambda t: not t.active).write({"active": True})
        for warehouse in warehouses.filtered(lambda w: not w.aftersales_spare_type_id):
            warehouse._create_missing_locations({})
            picking_types = warehouse._create_or_update_sequences_and_picking_types()
            if picking_types:
                warehouse.write(picking_types)
        warehouses._aftersales_create_spare_route()
