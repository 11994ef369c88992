from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_list, ormcache

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches

# The clock's status turns to "Due Soon" this close to the next deadline, or
# in the last quarter of a shorter phase (a 30-minute acknowledgement is not
# due soon the moment the request is made).
NEAR_DEADLINE = timedelta(hours=1)
NEAR_SHARE = 0.25


def clock_phase_fields(done, deadline, hours, met, precompute=False):
    """The five stored fields of one phase of a response clock, in the order
    ``<phase>_done_at``, ``<phase>_paused_hours``, ``<phase>_deadline``,
    ``<phase>_hours``, ``<phase>_met``; the labels are the four shown. A
    model declares them for each of its ``_clock_phases``::

        ack_done_at, ack_paused_hours, ack_deadline, ack_hours, ack_met = (
            clock_phase_fields("Acknowledged On", "Acknowledge By", ...)
        )

    With ``precompute``, a new record's deadlines and outcomes are computed
    before it is inserted (see ``helpdesk.ticket``).
    """
    return (
        fields.Datetime(string=done, copy=False, readonly=True),
        # Paused hours when the phase was done: a later wait for the
        # customer does not move a phase that was already over.
        fields.Float(readonly=True, copy=False),
        fields.Datetime(
            string=deadline,
            compute="_compute_clock_deadlines",
            store=True,
            precompute=precompute,
        ),
        fields.Float(
            string=hours,
            compute="_compute_clock_outcomes",
            store=True,
            precompute=precompute,
        ),
        fields.Boolean(
            string=met,
            compute="_compute_clock_outcomes",
            store=True,
            precompute=precompute,
        ),
    )


def clock_workflow_fields(phases):
    """The clock's stamps, written by its workflow steps only (see
    ``aftersales.integrity.mixin``)."""
    return (
        "paused_since",
        "paused_hours",
        "escalated_phases",
        *(f"{phase}_done_at" for phase in phases),
        *(f"{phase}_paused_hours" for phase in phases),
    )


class AftersalesResponseClockMixin(models.AbstractModel):
    """Response clocks (T3) for any model with phases: each phase has a
    target in hours on the record's service level, a deadline counted on the
    level's clock (7×24 or working hours) from the phase's start, the time
    it took and whether it met its target. The clocks stop while the record
    waits for the customer, and a missed deadline is escalated once to a
    supervisor by a scheduled action.

    A model using it declares, in order, its ``_clock_phases``, each
    phase's five fields (``clock_phase_fields``), the field the phases start
    from (``_clock_start_field``), the phases that start when an earlier one
    is done (``_clock_phase_starts``), its service level field, and
    implements ``_phase_target``, ``_clock_phase_labels`` and
    ``_breach_supervisor``; ``_compute_clock_paused`` and ``_clock_stopped``
    say when the clocks wait or are over."""

    _name = "aftersales.response.clock.mixin"
    _description = "Response Clocks"

    # The phases, in order.
    _clock_phases = ()
    # The moment every phase starts from, unless it starts with another's end.
    _clock_start_field = "create_date"
    # {phase: earlier phase}: the phase's clock starts when the earlier is done.
    _clock_phase_starts = {}
    # The aftersales.service.level whose targets and clock apply.
    _clock_level_field = "service_level_id"
    # Fields the targets read besides the level (zone, severity...).
    _clock_target_depends = ()
    # Fields that end the clocks altogether (a closed stage...).
    _clock_stop_depends = ()

    clock_paused = fields.Boolean(
        compute="_compute_clock_paused", store=True, help="Waiting for the customer."
    )
    paused_since = fields.Datetime(readonly=True, copy=False)
    paused_hours = fields.Float(
        readonly=True, copy=False, help="Clock hours spent waiting for the customer."
    )
    escalated_phases = fields.Char(
        readonly=True,
        copy=False,
        help="Phases whose breach was escalated, comma-separated.",
    )
    next_deadline = fields.Datetime(
        compute="_compute_next_deadline",
        store=True,
        index=True,
        help="The earliest deadline still open and not escalated.",
    )
    clock_status = fields.Selection(
        [("on_time", "On Time"), ("near", "Due Soon"), ("late", "Late")],
        compute="_compute_clock_status",
    )

    # What the model says ------------------------------------------------------

    def _compute_clock_paused(self):
        """Whether the record waits for the customer: never, unless the
        model says when (with its own ``@api.depends``)."""
        self.clock_paused = False

    def _clock_stopped(self):
        """Whether the clocks are over for this record (closed, cancelled)."""
        return False

    def _phase_target(self, phase):
        """The target of ``phase`` in hours of the level's clock."""
        raise NotImplementedError

    def _clock_phase_labels(self):
        """{phase: its name, as the escalation says it}."""
        raise NotImplementedError

    def _breach_supervisor(self):
        """Who is told when a deadline of this record is missed."""
        raise NotImplementedError

    def _on_phase_done(self, phase):
        """Called with the records whose ``phase`` was just done."""

    # The clock ------------------------------------------------------------

    def _clock_level(self):
        return self[self._clock_level_field]

    def _clock_add_hours(self, level, moments, company):
        """[(start, hours)] -> deadlines on ``level``'s clock, skipping
        ``company``'s holidays."""
        return level._add_hours(moments, company)

    def _clock_hours_between(self, start, end):
        return self._clock_level()._hours_between(start, end, self.company_id)

    def _phase_start(self, phase):
        earlier = self._clock_phase_starts.get(phase)
        if earlier:
            return self[f"{earlier}_done_at"]
        return self[self._clock_start_field]

    def _phase_paused_hours(self, phase):
        """Hours the clock of ``phase`` was stopped while waiting for the
        customer: until the phase was done, from when it started."""
        paused = (
            self[f"{phase}_paused_hours"]
            if self[f"{phase}_done_at"]
            else self.paused_hours
        )
        earlier = self._clock_phase_starts.get(phase)
        if earlier:
            paused -= self[f"{earlier}_paused_hours"]
        return paused

    def _current_paused_hours(self):
        """Paused hours so far, the wait in progress included."""
        self.ensure_one()
        running = self.paused_since and self._clock_hours_between(
            self.paused_since, fields.Datetime.now()
        )
        return self.paused_hours + (running or 0.0)

    def _clock_deadline_depends(self):
        level = self._clock_level_field
        phases = self._clock_phases
        return [
            self._clock_start_field,
            # The company's holidays (the hours taken follow the deadlines).
            "company_id",
            level,
            f"{level}.around_the_clock",
            f"{level}.calendar_id",
            *self._clock_target_depends,
            "paused_hours",
            *(f"{phase}_done_at" for phase in phases),
            *(f"{phase}_paused_hours" for phase in phases),
        ]

    @api.depends(lambda self: self._clock_deadline_depends())
    def _compute_clock_deadlines(self):
        # Per service level and company, all the clocks of the batch at once:
        # the calendar's working hours are read once.
        clocks = defaultdict(list)  # (level, company): [(record, phase, ...)]
        for record in self:
            level = record._clock_level()
            for phase in self._clock_phases:
                start = record._phase_start(phase)
                if level and start:
                    hours = record._phase_target(phase)
                    hours += record._phase_paused_hours(phase)
                    clocks[level, record.company_id].append(
                        (record, phase, start, hours)
                    )
                else:
                    record[f"{phase}_deadline"] = False
        for (level, company), todo in clocks.items():
            deadlines = self._clock_add_hours(
                level, [(start, hours) for __, __, start, hours in todo], company
            )
            for (record, phase, __, __), deadline in zip(todo, deadlines, strict=True):
                record[f"{phase}_deadline"] = deadline

    def _clock_outcome_depends(self):
        return [
            f"{phase}_{name}"
            for phase in self._clock_phases
            for name in ("done_at", "deadline", "paused_hours")
        ]

    @api.depends(lambda self: self._clock_outcome_depends())
    def _compute_clock_outcomes(self):
        for record in self:
            level = record._clock_level()
            for phase in self._clock_phases:
                done, start = record[f"{phase}_done_at"], record._phase_start(phase)
                deadline = record[f"{phase}_deadline"]
                hours = met = False
                if done and start and level:
                    hours = max(
                        record._clock_hours_between(start, done)
                        - record._phase_paused_hours(phase),
                        0.0,
                    )
                    met = bool(deadline) and done <= deadline
                record[f"{phase}_hours"] = hours
                record[f"{phase}_met"] = met

    def _open_phases(self):
        """Phases whose clock runs: started, not done, not escalated."""
        self.ensure_one()
        escalated = (self.escalated_phases or "").split(",")
        return [
            phase
            for phase in self._clock_phases
            if self[f"{phase}_deadline"]
            and not self[f"{phase}_done_at"]
            and phase not in escalated
        ]

    def _next_deadline_depends(self):
        return [
            *(
                f"{phase}_{name}"
                for phase in self._clock_phases
                for name in ("deadline", "done_at")
            ),
            "escalated_phases",
            "clock_paused",
            *self._clock_stop_depends,
        ]

    @api.depends(lambda self: self._next_deadline_depends())
    def _compute_next_deadline(self):
        for record in self:
            deadlines = [record[f"{phase}_deadline"] for phase in record._open_phases()]
            record.next_deadline = (
                not record.clock_paused
                and not record._clock_stopped()
                and deadlines
                and min(deadlines)
            )

    def _near_deadline(self):
        """How close to the next deadline the clock is "Due Soon"."""
        self.ensure_one()
        targets = [
            self._phase_target(phase)
            for phase in self._open_phases()
            if self[f"{phase}_deadline"] == self.next_deadline
        ]
        if not targets:
            return NEAR_DEADLINE
        return min(NEAR_DEADLINE, timedelta(hours=targets[0] * NEAR_SHARE))

    @api.depends("next_deadline")
    def _compute_clock_status(self):
        now = fields.Datetime.now()
        for record in self:
            if not record.next_deadline:
                record.clock_status = False
            elif record.next_deadline < now:
                record.clock_status = "late"
            elif record.next_deadline - now < record._near_deadline():
                record.clock_status = "near"
            else:
                record.clock_status = "on_time"

    # Workflow steps ---------------------------------------------------------

    @workflow_step
    def _complete_phase(self, phase):
        """Stamp ``phase`` done now (once)."""
        now = fields.Datetime.now()
        done = self.filtered(lambda r: not r[f"{phase}_done_at"])
        for record in done:
            record.write(
                {
                    f"{phase}_done_at": now,
                    f"{phase}_paused_hours": record._current_paused_hours(),
                }
            )
        done._on_phase_done(phase)

    @workflow_step
    def _sync_clock_pause(self):
        """Start or stop waiting for the customer, as ``clock_paused`` now
        says: the clocks stop, then their deadlines move by the time
        waited."""
        now = fields.Datetime.now()
        for record in self:
            if record.clock_paused and not record.paused_since:
                record.paused_since = now
            elif not record.clock_paused and record.paused_since:
                waited = record._clock_hours_between(record.paused_since, now)
                record.write(
                    {
                        "paused_since": False,
                        "paused_hours": record.paused_hours + waited,
                    }
                )

    @ormcache()
    def _clock_pause_triggers(self):
        """The fields whose change may start or end a wait (read once per
        model: every write asks)."""
        depends = self._fields["clock_paused"].get_depends(self)[0]
        return frozenset(path.split(".")[0] for path in depends)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("clock_paused")._sync_clock_pause()
        return records

    def write(self, vals):
        result = super().write(vals)
        if self._clock_pause_triggers() & set(vals):
            self._sync_clock_pause()
        return result

    # Breach escalation (scheduled action) -----------------------------------

    @api.model
    def _breach_domain(self, now):
        """Records with a phase past its deadline and not escalated yet."""
        return [("next_deadline", "<", now)]

    @api.model
    def _cron_escalate_breaches(self, batch_size=500):
        """Escalate the phases whose deadline passed: a message on the record
        and an activity for the supervisor, once per phase. Records are
        found by their indexed next deadline and taken in batches
        (``run_in_batches``); two runs at the same time share them."""
        now = fields.Datetime.now()
        run_in_batches(
            self,
            self._breach_domain(now),
            lambda records: records._escalate_breaches(now),
            batch_size,
            order="next_deadline",
        )

    @workflow_step
    def _escalate_breaches(self, now):
        activity_type = self.env.ref("aftersales_service.mail_activity_type_breach")
        model_id = self.env["ir.model"]._get_id(self._name)
        labels = self._clock_phase_labels()
        activities, bodies = [], {}
        for record in self:
            late = [
                phase
                for phase in record._open_phases()
                if record[f"{phase}_deadline"] < now
            ]
            names = format_list(self.env, [labels[phase] for phase in late])
            supervisor = record._breach_supervisor()
            bodies[record.id] = self.env._(
                "Response time missed: %(phases)s. Escalated to %(user)s.",
                phases=names,
                user=supervisor.name,
            )
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "user_id": supervisor.id,
                    "summary": self.env._("Missed: %(phases)s", phases=names),
                    "date_deadline": fields.Date.context_today(record),
                }
            )
            record.escalated_phases = ",".join(
                filter(None, [record.escalated_phases, *late])
            )
        self._message_log_batch(bodies)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )

    # KPI measures -------------------------------------------------------------

    @api.model
    def _clock_kpi_hours(self, alias, phase):
        """SQL: the hours ``phase`` took on the row ``alias``, empty until it
        is done (an unreached phase is not an instant one)."""
        done = SQL.identifier(alias, f"{phase}_done_at")
        earlier = self._clock_phase_starts.get(phase)
        started = (
            SQL(" AND %s IS NOT NULL", SQL.identifier(alias, f"{earlier}_done_at"))
            if earlier
            else SQL()
        )
        return SQL(
            "CASE WHEN %s IS NOT NULL%s THEN %s END",
            done,
            started,
            SQL.identifier(alias, f"{phase}_hours"),
        )

    @api.model
    def _clock_kpi_met_rate(self, alias, phase):
        """SQL: 100 when ``phase`` met its target, 0 when not, empty until it
        is done; their average is the rate."""
        return SQL(
            "CASE WHEN %(done)s IS NOT NULL AND %(deadline)s IS NOT NULL "
            "THEN (CASE WHEN %(met)s THEN 100.0 ELSE 0.0 END) END",
            done=SQL.identifier(alias, f"{phase}_done_at"),
            deadline=SQL.identifier(alias, f"{phase}_deadline"),
            met=SQL.identifier(alias, f"{phase}_met"),
        )
