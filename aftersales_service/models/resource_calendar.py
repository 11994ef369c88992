from datetime import datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.tools import ormcache


class ResourceCalendar(models.Model):
    """The working hours the response clocks and the on-call roster count
    on. A request is made every few minutes, and each one asks the same
    calendar the same days' working hours: they are computed once per
    calendar, company and days, and kept until a calendar, its working
    hours or a day off changes."""

    _inherit = "resource.calendar"

    def _aftersales_work_intervals(self, company, start, end):
        """The calendar's working intervals, holidays and days off of
        ``company`` left out, over the UTC days from ``start`` to ``end``
        (aware datetimes): sorted (begin, end) pairs of aware UTC datetimes.
        They may begin before ``start`` and end after ``end``."""
        self.ensure_one()
        first = start.astimezone(pytz.utc).date()
        last = end.astimezone(pytz.utc).date() + timedelta(days=1)
        return self.sudo()._aftersales_days_intervals(self.id, company.id, first, last)

    @api.model
    @ormcache("calendar_id", "company_id", "first", "last")
    def _aftersales_days_intervals(self, calendar_id, company_id, first, last):
        """Cached: see ``_aftersales_work_intervals``. Computed as the
        superuser, in the calendar's time zone and with the company's days
        off, whoever asks first: the cache holds for everyone."""
        calendar = self.browse(calendar_id)
        start, end = (
            pytz.utc.localize(datetime.combine(day, time.min)) for day in (first, last)
        )
        return tuple(
            (begin.astimezone(pytz.utc), stop.astimezone(pytz.utc))
            for begin, stop in calendar._aftersales_intervals(company_id, start, end)
        )

    def _aftersales_hours_between(self, company, start, end):
        """The calendar's working hours between two aware datetimes, holidays
        and days off of ``company`` left out, as the deadlines count them
        (``_aftersales_work_intervals``)."""
        self.ensure_one()
        return sum(
            (stop - begin).total_seconds() / 3600
            for begin, stop in self.sudo()._aftersales_intervals(company.id, start, end)
        )

    def _aftersales_intervals(self, company_id, start, end):
        """The working intervals between two aware datetimes, in the
        calendar's time zone, with the holidays and days off of
        ``company_id`` and of no company, whoever asks."""
        intervals = self._work_intervals_batch(
            start,
            end,
            domain=[
                ("time_type", "=", "leave"),
                ("company_id", "in", [False, company_id]),
            ],
            tz=pytz.timezone(self.tz or "UTC"),
        )[False]
        return [(begin, stop) for begin, stop, __ in intervals]

    @api.model
    def _aftersales_forget_work_intervals(self):
        """Drop the cached intervals of every calendar (Odoo's caches are
        cleared as a whole, in every worker). A deleted calendar needs no
        clearing: its intervals are never asked for again."""
        self.env.registry.clear_cache()

    def write(self, vals):
        self._aftersales_forget_work_intervals()
        return super().write(vals)


class ResourceCalendarAttendance(models.Model):
    """A change to working hours clears the calendars' cached intervals."""

    _inherit = "resource.calendar.attendance"

    @api.model_create_multi
    def create(self, vals_list):
        self.env["resource.calendar"]._aftersales_forget_work_intervals()
        return super().create(vals_list)

    def write(self, vals):
        self.env["resource.calendar"]._aftersales_forget_work_intervals()
        return super().write(vals)

    def unlink(self):
        self.env["resource.calendar"]._aftersales_forget_work_intervals()
        return super().unlink()


class ResourceCalendarLeaves(models.Model):
    """A change to a day off of a whole calendar or company (a public
    holiday) clears the calendars' cached intervals; a person's time off
    does not change them."""

    _inherit = "resource.calendar.leaves"

    def _aftersales_clear_calendars(self):
        if any(not leave.resource_id for leave in self):
            self.env["resource.calendar"]._aftersales_forget_work_intervals()

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._aftersales_clear_calendars()
        return leaves

    def write(self, vals):
        self._aftersales_clear_calendars()
        result = super().write(vals)
        self._aftersales_clear_calendars()
        return result

    def unlink(self):
        self._aftersales_clear_calendars()
        return super().unlink()
