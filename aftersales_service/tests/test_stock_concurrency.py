import threading
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase

LOCK = "odoo.addons.aftersales_service.models.stock_move.lock_rows"


class TestLastSpareRace(TransactionCase):
    """Two warehouse users reserve the last spare at the same moment, each in
    their own transaction: one gets it, the other is told at once, and the
    part is never allocated twice. The data is committed (other transactions
    must see it) and removed afterwards."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            self.location_id = warehouse.aftersales_spare_location_id.id
            users = env["res.users"].create(
                [
                    {
                        "name": f"Race Warehouse {n}",
                        "login": f"as_race_wh{n}",
                        "group_ids": [
                            Command.link(
                                env.ref(
                                    "aftersales_service.group_aftersales_warehouse"
                                ).id
                            )
                        ],
                    }
                    for n in (1, 2)
                ]
            )
            self.user_ids = users.ids
            part = env["product.product"].create(
                {"name": "Race Relay", "type": "consu", "is_storable": True}
            )
            self.product_id = part.id
            env["stock.quant"]._update_available_quantity(
                part, warehouse.aftersales_spare_location_id, 1
            )
            customer = env["res.partner"].create({"name": "Race Customer"})
            self.partner_id = customer.id
            requests = env["aftersales.spare.request"]
            for n in (1, 2):
                ticket = env["helpdesk.ticket"].create(
                    {
                        "name": f"Race {n}",
                        "description": "Relay burnt",
                        "partner_id": customer.id,
                    }
                )
                dispatch = env["aftersales.dispatch"].create({"ticket_id": ticket.id})
                requests |= env["aftersales.spare.request"].create(
                    {
                        "dispatch_id": dispatch.id,
                        "line_ids": [Command.create({"product_id": part.id})],
                    }
                )
            requests.action_request()
            self.request_ids = requests.ids
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            requests = env["aftersales.spare.request"].browse(self.request_ids)
            dispatches = requests.dispatch_id
            tickets = dispatches.ticket_id
            pickings = requests.picking_id
            requests.filtered(lambda r: r.state != "cancelled").action_cancel()
            requests.unlink()
            pickings.unlink()
            dispatches.unlink()
            tickets.unlink()
            env["stock.quant"].search([("product_id", "=", self.product_id)]).unlink()
            env["product.product"].browse(self.product_id).unlink()
            users = env["res.users"].browse(self.user_ids)
            partners = users.partner_id | env["res.partner"].browse(self.partner_id)
            users.unlink()
            partners.unlink()

    def _race(self, hold=10):
        """The first user reserves and keeps the transaction open while the
        second tries; then the first commits. Returns both outcomes."""
        first_reserved = threading.Event()
        second_done = threading.Event()
        outcome = {}

        def reserve(key, uid, request_id, before=None, after=None):
            if before:
                before.wait(hold)
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, uid, {})
                    try:
                        env["aftersales.spare.request"].browse(
                            request_id
                        ).action_reserve()
                        env.flush_all()
                        outcome[key] = "reserved"
                    finally:
                        if after:
                            after.set()
                        if key == "first":
                            second_done.wait(hold)
            except (UserError, psycopg2.Error) as error:
                outcome[key] = error
            finally:
                first_reserved.set()
                if key == "second":
                    second_done.set()

        threads = [
            threading.Thread(
                target=reserve,
                args=(
                    "first",
                    self.user_ids[0],
                    self.request_ids[0],
                    None,
                    first_reserved,
                ),
            ),
            threading.Thread(
                target=reserve,
                args=("second", self.user_ids[1], self.request_ids[1], first_reserved),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * hold)
        return outcome

    def _committed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            states = (
                env["aftersales.spare.request"].browse(self.request_ids).mapped("state")
            )
            reserved = sum(
                env["stock.quant"]
                .search([("product_id", "=", self.product_id)])
                .mapped("reserved_quantity")
            )
            return states, reserved

    def test_one_wins_the_other_is_told(self):
        # A refused lock is a normal race, not a bad query: the log stays
        # clean.
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race()
        self.assertEqual(outcome["first"], "reserved")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertIn("Another user is reserving", str(outcome["second"]))
        self.assertEqual(self._committed(), (["reserved", "requested"], 1))

    def test_without_the_lock_the_part_is_given_twice(self):
        """The same race with the lock taken out: Odoo's reservation skips the
        quant the first transaction holds (``FOR NO KEY UPDATE SKIP LOCKED``)
        and reserves the part again on a new, empty quant. Both users get
        the single relay. The test above fails this way when the locking is
        removed."""
        with patch(LOCK, lambda records, message: None):
            outcome = self._race(hold=2)
        self.assertEqual(outcome, {"first": "reserved", "second": "reserved"})
        self.assertEqual(self._committed(), (["reserved", "reserved"], 2))
