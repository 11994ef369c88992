import math

from odoo import _, api, fields, models

# Contracts whose units are in service today.
SERVING_STATES = ("running", "to_renew")


class StockWarehouseOrderpoint(models.Model):
    """Reordering rules of the spares location keep a floor of spares: a set
    share of the units in service that use each spare
    (本地库存不少于服务总量3%的备品备件)."""

    _inherit = "stock.warehouse.orderpoint"

    aftersales_units_in_service = fields.Integer(
        string="Units In Service",
        readonly=True,
        help="Units under warranty or under a running contract whose product "
        "lists this spare, when the spare floor was last computed.",
    )

    @api.model
    def _aftersales_units_in_service(self, company):
        """{product template: number of units in service} for ``company``:
        units under an accepted warranty today, or under a contract that
        runs today."""
        today = fields.Date.context_today(self)
        warranties = self.env["aftersales.warranty"].search_fetch(
            self.env["aftersales.warranty"]._domain_valid_on(today)
            + [("company_id", "=", company.id)],
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
        lot_ids = set(warranties.lot_id.ids) | set(contracts.lot_ids.ids)
        groups = self.env["stock.lot"]._read_group(
            [("id", "in", list(lot_ids))], ["product_id"], ["__count"]
        )
        counts = {}
        for product, count in groups:
            template = product.product_tmpl_id
            counts[template] = counts.get(template, 0) + count
        return counts

    @api.model
    def _aftersales_spare_floors(self, company):
        """{spare product: (units in service using it, minimum quantity)}."""
        share = company.aftersales_spare_floor_percent / 100.0
        in_service = {}
        for template, count in self._aftersales_units_in_service(company).items():
            for spare in template.aftersales_spare_ids:
                in_service[spare] = in_service.get(spare, 0) + count
        return {
            # Rounded to 9 places first, so that 3 % of 100 units is 3, not 4.
            spare: (count, math.ceil(round(share * count, 9)))
            for spare, count in in_service.items()
        }

    @api.model
    def _aftersales_update_spare_floors(self, companies=None):
        """Write the spare floors into the reordering rules of each company's
        spares location: existing rules are updated, missing ones created."""
        companies = companies or self.env["res.company"].search([])
        for company in companies:
            warehouse = self.env["stock.warehouse"].search(
                [("company_id", "=", company.id)], limit=1
            )
            location = warehouse.aftersales_spare_location_id
            if not location:
                continue
            floors = self._aftersales_spare_floors(company)
            rules = self.with_context(active_test=False).search(
                [
                    ("location_id", "=", location.id),
                    "|",
                    ("product_id", "in", [spare.id for spare in floors]),
                    ("aftersales_units_in_service", ">", 0),
                ]
            )
            by_product = {rule.product_id: rule for rule in rules}
            vals_list = []
            for spare in by_product.keys() - floors.keys():
                # No unit in service uses this spare any more.
                by_product[spare].write(
                    {"aftersales_units_in_service": 0, "product_min_qty": 0.0}
                )
            for spare, (count, minimum) in floors.items():
                rule = by_product.get(spare)
                if rule:
                    rule.write(
                        {
                            "active": True,
                            "aftersales_units_in_service": count,
                            "product_min_qty": minimum,
                            "product_max_qty": max(rule.product_max_qty, minimum),
                        }
                    )
                elif minimum:
                    vals_list.append(
                        {
                            "company_id": company.id,
                            "warehouse_id": warehouse.id,
                            "location_id": location.id,
                            "product_id": spare.id,
                            "aftersales_units_in_service": count,
                            "product_min_qty": minimum,
                            "product_max_qty": minimum,
                        }
                    )
            self.create(vals_list)
        return True

    @api.model
    def action_aftersales_update_spare_floors(self):
        """Button: recompute the spare floors now and show the rules."""
        self._aftersales_update_spare_floors(self.env.companies)
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.warehouse.orderpoint",
            "name": _("Spare Stock Floors"),
            "view_mode": "list,form",
            "domain": [("aftersales_units_in_service", ">", 0)],
        }
