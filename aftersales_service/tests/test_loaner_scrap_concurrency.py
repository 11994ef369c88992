from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from .common import CommittedRaceCase

LOANER_LOCK = "odoo.addons.aftersales_service.models.aftersales_loaner.lock_rows"
WAREHOUSE = "aftersales_service.group_aftersales_warehouse"
APPRAISAL = "aftersales_service.group_aftersales_appraisal"
ENGINEER = "aftersales_service.group_aftersales_engineer"


class TestLoanerRace(CommittedRaceCase):
    """Two warehouse users issue the same loaner unit to two customers at the
    same moment: one ships it, the other is told at once, and the unit never
    goes out twice."""

    race_users = {"wh1": [WAREHOUSE], "wh2": [WAREHOUSE]}

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            unit = env["stock.lot"].create(
                {
                    "name": "RACE-LOANER",
                    "product_id": self._product(env, "Race Cabinet (loaner)").id,
                    "aftersales_is_loaner": True,
                }
            )
            warehouse = env["stock.warehouse"].browse(self.warehouse_id)
            env["stock.quant"]._update_available_quantity(
                unit.product_id, warehouse.aftersales_loaner_location_id, 1, lot_id=unit
            )
            self.unit_id = unit.id
            faulty = self._product(env, "Race Cabinet")
            loaners = env["aftersales.loaner"]
            for n in (1, 2):
                ticket = env["helpdesk.ticket"].create(
                    {
                        "name": f"Race {n}",
                        "description": "Cabinet down",
                        "partner_id": self.partner_id,
                    }
                )
                broken = env["stock.lot"].create(
                    {"name": f"RACE-UNIT-{n}", "product_id": faulty.id}
                )
                loaners |= loaners.create(
                    {
                        "ticket_id": ticket.id,
                        "partner_id": self.partner_id,
                        "lot_id": broken.id,
                        "trigger": "long_repair",
                        "due_at": fields.Datetime.now() + timedelta(hours=48),
                        "loaner_lot_id": unit.id,
                    }
                )
            self.loaner_ids = loaners.ids
        self.addCleanup(self._remove_loaners)

    def _remove_loaners(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["aftersales.loaner"].browse(self.loaner_ids).ticket_id
            # Issued loaners are kept on file by the add-on.
            cr.execute(
                "DELETE FROM aftersales_loaner WHERE id IN %s", [tuple(self.loaner_ids)]
            )
            env.invalidate_all()
            tickets.unlink()

    def _issue(self, index):
        loaner_id = self.loaner_ids[index]
        return lambda env: env["aftersales.loaner"].browse(loaner_id).action_issue()

    def _race_to_issue(self, hold=10):
        return self._race(("wh1", self._issue(0)), ("wh2", self._issue(1)), hold)

    def _committed(self):
        """The loaners' states, the done transfers of the unit, and where the
        unit is."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            states = env["aftersales.loaner"].browse(self.loaner_ids).mapped("state")
            lines = env["stock.move.line"].search(
                [("lot_id", "=", self.unit_id), ("state", "=", "done")]
            )
            quants = env["stock.quant"].search(
                [("lot_id", "=", self.unit_id), ("quantity", "!=", 0)]
            )
            return (
                states,
                len(lines.picking_id),
                sorted((q.location_id.usage, q.quantity) for q in quants),
            )

    def test_one_issues_the_other_is_told(self):
        # The refused lock is a normal race, not a bad query: no error in
        # the log.
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race_to_issue()
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertIn(
            "Loaner RACE-LOANER is being issued by another user", str(outcome["second"])
        )
        # Told while the first transaction was still open, without waiting.
        self.assertEqual(outcome["order"], ["second", "first"])
        self.assertEqual(self._committed(), (["issued", "due"], 1, [("customer", 1.0)]))

    def test_without_the_lock_the_second_waits_then_fails_raw(self):
        """The same race with the lock taken out. The second transaction
        still reads the unit as available (its snapshot predates the first
        one's commit), so it builds and validates a transfer of its own:
        Odoo's quant updates skip the quant the first transaction holds, so
        nothing stops it there. It stops only when its writes are flushed and
        it updates the unit's own row (``stock_lot``: loaner status and
        location), which the first transaction changed: it waits for the first
        to commit, then PostgreSQL aborts it with a serialization failure
        ("could not serialize access due to concurrent update"). The unit
        still goes out once, but the second user waits as long as the first
        transaction lasts and gets a raw database error instead of the clear
        message at once: the lock is what turns the conflict into that
        message."""
        with (
            patch(LOANER_LOCK, lambda records, message: None),
            mute_logger("odoo.sql_db"),
        ):
            outcome = self._race_to_issue(hold=2)
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], psycopg2.errors.SerializationFailure)
        self.assertEqual(outcome["order"], ["first", "second"])
        self.assertEqual(self._committed(), (["issued", "due"], 1, [("customer", 1.0)]))


class TestScrapRace(CommittedRaceCase):
    """Two appraisers approve, then two warehouse users carry out, the same
    scrap request at the same moment: one goes through, the other is told at
    once, and the unit is scrapped once."""

    race_users = {
        "requester": [ENGINEER],
        "appraiser1": [APPRAISAL],
        "appraiser2": [APPRAISAL],
        "wh1": [WAREHOUSE],
        "wh2": [WAREHOUSE],
    }

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.uid_of["requester"], {})
            root = env(user=SUPERUSER_ID)
            unit = root["stock.lot"].create(
                {
                    "name": "RACE-SCRAP",
                    "product_id": self._product(root, "Race Drive Board").id,
                }
            )
            location = (
                root["stock.warehouse"]
                .browse(self.warehouse_id)
                .aftersales_repair_location_id
            )
            root["stock.quant"]._update_available_quantity(
                unit.product_id, location, 1, lot_id=unit
            )
            self.location_id = location.id
            request = env["aftersales.scrap.request"].create(
                {
                    "product_id": unit.product_id.id,
                    "lot_id": unit.id,
                    "location_id": location.id,
                    "reason": "repair_failed",
                    "reason_details": "Drive board burnt twice; beyond repair.",
                }
            )
            request.request_validation()
            self.request_id = request.id
            self.request_name = request.name
        self.addCleanup(self._remove_request)

    def _remove_request(self):
        with self.registry.cursor() as cr:
            # An approved scrap request is kept on file by the add-on.
            cr.execute(
                "DELETE FROM tier_review WHERE model = %s AND res_id = %s",
                ["aftersales.scrap.request", self.request_id],
            )
            cr.execute(
                "DELETE FROM aftersales_scrap_request WHERE id = %s", [self.request_id]
            )

    def _act(self, method):
        request_id = self.request_id
        return lambda env: getattr(
            env["aftersales.scrap.request"].browse(request_id), method
        )()

    def _committed(self):
        """The request's state, its reviews, its stock scraps and the unit
        left where it was taken from."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            request = env["aftersales.scrap.request"].browse(self.request_id)
            scraps = env["stock.scrap"].search([("origin", "=", self.request_name)])
            left = env["stock.quant"]._get_available_quantity(
                request.product_id,
                env["stock.location"].browse(self.location_id),
                lot_id=request.lot_id,
                strict=True,
            )
            return {
                "state": request.state,
                "validation": request.validation_status,
                "reviews": [(r.status, r.done_by.id) for r in request.review_ids],
                "scraps": scraps.mapped("state"),
                "scrapped_by": request.done_by_id.id,
                "left": left,
            }

    def test_one_appraiser_approves_the_other_is_told(self):
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race(
                ("appraiser1", self._act("validate_tier")),
                ("appraiser2", self._act("validate_tier")),
            )
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertEqual(outcome["order"], ["second", "first"])
        self.assertIn(
            f"Scrap request {self.request_name} is being reviewed or scrapped by "
            "another user",
            str(outcome["second"]),
        )
        self.assertEqual(
            self._committed(),
            {
                "state": "approved",
                "validation": "validated",
                "reviews": [("approved", self.uid_of["appraiser1"])],
                "scraps": [],
                "scrapped_by": False,
                "left": 1.0,
            },
        )

    def test_one_warehouse_user_scraps_the_other_is_told(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.uid_of["appraiser1"], {})
            env["aftersales.scrap.request"].browse(self.request_id).validate_tier()
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race(
                ("wh1", self._act("action_scrap")), ("wh2", self._act("action_scrap"))
            )
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertEqual(outcome["order"], ["second", "first"])
        self.assertIn(
            f"Scrap request {self.request_name} is being scrapped by another user",
            str(outcome["second"]),
        )
        self.assertEqual(
            self._committed(),
            {
                "state": "done",
                "validation": "validated",
                "reviews": [("approved", self.uid_of["appraiser1"])],
                "scraps": ["done"],
                "scrapped_by": self.uid_of["wh1"],
                "left": 0.0,
            },
        )
