from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError

from .common import CommittedRaceCase

BACK_OFFICE = "aftersales_service.group_aftersales_user"


class TestExtensionRace(CommittedRaceCase):
    """Two back-office users mark the same incident as unresolvable at the
    same moment: the warranty's row is taken by the first (``lock_rows``),
    and the second is told at once that someone is extending it; trying
    again, they are told the incident already extended the warranty. A
    normal race: nothing is logged as an error."""

    race_users = {"bo1": [BACK_OFFICE], "bo2": [BACK_OFFICE]}

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            unit = env["stock.lot"].create(
                {
                    "name": "RACE-EXTEND",
                    "product_id": self._product(env, "Race Cabinet (warranty)").id,
                }
            )
            warranty = env["aftersales.warranty"].create(
                {
                    "lot_id": unit.id,
                    "partner_id": self.partner_id,
                    "duration": 2,
                    "period": "year",
                    "state": "accepted",
                    "acceptance_date": fields.Date.subtract(
                        fields.Date.context_today(unit), days=30
                    ),
                }
            )
            self.warranty_id = warranty.id
            self.end_date = warranty.end_date
            self.ticket_id = (
                env["helpdesk.ticket"]
                .create(
                    {
                        "name": "Race line stopped",
                        "description": "Line stopped",
                        "partner_id": self.partner_id,
                        "lot_id": unit.id,
                    }
                )
                .id
            )
        self.addCleanup(self._remove_warranty)

    def _remove_warranty(self):
        with self.registry.cursor() as cr:
            # Extensions and warranties are kept on file by the add-on.
            cr.execute(
                "DELETE FROM aftersales_warranty_extension WHERE warranty_id = %s",
                [self.warranty_id],
            )
            for model, res_id in (
                ("aftersales.warranty", self.warranty_id),
                ("helpdesk.ticket", self.ticket_id),
            ):
                cr.execute(
                    "DELETE FROM mail_message WHERE model = %s AND res_id = %s",
                    [model, res_id],
                )
            cr.execute("DELETE FROM helpdesk_ticket WHERE id = %s", [self.ticket_id])
            cr.execute(
                "DELETE FROM aftersales_warranty WHERE id = %s", [self.warranty_id]
            )

    def _extend(self, env):
        env["helpdesk.ticket"].browse(self.ticket_id).action_extend_warranty()

    def test_the_second_is_told_at_once_then_on_the_retry(self):
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            outcome = self._race(("bo1", self._extend), ("bo2", self._extend), hold=3)
        self.assertEqual(outcome["first"], "done")
        self.assertIsInstance(outcome["second"], UserError)
        self.assertIn("Someone else is extending", str(outcome["second"]))
        # Told while the first transaction was still open, without waiting.
        self.assertEqual(outcome["order"], ["second", "first"])
        # Trying again, once the first committed.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.uid_of["bo2"], {})
            with self.assertRaisesRegex(UserError, "extends a warranty once"):
                self._extend(env)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warranty = env["aftersales.warranty"].browse(self.warranty_id)
            self.assertEqual(len(warranty.extension_ids), 1)
            self.assertEqual(warranty.end_date, fields.Date.add(self.end_date, days=60))
