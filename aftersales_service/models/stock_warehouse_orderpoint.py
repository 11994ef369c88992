import math
from collections import defaultdict

from odoo import api, fields, models

from .aftersales_locking import claim_rows

# Contracts whose units are in service today.
SERVING_STATES = ("running", "to_renew")


class StockWarehouseOrderpoint(models.Model):
    """Reordering rules of the spares location keep a floor of spares: a set
    share of the units in service that use each spare
    (本地库存不少于服务总量3%的备品备件)."""

    _inherit = "stock.warehouse.orderpoint"

    # purchase_stock's labels that Odoo's own Chinese leaves out, shown on
    # the spare floor: declared here, the add-on translates them.
    available_vendor = fields.Many2one()
    effective_vendor_id = fields.Many2one()
    supplier_id_placeholder = fields.Char()
    aftersales_units_in_service = fields.Integer(
        string="Units In Service",
        readonly=True,
        help="Units under warranty or under a running contract whose product "
        "lists this spare, when the spare floor was last computed.",
    )

    @api.model
    def _aftersales_units_in_service(self, company):
        """{(warehouse, product template): units in service} for ``company``:
        units under an accepted warranty today, or under a contract that
        runs today, counted at the warehouse that serves them."""
        today = fields.Date.context_today(self)
        Warranty = self.env["aftersales.warranty"]
        warranties = Warranty.search_fetch(
            Warranty._domain_valid_on(today) + [("company_id", "=", company.id)],
            ["lot_id"],
        )
        contracts = self.env["aftersales.contract"].search(
            [
                ("company_id", "=", company.id),
                ("state", "in", SERVING_STATES),
                ("date_start", "<=", today),
                ("date_end", ">=", today),
            ]
        )
        units = warranties.lot_id | contracts.lot_ids
        counts = defaultdict(int)
        for unit, warehouse in units._aftersales_warehouses().items():
            counts[warehouse, unit.product_id.product_tmpl_id] += 1
        return counts

    @api.model
    def _aftersales_spare_floors(self, company):
        """{(warehouse, spare): (units in service using it, minimum)}."""
        share = company.aftersales_spare_floor_percent / 100.0
        in_service = defaultdict(int)
        for (warehouse, template), count in self._aftersales_units_in_service(
            company
        ).items():
            for spare in template.aftersales_spare_ids:
                in_service[warehouse, spare] += count
        return {
            # Rounded to 9 places first, so that 3 % of 100 units is 3, not 4.
            key: (count, math.ceil(round(share * count, 9)))
            for key, count in in_service.items()
        }

    @api.model
    def _aftersales_update_spare_floors(self, companies=None):
        """Write the spare floors into the reordering rules of each
        warehouse's spares location, resupplied from its stock: existing
        rules are updated, missing ones created, and rules of spares no unit
        in service uses any more drop to zero; what the warehouse can't
        bring up to its floor from stock is requisitioned from purchasing.
        Each run claims the warehouses it computes (``claim_rows``): two runs
        at the same moment (two cron workers, a manual run) never write the
        same rules."""
        companies = companies or self.env["res.company"].search([])
        for company in companies:
            warehouses = claim_rows(
                self.env["stock.warehouse"].search(
                    [
                        ("company_id", "=", company.id),
                        ("aftersales_spare_location_id", "!=", False),
                    ]
                )
            )
            if not warehouses:
                continue
            floors = {
                (warehouse, spare): floor
                for (warehouse, spare), floor in self._aftersales_spare_floors(
                    company
                ).items()
                if warehouse in warehouses
            }
            rules = self.with_context(active_test=False).search(
                [
                    ("location_id", "in", warehouses.aftersales_spare_location_id.ids),
                    "|",
                    ("product_id", "in", [spare.id for __, spare in floors]),
                    ("aftersales_units_in_service", ">", 0),
                ]
            )
            existing = {(rule.warehouse_id, rule.product_id): rule for rule in rules}
            for key in existing.keys() - floors.keys():
                existing[key].write(
                    {"aftersales_units_in_service": 0, "product_min_qty": 0.0}
                )
            vals_list = []
            for (warehouse, spare), (count, minimum) in floors.items():
                rule = existing.get((warehouse, spare))
                if rule:
                    rule.write(
                        {
                            "active": True,
                            "aftersales_units_in_service": count,
                            "product_min_qty": minimum,
                            "product_max_qty": max(rule.product_max_qty, minimum),
                            "route_id": warehouse.aftersales_spare_route_id.id,
                        }
                    )
                elif minimum and warehouse.aftersales_spare_location_id:
                    vals_list.append(
                        {
                            "company_id": company.id,
                            "warehouse_id": warehouse.id,
                            "location_id": warehouse.aftersales_spare_location_id.id,
                            "route_id": warehouse.aftersales_spare_route_id.id,
                            "product_id": spare.id,
                            "aftersales_units_in_service": count,
                            "product_min_qty": minimum,
                            "product_max_qty": minimum,
                        }
                    )
            self.create(vals_list)
            # What the warehouse can't supply from stock goes to purchasing.
            Requisition = self.env["aftersales.spare.requisition"].sudo()
            for warehouse in warehouses:
                Requisition._order_shortages(
                    warehouse,
                    self.env["product.product"].union(
                        *(spare for (place, spare) in floors if place == warehouse)
                    ),
                )
        return True

    @api.model
    def action_aftersales_update_spare_floors(self):
        """Button: recompute the spare floors now and show the rules."""
        self._aftersales_update_spare_floors(self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "aftersales_service.action_aftersales_spare_floor"
        )
