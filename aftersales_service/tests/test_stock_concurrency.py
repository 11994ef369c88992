from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError

from .common import CommittedRaceCase

LOCK = "odoo.addons.aftersales_service.models.stock_move.lock_rows"
WAREHOUSE = "aftersales_service.group_aftersales_warehouse"


class TestLastSpareRace(CommittedRaceCase):
    """Two warehouse users reserve the last spare at the same moment, each in
    their own transaction: one gets it, the other is told at once, and the
    part is never allocated twice. The data is committed (other transactions
    must see it) and removed afterwards."""

    race_users = {"wh1": [WAREHOUSE], "wh2": [WAREHOUSE]}

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].browse(self.warehouse_id)
            part = env["product.product"].create(
                {"name": "Race Relay", "type": "consu", "is_storable": True}
            )
            self.product_ids.append(part.id)
            self.product_id = part.id
            env["stock.quant"]._update_available_quantity(
                part, warehouse.aftersales_spare_location_id, 1
            )
            requests = env["aftersales.spare.request"]
            for n in (1, 2):
                ticket = env["helpdesk.ticket"].create(
                    {
                        "name": f"Race {n}",
                        "description": "Relay burnt",
                        "partner_id": self.partner_id,
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
        self.addCleanup(self._remove_requests)

    def _remove_requests(self):
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

    def _reserve(self, index):
        request_id = self.request_ids[index]
        return lambda env: (
            env["aftersales.spare.request"].browse(request_id).action_reserve()
        )

    def _race_to_reserve(self, hold=10):
        return self._race(("wh1", self._reserve(0)), ("wh2", self._reserve(1)), hold)

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
            outcome = self._race_to_reserve()
        self.assertEqual(outcome["first"], "done")
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
            outcome = self._race_to_reserve(hold=2)
        self.assertEqual((outcome["first"], outcome["second"]), ("done", "done"))
        self.assertEqual(self._committed(), (["reserved", "reserved"], 2))
