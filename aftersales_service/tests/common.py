import base64
import re
import threading
from contextlib import contextmanager
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user
from odoo.tools import SQL

# The add-on's roles, by the name the tests give them.
ROLES = {
    "back_office": "aftersales_service.group_aftersales_user",
    "manager": "aftersales_service.group_aftersales_manager",
    "engineer": "aftersales_service.group_aftersales_engineer",
    "warehouse": "aftersales_service.group_aftersales_warehouse",
    "account_manager": "aftersales_service.group_aftersales_account_manager",
    "trainer": "aftersales_service.group_aftersales_trainer",
    "appraisal": "aftersales_service.group_aftersales_appraisal",
}


def role_users(env, prefix, roles=None):
    """A user in each of ``roles`` (by default the add-on's), who logs in as
    ``{prefix}_{role}``."""
    return {
        role: new_test_user(env, login=f"{prefix}_{role}", groups=group)
        for role, group in (roles or ROLES).items()
    }


# A 1x1 PNG: the signature the customer draws.
SIGNATURE = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100a5f6451d0000000049454e44ae426082"
    )
)

# The token Odoo puts in each form of its pages.
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class AftersalesCase(TransactionCase):
    """Products with warranty terms, a customer with a site, and helpers that
    stock and deliver serial numbers the way a warehouse does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Ningbo Port Machinery Co.", "is_company": True}
        )
        cls.site = cls.env["res.partner"].create(
            {
                "name": "Beilun Terminal",
                "parent_id": cls.customer.id,
                "type": "delivery",
            }
        )
        cls.product = cls._create_product("PLC Cabinet", duration=2)
        # Days are counted in the user's time zone. The tests' users have
        # none (UTC), so the superuser who sets the scene counts in UTC too,
        # whatever zone the database gave it: otherwise the hour when the
        # two calendars show different days fails the tests.
        cls.env.user.tz = "UTC"
        # The add-on's default after the warranty, whatever the demo chose:
        # a unit with neither warranty nor contract is not covered.
        cls.env.company.aftersales_post_warranty_policy = "list"

    @classmethod
    def _create_product(cls, name, duration=2, period="year", **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "warranty_tracked": True,
                "warranty_duration": duration,
                "warranty_period": period,
                **values,
            }
        )

    @classmethod
    def _stock_serials(cls, product, names):
        lots = cls.env["stock.lot"].create(
            [{"name": name, "product_id": product.id} for name in names]
        )
        for lot in lots:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.stock_location, 1, lot_id=lot
            )
        return lots

    @classmethod
    def _deliver(cls, product, lots, partner=None, env=None):
        """Deliver exactly ``lots`` to ``partner`` (the customer's site by
        default) and return the done picking."""
        env = env or cls.env
        picking = env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.out_type_id.id,
                "partner_id": (partner or cls.site).id,
                "location_id": cls.stock_location.id,
                "location_dest_id": cls.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": len(lots),
                            "product_uom": product.uom_id.id,
                            "location_id": cls.stock_location.id,
                            "location_dest_id": cls.customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "location_id": cls.stock_location.id,
                    "location_dest_id": cls.customer_location.id,
                }
            )
            for lot in lots
        ]
        move.picked = True
        picking.with_context(skip_sms=True).button_validate()
        return picking

    @classmethod
    def _delivered_warranties(cls, product, names, partner=None):
        lots = cls._stock_serials(product, names)
        cls._deliver(product, lots, partner)
        return lots.warranty_ids

    @classmethod
    def _today(cls):
        """Today in the user's time zone, as the add-on counts days."""
        return fields.Date.context_today(cls.env["aftersales.warranty"])

    @classmethod
    def _days_ago(cls, days):
        return fields.Date.subtract(cls._today(), days=days)

    @classmethod
    def _backdate_delivery(cls, warranties, days):
        warranties.delivery_date = fields.Datetime.subtract(
            fields.Datetime.now(), days=days
        )

    @classmethod
    def _accepted_warranties(
        cls, product, names, days_ago, delivered_days_ago=None, by="Zhang San"
    ):
        """Deliver ``names`` to the customer's site, ``delivered_days_ago``
        (by default the day before the acceptance), and record their
        acceptance ``days_ago``: their warranties run from then."""
        warranties = cls._delivered_warranties(product, names)
        if delivered_days_ago is None:
            delivered_days_ago = days_ago + 1
        cls._backdate_delivery(warranties, delivered_days_ago)
        warranties.record_acceptance(cls._days_ago(days_ago), by)
        return warranties

    @classmethod
    def _running_contract(
        cls, units, start=None, end=None, partner=None, level=None, **values
    ):
        """A started service contract of the customer (or ``partner``)
        covering ``units``; by default it began 10 days ago, runs 300 days
        more, at the standard service level."""
        contract = cls.env["aftersales.contract"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "service_level_id": (
                    level or cls.env.ref("aftersales_service.service_level_standard")
                ).id,
                "date_start": start or cls._days_ago(10),
                "date_end": end or cls._days_ago(-300),
                "lot_ids": [Command.set(units.ids)],
                **values,
            }
        )
        contract.action_start()
        return contract

    @contextmanager
    def assertRaisesText(self, exception, text):
        """assertRaises (which rolls back what the failed call wrote, cache
        included) that also checks the message the user reads."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))


class DispatchCase(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engineer = new_test_user(
            cls.env, login="as_dsp_eng", groups=ROLES["engineer"]
        )
        cls.other_engineer = new_test_user(
            cls.env, login="as_dsp_eng2", groups=ROLES["engineer"]
        )
        cls.back_office = new_test_user(
            cls.env, login="as_dsp_bo", groups=ROLES["back_office"]
        )
        cls.category = cls.env["helpdesk.ticket.category"].create(
            {"name": "Power Supply"}
        )
        cls.unit = cls._delivered_warranties(cls.product, ["DSP-001"]).lot_id
        cls.customer.email = "service@ningbo-port.example.com"

    def _request(self, **values):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Cabinet down",
                "description": "Cabinet down",
                "partner_id": self.customer.id,
                "lot_id": self.unit.id,
                "category_id": self.category.id,
                "fault_nature": "power",
                "fault_location": "Depot, cabinet 3",
                "fault_description": "Power module tripped",
                "severity": "major",
                **values,
            }
        )

    def _finish(self, dispatch, work="Replaced the fuse.", engineer=None):
        """Dispatch ``dispatch``; the engineers (``engineer``, else the
        test's user) arrive, record ``work`` and finish."""
        on_site = dispatch.with_user(engineer) if engineer else dispatch
        dispatch.action_dispatch()
        on_site.action_arrive()
        dispatch.action_ids = [(0, 0, {"content": work})]
        self._keep_conduct(dispatch, engineer)
        on_site.action_finish()
        return dispatch

    def _keep_conduct(self, dispatch, engineer=None):
        """The engineers (``engineer``, else the test's user) tick every item
        of the order's service conduct."""
        lines = dispatch.conduct_ids
        (lines.with_user(engineer) if engineer else lines).write({"done": True})

    def _sign(self, dispatch, signer="Wang Wei"):
        """The customer ``signer`` signs the finished ``dispatch``."""
        dispatch.write({"signer_name": signer, "signature": SIGNATURE})
        dispatch.action_sign()
        return dispatch

    def _plan(self, request, user=None):
        form = Form(
            self.env["aftersales.service.plan"]
            .with_user(user or self.back_office)
            .with_context(default_ticket_id=request.id)
        )
        form.plan = "<p>Replace the power module on site.</p>"
        form.engineer_ids.clear()
        form.engineer_ids.add(self.engineer)
        form.expected_arrival = "2030-01-01 10:00:00"
        action = form.save().action_plan()
        return self.env["aftersales.dispatch"].browse(action["res_id"])


class StockCase(DispatchCase):
    """Loaner stock, spares and the roles that handle them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_user = new_test_user(
            cls.env, login="as_stock_wh", groups=ROLES["warehouse"]
        )
        cls.product.aftersales_spec_grade = 2
        cls.loaner_product = cls._create_product(
            "PLC Cabinet (loaner)", aftersales_spec_grade=3
        )
        cls.low_product = cls._create_product(
            "PLC Cabinet Lite (loaner)", aftersales_spec_grade=1
        )
        cls.loaner_location = cls.warehouse.aftersales_loaner_location_id
        cls.spare_location = cls.warehouse.aftersales_spare_location_id
        cls.loaner = cls._loaner_stock(cls.loaner_product, "LN-001")
        cls.low_loaner = cls._loaner_stock(cls.low_product, "LN-LOW")

    @classmethod
    def _loaner_stock(cls, product, name):
        lot = cls.env["stock.lot"].create(
            {"name": name, "product_id": product.id, "aftersales_is_loaner": True}
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, cls.loaner_location, 1, lot_id=lot
        )
        return lot

    @classmethod
    def _spare(cls, name, quantity, **values):
        spare = cls.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, **values}
        )
        if quantity:
            cls.env["stock.quant"]._update_available_quantity(
                spare, cls.spare_location, quantity
            )
        return spare

    def _obligation(self, request, **values):
        return self.env["aftersales.loaner"].create(
            {
                "ticket_id": request.id,
                "partner_id": self.customer.id,
                "lot_id": request.lot_id.id,
                "trigger": "long_repair",
                "due_at": fields.Datetime.now() + timedelta(hours=48),
                **values,
            }
        )

    def _quant_at(self, lot, location):
        return (
            self.env["stock.quant"]
            .search([("lot_id", "=", lot.id), ("location_id", "=", location.id)])
            .quantity
        )


class PortalCase(HttpCase):
    """The customer portal over HTTP."""

    @classmethod
    def _portal_contact(cls, customer, login, **values):
        """A contact of ``customer`` with portal access (the login is the
        password too)."""
        contact = cls.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": customer.id, "email": "cj@ex.com"}
        )
        user = new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            partner_id=contact.id,
            **values,
        )
        return contact, user

    def _csrf(self, url):
        """The CSRF token of the form on the page at ``url``."""
        return CSRF_TOKEN.search(self.url_open(url).text).group(1)


class PortalRequestsCase(PortalCase):
    """A customer's contact on the portal, who logs in with ``portal_login``
    as name and password, with a request of their own, and another
    customer's request beside it."""

    portal_login = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        customer = Partner.create({"name": "Ningbo Port", "is_company": True})
        contact = Partner.create(
            {"name": "Chen Jie", "parent_id": customer.id, "email": "cj@example.com"}
        )
        cls.portal = new_test_user(
            cls.env,
            login=cls.portal_login,
            password=cls.portal_login,
            groups="base.group_portal",
            partner_id=contact.id,
        )
        other = Partner.create({"name": "Other Works", "is_company": True})
        Ticket = cls.env["helpdesk.ticket"]
        cls.mine = Ticket.create(
            {"name": "Alarm", "description": "Alarm", "partner_id": contact.id}
        )
        cls.theirs = Ticket.create(
            {"name": "Leak", "description": "Leak", "partner_id": other.id}
        )


class CommittedRaceCase(TransactionCase):
    """Two users act on the same record at the same moment, each in their own
    transaction: the data is committed (the other transaction must see it),
    the first user acts and keeps the transaction open while the second
    tries, and everything committed is removed afterwards."""

    # {key: groups} of the users each test needs.
    race_users = {}

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.warehouse_id = env["stock.warehouse"]._aftersales_main(env.company).id
            users = env["res.users"].create(
                [
                    {
                        "name": f"Race {key}",
                        "login": f"as_race_ls_{key}",
                        "email": f"as_race_ls_{key}@example.com",
                        "group_ids": [
                            Command.link(env.ref(group).id) for group in groups
                        ],
                    }
                    for key, groups in self.race_users.items()
                ]
            )
            self.uid_of = dict(zip(self.race_users, users.ids, strict=True))
            self.partner_id = env["res.partner"].create({"name": "Race Customer"}).id
        self.addCleanup(self._remove_users)
        self.product_ids = []
        self.addCleanup(self._remove_stock)

    def _remove_users(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            users = env["res.users"].browse(self.uid_of.values())
            partners = users.partner_id
            users.unlink()
            (partners | env["res.partner"].browse(self.partner_id)).unlink()

    def _remove_stock(self):
        """Remove the products made for the test and all their stock: done
        moves can't be deleted through the ORM, so their lines and moves go
        by SQL first, with the loaners and scraps made of them."""
        if not self.product_ids:
            return
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            products = env["product.product"].browse(self.product_ids).exists()
            moves = env["stock.move"].search([("product_id", "in", products.ids)])
            pickings = moves.picking_id
            scraps = env["stock.scrap"].search([("product_id", "in", products.ids)])
            # Issued loaners and approved scraps are kept on file by the
            # add-on: the test's own go by SQL too.
            cr.execute(
                SQL(
                    """DELETE FROM aftersales_loaner
                        WHERE lot_id IN %(lots)s OR loaner_lot_id IN %(lots)s""",
                    lots=SQL(
                        "(SELECT id FROM stock_lot WHERE product_id IN %s)",
                        tuple(products.ids),
                    ),
                )
            )
            cr.execute(
                SQL(
                    "DELETE FROM aftersales_scrap_request WHERE product_id IN %s",
                    tuple(products.ids),
                )
            )
            cr.execute(
                """DELETE FROM tier_review WHERE model = 'aftersales.scrap.request'
                      AND res_id NOT IN (SELECT id FROM aftersales_scrap_request)"""
            )
            for table in ("stock_move_line", "stock_move"):
                cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE product_id IN %s",
                        SQL.identifier(table),
                        tuple(products.ids),
                    )
                )
            env.invalidate_all()
            scraps.write({"state": "draft"})
            scraps.unlink()
            pickings.unlink()
            env["stock.quant"].search([("product_id", "in", products.ids)]).unlink()
            env["stock.lot"].search([("product_id", "in", products.ids)]).unlink()
            products.unlink()

    def _product(self, env, name):
        """A serial-numbered product, removed with all its stock after the
        test."""
        product = env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        self.product_ids.append(product.id)
        return product

    def _race(self, first, second, hold=10):
        """``first`` and ``second`` are (user key, action on an environment).
        The first user acts and keeps the transaction open while the second
        tries (at most ``hold`` seconds); then the first commits. Returns both
        outcomes, "done" or the error raised, and under "order" who was
        through first: ["second", "first"] when the second user had their
        answer while the first transaction was still open, ["first",
        "second"] when the second had to wait for the first to commit."""
        first_acted = threading.Event()
        second_done = threading.Event()
        outcome = {"order": []}

        def act(key, user, action):
            if key == "second":
                first_acted.wait(hold)
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.uid_of[user], {})
                    try:
                        action(env)
                        env.flush_all()
                        outcome[key] = "done"
                    finally:
                        if key == "first":
                            first_acted.set()
                            second_done.wait(hold)
                            # Ends the transaction right after.
                            outcome["order"].append(key)
            except (UserError, psycopg2.Error) as error:
                outcome[key] = error
            finally:
                first_acted.set()
                if key == "second":
                    outcome["order"].append(key)
                    second_done.set()

        threads = [
            threading.Thread(target=act, args=("first", *first)),
            threading.Thread(target=act, args=("second", *second)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * hold)
        return outcome
