from odoo.tests import tagged

from .common import AftersalesCase


@tagged("post_install", "-at_install")
class TestPostWarrantyPolicy(AftersalesCase):
    """E2: a unit with neither warranty nor contract pays what the company's
    post-warranty policy says, or its product's, until the product's
    guaranteed service life ends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A two-year warranty from acceptance on 2 January 2026.
        cls.warranty = cls._delivered_warranties(cls.product, ["POST-001"])
        cls.warranty.delivery_date = "2026-01-01 00:00:00"
        cls.warranty.record_acceptance("2026-01-02", "Wang Wei")
        cls.unit = cls.warranty.lot_id

    def _request(self, reported_at, cause="equipment"):
        return self.env["helpdesk.ticket"].create(
            {
                "description": "Cabinet dark",
                "partner_id": self.customer.id,
                "lot_id": self.unit.id,
                "reported_at": reported_at,
                "aftersales_fault_cause": cause,
            }
        )

    def _prices(self, request):
        return (
            request.aftersales_coverage,
            request.aftersales_post_warranty_policy,
            request.aftersales_parts_policy,
            request.aftersales_labour_policy,
        )

    def test_list_prices_by_default(self):
        request = self._request("2028-06-01 08:00:00")
        self.assertEqual(self._prices(request), ("none", "list", "charged", "charged"))

    def test_the_company_policy(self):
        self.env.company.aftersales_post_warranty_policy = "labour_free"
        after = self._request("2028-06-01 08:00:00")
        self.assertEqual(
            self._prices(after), ("after_warranty", "labour_free", "cost", "free")
        )
        # In warranty the warranty decides; the user's damage is charged.
        self.assertEqual(
            self._request("2027-06-01 08:00:00").aftersales_coverage, "warranty"
        )
        self.assertEqual(
            self._prices(self._request("2028-06-01 08:00:00", cause="user")),
            ("none", "labour_free", "charged", "charged"),
        )

    def test_the_product_overrides_the_company(self):
        self.env.company.aftersales_post_warranty_policy = "labour_free"
        self.product.aftersales_post_warranty_policy = "lifetime_cost"
        self.assertEqual(
            self._prices(self._request("2028-06-01 08:00:00")),
            ("after_warranty", "lifetime_cost", "cost", "charged"),
        )

    def test_the_guaranteed_service_life_ends_the_policy(self):
        self.product.aftersales_post_warranty_policy = "lifetime_cost"
        self.product.aftersales_service_life_years = 4
        within = self._request("2029-12-31 08:00:00")
        after = self._request("2030-01-03 08:00:00")
        self.assertEqual(within.aftersales_coverage, "after_warranty")
        self.assertEqual(self._prices(after), ("none", "list", "charged", "charged"))

    def test_a_repair_is_quoted_by_the_policy(self):
        self.env.company.aftersales_post_warranty_policy = "labour_free"
        repair = self.env["repair.order"].create(
            {
                "product_id": self.product.id,
                "lot_id": self.unit.id,
                "partner_id": self.customer.id,
                "schedule_date": "2028-06-01 08:00:00",
            }
        )
        self.assertEqual(repair.aftersales_coverage, "after_warranty")
        self.assertEqual(repair.aftersales_post_warranty_policy, "labour_free")
        self.assertEqual(repair.aftersales_parts_policy, "cost")
        self.assertFalse(repair.under_warranty)

    def test_only_a_known_policy(self):
        with self.assertRaises(ValueError), self.env.cr.savepoint():
            self.env.company.aftersales_post_warranty_policy = "free_forever"
