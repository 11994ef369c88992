import base64
from contextlib import contextmanager
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user
from odoo.tools import format_date, html2plaintext

from .common import DispatchCase, role_users

EVIDENCE = (
    "Main board burnt through. Replaced the power module and the fuse: still no "
    "output. The board is no longer made."
)


class UnrepairableCase(DispatchCase):
    """E3: a unit under warranty found unrepairable (无法修复) on a dispatch
    order or a repair order is replaced free, through W5's path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = role_users(cls.env, "as_unr")
        cls.warehouse_user = cls.users["warehouse"]
        cls.warranty = cls._accepted_warranties(cls.product, ["UNR-001"], 100)
        cls.unit = cls.warranty.lot_id
        # A two-year term from 100 days ago.
        cls.old_end = cls.warranty.end_date

    # Helpers ---------------------------------------------------------------

    def _on_site(self, unit=None, **request_values):
        """A dispatch order for ``unit``, its engineer on site."""
        request = self._request(lot_id=(unit or self.unit).id, **request_values)
        dispatch = self.env["aftersales.dispatch"].create(
            {
                "ticket_id": request.id,
                "engineer_ids": [Command.set(self.engineer.ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=2),
            }
        )
        dispatch.action_dispatch()
        dispatch.with_user(self.engineer).action_arrive()
        return dispatch

    def _repair_order(self, unit=None, **values):
        unit = unit or self.unit
        return self.env["repair.order"].create(
            {
                "product_id": unit.product_id.id,
                "lot_id": unit.id,
                "partner_id": self.customer.id,
                **values,
            }
        )

    def _wizard(self, document, user=None, evidence=EVIDENCE, **values):
        return (
            self.env["aftersales.unrepairable.finding"]
            .with_user(user or self.engineer)
            .create(
                {
                    "res_model": document._name,
                    "res_id": document.id,
                    "evidence": evidence,
                    **values,
                }
            )
        )

    def _find(self, document, user=None, **values):
        return self._wizard(document, user, **values).action_record()

    def _deliver_replacement(self, unit, serial):
        """The warehouse delivers the free replacement order of ``unit`` with
        the new unit ``serial``; returns the new unit's warranty."""
        new_lot = self._stock_serials(self.product, [serial])
        picking = unit.aftersales_replacement_order_id.picking_ids
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": self.product.id,
                    "product_uom_id": self.product.uom_id.id,
                    "lot_id": new_lot.id,
                    "quantity": 1,
                    "location_id": picking.location_id.id,
                    "location_dest_id": picking.location_dest_id.id,
                }
            )
        ]
        move.picked = True
        picking.with_user(self.warehouse_user).with_context(
            skip_sms=True
        ).button_validate()
        self.assertEqual(picking.state, "done")
        return new_lot.warranty_id

    def _valid_today(self, warranty):
        Warranty = self.env["aftersales.warranty"]
        return warranty in Warranty.search(Warranty._domain_valid_on(self._today()))

    @contextmanager
    def _refused(self):
        """A user error or an access error: refused, not a traceback."""
        with self.assertRaises(Exception) as caught:
            yield caught
        self.assertIsInstance(caught.exception, (UserError, AccessError))

    def _last_text(self, record):
        return html2plaintext(record.message_ids[:1].body)

    def _assert_nothing_recorded(self, document, unit=None):
        unit = unit or self.unit
        self.assertFalse(document.aftersales_unrepairable_at)
        self.assertFalse(document.aftersales_unrepairable_by_id)
        self.assertFalse(document.aftersales_unrepairable_evidence)
        self.assertFalse(unit.aftersales_replacement_due)
        self.assertFalse(unit.aftersales_replacement_reason)
        self.assertFalse(unit.aftersales_replacement_source)


class TestFinding(UnrepairableCase):
    def test_engineer_on_site_records_the_finding(self):
        dispatch = self._on_site()
        photo = (
            self.env["ir.attachment"]
            .with_user(self.engineer)
            .create(
                {
                    "name": "board.png",
                    "datas": base64.b64encode(b"burnt board"),
                    "res_model": "aftersales.unrepairable.finding",
                    "res_id": 0,
                }
            )
        )
        # The engineer's phone: the order's button, then a one-field form.
        action = dispatch.with_user(self.engineer).action_aftersales_unrepairable()
        self.assertEqual(action["res_model"], "aftersales.unrepairable.finding")
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.engineer)
            .with_context(**action["context"])
        )
        self.assertEqual(form.document_name, dispatch.name)
        self.assertEqual(form.lot_name, "UNR-001")
        form.evidence = EVIDENCE
        form.attachment_ids.add(photo)
        self.assertEqual(
            form.save().action_record()["type"], "ir.actions.act_window_close"
        )

        self.assertEqual(dispatch.aftersales_unrepairable_by_id, self.engineer)
        self.assertTrue(dispatch.aftersales_unrepairable_at)
        self.assertEqual(dispatch.aftersales_unrepairable_evidence, EVIDENCE)
        # The unit: due through W5's path, saying why and where.
        self.assertTrue(self.unit.aftersales_replacement_due)
        self.assertEqual(self.unit.aftersales_replacement_reason, "unrepairable")
        self.assertEqual(self.unit.aftersales_replacement_source, dispatch)
        self.assertEqual(
            self.unit.aftersales_replacement_reason_text,
            f"can't be repaired, found on {dispatch.name}",
        )
        # A line on the unit, the request and the order; the photo is the
        # order's now, beside the evidence.
        self.assertIn(f"found on {dispatch.name}", self._last_text(self.unit))
        self.assertIn("free replacement is due", self._last_text(dispatch.ticket_id))
        note = dispatch.message_ids[:1]
        self.assertIn("Main board burnt through", html2plaintext(note.body))
        self.assertEqual(note.author_id, self.engineer.partner_id)
        self.assertEqual(note.attachment_ids, photo)
        self.assertEqual((photo.res_model, photo.res_id), (dispatch._name, dispatch.id))
        # The back office orders the replacement as for W5.
        self.unit.with_user(self.back_office).action_create_replacement()
        order = self.unit.aftersales_replacement_order_id
        self.assertEqual(order.amount_total, 0)
        self.assertFalse(self.unit.aftersales_replacement_due)
        self.assertEqual(self.unit.aftersales_replacement_reason, "unrepairable")

    def test_the_engineer_may_still_record_it_once_finished(self):
        dispatch = self._on_site()
        dispatch.action_ids = [(0, 0, {"content": "Tried a new power module."})]
        self._keep_conduct(dispatch, self.engineer)
        dispatch.with_user(self.engineer).action_finish()
        self._find(dispatch)
        self.assertTrue(self.unit.aftersales_replacement_due)
        # The customer then signs the order with its finding.
        self._sign(dispatch)
        self.assertEqual(dispatch.aftersales_unrepairable_evidence, EVIDENCE)

    def test_repair_centre_records_the_finding(self):
        request = self._request(lot_id=self.unit.id)
        repair = self._repair_order(aftersales_ticket_id=request.id)
        self._find(repair, self.warehouse_user)
        self.assertEqual(repair.aftersales_unrepairable_by_id, self.warehouse_user)
        self.assertEqual(self.unit.aftersales_replacement_source, repair)
        self.assertIn("Main board burnt through", self._last_text(repair))
        self.assertIn(f"found on {repair.name}", self._last_text(request))
        self.assertIn(f"found on {repair.name}", self._last_text(self.unit))

    def test_back_office_records_it_on_a_repair_order(self):
        # The back office doesn't read repair orders; the finding still goes
        # on the one it sent.
        repair = self._repair_order()
        self._find(repair, self.back_office)
        self.assertEqual(repair.aftersales_unrepairable_by_id, self.back_office)
        self.assertTrue(self.unit.aftersales_replacement_due)

    def test_a_fault_reported_in_warranty_is_replaced_after_it_ends(self):
        # Found unrepairable after the end, for a fault reported before it.
        dispatch = self._on_site()
        dispatch.ticket_id.reported_at = fields.Datetime.now() - timedelta(days=90)
        self.warranty.duration = 1
        self.warranty.period = "month"
        self.assertLess(self.warranty.end_date, self._today())
        self.assertEqual(dispatch.ticket_id.aftersales_coverage, "warranty")
        self._find(dispatch)
        self.assertTrue(self.unit.aftersales_replacement_due)


class TestReplacementWarranty(UnrepairableCase):
    """The replacement unit's warranty follows the company's setting; the
    old unit's warranty closes when the replacement is delivered."""

    def _replaced(self, serial="UNR-NEW-1"):
        dispatch = self._on_site()
        # Reported the day before the new unit arrives.
        dispatch.ticket_id.reported_at = fields.Datetime.now() - timedelta(days=1)
        self._find(dispatch)
        self.unit.with_user(self.back_office).action_create_replacement()
        return dispatch, self._deliver_replacement(self.unit, serial)

    def test_a_new_term_by_default(self):
        self.assertEqual(self.env.company.aftersales_replacement_warranty, "new_term")
        dispatch, new = self._replaced()
        old = self.warranty
        today = self._today()
        # The new unit's warranty awaits the customer's acceptance.
        self.assertEqual(new.state, "awaiting")
        self.assertEqual(new.replaces_warranty_id, old)
        self.assertEqual(old.replaced_by_warranty_id, new)
        self.assertFalse(new.continued_end_date)
        self.assertIn(
            "Replaces unit UNR-001 (can't be repaired, found on "
            f"{dispatch.name}): a new term",
            new.end_date_explanation,
        )
        # The old one is closed and covers no longer: status, search,
        # coverage decision agree.
        self.assertEqual(old.state, "closed")
        self.assertEqual(old.closed_on, today)
        self.assertEqual(old.warranty_status, "closed")
        self.assertEqual(self.unit.warranty_status, "closed")
        self.assertFalse(self._valid_today(old))
        Warranty = self.env["aftersales.warranty"]
        self.assertFalse(
            Warranty.search([("id", "=", old.id), ("valid_on", "=", today)])
        )
        self.assertEqual(
            Warranty.search([("id", "=", old.id), ("warranty_status", "=", "closed")]),
            old,
        )
        self.assertNotEqual(
            self.unit._aftersales_coverage(today)[self.unit].kind, "warranty"
        )
        new_request = self._request(lot_id=self.unit.id)
        self.assertNotEqual(new_request.aftersales_coverage, "warranty")
        # ...but still covers the faults that occurred before it closed.
        yesterday = today - timedelta(days=1)
        self.assertEqual(
            self.unit._aftersales_coverage(yesterday)[self.unit].kind, "warranty"
        )
        self.assertEqual(dispatch.ticket_id.aftersales_coverage, "warranty")
        self.assertIn(
            f"Closed on {format_date(self.env, today)}: replaced by unit UNR-NEW-1 "
            f"(can't be repaired, found on {dispatch.name}).",
            old.end_date_explanation,
        )
        self.assertIn("replaced free by unit UNR-NEW-1", self._last_text(old))
        self.assertEqual(self.unit.aftersales_replaced_by_lot_id, new.lot_id)
        # Accepted, the new term runs in full from the acceptance.
        new.record_acceptance(today, "Wang Wei")
        self.assertEqual(new.end_date, today + relativedelta(years=2))
        self.assertTrue(self._valid_today(new))
        # The replaced unit can't be found unrepairable again.
        with self.assertRaisesText(UserError, "already has its free replacement"):
            self._find(self._on_site())

    def test_the_rest_of_the_old_term(self):
        self.env.company.aftersales_replacement_warranty = "rest_of_term"
        __, new = self._replaced()
        today = self._today()
        self.assertEqual(new.state, "accepted")
        self.assertEqual(new.acceptance_date, today)
        self.assertEqual(new.continued_end_date, self.old_end)
        self.assertEqual(new.end_date, self.old_end)
        self.assertEqual(new.warranty_status, "valid")
        self.assertTrue(self._valid_today(new))
        self.assertEqual(new.replaces_warranty_id, self.warranty)
        self.assertIn(
            f"with the rest of the old term, to {format_date(self.env, self.old_end)}",
            new.end_date_explanation,
        )
        self.assertEqual(self.warranty.state, "closed")
        self.assertFalse(self._valid_today(self.warranty))
        # Its own extensions still count.
        request = self._request(lot_id=new.lot_id.id)
        request.action_extend_warranty()
        self.assertEqual(new.end_date, self.old_end + timedelta(days=60))

    def test_a_repeat_fault_replacement_follows_the_setting_too(self):
        # W5: repaired twice for the same fault, failed again.
        self.env.company.aftersales_replacement_warranty = "rest_of_term"
        for __ in range(2):
            repair = self._repair_order(aftersales_fault_category_id=self.category.id)
            repair.action_repair_start()
            repair.action_repair_end()
        request = self._request(lot_id=self.unit.id)
        self.assertTrue(self.unit.aftersales_replacement_due)
        self.assertEqual(self.unit.aftersales_replacement_reason, "repeat_fault")
        self.assertEqual(self.unit.aftersales_replacement_source, request)
        self.unit.action_create_replacement()
        new = self._deliver_replacement(self.unit, "UNR-NEW-2")
        self.assertEqual(new.end_date, self.old_end)
        self.assertEqual(self.warranty.state, "closed")
        self.assertIn(
            "failed again after two repairs of the same fault",
            self.warranty.end_date_explanation,
        )

    def test_only_a_replacement_order_closes_a_warranty(self):
        other = self._delivered_warranties(self.product, ["UNR-SOLD"])
        self.assertEqual(other.state, "awaiting")
        self.assertFalse(other.replaces_warranty_id)
        self.assertEqual(self.warranty.state, "accepted")


class TestBadFindings(UnrepairableCase):
    def test_evidence_is_required(self):
        dispatch = self._on_site()
        for evidence in (False, "", "   \n "):
            with self.subTest(evidence=evidence):
                with self.assertRaisesText(UserError, "Appraisal Finding: describe"):
                    self._find(dispatch, evidence=evidence)
                self._assert_nothing_recorded(dispatch)
        self.assertNotIn("found on", self._last_text(self.unit))

    def test_a_unit_out_of_warranty_is_a_sale(self):
        expired = self._accepted_warranties(self.product, ["UNR-OLD"], 800)
        dispatch = self._on_site(expired.lot_id)
        with self.assertRaisesText(
            UserError, "a sale, not a free replacement"
        ) as caught:
            self._find(dispatch)
        self.assertIn("was not under warranty on", str(caught.exception))
        self.assertIn(
            f"its warranty ended on {format_date(self.env, expired.end_date)}",
            str(caught.exception),
        )
        self._assert_nothing_recorded(dispatch, expired.lot_id)

    def test_a_unit_awaiting_acceptance_is_not_under_warranty(self):
        awaiting = self._delivered_warranties(self.product, ["UNR-AWAIT"])
        dispatch = self._on_site(awaiting.lot_id)
        with self.assertRaisesText(UserError, "awaits the customer's acceptance"):
            self._find(dispatch)
        self._assert_nothing_recorded(dispatch, awaiting.lot_id)

    def test_a_unit_only_under_contract_is_a_sale(self):
        expired = self._accepted_warranties(self.product, ["UNR-CTR"], 800)
        self._running_contract(expired.lot_id)
        repair = self._repair_order(expired.lot_id)
        self.assertEqual(repair.aftersales_coverage, "contract")
        with self.assertRaisesText(UserError, "a sale, not a free replacement"):
            self._find(repair, self.warehouse_user)
        self._assert_nothing_recorded(repair, expired.lot_id)

    def test_damage_caused_by_the_user_is_a_sale(self):
        dispatch = self._on_site(aftersales_fault_cause="user")
        with self.assertRaisesText(UserError, "the user caused the damage"):
            self._find(dispatch)
        self._assert_nothing_recorded(dispatch)

    def test_the_printed_order_shows_the_finding(self):
        """The dispatch order the customer signs carries the finding, the
        evidence of the free replacement; an order without one shows none."""
        dispatch = self._on_site()
        report = "aftersales_service.report_dispatch"
        Report = self.env["ir.actions.report"].with_context(lang="en_US")

        def printed(order):
            return html2plaintext(
                Report._render_qweb_html(report, order.ids)[0].decode()
            )

        self.assertNotIn("Can't Be Repaired", printed(dispatch))
        self._find(dispatch)
        text = " ".join(printed(dispatch).split())
        self.assertIn("Can't Be Repaired", text)
        self.assertIn(" ".join(EVIDENCE.split()), text)
        self.assertIn(f"Found by {self.engineer.name}", text)

    def test_dispatch_orders_not_on_site_refuse(self):
        request = self._request(lot_id=self.unit.id)
        dispatch = self.env["aftersales.dispatch"].create(
            {
                "ticket_id": request.id,
                "engineer_ids": [Command.set(self.engineer.ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=2),
            }
        )
        with self.assertRaisesText(UserError, "is Draft: the engineers record"):
            self._find(dispatch)
        dispatch.action_dispatch()
        with self.assertRaisesText(UserError, "is Dispatched"):
            dispatch.with_user(self.engineer).action_aftersales_unrepairable()
        dispatch.action_cancel()
        with self.assertRaisesText(UserError, "is Cancelled"):
            self._find(dispatch)
        self._assert_nothing_recorded(dispatch)
        signed = self._sign(self._finish(self._on_site_draft(), engineer=self.engineer))
        with self.assertRaisesText(UserError, "is Signed"):
            self._find(signed)
        self._assert_nothing_recorded(signed)

    def _on_site_draft(self):
        return self.env["aftersales.dispatch"].create(
            {
                "ticket_id": self._request(lot_id=self.unit.id).id,
                "engineer_ids": [Command.set(self.engineer.ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=2),
            }
        )

    def test_repair_orders_done_or_cancelled_refuse(self):
        repair = self._repair_order()
        repair.action_repair_cancel()
        with self.assertRaisesText(UserError, "on a repair in progress"):
            self._find(repair, self.warehouse_user)
        self._assert_nothing_recorded(repair)
        done = self._repair_order()
        done.action_repair_start()
        done.action_repair_end()
        with self.assertRaisesText(UserError, "on a repair in progress"):
            self._find(done, self.warehouse_user)
        self._assert_nothing_recorded(done)

    def test_a_second_finding_is_refused(self):
        first = self._on_site()
        self._find(first)
        # The same order again, another order, a repair order.
        with self.assertRaisesText(UserError, "already records that its unit"):
            self._find(first)
        second = self._on_site()
        with self.assertRaisesText(UserError, "already due for a free replacement"):
            self._find(second)
        self.assertFalse(second.aftersales_unrepairable_at)
        self.unit.with_user(self.back_office).action_create_replacement()
        with self.assertRaisesText(UserError, "already has its free replacement"):
            self._find(self._repair_order(), self.warehouse_user)
        self.assertEqual(self.unit.aftersales_replacement_source, first)

    def test_a_repeat_fault_already_due_refuses_a_finding(self):
        self.unit.sudo().write(
            {
                "aftersales_replacement_due": True,
                "aftersales_replacement_reason": "repeat_fault",
            }
        )
        with self.assertRaisesText(UserError, "failed again after two repairs"):
            self._find(self._on_site())
        self.assertEqual(self.unit.aftersales_replacement_reason, "repeat_fault")

    def test_the_form_needs_its_document(self):
        wizard = (
            self.env["aftersales.unrepairable.finding"]
            .with_user(self.engineer)
            .create(
                {
                    "res_model": "res.partner",
                    "res_id": self.customer.id,
                    "evidence": EVIDENCE,
                }
            )
        )
        with self.assertRaisesText(UserError, "Open this form from the dispatch order"):
            wizard.action_record()

    def test_the_finding_is_written_by_its_action_only(self):
        dispatch = self._on_site()
        for user, record, vals in (
            (self.engineer, dispatch, {"aftersales_unrepairable_evidence": "x"}),
            (
                self.users["manager"],
                dispatch,
                {"aftersales_unrepairable_at": fields.Datetime.now()},
            ),
            (self.users["manager"], self.warranty, {"closed_on": self._today()}),
            (self.users["manager"], self.warranty, {"state": "closed"}),
        ):
            with (
                self.subTest(field=list(vals)),
                self.assertRaisesText(UserError, "set by its actions"),
            ):
                record.with_user(user).write(vals)
        repair = self._repair_order()
        with self.assertRaisesText(UserError, "set by its actions"):
            repair.with_user(self.warehouse_user).write(
                {"aftersales_unrepairable_by_id": self.warehouse_user.id}
            )


class TestFindingAccess(UnrepairableCase):
    """Engineers on their dispatch orders, the repair centre and the back
    office on repair orders, nobody else; the replacement order stays the
    back office's."""

    def test_who_records_on_a_dispatch_order(self):
        dispatch = self._on_site()
        for role in (
            "back_office",
            "manager",
            "warehouse",
            "account_manager",
            "trainer",
            "appraisal",
        ):
            with self.subTest(role=role), self._refused():
                self._find(dispatch, self.users[role])
        with self.assertRaisesText(UserError, "Only the engineers of dispatch order"):
            self._find(dispatch, self.other_engineer)
        self._assert_nothing_recorded(dispatch)
        self._find(dispatch, self.engineer)
        self.assertTrue(self.unit.aftersales_replacement_due)

    def test_who_records_on_a_repair_order(self):
        repair = self._repair_order()
        for role in ("engineer", "account_manager", "trainer", "appraisal"):
            with self.subTest(role=role), self._refused():
                self._find(repair, self.users[role])
        self._assert_nothing_recorded(repair)
        self._find(repair, self.users["manager"])
        self.assertEqual(repair.aftersales_unrepairable_by_id, self.users["manager"])

    def test_portal_users_record_nothing(self):
        portal = new_test_user(
            self.env, login="as_unr_portal", groups="base.group_portal"
        )
        dispatch = self._on_site()
        with self.assertRaises(AccessError):
            self._find(dispatch, portal)
        with self._refused():
            dispatch.with_user(portal).action_aftersales_unrepairable()
        self._assert_nothing_recorded(dispatch)

    def test_only_the_back_office_orders_the_replacement(self):
        self._find(self._on_site())
        for role in (
            "engineer",
            "warehouse",
            "account_manager",
            "trainer",
            "appraisal",
        ):
            with self.subTest(role=role), self._refused():
                self.unit.with_user(self.users[role]).action_create_replacement()
        self.assertFalse(self.unit.aftersales_replacement_order_id)
        self.unit.with_user(self.users["back_office"]).action_create_replacement()
        self.assertTrue(self.unit.aftersales_replacement_order_id)

    def test_only_a_manager_changes_the_setting(self):
        settings = self.env["res.config.settings"].with_user(self.users["manager"])
        self.assertIn("aftersales_replacement_warranty", settings._fields)
        with self.assertRaises(AccessError):
            self.env.company.with_user(self.users["back_office"]).write(
                {"aftersales_replacement_warranty": "rest_of_term"}
            )
