import re

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

from .common import ROLES, AftersalesCase, role_users

# Roles that see warranties but do not record acceptance.
READ_ONLY_ROLES = ("engineer", "warehouse", "account_manager", "trainer", "appraisal")


class TestAccess(AftersalesCase):
    """Each role may do what it should with warranties, and no more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = {
            **ROLES,
            "employee": "base.group_user",
            "portal": "base.group_portal",
        }
        cls.users = role_users(cls.env, "as", groups)
        cls.warranty = cls._delivered_warranties(cls.product, ["ACL-001"])
        cls._backdate_delivery(cls.warranty, 3)

    def _as(self, role):
        return self.warranty.with_user(self.users[role])

    def test_readers(self):
        for role in ("back_office", "manager", *READ_ONLY_ROLES):
            with self.subTest(role=role):
                self.assertEqual(self._as(role).lot_id.name, "ACL-001")

    def test_each_role_opens_the_unit_form(self):
        """The unit's form and its chatter read only what their reader may
        read: Odoo's own buttons (transfers, sales, repairs) and its guess of
        the unit's customers read stock moves, and used to refuse the back
        office the whole form."""
        lot = self.warranty.lot_id
        for role in ROLES:
            with self.subTest(role=role):
                Lot = self.env["stock.lot"].with_user(self.users[role])
                arch = Lot.get_views([(False, "form")])["views"]["form"]["arch"]
                names = set(re.findall(r'<field name="(\w+)"', arch))
                spec = {name: {} for name in names if name in Lot._fields}
                self.env.invalidate_all()
                [values] = lot.with_user(self.users[role]).web_read(spec)
                self.assertEqual(values["name"], "ACL-001")
                # The chatter suggests the unit's customer.
                suggested = lot.with_user(
                    self.users[role]
                )._message_get_suggested_recipients()
                self.assertIn(
                    self.customer.id, [r.get("partner_id") for r in suggested]
                )

    def test_outsiders_cannot_read(self):
        for role in ("employee", "portal"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._as(role).read(["end_date"])

    def test_back_office_records_acceptance(self):
        user = self.users["back_office"]
        form = Form(
            self.env["aftersales.warranty.acceptance"]
            .with_user(user)
            .with_context(
                active_model="aftersales.warranty", active_ids=self.warranty.ids
            )
        )
        form.accepted_by = "Wang Wei"
        form.save().action_accept()
        self.assertEqual(self.warranty.state, "accepted")
        with self.assertRaises(AccessError):
            self._as("back_office").unlink()

    def test_read_only_roles_cannot_accept(self):
        for role in READ_ONLY_ROLES:
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    self._as(role).record_acceptance(self._today(), "Wang Wei")
                with self.assertRaises(AccessError):
                    self.env["aftersales.warranty.acceptance"].with_user(
                        self.users[role]
                    ).create({"accepted_by": "x", "warranty_ids": self.warranty.ids})
        self.assertEqual(self.warranty.state, "awaiting")

    def test_manager_may_delete(self):
        self._as("manager").unlink()
        self.assertFalse(self.warranty.exists())

    def test_warehouse_delivery_creates_warranties(self):
        lots = self._stock_serials(self.product, ["ACL-002"])
        self._deliver(self.product, lots, env=self.env(user=self.users["warehouse"]))
        self.assertEqual(lots.warranty_ids.state, "awaiting")

    def test_other_company_cannot_see_warranties(self):
        other = self.env["res.company"].create({"name": "Other Service Co."})
        user = new_test_user(
            self.env,
            login="as_other_manager",
            groups="aftersales_service.group_aftersales_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        found = (
            self.env["aftersales.warranty"]
            .with_user(user)
            .search([("id", "=", self.warranty.id)])
        )
        self.assertFalse(found)
