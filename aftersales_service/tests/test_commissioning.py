from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import ROLES, SIGNATURE, AftersalesCase

# The acceptance gate: the user, the warranties and their products, the
# units' last signed records and their units.
GATE_QUERIES = 7


class CommissioningCase(AftersalesCase):
    """B2: an installation job for delivered units, and a commissioning
    record per unit (测试和调试记录) that acceptance waits for."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = {
            role: new_test_user(cls.env, login=f"as_cm_{role}", groups=ROLES[role])
            for role in ("engineer", "back_office", "manager", "warehouse")
        }
        cls.engineer = users["engineer"]
        cls.back_office = users["back_office"]
        cls.manager = users["manager"]
        cls.warehouse_user = users["warehouse"]
        cls.other_engineer = new_test_user(
            cls.env, login="as_cm_engineer2", groups=ROLES["engineer"]
        )
        cls.portal = new_test_user(
            cls.env,
            login="as_cm_portal",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Li Lei", "parent_id": cls.customer.id})
            .id,
        )
        cls.cabinet = cls._create_product(
            "Control Cabinet",
            aftersales_commissioning_required=True,
            aftersales_commissioning_item_ids=[
                Command.create(
                    {
                        "sequence": 10,
                        "name": "Supply voltage",
                        "kind": "range",
                        "min_value": 220,
                        "max_value": 240,
                        "measure_unit": "V",
                    }
                ),
                Command.create(
                    {
                        "sequence": 20,
                        "name": "Insulation resistance",
                        "kind": "min",
                        "min_value": 500,
                        "measure_unit": "MΩ",
                    }
                ),
                Command.create(
                    {
                        "sequence": 30,
                        "name": "Grounding resistance",
                        "kind": "max",
                        "max_value": 4,
                        "measure_unit": "Ω",
                    }
                ),
                Command.create(
                    {
                        "sequence": 40,
                        "name": "Link to the control room",
                        "kind": "check",
                        "expected_value": "No alarm",
                    }
                ),
            ],
        )
        cls.warranties = cls._delivered_warranties(cls.cabinet, ["CM-001", "CM-002"])
        cls.units = cls.warranties.lot_id

    def _job(self, units=None, **values):
        return (
            self.env["aftersales.installation"]
            .with_user(self.back_office)
            .create(
                {
                    "partner_id": self.customer.id,
                    "lot_ids": [Command.set((units or self.units).ids)],
                    "engineer_ids": [Command.set(self.engineer.ids)],
                    "planned_at": fields.Datetime.now(),
                    **values,
                }
            )
        )

    def _scheduled(self, units=None):
        job = self._job(units)
        job.action_schedule()
        return job

    def _fill(self, record, values=("230", "800", "1.2"), link="pass", user=None):
        """The engineer enters the measured values in the item order and
        the link check; the customer's representative signs."""
        record = record.with_user(user or self.engineer)
        lines = record.line_ids.sorted("sequence")
        for line, value in zip(lines[:3], values, strict=True):
            line.measured_value = value
        lines[3].judged_result = link
        record.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
        return record

    def _record(self, job, unit):
        return job.commissioning_ids.filtered(lambda r: r.lot_id == unit)


class TestChecklist(CommissioningCase):
    def test_a_range_whose_minimum_exceeds_its_maximum_is_refused(self):
        with self.assertRaisesText(ValidationError, "exceeds the maximum"):
            self.cabinet.product_tmpl_id.aftersales_commissioning_item_ids = [
                Command.create(
                    {
                        "name": "Frequency",
                        "kind": "range",
                        "min_value": 51,
                        "max_value": 49,
                    }
                )
            ]
        self.assertEqual(
            len(self.cabinet.product_tmpl_id.aftersales_commissioning_item_ids), 4
        )

    def test_a_product_requiring_commissioning_needs_a_checklist(self):
        with self.assertRaisesText(ValidationError, "commissioning checklist"):
            self._create_product("Bare Cabinet", aftersales_commissioning_required=True)

    def test_the_standard_value_reads_as_on_the_paper_form(self):
        items = self.cabinet.product_tmpl_id.aftersales_commissioning_item_ids
        self.assertEqual(
            items.sorted("sequence").mapped("expected_text"),
            ["220 – 240 V", "≥ 500 MΩ", "≤ 4 Ω", "No alarm"],
        )


class TestInstallationJob(CommissioningCase):
    def test_scheduling_gives_each_unit_its_record_and_tells_the_customer(self):
        job = self._scheduled()
        self.assertEqual(job.state, "scheduled")
        self.assertEqual(job.commissioning_ids.lot_id, self.units)
        record = self._record(job, self.units[0])
        self.assertEqual(record.engineer_id, self.engineer)
        self.assertEqual(
            record.line_ids.sorted("sequence").mapped("name"),
            [
                "Supply voltage",
                "Insulation resistance",
                "Grounding resistance",
                "Link to the control room",
            ],
        )
        told = job.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertEqual(len(told), 1)
        self.assertIn(self.engineer.name, told.body)

    def test_scheduling_without_engineers_or_time_writes_nothing(self):
        job = self._job(engineer_ids=[Command.clear()], planned_at=False)
        with self.assertRaisesText(UserError, "Engineers"):
            job.action_schedule()
        self.assertEqual(job.state, "draft")
        self.assertFalse(job.commissioning_ids)

    def test_the_job_is_finished_only_once_every_unit_passed(self):
        job = self._scheduled(self.units[0])
        with self.assertRaisesText(UserError, "CM-001"):
            job.action_done()
        self._fill(self._record(job, self.units[0])).action_sign()
        job.action_done()
        self.assertEqual(job.state, "done")

    def test_the_state_is_written_by_the_actions_only(self):
        job = self._job()
        with self.assertRaisesText(UserError, "set by its actions"):
            job.write({"state": "done"})
        with self.assertRaisesText(UserError, "set by its actions"):
            self._scheduled().commissioning_ids[0].with_user(self.engineer).write(
                {"state": "passed"}
            )

    def test_a_scheduled_jobs_units_no_longer_change(self):
        job = self._scheduled(self.units[0])
        with self.assertRaisesText(UserError, "no longer change"):
            job.with_user(self.back_office).lot_ids = self.units
        self.assertEqual(job.lot_ids, self.units[0])

    def test_a_scheduled_job_is_cancelled_not_deleted(self):
        job = self._scheduled()
        with self.assertRaisesText(UserError, "can't be deleted"):
            job.with_user(self.manager).unlink()
        job.action_cancel()
        self.assertEqual(job.state, "cancelled")
        self.assertFalse(job.commissioning_ids)


class TestCommissioningRecord(CommissioningCase):
    def test_pass_and_fail_follow_the_range(self):
        record = self._record(self._scheduled(), self.units[0]).with_user(self.engineer)
        voltage, insulation, grounding, link = record.line_ids.sorted("sequence")
        cases = [
            (voltage, "219.9", "fail"),
            (voltage, "220", "pass"),
            (voltage, "240,0", "pass"),
            (voltage, "241", "fail"),
            (insulation, "499", "fail"),
            (insulation, "1200", "pass"),
            (grounding, "4", "pass"),
            (grounding, "4.01", "fail"),
        ]
        for line, value, result in cases:
            line.measured_value = value
            self.assertEqual(line.result, result, f"{line.name} at {value}")
        self.assertFalse(link.result)
        link.judged_result = "fail"
        self.assertEqual(link.result, "fail")

    def test_a_measured_value_that_is_not_a_number_is_refused(self):
        record = self._record(self._scheduled(), self.units[0])
        voltage = record.line_ids.sorted("sequence")[0].with_user(self.engineer)
        for value in ("about 230", "230V", "nan", "inf"):
            with self.assertRaisesText(ValidationError, "is not a number"):
                voltage.measured_value = value
        self.assertFalse(voltage.measured_value)

    def test_the_engineer_never_rewrites_the_standard_value(self):
        record = self._record(self._scheduled(), self.units[0])
        voltage = record.line_ids.sorted("sequence")[0].with_user(self.engineer)
        with self.assertRaisesText(UserError, "standard value"):
            voltage.write({"min_value": 0, "measured_value": "12"})
        self.assertEqual(voltage.min_value, 220)

    def test_an_incomplete_record_is_not_signed(self):
        record = self._record(self._scheduled(), self.units[0]).with_user(self.engineer)
        record.line_ids.sorted("sequence")[0].measured_value = "230"
        record.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
        with self.assertRaisesText(UserError, "Insulation resistance"):
            record.action_sign()
        self.assertEqual(record.state, "draft")
        self.assertFalse(record.signed_at)

    def test_an_unsigned_record_is_not_signed(self):
        record = self._fill(self._record(self._scheduled(), self.units[0]))
        record.signature = False
        with self.assertRaisesText(UserError, "name and signature"):
            record.action_sign()
        self.assertEqual(record.state, "draft")

    def test_a_passed_record_is_frozen_and_kept(self):
        record = self._fill(self._record(self._scheduled(), self.units[0]))
        record.action_sign()
        self.assertEqual(record.state, "passed")
        self.assertTrue(record.signed_at)
        self.assertFalse(record.ticket_id)
        self.assertEqual(
            self.warranties[0].commissioned_on,
            fields.Date.context_today(record, record.signed_at),
        )
        with self.assertRaisesText(UserError, "is signed"):
            record.remarks = "Changed later"
        with self.assertRaisesText(UserError, "is signed"):
            record.line_ids[0].with_user(self.engineer).measured_value = "1"
        with self.assertRaisesText(UserError, "can't be deleted"):
            record.with_user(self.manager).unlink()
        with self.assertRaisesText(UserError, "signed already"):
            record.action_sign()

    def test_a_failed_item_opens_one_request_for_the_unit(self):
        job = self._scheduled()
        record = self._fill(self._record(job, self.units[1]), ("230", "800", "6.5"))
        before = self.env["helpdesk.ticket"].search_count([])
        record.action_sign()
        self.assertEqual(record.state, "failed")
        request = record.ticket_id
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), before + 1)
        self.assertEqual(request.lot_id, self.units[1])
        self.assertEqual(request.partner_id, self.customer)
        self.assertIn("Grounding resistance", request.description)
        self.assertIn("6.5", request.description)
        self.assertNotIn("Supply voltage", request.description)
        # Signing again, or any later save, opens no second request.
        with self.assertRaises(UserError):
            record.action_sign()
        record._open_failure_request()
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), before + 1)

    def test_testing_again_after_a_failure(self):
        job = self._scheduled()
        failed = self._fill(self._record(job, self.units[1]), ("230", "800", "6.5"))
        failed.action_sign()
        action = failed.with_user(self.engineer).action_test_again()
        retest = self.env["aftersales.commissioning"].browse(action["res_id"])
        self.assertEqual(retest.state, "draft")
        self.assertEqual(retest.lot_id, self.units[1])
        self.assertEqual(len(retest.line_ids), 4)
        self.assertFalse(any(retest.line_ids.mapped("measured_value")))
        # Pressed again, it opens the same new record.
        self.assertEqual(
            failed.with_user(self.engineer).action_test_again()["res_id"], retest.id
        )
        self._fill(retest).action_sign()
        self.assertEqual(retest.state, "passed")
        # The unit may now be accepted.
        self.warranties[1].record_acceptance(fields.Date.today(), "Wang Wei")
        self.assertEqual(self.warranties[1].state, "accepted")


class TestAcceptanceWaits(CommissioningCase):
    def test_acceptance_is_refused_until_commissioning_passed(self):
        job = self._scheduled()
        with self.assertRaisesText(UserError, "CM-001: commissioning has not passed"):
            self.warranties.with_user(self.back_office).record_acceptance(
                fields.Date.today(), "Wang Wei"
            )
        self._fill(self._record(job, self.units[0])).action_sign()
        self._fill(
            self._record(job, self.units[1]), ("230", "800", "6.5")
        ).action_sign()
        with self.assertRaisesText(UserError, "CM-002: its commissioning record"):
            self.warranties.with_user(self.back_office).record_acceptance(
                fields.Date.today(), "Wang Wei"
            )
        # Nothing was half-accepted: both units still wait.
        self.assertEqual(set(self.warranties.mapped("state")), {"awaiting"})
        self.warranties[0].with_user(self.back_office).record_acceptance(
            fields.Date.today(), "Wang Wei"
        )
        self.assertEqual(self.warranties[0].state, "accepted")

    def test_a_product_without_commissioning_is_accepted_as_before(self):
        warranty = self._delivered_warranties(self.product, ["CM-PLAIN"])
        warranty.with_user(self.back_office).record_acceptance(
            fields.Date.today(), "Wang Wei"
        )
        self.assertEqual(warranty.state, "accepted")


class TestCommissioningAccess(CommissioningCase):
    def test_the_back_office_manages_jobs_engineers_do_not(self):
        with self.assertRaises(AccessError):
            self.env["aftersales.installation"].with_user(self.engineer).create(
                {"partner_id": self.customer.id}
            )
        with self.assertRaises(AccessError):
            self.env["aftersales.installation"].with_user(self.warehouse_user).search(
                []
            )
        job = self._job()
        job.with_user(self.back_office).action_schedule()
        with self.assertRaises(AccessError):
            self.env["aftersales.commissioning"].with_user(self.engineer).create(
                {"installation_id": job.id, "lot_id": self.units[0].id}
            )

    def test_engineers_fill_only_their_own_jobs_records(self):
        record = self._record(self._scheduled(), self.units[0])
        Commissioning = self.env["aftersales.commissioning"]
        self.assertEqual(
            Commissioning.with_user(self.engineer).search([("id", "=", record.id)]),
            record,
        )
        self.assertFalse(
            Commissioning.with_user(self.other_engineer).search(
                [("id", "=", record.id)]
            )
        )
        with self.assertRaises(AccessError):
            record.line_ids[0].with_user(self.other_engineer).measured_value = "230"
        with self.assertRaises(AccessError):
            self._fill(record, user=self.other_engineer)
        # The job's own engineer fills and signs it.
        self._fill(record).action_sign()
        self.assertEqual(record.state, "passed")

    def test_portal_users_see_only_their_own_signed_records(self):
        job = self._scheduled()
        signed = self._fill(self._record(job, self.units[0]))
        signed.action_sign()
        other = self.env["res.partner"].create(
            {"name": "Other Metro", "is_company": True}
        )
        other_units = self._delivered_warranties(
            self.cabinet, ["CM-OTHER"], other
        ).lot_id
        other_job = self._job(other_units, partner_id=other.id)
        other_job.action_schedule()
        self._fill(other_job.commissioning_ids).action_sign()
        portal = self.env["aftersales.commissioning"].with_user(self.portal)
        self.assertEqual(portal.search([]), signed)
        self.assertEqual(
            self.env["aftersales.installation"].with_user(self.portal).search([]), job
        )
        self.assertFalse(signed.with_user(self.portal).has_access("write"))

    def test_the_commissioning_record_prints(self):
        record = self._fill(self._record(self._scheduled(), self.units[0]))
        record.action_sign()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "aftersales_service.action_report_aftersales_commissioning", record.ids
            )[0]
            .decode()
        )
        for text in (record.name, "CM-001", "220 – 240 V", "Wang Wei", "Passed"):
            self.assertIn(text, html)


class TestAcceptanceGateQueries(CommissioningCase):
    def test_the_gate_reads_all_units_at_once(self):
        """Accepting many units at once: the commissioning gate costs the
        same queries for 2 units as for 8."""
        warranties = self.warranties | self._delivered_warranties(
            self.cabinet, [f"CM-Q{index}" for index in range(6)]
        )
        job = self._scheduled(warranties.lot_id)
        for record in job.commissioning_ids[:5]:
            self._fill(record).action_sign()
        passed = job.commissioning_ids[:5].lot_id.warranty_ids
        Commissioning = self.env["aftersales.commissioning"]
        waiting = warranties - passed
        self.env.flush_all()
        counts = []
        for batch in (passed[:1] | waiting[:1], warranties):
            # A first run fills the caches (access rules, company) a fresh
            # process starts without; the second reads the records afresh.
            for _warm in range(2):
                Commissioning._blocks_acceptance(batch)
                self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            reasons = Commissioning._blocks_acceptance(batch)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(reasons), len(batch - passed))
        # 2 units or 8: the same handful of queries (the larger batch finds
        # the user in the cache already).
        self.assertEqual(counts[0], GATE_QUERIES)
        self.assertLessEqual(counts[1], GATE_QUERIES)
