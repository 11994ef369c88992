import math
from datetime import date, datetime

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ROLES, AftersalesCase, PortalRequestsCase, role_users


def _other_value(record, name):
    """A value for ``name`` that differs from the record's."""
    field = record._fields[name]
    current = record[name]
    if field.type == "selection":
        values = [value for value, __ in field._description_selection(record.env)]
        return next(value for value in values if value != current)
    if field.type == "boolean":
        return not current
    if field.type == "datetime":
        return "2026-01-02 03:04:05"
    if field.type == "date":
        return "2026-01-02"
    if field.type in ("float", "integer"):
        return (current or 0) + 1
    if field.type == "many2one":
        other = record.env[field.comodel_name].search(
            [("id", "!=", current.id)], limit=1
        )
        return other.id
    return "<p>changed</p>" if field.type == "html" else "changed"


class TestWorkflowFields(AftersalesCase):
    """States and the facts a workflow stamps are written by its actions
    only: no role writes them directly, on create or on write, whatever the
    screens show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = role_users(cls.env, "as_int")
        cls.warranty = cls._delivered_warranties(cls.product, ["INT-001"])

    def test_every_model_declares_its_workflow_fields(self):
        guarded = {
            name
            for name in self.env.registry
            if getattr(self.env[name], "_workflow_fields", ())
        }
        for name in (
            "aftersales.warranty",
            "aftersales.contract",
            "aftersales.dispatch",
            "aftersales.loaner",
            "aftersales.scrap.request",
            "aftersales.spare.request",
            "aftersales.followup.plan",
            "aftersales.inspection",
            "aftersales.training.session",
            "aftersales.replacement.notice",
            "aftersales.warranty.extension",
            "aftersales.fault.analysis",
            "helpdesk.ticket",
            "repair.order",
        ):
            self.assertIn(name, guarded)

    def test_no_role_writes_a_workflow_field(self):
        checked = 0
        for name in sorted(
            n for n in self.env.registry if getattr(self.env[n], "_workflow_fields", ())
        ):
            record = self.env[name].search([], limit=1)
            if not record:
                continue
            for field_name in record._workflow_fields:
                value = _other_value(record, field_name)
                before = record[field_name]
                for role, user in self.users.items():
                    with (
                        self.subTest(model=name, field=field_name, role=role),
                        self.assertRaises(UserError) as caught,
                    ):
                        record.with_user(user).write({field_name: value})
                    if not isinstance(caught.exception, AccessError):
                        self.assertIn("set by its actions", str(caught.exception))
                    self.assertEqual(record[field_name], before)
                    checked += 1
        self.assertGreater(checked, 400)

    def test_no_record_starts_in_a_later_state(self):
        manager = self.users["manager"]
        Loaner = self.env["aftersales.loaner"].with_user(manager)
        request = self.env["helpdesk.ticket"].create(
            {"name": "Loaner", "description": "Loaner", "partner_id": self.customer.id}
        )
        values = {
            "ticket_id": request.id,
            "partner_id": self.customer.id,
            "lot_id": self.warranty.lot_id.id,
            "trigger": "long_repair",
            "due_at": "2030-01-01 10:00:00",
        }
        for extra, context in (
            ({"state": "issued"}, {}),
            ({"issued_at": "2026-01-01 00:00:00"}, {}),
            ({}, {"default_state": "issued"}),
        ):
            with (
                self.subTest(extra=extra, context=context),
                self.assertRaisesText(UserError, "set by its actions"),
            ):
                Loaner.with_context(**context).create({**values, **extra})
        self.assertFalse(
            self.env["aftersales.loaner"].search([("ticket_id", "=", request.id)])
        )
        # Stating the default is no harm: a new loaner is due.
        loaner = Loaner.create({**values, "state": "due"})
        self.assertEqual(loaner.state, "due")

    def test_the_actions_still_write_them(self):
        self._backdate_delivery(self.warranty, 10)
        self.warranty.with_user(self.users["back_office"]).record_acceptance(
            self._days_ago(1), "Customer"
        )
        self.assertEqual(self.warranty.state, "accepted")
        self.assertEqual(self.warranty.acceptance_date, self._days_ago(1))


class TestCorrectADate(AftersalesCase):
    """A service manager corrects a recorded date through Correct a Date,
    saying why; the chatter keeps both dates and the reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="as_fix_mgr", groups=ROLES["manager"]
        )
        cls.back_office = new_test_user(
            cls.env, login="as_fix_bo", groups=ROLES["back_office"]
        )
        cls.warranty = cls._accepted_warranties(
            cls.product, ["FIX-001"], 3, delivered_days_ago=10, by="Customer"
        )

    def _wizard(self, user, **values):
        return (
            self.env["aftersales.fact.correction"]
            .with_user(user)
            .with_context(default_res_model="aftersales.warranty")
            .create(
                {
                    "res_model": "aftersales.warranty",
                    "res_id": self.warranty.id,
                    "field_name": "acceptance_date",
                    **values,
                }
            )
        )

    def test_manager_corrects_with_a_reason(self):
        end = self.warranty.end_date
        self._wizard(
            self.manager,
            new_date=self._days_ago(5),
            reason="The certificate is dated two days earlier.",
        ).action_correct()
        self.assertEqual(self.warranty.acceptance_date, self._days_ago(5))
        self.assertEqual(self.warranty.end_date, fields.Date.subtract(end, days=2))
        note = self.warranty.message_ids[:1]
        self.assertIn("The certificate is dated two days earlier.", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)

    def test_refusals(self):
        with self.assertRaises(AccessError):
            self._wizard(self.back_office, new_date=self._days_ago(5), reason="x")
        for values, text in (
            ({"new_date": self._days_ago(5), "reason": "  "}, "Say why"),
            ({"reason": "Typo."}, "Enter the correct date"),
            ({"new_date": self._days_ago(3), "reason": "Typo."}, "already recorded"),
            ({"new_date": date.today().replace(year=9999), "reason": "x"}, "plausible"),
        ):
            with self.subTest(values=values), self.assertRaisesText(UserError, text):
                self._wizard(self.manager, **values).action_correct()
            self.assertEqual(self.warranty.acceptance_date, self._days_ago(3))


class TestKeptOnFile(AftersalesCase):
    """Signed, issued, running or approved records can't be deleted; the
    message says what to do instead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="as_del_mgr", groups=ROLES["manager"]
        )

    def test_running_and_finished_records_stay(self):
        cases = [
            ("aftersales.contract", [("state", "not in", ("draft", "cancelled"))]),
            ("aftersales.dispatch", [("state", "not in", ("draft", "cancelled"))]),
            ("aftersales.loaner", [("state", "not in", ("due", "cancelled"))]),
            ("aftersales.scrap.request", [("state", "in", ("approved", "done"))]),
            ("aftersales.inspection", [("state", "=", "done")]),
            ("aftersales.training.session", [("state", "=", "done")]),
            ("aftersales.followup.plan", [("state", "=", "approved")]),
            ("aftersales.warranty", [("state", "=", "accepted")]),
            ("aftersales.replacement.notice", [("state", "!=", "open")]),
            ("aftersales.warranty.extension", []),
        ]
        tried = 0
        for model, domain in cases:
            record = self.env[model].search(domain, limit=1)
            if not record:
                continue
            with (
                self.subTest(model=model),
                self.assertRaises(UserError),
            ):
                record.with_user(self.manager).unlink()
            self.assertTrue(record.exists())
            tried += 1
        self.assertGreaterEqual(tried, 6, "the demo has records in these states")


class TestNumbersAndDates(AftersalesCase):
    """Every number the add-on stores is finite and in range, every date in
    a plausible window: NaN, infinity, an absurd term or year 9999 is
    refused with the field's name, and nothing is written."""

    def _targets(self):
        """(record, field, bounds) for every bounded number of the add-on."""
        for name in sorted(self.env.registry):
            Model = self.env[name]
            bounds = getattr(Model, "_number_bounds", None)
            if not bounds or Model._abstract or Model._transient:
                continue
            record = Model.search([], limit=1)
            if record:
                for field_name, (low, high) in bounds.items():
                    yield record, field_name, low, high

    def test_non_finite_and_out_of_range_numbers(self):
        cases = 0
        for record, name, low, high in self._targets():
            field = record._fields[name]
            values = [high + 1, high * 1000]
            if field.type != "integer":
                values += [math.nan, math.inf, -math.inf]
            if low is not None:
                values.append(low - 1)
            for value in values:
                before = record[name]
                with (
                    self.subTest(model=record._name, field=name, value=value),
                    self.assertRaises(UserError) as caught,
                ):
                    record.write({name: value})
                # The field's name, unless the record's state refuses any
                # change first (a signed line, an extension on file).
                if "changed" not in str(caught.exception):
                    self.assertIn(field.string, str(caught.exception))
                self.assertEqual(record[name], before)
                cases += 1
        self.assertGreaterEqual(cases, 100)

    def test_dates_out_of_the_window(self):
        warranty = self._delivered_warranties(self.product, ["DATE-001"])
        for value in (date(1, 1, 1), date(9999, 12, 31), datetime(1899, 12, 31)):
            with (
                self.subTest(value=value),
                self.assertRaisesText(UserError, "plausible"),
            ):
                warranty.write({"manufacturer_end_date": value})
        duty = {
            "user_id": self.env.user.id,
            "date_start": "9999-01-01 00:00:00",
            "date_end": "9999-01-02 00:00:00",
        }
        with self.assertRaisesText(UserError, "plausible"):
            self.env["aftersales.duty"].create(duty)


@tagged("post_install", "-at_install")
class TestCloseFromThePortal(PortalRequestsCase):
    """/ticket/close: a customer closes their own request from its page, by a
    form post with the session's token; nobody closes another customer's.
    Before the service is planned the page offers only withdrawing the
    report; once it is repaired, only confirming the service done."""

    portal_login = "as_close_portal"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.cancelled = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        (cls.done | cls.cancelled).close_from_portal = True
        cls.follow_up = cls.env.ref("aftersales_service.mail_activity_type_follow_up")

    def _post(self, ticket, stage=None, token=True):
        data = {"ticket_id": ticket.id, "stage_id": (stage or self.done).id}
        if token:
            # The session's token, from a form every customer has.
            data["csrf_token"] = self._csrf("/my/account")
        return self.url_open("/ticket/close", data=data, allow_redirects=False)

    def _offered(self):
        """The stages the request's page offers to close it to."""
        page = self.url_open(f"/my/ticket/{self.mine.id}").text
        return {
            stage
            for stage in (self.done, self.cancelled)
            if f'name="stage_id" value="{stage.id}"' in page
        }

    def _repair(self, ticket):
        ticket.action_on_site()
        ticket.action_repaired()

    def test_own_request_with_the_token(self):
        self._repair(self.mine)
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._offered(), {self.done})
        self.assertIn(self._post(self.mine).status_code, (302, 303))
        self.assertEqual(self.mine.stage_id, self.done)
        # The done service is followed up, and the customer asked to rate it.
        self.assertIn(self.follow_up, self.mine.activity_ids.activity_type_id)
        self.assertTrue(self.mine.rating_ids)
        self.assertEqual(self._offered(), set())
        self.assertEqual(self._post(self.mine, self.done).status_code, 404)

    def test_withdrawn_before_the_repair(self):
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._offered(), {self.cancelled})
        # Done before any repair: never offered, refused.
        self.assertEqual(self._post(self.mine, self.done).status_code, 404)
        self.assertNotEqual(self.mine.stage_id, self.done)
        self.assertIn(self._post(self.mine, self.cancelled).status_code, (302, 303))
        self.assertEqual(self.mine.stage_id, self.cancelled)
        # Nothing was served: nothing to follow up or to rate.
        self.assertNotIn(self.follow_up, self.mine.activity_ids.activity_type_id)
        self.assertFalse(self.mine.rating_ids)
        page = self.url_open(f"/my/ticket/{self.mine.id}").text
        self.assertNotIn("/rate/", page)
        self.assertEqual(self._post(self.mine, self.cancelled).status_code, 404)

    def test_not_withdrawn_once_the_service_is_under_way(self):
        self.env["aftersales.dispatch"].create({"ticket_id": self.mine.id})
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._offered(), set())
        for stage in (self.done, self.cancelled):
            self.assertEqual(self._post(self.mine, stage).status_code, 404)
        self.mine.action_on_site()
        self.assertEqual(self._offered(), set())
        self.mine.action_repaired()
        self.assertEqual(self._post(self.mine, self.cancelled).status_code, 404)
        self.assertFalse(self.mine.stage_id.closed)

    def test_a_cancelled_dispatch_order_does_not_hold_the_withdrawal(self):
        dispatch = self.env["aftersales.dispatch"].create({"ticket_id": self.mine.id})
        dispatch.state = "cancelled"
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._offered(), {self.cancelled})

    def test_a_reopened_request_is_withdrawn_or_confirmed_again(self):
        self._repair(self.mine)
        self.mine._close()
        self.mine.action_reopen()
        self.assertTrue(self.mine.closed_date)
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._offered(), {self.done})

    def test_only_the_stages_its_page_offers(self):
        # Another team's closing stage, offered in the portal to its own
        # requests only.
        team = self.env["helpdesk.ticket.team"].create({"name": "Other team"})
        theirs = self.env["helpdesk.ticket.stage"].create(
            {
                "name": "Closed by the other team",
                "closed": True,
                "close_from_portal": True,
                "team_ids": [Command.set(team.ids)],
            }
        )
        self.authenticate("as_close_portal", "as_close_portal")
        self.assertEqual(self._post(self.mine, theirs).status_code, 404)
        self.assertFalse(self.mine.stage_id.closed)

    def test_refused(self):
        self.authenticate("as_close_portal", "as_close_portal")
        stage = self.theirs.stage_id
        # Another customer's request: refused, though not yet planned.
        self.assertEqual(self._post(self.theirs, self.cancelled).status_code, 404)
        self.assertEqual(self.theirs.stage_id, stage)
        self.assertIn(
            self._post(self.mine, self.cancelled, token=False).status_code, (400, 403)
        )
        response = self.url_open(
            f"/ticket/close?ticket_id={self.mine.id}&stage_id={self.cancelled.id}",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 405)
        self.assertFalse(self.mine.stage_id.closed)

    def test_staff_close_as_their_rights_allow(self):
        # A colleague who follows the request reads it, but may not change it.
        staff = new_test_user(
            self.env, login="as_close_staff", groups="base.group_user"
        )
        self.mine.message_subscribe(partner_ids=staff.partner_id.ids)
        self.authenticate("as_close_staff", "as_close_staff")
        self.assertEqual(self._post(self.mine, self.cancelled).status_code, 404)
        self.assertFalse(self.mine.stage_id.closed)
