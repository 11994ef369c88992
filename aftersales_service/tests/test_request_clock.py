from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user

from .common import AftersalesCase

# 2026-11-23 is a Monday; the test calendar counts Monday to Friday, 9:00 to
# 17:00 UTC.
MON, TUE, FRI, SAT = 23, 24, 27, 28


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute)


class ClockCase(AftersalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Weekdays 9-17 UTC",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "morning",
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        targets = {
            "ack_hours": 4,
            "plan_hours": 2,
            "arrival_city_hours": 8,
            "arrival_county_hours": 16,
            "repair_general_hours": 4,
            "repair_major_hours": 8,
        }
        Level = cls.env["aftersales.service.level"]
        cls.business = Level.create(
            {
                "name": "Business",
                "around_the_clock": False,
                "calendar_id": cls.calendar.id,
                **targets,
            }
        )
        cls.round_the_clock = Level.create(
            {"name": "7x24", "around_the_clock": True, **targets}
        )
        cls.county_customer = cls.env["res.partner"].create(
            {
                "name": "Deqing County Power",
                "is_company": True,
                "aftersales_zone": "county",
            }
        )
        cls.awaiting = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_awaiting")
        cls.in_progress = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")

    def _request(self, reported, level=None, **values):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Cabinet alarm",
                "description": "Cabinet alarm",
                "partner_id": self.customer.id,
                "reported_at": reported,
                "service_level_id": (level or self.round_the_clock).id,
                "user_id": self.env.uid,
                **values,
            }
        )


class TestClockArithmetic(ClockCase):
    """Deadlines against hand-computed datetimes."""

    def test_business_hours_across_a_night(self):
        # Tuesday 15:00 + 4 business hours: 15-17 Tuesday, 9-11 Wednesday.
        request = self._request(at(TUE, 15), self.business)
        self.assertEqual(request.ack_deadline, at(25, 11))
        # + 2 hours: Tuesday 17:00.
        self.assertEqual(request.plan_deadline, at(TUE, 17))

    def test_business_hours_across_a_weekend(self):
        # Friday 16:00 + 4 business hours: 16-17 Friday, 9-12 Monday.
        request = self._request(at(FRI, 16), self.business)
        self.assertEqual(request.ack_deadline, at(30, 12))
        # Friday 16:00 + 8 business hours (city): 1 Friday, 7 Monday: 16:00.
        self.assertEqual(request.arrival_deadline, at(30, 16))

    def _other_company_wednesday_off(self):
        """Another company, with Wednesday 25 November as its holiday."""
        other = self.env["res.company"].create({"name": "Other Service Co."})
        self.env["resource.calendar.leaves"].with_company(other).create(
            {
                "name": "Other company's holiday",
                "date_from": at(25, 0),
                "date_to": at(25, 23, 59),
            }
        ).flush_recordset()  # its company is computed in its own company
        return other

    def test_working_hours_are_read_again_when_they_change(self):
        """The calendar's working hours are kept between requests; a public
        holiday or new working hours apply to the next request at once, and
        another company's holiday does not apply."""
        Leaves = self.env["resource.calendar.leaves"]
        # Tuesday 15:00 + 4 business hours: Wednesday 11:00.
        self.assertEqual(
            self._request(at(TUE, 15), self.business).ack_deadline, at(25, 11)
        )
        self._other_company_wednesday_off()
        self.assertEqual(
            self._request(at(TUE, 15), self.business).ack_deadline, at(25, 11)
        )
        holiday = Leaves.create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": at(25, 0),
                "date_to": at(25, 23, 59),
            }
        )
        # Wednesday off: Thursday 11:00.
        self.assertEqual(
            self._request(at(TUE, 15), self.business).ack_deadline, at(26, 11)
        )
        holiday.date_to = at(25, 10)
        # Only Wednesday 9-10 off: Wednesday 12:00.
        self.assertEqual(
            self._request(at(TUE, 15), self.business).ack_deadline, at(25, 12)
        )
        holiday.unlink()
        tuesday = self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == "1")
        tuesday.hour_to = 16
        # Tuesday ends at 16:00: 1 hour, then 9-12 Wednesday.
        self.assertEqual(
            self._request(at(TUE, 15), self.business).ack_deadline, at(25, 12)
        )

    def test_a_request_skips_the_holidays_of_its_own_company(self):
        """A level offered in every company counts, for each request, the
        holidays of the request's company, whichever company the person
        recording it works in."""
        other = self._other_company_wednesday_off()
        ours = self._request(at(TUE, 15), self.business)
        theirs = self._request(at(TUE, 15), self.business, company_id=other.id)
        self.assertEqual(ours.ack_deadline, at(25, 11))
        self.assertEqual(theirs.ack_deadline, at(26, 11))

    def test_hours_taken_skip_the_holidays_of_its_own_company(self):
        """The hours a phase took count the request's company's working
        hours, as its deadline does: another company's holiday is no day
        off, whoever looks."""
        other = self._other_company_wednesday_off()
        ours = self._request(at(TUE, 15), self.business)
        theirs = self._request(at(TUE, 15), self.business, company_id=other.id)
        with freeze_time(at(26, 10)):  # Thursday 10:00
            (ours | theirs).action_acknowledge()
        # 2 hours on Tuesday, 8 on Wednesday, 1 on Thursday.
        self.assertEqual(ours.ack_hours, 11)
        # Their Wednesday is a holiday.
        self.assertEqual(theirs.ack_hours, 3)
        # Whoever counts: an engineer working in our company only, who can't
        # read the other company's holidays, counts theirs too.
        engineer = new_test_user(
            self.env,
            login="clock_two_companies",
            groups="aftersales_service.group_aftersales_engineer",
            company_ids=[Command.set([self.env.company.id, other.id])],
        )
        level = self.business.with_user(engineer).with_context(
            allowed_company_ids=self.env.company.ids
        )
        self.assertEqual(level._hours_between(at(TUE, 15), at(26, 10), other), 3)
        # A request moved to the other company, on the same level, counts
        # that company's holidays.
        ours.write({"company_id": other.id, "service_level_id": self.business.id})
        self.assertEqual(ours.ack_hours, 3)
        self.assertEqual(ours.ack_deadline, at(26, 11))

    def test_working_hours_are_computed_once_a_day(self):
        """Requests of the same day on the same calendar compute its working
        hours once."""
        first = self._request(at(TUE, 15), self.business)
        self.assertEqual(first.ack_deadline, at(25, 11))
        Calendar = type(self.env["resource.calendar"])
        with patch.object(
            Calendar,
            "_work_intervals_batch",
            side_effect=AssertionError("working hours computed again"),
        ):
            request = self._request(at(TUE, 16), self.business)
            self.assertEqual(request.ack_deadline, at(25, 12))

    def test_round_the_clock(self):
        request = self._request(at(FRI, 16))
        self.assertEqual(request.ack_deadline, at(FRI, 20))
        self.assertEqual(request.plan_deadline, at(FRI, 18))
        self.assertEqual(request.arrival_deadline, at(SAT, 0))
        self.assertFalse(request.repair_deadline)

    def test_city_and_county(self):
        city = self._request(at(FRI, 16))
        county = self._request(at(FRI, 16), partner_id=self.county_customer.id)
        self.assertEqual(city.zone, "city")
        self.assertEqual(county.zone, "county")
        self.assertEqual(city.arrival_deadline, at(SAT, 0))
        self.assertEqual(county.arrival_deadline, at(SAT, 8))

    def test_general_and_major_repair(self):
        general = self._request(at(FRI, 16))
        major = self._request(at(FRI, 16), severity="major")
        for request in general | major:
            with freeze_time(at(SAT, 1)):
                request.action_on_site()
        self.assertEqual(general.repair_deadline, at(SAT, 5))
        self.assertEqual(major.repair_deadline, at(SAT, 9))

    def test_a_pause_moves_the_deadlines(self):
        request = self._request(at(TUE, 10))
        self.assertEqual(request.ack_deadline, at(TUE, 14))
        with freeze_time(at(TUE, 11)):
            request.stage_id = self.awaiting
        self.assertTrue(request.clock_paused)
        self.assertFalse(request.next_deadline)
        with freeze_time(at(TUE, 13)):
            request.stage_id = self.in_progress
        self.assertEqual(request.paused_hours, 2)
        self.assertEqual(request.ack_deadline, at(TUE, 16))
        with freeze_time(at(TUE, 15)):
            request.action_acknowledge()
        # Five hours after the report, two of them waiting: three on the clock.
        self.assertEqual(request.ack_hours, 3)
        self.assertTrue(request.ack_met)

    def test_a_later_pause_does_not_move_a_phase_already_done(self):
        request = self._request(at(TUE, 10))
        with freeze_time(at(TUE, 16)):  # two hours late
            request.action_acknowledge()
        self.assertFalse(request.ack_met)
        self.assertEqual(request.ack_hours, 6)
        with freeze_time(at(TUE, 17)):
            request.stage_id = self.awaiting
        with freeze_time(at(TUE, 22)):
            request.stage_id = self.in_progress
        self.assertEqual(request.paused_hours, 5)
        self.assertFalse(request.ack_met)
        self.assertEqual(request.ack_hours, 6)
        self.assertEqual(request.ack_deadline, at(TUE, 14))
        # The plan, still open, moves by the wait.
        self.assertEqual(request.plan_deadline, at(TUE, 17))

    def test_business_hours_pause_counts_working_time_only(self):
        request = self._request(at(FRI, 15), self.business)
        self.assertEqual(request.ack_deadline, at(30, 11))
        with freeze_time(at(FRI, 16)):
            request.stage_id = self.awaiting
        with freeze_time(at(30, 10)):  # Monday: 1 h Friday + 1 h Monday waited
            request.stage_id = self.in_progress
        self.assertEqual(request.paused_hours, 2)
        self.assertEqual(request.ack_deadline, at(30, 13))


class TestOutcomes(ClockCase):
    def test_phases_met_and_missed(self):
        request = self._request(at(TUE, 10))
        with freeze_time(at(TUE, 10, 30)):
            request.action_acknowledge()
        with freeze_time(at(TUE, 20)):
            request.action_on_site()
        with freeze_time(at(TUE, 23)):
            request.action_repaired()
        self.assertTrue(request.ack_met)
        self.assertEqual(request.ack_hours, 0.5)
        self.assertFalse(request.arrival_met)  # due at 18:00
        self.assertEqual(request.arrival_hours, 10)
        self.assertTrue(request.repair_met)  # due at 24:00
        self.assertEqual(request.repair_hours, 3)
        self.assertEqual(request.plan_done_at, at(TUE, 20))
        self.assertFalse(request.next_deadline)

    def test_repair_needs_arrival(self):
        request = self._request(at(TUE, 10))
        with self.assertRaisesText(Exception, "arrival on site"):
            request.action_repaired()
        self.assertFalse(request.repair_done_at)

    def test_taking_a_request_acknowledges_it(self):
        request = self._request(at(TUE, 10), user_id=False)
        self.assertFalse(request.ack_done_at)
        with freeze_time(at(TUE, 10, 20)):
            request.user_id = self.env.user
        self.assertEqual(request.ack_done_at, at(TUE, 10, 20))


class TestEscalation(ClockCase):
    def test_one_activity_per_missed_phase(self):
        leader = new_test_user(
            self.env,
            login="as_leader",
            groups="aftersales_service.group_aftersales_manager",
        )
        team = self.env["helpdesk.ticket.team"].create(
            {"name": "Hotline", "user_id": leader.id}
        )
        request = self._request(at(TUE, 10), team_id=team.id)
        Ticket = self.env["helpdesk.ticket"]
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")

        def breaches():
            return request.activity_ids.filtered(lambda a: a.activity_type_id == breach)

        with freeze_time(at(TUE, 13)):  # plan (12:00) missed
            Ticket._cron_escalate_breaches()
            Ticket._cron_escalate_breaches()
        self.assertEqual(len(breaches()), 1)
        self.assertEqual(breaches().user_id, leader)
        self.assertIn("Service Plan", breaches().summary)
        with freeze_time(at(TUE, 15)):  # acknowledgement (14:00) missed too
            Ticket._cron_escalate_breaches()
            Ticket._cron_escalate_breaches()
        self.assertEqual(len(breaches()), 2)
        self.assertEqual(request.escalated_phases, "plan,ack")
        self.assertEqual(request.next_deadline, at(TUE, 18))

    def test_closed_requests_do_not_breach(self):
        # Withdrawn, or solved remotely, before the phases after it were
        # reached: their deadlines are not missed.
        withdrawn = self._request(at(TUE, 10))
        solved = self._request(at(TUE, 10))
        self.assertEqual(solved.next_deadline, at(TUE, 12))
        with freeze_time(at(TUE, 11)):
            withdrawn.stage_id = self.env.ref(
                "helpdesk_mgmt.helpdesk_ticket_stage_cancelled"
            )
            self.env["aftersales.remote.solution"].create(
                {"ticket_id": solved.id, "guidance": "<p>Reset breaker B2.</p>"}
            ).action_solve()
        self.assertFalse(withdrawn.next_deadline or solved.next_deadline)
        with freeze_time(at(TUE, 20)):
            self.env["helpdesk.ticket"]._cron_escalate_breaches()
        breach = self.env.ref("aftersales_service.mail_activity_type_breach")
        self.assertFalse(
            (withdrawn | solved).activity_ids.filtered(
                lambda a: a.activity_type_id == breach
            )
        )
        self.assertFalse(withdrawn.escalated_phases or solved.escalated_phases)
        # Reopened, its clocks run again: the plan is still due.
        solved.action_reopen()
        self.assertEqual(solved.next_deadline, at(TUE, 12))

    def test_paused_requests_do_not_breach(self):
        request = self._request(at(TUE, 10))
        with freeze_time(at(TUE, 11)):
            request.stage_id = self.awaiting
        with freeze_time(at(TUE, 20)):
            self.env["helpdesk.ticket"]._cron_escalate_breaches()
        self.assertFalse(request.activity_ids)


class TestIntake(ClockCase):
    def test_level_from_contract_else_company_default(self):
        units = self._delivered_warranties(self.product, ["CLK-001", "CLK-002"]).lot_id
        self._running_contract(
            units[:1], "2026-01-01", "2027-12-31", level=self.business
        )
        Ticket = self.env["helpdesk.ticket"]
        covered = Ticket.create(
            {"name": "a", "description": "a", "lot_id": units[0].id}
        )
        uncovered = Ticket.create(
            {"name": "b", "description": "b", "lot_id": units[1].id}
        )
        self.assertEqual(covered.service_level_id, self.business)
        self.assertEqual(
            uncovered.service_level_id, self.env.company.aftersales_service_level_id
        )
        self.assertTrue(uncovered.ack_deadline)

    def test_outside_business_hours_the_on_call_engineer_gets_it(self):
        engineer = new_test_user(
            self.env,
            login="as_on_call",
            groups="aftersales_service.group_aftersales_engineer",
        )
        self.env.company.resource_calendar_id = self.calendar
        self.env["aftersales.duty"].create(
            {"user_id": engineer.id, "date_start": at(FRI, 17), "date_end": at(30, 9)}
        )
        Ticket = self.env["helpdesk.ticket"]
        night = Ticket.create(
            {"name": "n", "description": "n", "reported_at": at(SAT, 3)}
        )
        day = Ticket.create(
            {"name": "d", "description": "d", "reported_at": at(FRI, 11)}
        )
        self.assertEqual(night.user_id, engineer)
        self.assertFalse(night.ack_done_at)
        self.assertNotEqual(day.user_id, engineer)

    def test_duty_shift_ends_after_it_starts(self):
        with self.assertRaisesText(Exception, "ends after it starts"):
            self.env["aftersales.duty"].create(
                {
                    "user_id": self.env.uid,
                    "date_start": at(FRI, 17),
                    "date_end": at(FRI, 9),
                }
            )

    def test_query_count_of_a_new_request(self):
        # Reported in business hours, so that no on-call assignment (and its
        # mail) depends on the time the test runs.
        self.env.company.resource_calendar_id = self.calendar
        unit = self._delivered_warranties(self.product, ["CLK-QC"]).lot_id
        Ticket = self.env["helpdesk.ticket"]
        values = {
            "name": "Alarm",
            "description": "Alarm",
            "partner_id": self.customer.id,
            "lot_id": unit.id,
            "service_level_id": self.round_the_clock.id,
            "reported_at": at(TUE, 10),
        }
        # The same request once before, so that what it reads is cached
        # whatever the tests before left in the cache.
        Ticket.create(values)
        self.env.flush_all()
        statements = []
        execute = type(self.env.cr).execute

        def recording(cr, query, params=None, log_exceptions=True):
            statements.append(str(getattr(query, "code", query)).split())
            return execute(cr, query, params, log_exceptions)

        with (
            self.assertQueryCount(REQUEST_QUERIES),
            patch.object(type(self.env.cr), "execute", recording),
        ):
            request = Ticket.create(values)
            self.env.flush_all()
        # What the request computes at intake (coverage, clocks, stage) goes
        # into its one INSERT: the new row is not updated after.
        written = [
            words[:3]
            for words in statements
            if words[0] in ("INSERT", "UPDATE") and '"helpdesk_ticket"' in words
        ]
        self.assertEqual(written, [["INSERT", "INTO", '"helpdesk_ticket"']])
        self.assertEqual(request.ack_deadline, at(TUE, 14))
        self.assertEqual(request.plan_deadline, at(TUE, 12))
        self.assertEqual(request.next_deadline, at(TUE, 12))
        self.assertTrue(request.stage_id)


REQUEST_QUERIES = 10


class TestAfterTheRepair(ClockCase):
    """T7: follow-up within 15 days, complaints to the manager, reopening."""

    def test_closing_schedules_the_follow_up(self):
        request = self._request(at(TUE, 10))
        done = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        request.stage_id = done
        follow_up = request.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("aftersales_service.mail_activity_type_follow_up")
            )
        )
        self.assertEqual(len(follow_up), 1)
        self.assertEqual(
            follow_up.date_deadline,
            fields.Date.add(fields.Date.context_today(request), days=15),
        )
        request.stage_id = done  # no second follow-up for the same closing
        self.assertEqual(len(request.activity_ids), 1)

    def test_closing_asks_the_customer_to_rate(self):
        self.customer.email = "service@ningbo-port.example.com"
        request = self._request(at(TUE, 10))
        request.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        rating = request.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.customer)
        message = request.message_ids.filtered(lambda m: "/rate/" in (m.body or ""))
        self.assertIn(rating.access_token, message.body)
        self.env.invalidate_all()
        request.rating_apply(5, token=rating.access_token, feedback="Fast and clean")
        self.assertEqual(rating.rating, 5)
        self.assertTrue(rating.consumed)
        # The KPIs' satisfaction reads the stored last rating.
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(request.rating_last_value, 5)

    def test_a_cancelled_request_is_neither_followed_up_nor_rated(self):
        self.customer.email = "service@ningbo-port.example.com"
        request = self._request(at(TUE, 10))
        request.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        self.assertTrue(request.stage_id.closed)
        self.assertFalse(request.activity_ids)
        self.assertFalse(request.rating_ids)

    def test_the_stage_of_a_done_service_is_marked_not_guessed(self):
        """A closing stage added before Done (a duplicate) closes requests
        without a service; Close Request still goes to Done, and a request
        cancelled by mistake, then closed, is followed up."""
        Stage = self.env["helpdesk.ticket.stage"]
        done = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        duplicate = Stage.create({"name": "Duplicate", "sequence": 1, "closed": True})
        request = self._request(at(TUE, 10))
        request.stage_id = duplicate
        self.assertFalse(request.activity_ids)
        request.action_on_site()
        request.action_repaired()
        self.assertFalse(request.activity_ids)
        request.action_reopen()
        request.action_close_request()
        self.assertEqual(request.stage_id, done)
        self.assertEqual(len(request.activity_ids), 1)
        cancelled = self._request(at(TUE, 11))
        cancelled.stage_id = self.env.ref(
            "helpdesk_mgmt.helpdesk_ticket_stage_cancelled"
        )
        cancelled.stage_id = done
        self.assertEqual(len(cancelled.activity_ids), 1)
        with self.assertRaisesText(ValidationError, "closing stage"):
            duplicate.aftersales_phase = "repair"
        with self.assertRaisesText(ValidationError, "closing stage"):
            Stage.create({"name": "Open", "aftersales_phase": "closed"})

    def test_complaints_go_to_the_manager(self):
        """A request on the complaint channel opens its complaint record
        (Q2), owned by the service manager, who gets its activity."""
        manager = new_test_user(
            self.env,
            login="as_cmp_mgr",
            groups="aftersales_service.group_aftersales_manager",
        )
        self.env.company.aftersales_supervisor_id = manager
        complaint_type = self.env.ref("aftersales_service.mail_activity_type_complaint")
        request = self._request(
            at(TUE, 10),
            channel_id=self.env.ref("aftersales_service.helpdesk_channel_complaint").id,
        )
        complaint = request.aftersales_complaint_ids
        self.assertEqual(complaint.user_id, manager)
        self.assertEqual(complaint.activity_ids.activity_type_id, complaint_type)
        self.assertEqual(complaint.activity_ids.user_id, manager)
        later = self._request(at(TUE, 10))
        later.channel_id = self.env.ref("aftersales_service.helpdesk_channel_complaint")
        self.assertEqual(later.aftersales_complaint_ids.activity_ids.user_id, manager)

    def test_reopen(self):
        request = self._request(at(TUE, 10))
        request.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        request.action_reopen()
        self.assertFalse(request.stage_id.closed)
        self.assertEqual(request.reopen_count, 1)
