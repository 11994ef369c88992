from odoo.orm.table_objects import Constraint, Index
from odoo.tests import TransactionCase

# The add-on's database constraints and indexes, by the model that declares
# them: a new one is added here too, so that it is proven to exist.
EXPECTED = {
    "aftersales.warranty": {
        "lot_unique",
        "duration_positive",
        "expiry_notice_due_index",
    },
    "aftersales.loaner": {"loaner_differs_from_unit", "ticket_open_uniq"},
    "aftersales.followup.plan": {"contract_uniq"},
    "aftersales.inspection": {"plan_period_uniq"},
    "aftersales.training.attendee": {"session_partner_uniq", "session_employee_uniq"},
    "aftersales.qualification": {"employee_categ_uniq"},
    "aftersales.fault.analysis": {"partner_quarter_uniq"},
    "aftersales.satisfaction.survey": {"partner_period_uniq", "to_send_index"},
    "aftersales.meter.reading": {"lot_date_idx"},
    "stock.lot": {"aftersales_name_index"},
    "helpdesk.ticket": {"list_order_index"},
    "aftersales.project": {"sale_order_unique"},
    "aftersales.project.document": {"previous_unique"},
    "aftersales.campaign.line": {"unit_once"},
    "aftersales.campaign.notice": {"customer_once"},
}


class TestDatabaseObjects(TransactionCase):
    """Odoo 19 ignores the old ``_sql_constraints``: every constraint and
    index the add-on declares exists in PostgreSQL, with its definition."""

    def _declared(self):
        for name in self.registry:
            model = self.env[name]
            if model._abstract or not model._auto:
                continue
            for obj in model._table_objects.values():
                if obj._module == "aftersales_service":
                    yield model, obj

    def test_declared_objects_are_the_expected_ones(self):
        declared = {}
        for model, obj in self._declared():
            declared.setdefault(model._name, set()).add(obj.name)
        self.assertEqual(declared, EXPECTED)

    def test_every_object_exists_in_the_database(self):
        cr = self.env.cr
        for model, obj in self._declared():
            full_name = obj.full_name(model)
            with self.subTest(model=model._name, name=full_name):
                if isinstance(obj, Index):
                    cr.execute(
                        "SELECT indexdef FROM pg_indexes WHERE tablename = %s"
                        " AND indexname = %s",
                        [model._table, full_name],
                    )
                    definition = cr.fetchone()
                    self.assertTrue(definition, f"index {full_name} is missing")
                    self.assertEqual(
                        definition[0].startswith("CREATE UNIQUE INDEX"), obj.unique
                    )
                else:
                    self.assertIsInstance(obj, Constraint)
                    cr.execute(
                        """SELECT pg_get_constraintdef(c.oid)
                             FROM pg_constraint c
                             JOIN pg_class t ON t.oid = c.conrelid
                            WHERE t.relname = %s AND c.conname = %s""",
                        [model._table, full_name],
                    )
                    self.assertTrue(cr.fetchone(), f"constraint {full_name} is missing")
