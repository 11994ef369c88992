from odoo.tools import SQL

# Records the add-on's data files create in other apps that belong to the
# customer's business once they are used (stock history, sales, requests):
# uninstalling keeps them, without the add-on's external ids.
KEPT_MODELS = (
    "helpdesk.ticket",
    "helpdesk.ticket.category",
    "helpdesk.ticket.channel",
    "helpdesk.ticket.stage",
    "hr.employee",
    "product.category",
    "product.product",
    "product.template",
    "repair.order",
    "res.partner",
    "res.users",
    "sale.order",
    "sale.order.line",
    "stock.location",
    "stock.lot",
    "stock.picking",
    "stock.quant",
    "stock.warehouse",
    "stock.warehouse.orderpoint",
)


def uninstall_hook(env):
    """Prepare the database so that Odoo's uninstall deletes nothing that
    other records still use (a failed delete is logged as an error):

    - business records of other apps that came with the add-on are kept;
    - the index it added on serial numbers goes;
    - activities of the add-on's activity types are removed;
    - the add-on's own tables are emptied at once, after the links that other
      apps' tables have to them (the add-on's own columns, dropped next)
      are released."""
    cr = env.cr
    # helpdesk_mgmt's own app comes back.
    helpdesk_app = env.ref(
        "helpdesk_mgmt.helpdesk_ticket_main_menu", raise_if_not_found=False
    )
    if helpdesk_app:
        helpdesk_app.active = True
    cr.execute("DROP INDEX IF EXISTS stock_lot_aftersales_name_index")
    cr.execute(
        "DELETE FROM ir_model_data WHERE module = 'aftersales_service' AND model IN %s",
        [KEPT_MODELS],
    )
    cr.execute(
        """DELETE FROM mail_activity WHERE activity_type_id IN (
               SELECT res_id FROM ir_model_data
                WHERE module = 'aftersales_service' AND model = 'mail.activity.type')"""
    )
    cr.execute(
        """SELECT m.model FROM ir_model m
             JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
            WHERE d.module = 'aftersales_service'
              AND NOT EXISTS (SELECT 1 FROM ir_model_data o
                               WHERE o.model = 'ir.model' AND o.res_id = m.id
                                 AND o.module != 'aftersales_service')"""
    )
    tables = {
        env[model]._table
        for (model,) in cr.fetchall()
        if model in env and not env[model]._abstract and env[model]._auto
    }
    cr.execute(
        "SELECT r.name FROM ir_model_relation r JOIN ir_module_module m "
        "ON m.id = r.module WHERE m.name = 'aftersales_service'"
    )
    tables |= {name for (name,) in cr.fetchall()}
    cr.execute(
        """SELECT c.conrelid::regclass::text, c.conname
             FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid::regclass::text IN %s
              AND c.conrelid::regclass::text NOT IN %s""",
        [tuple(tables), tuple(tables)],
    )
    for table, constraint in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT %s",
                SQL.identifier(table),
                SQL.identifier(constraint),
            )
        )
    cr.execute(
        SQL("TRUNCATE %s", SQL(", ").join(SQL.identifier(t) for t in sorted(tables)))
    )
    env.invalidate_all()
