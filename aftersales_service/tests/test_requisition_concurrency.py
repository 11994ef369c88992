from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError

from .common import CommittedRaceCase

CLAIM = "odoo.addons.aftersales_service.models.aftersales_spare_requisition.claim_rows"
BACK_OFFICE = "aftersales_service.group_aftersales_user"
WAREHOUSE = "aftersales_service.group_aftersales_warehouse"


class TestShortageRace(CommittedRaceCase):
    """The spare floor's scheduled action and the back office, ordering the
    missing parts of a spare request, at the same moment, each in their own
    transaction: the shortage is requisitioned once. The data is committed
    (the other transaction must see it) and removed afterwards."""

    race_users = {"bo": [BACK_OFFICE], "wh": [WAREHOUSE]}

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            vendor = env["res.partner"].create({"name": "Race Vendor"})
            self.vendor_id = vendor.id
            part = env["product.product"].create(
                {
                    "name": "Race Contactor",
                    "type": "consu",
                    "is_storable": True,
                    "seller_ids": [Command.create({"partner_id": vendor.id})],
                }
            )
            self.product_ids.append(part.id)
            self.product_id = part.id
            ticket = env["helpdesk.ticket"].create(
                {
                    "name": "Race",
                    "description": "Contactor burnt",
                    "partner_id": self.partner_id,
                }
            )
            dispatch = env["aftersales.dispatch"].create({"ticket_id": ticket.id})
            request = env["aftersales.spare.request"].create(
                {
                    "dispatch_id": dispatch.id,
                    "line_ids": [
                        Command.create({"product_id": part.id, "quantity": 2})
                    ],
                }
            )
            request.action_request()
            self.request_id = request.id
        self.addCleanup(self._remove_requests)

    def _remove_requests(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(
                """DELETE FROM aftersales_spare_requisition
                    WHERE id IN (SELECT requisition_id
                                   FROM aftersales_spare_requisition_line
                                  WHERE product_id = %s)""",
                [self.product_id],
            )
            cr.execute(
                """DELETE FROM tier_review
                    WHERE model = 'aftersales.spare.requisition'
                      AND res_id NOT IN (SELECT id FROM aftersales_spare_requisition)"""
            )
            request = env["aftersales.spare.request"].browse(self.request_id)
            dispatch = request.dispatch_id
            ticket = dispatch.ticket_id
            picking = request.picking_id
            request.action_cancel()
            request.unlink()
            picking.unlink()
            dispatch.unlink()
            ticket.unlink()
            env["product.supplierinfo"].search(
                [("partner_id", "=", self.vendor_id)]
            ).unlink()
            env["res.partner"].browse(self.vendor_id).unlink()

    def _floor_job(self, env):
        # What the spare floor's scheduled action does for the warehouse.
        env["aftersales.spare.requisition"].sudo()._order_shortages(
            env["stock.warehouse"].browse(self.warehouse_id),
            env["product.product"].browse(self.product_id),
        )

    def _order_missing_parts(self, env):
        env["aftersales.spare.request"].browse(
            self.request_id
        ).action_order_missing_parts()

    def _requisitioned(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT quantity FROM aftersales_spare_requisition_line
                    WHERE product_id = %s ORDER BY id""",
                [self.product_id],
            )
            return [row[0] for row in cr.fetchall()]

    def test_the_job_first_the_request_is_told(self):
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race(
                ("wh", self._floor_job), ("bo", self._order_missing_parts)
            )
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertIn("ordering these parts right now", str(outcome["second"]))
        self.assertEqual(outcome["order"], ["second", "first"])
        self.assertEqual(self._requisitioned(), [2.0])

    def test_the_request_first_the_job_leaves_it(self):
        outcome = self._race(("bo", self._order_missing_parts), ("wh", self._floor_job))
        self.assertEqual((outcome["first"], outcome["second"]), ("done", "done"))
        self.assertEqual(self._requisitioned(), [2.0])

    def test_without_the_claim_the_shortage_is_bought_twice(self):
        """The same race with the claim taken out: neither transaction sees
        the other's requisition, and the two parts are requisitioned twice.
        The tests above fail this way when the claim is removed."""
        with patch(CLAIM, lambda records: records):
            outcome = self._race(
                ("wh", self._floor_job), ("bo", self._order_missing_parts), hold=2
            )
        self.assertEqual((outcome["first"], outcome["second"]), ("done", "done"))
        self.assertEqual(self._requisitioned(), [2.0, 2.0])
