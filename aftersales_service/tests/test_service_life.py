from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import AftersalesCase


@tagged("post_install", "-at_install")
class TestGuaranteedServiceLife(AftersalesCase):
    """E5: a product guarantees its units some years of service from their
    acceptance (主要设备能在正常使用情况下保证使用四年); a unit failing within
    them is flagged on its request and counted in the quarterly analysis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.aftersales_service_life_years = 4
        cls.warranty = cls._delivered_warranties(cls.product, ["LIFE-001"])
        cls.warranty.delivery_date = "2026-01-01 00:00:00"
        cls.warranty.record_acceptance("2026-01-02", "Wang Wei")
        cls.unit = cls.warranty.lot_id

    def _request(self, reported_at, unit=None):
        return self.env["helpdesk.ticket"].create(
            {
                "description": "Cabinet dark",
                "partner_id": self.customer.id,
                "lot_id": (unit or self.unit).id,
                "reported_at": reported_at,
            }
        )

    def test_a_failure_within_the_years_is_flagged(self):
        self.assertTrue(self._request("2027-06-01 08:00:00").aftersales_in_service_life)
        # The last day of the fourth year, and the day after.
        self.assertTrue(self._request("2030-01-01 08:00:00").aftersales_in_service_life)
        self.assertFalse(
            self._request("2030-01-02 08:00:00").aftersales_in_service_life
        )

    def test_no_guarantee_no_acceptance_no_flag(self):
        request = self._request("2027-06-01 08:00:00")
        self.product.aftersales_service_life_years = 0
        self.assertFalse(request.aftersales_in_service_life)
        self.product.aftersales_service_life_years = 4
        self.assertTrue(request.aftersales_in_service_life)
        waiting = self._delivered_warranties(self.product, ["LIFE-002"])
        self.assertFalse(
            self._request(
                "2027-06-01 08:00:00", waiting.lot_id
            ).aftersales_in_service_life
        )

    def test_the_quarter_counts_them(self):
        self._request("2027-04-10 08:00:00")
        self._request("2027-05-10 08:00:00")
        analysis = self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2027, "quarter": "2"}
        )
        self.assertEqual(analysis._statistics()["service_life_failures"], 2)
        self.product.aftersales_service_life_years = 1
        self.assertEqual(analysis._statistics()["service_life_failures"], 0)

    def test_the_years_are_between_0_and_50(self):
        manager = new_test_user(
            self.env,
            login="as_life_manager",
            groups="aftersales_service.group_aftersales_manager,"
            "product.group_product_manager",
        )
        for years in (-1, 51):
            with (
                self.subTest(years=years),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                form = Form(self.product.product_tmpl_id.with_user(manager))
                form.aftersales_service_life_years = years
                form.save()
        self.assertEqual(self.product.aftersales_service_life_years, 4)
