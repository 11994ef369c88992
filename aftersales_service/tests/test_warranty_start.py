from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form
from odoo.tools import format_date

from .common import SIGNATURE, AftersalesCase


class TestWarrantyStartBasis(AftersalesCase):
    """B4: the product chooses the date a unit's warranty is counted from,
    and the warranty says which one started it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.items = [
            Command.create(
                {"name": "Voltage", "kind": "range", "min_value": 220, "max_value": 240}
            )
        ]

    def _warranty(self, basis, name, **product_values):
        product = self._create_product(
            f"Cabinet {basis}", aftersales_warranty_start=basis, **product_values
        )
        warranty = self._delivered_warranties(product, [name])
        self._backdate_delivery(warranty, 40)
        return warranty

    def test_acceptance_is_the_default_start(self):
        warranty = self._warranty("acceptance", "ST-ACC")
        self.assertEqual(self.product.aftersales_warranty_start, "acceptance")
        self.assertEqual(warranty.start_basis, "acceptance")
        self.assertFalse(warranty.start_date)
        warranty.record_acceptance(self._days_ago(10), "Wang Wei")
        self.assertEqual(warranty.start_date, self._days_ago(10))
        self.assertEqual(warranty.end_date, self._days_ago(10) + relativedelta(years=2))
        self.assertIn("Accepted on", warranty.end_date_explanation)

    def test_ex_factory_counts_from_the_delivery(self):
        warranty = self._warranty("delivery", "ST-DLV")
        self.assertIn("delivery date", warranty.end_date_explanation)
        warranty.record_acceptance(self._days_ago(10), "Wang Wei")
        self.assertEqual(warranty.start_date, self._days_ago(40))
        self.assertEqual(warranty.end_date, self._days_ago(40) + relativedelta(years=2))
        self.assertIn(
            f"Started on {format_date(self.env, self._days_ago(40))}, from the "
            "product's start basis: Ex-Factory (Delivery).",
            warranty.end_date_explanation,
        )
        self.assertEqual(warranty.warranty_status, "valid")
        self.assertIn(
            warranty,
            self.env["aftersales.warranty"].search(
                [("valid_on", "=", self._days_ago(20))]
            ),
        )

    def test_commissioning_passed_starts_it(self):
        warranty = self._warranty(
            "commissioning", "ST-COM", aftersales_commissioning_item_ids=self.items
        )
        with self.assertRaisesText(UserError, "commissioning has not passed"):
            warranty.record_acceptance(self._days_ago(10), "Wang Wei")
        job = self.env["aftersales.installation"].create(
            {
                "partner_id": self.customer.id,
                "lot_ids": [Command.set(warranty.lot_id.ids)],
                "engineer_ids": [Command.set(self.env.ref("base.user_admin").ids)],
                "planned_at": fields.Datetime.now(),
            }
        )
        job.action_schedule()
        record = job.commissioning_ids
        record.line_ids.measured_value = "230"
        record.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
        record.action_sign()
        warranty.record_acceptance(self._days_ago(0), "Wang Wei")
        self.assertEqual(warranty.start_date, self._today())
        self.assertEqual(warranty.start_date, warranty.commissioned_on)
        self.assertIn(
            "start basis: Commissioning Passed", warranty.end_date_explanation
        )

    def test_go_live_needs_its_date(self):
        warranty = self._warranty("go_live", "ST-GOL")
        with self.assertRaisesText(UserError, "go-live date"):
            warranty.record_acceptance(self._days_ago(10), "Wang Wei")
        self.assertEqual(warranty.state, "awaiting")
        self.assertFalse(warranty.go_live_date)
        for wrong in (self._days_ago(50), self._days_ago(5)):
            with self.assertRaisesText(UserError, "between the delivery and"):
                warranty.record_acceptance(self._days_ago(10), "Wang Wei", False, wrong)
        with self.assertRaisesText(UserError, "go-live date as a date"):
            warranty.record_acceptance(self._days_ago(10), "Wang Wei", False, "soon")
        self.assertEqual(warranty.state, "awaiting")
        warranty.record_acceptance(
            self._days_ago(10), "Wang Wei", False, self._days_ago(20)
        )
        self.assertEqual(warranty.go_live_date, self._days_ago(20))
        self.assertEqual(warranty.start_date, self._days_ago(20))
        self.assertIn("start basis: Go-Live", warranty.end_date_explanation)

    def test_the_acceptance_form_asks_for_the_go_live_date(self):
        warranty = self._warranty("go_live", "ST-GOL-F")
        wizard = Form(
            self.env["aftersales.warranty.acceptance"].with_context(
                active_model="aftersales.warranty", active_ids=warranty.ids
            )
        )
        self.assertTrue(wizard.needs_go_live)
        wizard.acceptance_date = self._days_ago(10)
        wizard.accepted_by = "Wang Wei"
        wizard.go_live_date = self._days_ago(12)
        wizard.save().action_accept()
        self.assertEqual(warranty.start_date, self._days_ago(12))

    def test_delivered_units_keep_their_start_when_the_product_changes(self):
        warranty = self._warranty("acceptance", "ST-KEEP")
        warranty.product_id.aftersales_warranty_start = "delivery"
        self.assertEqual(warranty.start_basis, "acceptance")
        warranty.record_acceptance(self._days_ago(10), "Wang Wei")
        self.assertEqual(warranty.start_date, self._days_ago(10))

    def test_the_start_is_not_written_directly(self):
        warranty = self._warranty("acceptance", "ST-RO")
        back_office = self.env["res.users"].create(
            {
                "name": "Start BO",
                "login": "as_st_bo",
                "group_ids": [
                    Command.link(
                        self.env.ref("aftersales_service.group_aftersales_user").id
                    )
                ],
            }
        )
        for vals in (
            {"start_basis": "delivery"},
            {"go_live_date": self._days_ago(5)},
            {"commissioned_on": self._days_ago(5)},
        ):
            with self.assertRaisesText(UserError, "set by its actions"):
                warranty.with_user(back_office).write(vals)
