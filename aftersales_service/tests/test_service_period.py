from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import ROLES, PortalCase, StockCase

# The scheduled action ending one period and releasing its kit (purchase_stock
# looks for the purchase lines of the moves it cancels).
QUERIES_TO_END_ONE_PERIOD = 66


class ServicePeriodCase(StockCase):
    """The customer's unit under a running contract with a follow-up plan,
    a tighter event level, a manager, and two parts in the spares
    location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="as_ssp_manager", groups=ROLES["manager"]
        )
        cls.other_unit = cls._delivered_warranties(cls.product, ["SSP-002"]).lot_id
        cls.contract = cls._running_contract(cls.unit | cls.other_unit)
        cls.env["aftersales.followup.plan"].create(
            {"contract_id": cls.contract.id, "engineer_id": cls.engineer.id}
        )
        cls.event_level = cls.env["aftersales.service.level"].create(
            {
                "name": "Event Assurance",
                "around_the_clock": True,
                "ack_hours": 0.25,
                "plan_hours": 0.5,
                "arrival_city_hours": 1,
                "arrival_county_hours": 4,
                "repair_general_hours": 2,
                "repair_major_hours": 4,
            }
        )
        cls.fuse = cls._spare("Event Fuse", 3)
        cls.board = cls._spare("Event IO Board", 1)
        cls.start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)
        cls.end = cls.start + timedelta(days=2)

    def _period(self, user=None, **values):
        return (
            self.env["aftersales.service.period"]
            .with_user(user or self.back_office)
            .create(
                {
                    "event": "Year-end operations meeting",
                    "contract_id": self.contract.id,
                    "date_start": self.start,
                    "date_end": self.end,
                    "lot_ids": [Command.set(self.unit.ids)],
                    "service_level_id": self.event_level.id,
                    "engineer_ids": [Command.set(self.engineer.ids)],
                    "part_ids": [
                        Command.create({"product_id": self.fuse.id, "quantity": 2}),
                        Command.create({"product_id": self.board.id, "quantity": 1}),
                    ],
                    **values,
                }
            )
        )

    def _approved(self, **values):
        period = self._period(**values)
        period.request_validation()
        period.with_user(self.manager).validate_tier()
        return period.with_env(self.env)

    def _free(self, product):
        return product.with_context(location=self.spare_location.id).free_qty


class TestServicePeriod(ServicePeriodCase):
    def test_approval_reserves_the_kit_rosters_and_plans_the_inspection(self):
        period = self._period()
        self.assertEqual(period.state, "draft")
        self.assertEqual(period.partner_id, self.customer)
        self.assertEqual(
            period.inspection_date,
            fields.Date.context_today(period, self.start - timedelta(days=1)),
        )
        period.request_validation()
        # The back office drafts; only the service manager approves.
        with self.assertRaisesText(UserError, "the service manager approves it"):
            period.with_user(self.back_office).validate_tier()
        self.assertEqual(period.state, "draft")
        self.assertFalse(period.picking_id)
        period.with_user(self.manager).validate_tier()
        self.assertEqual(period.state, "approved")
        self.assertEqual(period.validation_status, "validated")
        # The kit: reserved in the spares location, for the period.
        picking = period.picking_id
        self.assertEqual(picking.location_id, self.spare_location)
        self.assertEqual(set(picking.move_ids.mapped("state")), {"assigned"})
        self.assertEqual(self._free(self.fuse), 1)
        self.assertEqual(self._free(self.board), 0)
        # The standby engineer is on the roster for the whole period.
        duty = period.duty_ids
        self.assertEqual(duty.user_id, self.engineer)
        self.assertEqual((duty.date_start, duty.date_end), (self.start, self.end))
        self.assertEqual(
            self.env["aftersales.duty"]._on_roster(
                self.start + timedelta(hours=1), self.env.company
            ),
            self.engineer,
        )
        # The pre-event inspection, in the engineer's activities.
        inspection = period.inspection_id
        self.assertEqual(inspection.kind, "pre_event")
        self.assertEqual(inspection.engineer_id, self.engineer)
        self.assertEqual(inspection.scheduled_date, period.inspection_date)
        self.assertEqual(inspection.lot_ids, self.unit)
        self.assertEqual(inspection.state, "planned")
        self.assertEqual(inspection.activity_ids.user_id, self.engineer)
        with self.assertRaisesText(UserError, "only a draft is sent for approval"):
            period.request_validation()

    def test_request_inside_the_period_takes_its_level_and_deadlines(self):
        period = self._approved(site_ids=[Command.set(self.site.ids)])
        inside = self.start + timedelta(hours=3)
        request = self._request(reported_at=inside)
        self.assertEqual(request.service_level_id, self.event_level)
        self.assertEqual(request.ack_deadline, inside + timedelta(minutes=15))
        self.assertEqual(request.plan_deadline, inside + timedelta(minutes=30))
        self.assertEqual(request.arrival_deadline, inside + timedelta(hours=1))
        # From one of its sites, about no unit: the same.
        from_site = self._request(
            reported_at=inside, lot_id=False, partner_id=self.site.id
        )
        self.assertEqual(from_site.service_level_id, self.event_level)
        # After the period, or about another unit: the contract's level.
        standard = self.contract.service_level_id
        after = self._request(reported_at=self.end + timedelta(minutes=1))
        self.assertEqual(after.service_level_id, standard)
        self.assertEqual(after.ack_deadline, after.reported_at + timedelta(hours=1))
        other = self._request(reported_at=inside, lot_id=self.other_unit.id)
        self.assertEqual(other.service_level_id, standard)
        # A cancelled period no longer applies.
        period.action_cancel()
        self.assertEqual(self._request(reported_at=inside).service_level_id, standard)

    def test_a_draft_period_changes_no_level(self):
        self._period()
        request = self._request(reported_at=self.start + timedelta(hours=3))
        self.assertEqual(request.service_level_id, self.contract.service_level_id)

    def test_short_kit_is_refused_naming_the_shortage(self):
        period = self._period()
        period.part_ids[0].quantity = 5
        with self.assertRaisesText(
            UserError, "Event Fuse: 5.0 needed, 3.0 free, 2.0 short"
        ):
            period.request_validation()
        self.assertFalse(period.review_ids)
        # Requested in time, but the stock went meanwhile: approving reserves
        # nothing, rosters nobody and plans nothing.
        period.part_ids[0].quantity = 2
        period.request_validation()
        self.env["stock.quant"]._update_available_quantity(
            self.board, self.spare_location, -1
        )
        with self.assertRaisesText(UserError, "Event IO Board: 1.0 needed, 0.0 free"):
            period.with_user(self.manager).validate_tier()
        self.assertEqual(period.state, "draft")
        self.assertFalse(period.picking_id)
        self.assertFalse(period.duty_ids)
        self.assertFalse(period.inspection_id)
        self.assertEqual(self._free(self.fuse), 3)

    def test_cancel_releases_the_kit_and_the_standby(self):
        period = self._approved()
        inspection = period.inspection_id
        period.with_user(self.back_office).action_cancel()
        self.assertEqual(period.state, "cancelled")
        self.assertEqual(period.picking_id.state, "cancel")
        self.assertEqual(self._free(self.fuse), 3)
        self.assertFalse(period.duty_ids)
        self.assertEqual(inspection.state, "cancelled")
        # Ended periods can't be cancelled.
        ended = self._approved(lot_ids=[Command.set(self.other_unit.ids)])
        ended._end()
        with self.assertRaisesText(UserError, "an ended period can't be cancelled"):
            ended.action_cancel()

    def test_the_kit_is_released_when_the_period_ends(self):
        now = fields.Datetime.now().replace(microsecond=0)
        ended = self._approved(
            date_start=now - timedelta(days=3), date_end=now - timedelta(hours=1)
        )
        running = self._approved(
            date_start=now - timedelta(days=1),
            date_end=now + timedelta(days=1),
            lot_ids=[Command.set(self.other_unit.ids)],
            part_ids=[Command.create({"product_id": self.fuse.id, "quantity": 1})],
        )
        self.assertEqual(self._free(self.fuse), 0)
        Period = self.env["aftersales.service.period"]
        with self.assertQueryCount(QUERIES_TO_END_ONE_PERIOD):
            Period._cron_end_periods()
        self.assertEqual(ended.state, "done")
        self.assertEqual(ended.picking_id.state, "cancel")
        self.assertEqual(running.state, "approved")
        self.assertEqual(self._free(self.fuse), 2)
        # Run again: nothing left to do.
        Period._cron_end_periods()
        self.assertEqual(running.picking_id.state, "assigned")
        # Ended periods stay on file.
        with self.assertRaisesText(UserError, "kept on file"):
            ended.unlink()


class TestServicePeriodBadInput(ServicePeriodCase):
    def test_ends_before_it_starts(self):
        with self.assertRaisesText(ValidationError, "ends before it starts"):
            self._period(date_end=self.start - timedelta(hours=1))
        with self.assertRaisesText(ValidationError, "held before the event"):
            self._period(inspection_date=fields.Date.add(self.end, days=1))

    def test_overlapping_periods_for_the_same_units(self):
        first = self._period()
        with self.assertRaisesText(ValidationError, f"overlaps {first.name}"):
            self._period(date_start=self.end - timedelta(hours=1), date_end=self.end)
        # Another unit, or once the first is cancelled: fine.
        self._period(lot_ids=[Command.set(self.other_unit.ids)], part_ids=[])
        first.action_cancel()
        self._period(part_ids=[])

    def test_units_and_sites(self):
        with self.assertRaisesText(ValidationError, "name the units or the sites"):
            self._period(lot_ids=[])
        stranger = self._delivered_warranties(self.product, ["SSP-X"]).lot_id
        with self.assertRaisesText(ValidationError, "are not under contract"):
            self._period(lot_ids=[Command.set(stranger.ids)])

    def test_kit_quantities(self):
        with self.assertRaisesText(ValidationError, "must be positive"):
            self._period(
                part_ids=[Command.create({"product_id": self.fuse.id, "quantity": 0})]
            )
        period = self._period(part_ids=[])
        with self.assertRaisesText(ValidationError, "nan is out of range"):
            self.env["aftersales.service.period.part"].with_user(
                self.back_office
            ).create(
                {
                    "period_id": period.id,
                    "product_id": self.fuse.id,
                    "quantity": float("nan"),
                }
            )
        with self.assertRaisesText(ValidationError, "not a stocked part"):
            self.env["aftersales.service.period.part"].create(
                {
                    "period_id": period.id,
                    "product_id": self.env.ref(
                        "aftersales_service.product_service_contract"
                    ).id,
                }
            )
        self.assertFalse(period.part_ids)

    def test_nothing_to_approve_without_engineers(self):
        period = self._period(engineer_ids=[])
        with self.assertRaisesText(UserError, "name the engineers on standby"):
            period.request_validation()

    def test_workflow_facts_are_written_by_actions_only(self):
        period = self._period()
        with self.assertRaisesText(UserError, "set by its actions"):
            period.write({"state": "approved"})
        with self.assertRaisesText(UserError, "set by its actions"):
            self._period(lot_ids=[Command.set(self.other_unit.ids)], state="approved")
        approved = self._approved(lot_ids=[Command.set(self.other_unit.ids)])
        with self.assertRaisesText(UserError, "can't change once it is approved"):
            approved.with_user(self.manager).write(
                {"date_end": self.end + timedelta(days=1)}
            )
        with self.assertRaisesText(UserError, "can't change once it is approved"):
            approved.part_ids[0].quantity = 1
        with self.assertRaisesText(UserError, "kept on file"):
            approved.with_user(self.manager).unlink()
        # A draft may be dropped.
        period.unlink()


class TestServicePeriodAccess(ServicePeriodCase):
    def test_roles(self):
        # Engineers and the warehouse read periods; they don't draft them.
        with self.assertRaises(AccessError):
            self._period(user=self.engineer)
        period = self._approved()
        self.assertEqual(period.with_user(self.engineer).event, period.event)
        self.assertEqual(
            period.with_user(self.warehouse_user).picking_id, period.picking_id
        )
        with self.assertRaises(AccessError):
            period.with_user(self.warehouse_user).write({"note": "<p>x</p>"})
        # Nor do they cancel one: the kit stays reserved.
        with self.assertRaises(AccessError):
            period.with_user(self.engineer).action_cancel()
        self.assertEqual(period.state, "approved")
        self.assertEqual(period.picking_id.state, "assigned")
        self.assertTrue(period.duty_ids)

    def test_customers_see_their_own_approved_periods(self):
        approved = self._approved()
        draft = self._period(lot_ids=[Command.set(self.other_unit.ids)])
        contact = self.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": self.customer.id}
        )
        portal = new_test_user(
            self.env,
            login="as_ssp_portal",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        stranger = new_test_user(
            self.env, login="as_ssp_portal2", groups="base.group_portal"
        )
        Period = self.env["aftersales.service.period"]
        self.assertEqual(Period.with_user(portal).search([]), approved)
        self.assertFalse(Period.with_user(stranger).search([]))
        with self.assertRaises(AccessError):
            draft.with_user(portal).read(["event"])
        with self.assertRaises(AccessError):
            approved.with_user(portal).write({"note": "<p>x</p>"})


class TestServicePeriodPortalPage(PortalCase):
    def test_the_customer_reads_the_period_in_the_portal(self):
        period = self.env.ref(
            "aftersales_service.demo_service_period_city", raise_if_not_found=False
        )
        if not period:
            self.skipTest("the demo story is not installed")
        self.authenticate("wangwei", "wangwei")
        page = self.url_open("/my/service-periods")
        self.assertEqual(page.status_code, 200)
        self.assertIn(period.event, page.text)
