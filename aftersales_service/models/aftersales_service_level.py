from bisect import bisect_right
from datetime import timedelta
from math import ceil

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TARGET_FIELDS = (
    "ack_hours",
    "plan_hours",
    "arrival_city_hours",
    "arrival_county_hours",
    "repair_general_hours",
    "repair_major_hours",
)


class AftersalesServiceLevel(models.Model):
    """What a contract promises: how fast we answer, plan, arrive and repair,
    and on which clock (7×24 or the business hours of a working calendar)."""

    _name = "aftersales.service.level"
    _inherit = "aftersales.integrity.mixin"
    # Every target within a year of hours.
    _number_bounds = {
        **{name: (None, 8760) for name in TARGET_FIELDS},
        "offsite_turnaround_days": (None, 365),
    }
    _description = "Service Level"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to offer this level in every company."
    )
    around_the_clock = fields.Boolean(
        string="7×24",
        default=True,
        help="Targets count every hour of every day (7×24 duty). Otherwise they "
        "count the working hours of the calendar.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        help="Business hours the targets count in when the level is not 7×24.",
    )
    ack_hours = fields.Float(
        string="Acknowledge Within",
        default=0.5,
        help="Hours from the report to the acknowledgement of the request.",
    )
    plan_hours = fields.Float(
        string="Service Plan Within",
        default=2.0,
        help="Hours from the report to a service plan, for a fault that can't be "
        "solved remotely.",
    )
    arrival_city_hours = fields.Float(
        string="On Site Within (City)",
        default=24.0,
        help="Hours from the report to the engineer's arrival, for a customer "
        "in a city.",
    )
    arrival_county_hours = fields.Float(
        string="On Site Within (County)",
        default=24.0,
        help="Hours from the report to the engineer's arrival, for a customer "
        "in a county.",
    )
    repair_general_hours = fields.Float(
        string="Repair Within (General Fault)",
        default=4.0,
        help="Hours from the engineer's arrival to the repair of a general fault.",
    )
    repair_major_hours = fields.Float(
        string="Repair Within (Major Fault)",
        default=8.0,
        help="Hours from the engineer's arrival to the repair of a major fault.",
    )
    offsite_turnaround_days = fields.Integer(
        string="Off-Site Repair Within (Days)",
        default=12,
        help="Days from the unit's arrival at the repair centre to its shipping "
        "back (设备维修时间不超过12天): whole days on a 7×24 level, working days of "
        "its calendar otherwise.",
    )
    description = fields.Html(translate=True)

    @api.model
    def _default_for(self, company):
        """The level that applies in ``company`` without a contract."""
        return company.aftersales_service_level_id or self.search(
            [("company_id", "in", [False, company.id])], limit=1
        )

    @api.constrains("offsite_turnaround_days")
    def _check_turnaround(self):
        for level in self.filtered(lambda lv: lv.offsite_turnaround_days <= 0):
            raise ValidationError(
                _(
                    "Service level %(level)s: the off-site repair turnaround must be "
                    "a positive number of days.",
                    level=level.name,
                )
            )

    @api.constrains("around_the_clock", "calendar_id", *TARGET_FIELDS)
    def _check_targets(self):
        labels = {
            name: self._fields[name].get_description(self.env)["string"]
            for name in TARGET_FIELDS
        }
        for level in self:
            for name in TARGET_FIELDS:
                if level[name] <= 0:
                    raise ValidationError(
                        _(
                            "Service level %(level)s: '%(target)s' must be a "
                            "positive number of hours.",
                            level=level.name,
                            target=labels[name],
                        )
                    )
            if not level.around_the_clock and not level.calendar_id:
                raise ValidationError(
                    _(
                        "Service level %(level)s counts business hours: choose its "
                        "Working Hours, or make it 7×24.",
                        level=level.name,
                    )
                )

    # Clock arithmetic -------------------------------------------------------

    def _add_hours(self, moments, company=None):
        """[(start, hours)] -> [the moment ``hours`` of this level's clock
        after ``start``], naive UTC datetimes as Odoo stores them: every hour
        when 7×24, the working hours of its calendar otherwise, without the
        public holidays of ``company`` (by default the level's, else the
        current company).

        The calendar's working intervals are read once for all the moments
        (and cached, see ``resource.calendar._aftersales_work_intervals``),
        from the earliest start over the calendar days the longest target
        needs in working days, a weekend and a few days off (at most two
        weeks); a moment beyond them (a long holiday) is planned on its own
        with ``resource.calendar.plan_hours``, which these results equal."""
        self.ensure_one()
        if self.around_the_clock or not self.calendar_id:
            return [start + timedelta(hours=hours) for start, hours in moments]
        timed = [(start, hours) for start, hours in moments if hours > 0]
        if not timed:
            return [start for start, __ in moments]
        working_days = max(hours for __, hours in timed) / (
            self.calendar_id.hours_per_day or 8.0
        )
        span = timedelta(days=min(14, ceil(working_days * 7 / 5) + 3))
        intervals = self.calendar_id._aftersales_work_intervals(
            company or self.company_id or self.env.company,
            pytz.utc.localize(min(start for start, __ in timed)),
            pytz.utc.localize(max(start for start, __ in timed) + span),
        )
        ends = [end for __, end in intervals]
        result = []
        for start, hours in moments:
            deadline = start if hours <= 0 else None
            if deadline is None:
                deadline = _walk(intervals, ends, pytz.utc.localize(start), hours)
            if deadline is None:
                deadline = self.calendar_id.plan_hours(
                    hours, start, compute_leaves=True
                )
            result.append(deadline)
        return result

    def _day_hours(self):
        """Hours of one day on this level's clock: 24 when 7×24, else its
        calendar's working day."""
        self.ensure_one()
        return 24.0 if self.around_the_clock else self.calendar_id.hours_per_day

    def _hours_between(self, start, end, company=None):
        """Hours of this level's clock between two naive UTC datetimes,
        without the public holidays of ``company`` (by default the level's,
        else the current company), as ``_add_hours`` counts them."""
        self.ensure_one()
        if end <= start:
            return 0.0
        if self.around_the_clock or not self.calendar_id:
            return (end - start).total_seconds() / 3600
        return self.calendar_id._aftersales_hours_between(
            company or self.company_id or self.env.company,
            pytz.utc.localize(start),
            pytz.utc.localize(end),
        )


def _walk(intervals, ends, start, hours):
    """Spend ``hours`` of the working ``intervals`` (sorted, aware; ``ends``
    their ends) from ``start``: the naive UTC moment they run out, or None
    when the intervals run out first."""
    for begin, end in intervals[bisect_right(ends, start) :]:
        begin = max(begin, start)
        available = (end - begin).total_seconds() / 3600
        if hours <= available:
            return (
                (begin + timedelta(hours=hours))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
        hours -= available
    return None
