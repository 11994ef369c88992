"""Upgrade and uninstall on a copy of the demo database: upgrading twice
keeps every row of data, and uninstalling leaves sales, stock and the
helpdesk working. Every Odoo log along the way is clean."""

FINGERPRINT = """
SELECT count(*), md5(coalesce(string_agg(row_text, '|' ORDER BY row_text), ''))
  FROM (SELECT (%s)::text AS row_text FROM %s) AS row_texts
"""

# Besides the add-on's own tables: the records it adds to or changes in
# other modules' tables.
OTHER_TABLES = (
    "helpdesk_ticket",
    "stock_lot",
    "stock_picking",
    "stock_quant",
    "sale_order",
    "repair_order",
    "mail_activity",
    "mail_message",
    "tier_review",
)


def _fingerprints(odoo):
    """Row count and a digest of every row's content (its write date and
    author left out), per table."""
    tables = [
        name
        for (name,) in odoo.sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND table_name LIKE 'aftersales\\_%%' ORDER BY 1"
        )
    ]
    assert len(tables) > 20
    found = {}
    for table in [*tables, *OTHER_TABLES]:
        columns = [
            name
            for (name,) in odoo.sql(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name NOT IN "
                "('write_date', 'write_uid') ORDER BY ordinal_position",
                [table],
            )
        ]
        row = ", ".join(f'"{column}"' for column in columns)
        found[table] = odoo.sql(FINGERPRINT % (f"ROW({row})", f'"{table}"'))[0]
    return found


def test_upgrading_twice_keeps_all_data(odoo_copy):
    before = _fingerprints(odoo_copy)
    assert before["aftersales_contract"][0] > 0
    for run in (1, 2):
        odoo_copy.run(f"upgrade-{run}", "-u", "aftersales_service")
        after = _fingerprints(odoo_copy)
        changed = {
            table: (before[table], after[table])
            for table in before
            if before[table] != after[table]
        }
        assert not changed, f"upgrade {run} changed data: {changed}"


UNINSTALL = """
module = env["ir.module.module"].search([("name", "=", "aftersales_service")])
module.button_immediate_uninstall()
result = module.state
"""

STILL_WORKS = """
env["ir.module.module"].search([("name", "=", "aftersales_service")]).ensure_one()
# The screens of sales, stock and the helpdesk still build.
for model, kinds in (
    ("sale.order", ["form", "list", "kanban", "search"]),
    ("stock.picking", ["form", "list", "kanban", "search"]),
    ("stock.lot", ["form", "list", "search"]),
    ("helpdesk.ticket", ["form", "list", "kanban", "search"]),
    ("res.partner", ["form", "list", "kanban", "search"]),
):
    env[model].get_views([(False, kind) for kind in kinds])
menus = env["ir.ui.menu"].load_menus(False)
# helpdesk_mgmt's own app is back.
assert env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu").id in menus, "no Helpdesk app"
# A sale of a product tracked by serial, delivered.
customer = env["res.partner"].create({"name": "After Uninstall Customer"})
product = env["product.product"].create(
    {"name": "After Uninstall Pump", "type": "consu", "is_storable": True,
     "tracking": "serial"}
)
warehouse = env["stock.warehouse"].search([], limit=1)
lot = env["stock.lot"].create({"name": "AU-0001", "product_id": product.id})
env["stock.quant"]._update_available_quantity(
    product, warehouse.lot_stock_id, 1, lot_id=lot
)
order = env["sale.order"].create(
    {"partner_id": customer.id,
     "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]}
)
order.action_confirm()
picking = order.picking_ids
picking.move_ids.quantity = 1
picking.move_ids.picked = True
picking.button_validate()
# A helpdesk ticket, from new to closed.
ticket = env["helpdesk.ticket"].create(
    {"name": "After uninstall", "description": "Still works", "partner_id": customer.id}
)
ticket.stage_id = env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
env.cr.execute(
    "SELECT count(*) FROM information_schema.tables "
    "WHERE table_name LIKE 'aftersales%%'"
)
tables = env.cr.fetchone()[0]
result = {
    "state": order.state,
    "delivered": picking.state,
    "lot_at_customer": lot.location_id.usage,
    "ticket_closed": ticket.closed_date is not False,
    "tables": tables,
}
"""


def test_uninstall_leaves_sale_stock_and_helpdesk_working(odoo_copy):
    assert odoo_copy.shell("uninstall", UNINSTALL) == "uninstalled"
    assert odoo_copy.shell("still-works", STILL_WORKS) == {
        "state": "sale",
        "delivered": "done",
        "lot_at_customer": "customer",
        "ticket_closed": True,
        "tables": 0,
    }
