import functools
import math
from contextlib import contextmanager
from datetime import date, datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_list

# The key, in the cursor's own cache, that counts the workflow steps running
# in this transaction. A client can't set it: neither the context nor any
# value it sends reaches it.
_WORKFLOW_KEY = "aftersales_workflow_steps"

# Dates the add-on stores sit between these days: equipment delivered,
# accepted, serviced or inspected in this window. It keeps every date the
# add-on computes from them (a term of up to 100 years added) within what
# Python's dates hold.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


class SingleRecordError(UserError, ValueError):
    """A method made for one record was called on none or several. It is a
    ValueError, as Odoo's own "Expected singleton" is, and the user (or the
    RPC client) reads it as a user error, not a traceback."""


@contextmanager
def workflow(env):
    """Let the fields that only the workflow writes be written while the
    block runs: the block is a step of the workflow (an action, a scheduled
    action, a wizard's confirmation)."""
    cache = env.cr.cache
    cache[_WORKFLOW_KEY] = cache.get(_WORKFLOW_KEY, 0) + 1
    try:
        yield
    finally:
        cache[_WORKFLOW_KEY] -= 1


def workflow_step(method):
    """Decorate a method that is a step of the workflow (see ``workflow``)."""

    @functools.wraps(method)
    def step(self, *args, **kwargs):
        with workflow(self.env):
            return method(self, *args, **kwargs)

    return step


class AftersalesIntegrityMixin(models.AbstractModel):
    """What the server refuses, whatever the screens offer or hide.

    - ``_workflow_fields``: the model's state and the facts its workflow
      stamps (times, people, notices). Only the workflow writes them (see
      ``workflow``): a direct create or write, over RPC or from a form, is
      refused, whatever the user's rights.
    - ``_number_bounds``: {field: (lowest, highest)} for the numbers users
      type. Every number the add-on stores is finite; these are also in
      range. ``None`` for the lowest leaves the low side to the model's own
      constraint and its message (for example "must be positive").
    - Every date the add-on stores sits between ``FIRST_DAY`` and
      ``LAST_DAY``.

    Models of other apps that inherit it have the add-on's fields checked.
    """

    _name = "aftersales.integrity.mixin"
    _description = "After-Sales Integrity Checks"

    _workflow_fields = ()
    _number_bounds = {}

    @api.model_create_multi
    def create(self, vals_list):
        self._check_workflow_fields(vals_list, creating=True)
        self._check_finite(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_workflow_fields([vals])
        self._check_finite([vals])
        return super().write(vals)

    def _check_finite(self, vals_list):
        """NaN and infinity are refused as they arrive: Odoo would round a
        monetary amount before any constraint sees it, and fail."""
        for vals in vals_list:
            for name, value in vals.items():
                field = self._fields.get(name)
                if (
                    field is not None
                    and field._module == "aftersales_service"
                    and isinstance(value, float)
                    and not math.isfinite(value)
                ):
                    low, high = self._number_bounds.get(name, (None, None))
                    raise ValidationError(
                        self._number_bound_message(field, value, low, high)
                    )

    def _check_workflow_fields(self, vals_list, creating=False):
        if self.env.su or self.env.cr.cache.get(_WORKFLOW_KEY):
            return
        written = set()
        for vals in vals_list:
            for name in self._workflow_fields:
                if name not in vals:
                    continue
                # A new record may state what it starts with: the default.
                if creating and vals[name] in (False, None, self._default_of(name)):
                    continue
                written.add(name)
        if creating:
            written |= {
                name
                for name in self._workflow_fields
                if self.env.context.get(f"default_{name}")
                not in (None, False, self._default_of(name))
            }
        if written:
            message = _(
                "%(model)s: %(fields)s is set by its actions (its buttons), never "
                "written directly. Use the action that does it.",
                model=self._description,
                fields=format_list(
                    self.env, [self._fields[name].string for name in sorted(written)]
                ),
            )
            if written & set(getattr(self, "_correctable_fields", ())):
                message += " " + _(
                    "A service manager corrects a wrong date with Correct a Date, "
                    "giving the reason."
                )
            raise UserError(message)

    def ensure_one(self):
        if len(self) != 1:
            raise SingleRecordError(
                _(
                    "This works on one %(document)s at a time, and %(count)s were "
                    "given.",
                    document=self._description,
                    count=len(self),
                )
            )
        return self

    def _refuse_unlink(self, kept, advice):
        """Refuse to delete ``kept`` (some of these records), saying what to
        do instead."""
        if kept:
            raise UserError(
                _(
                    "%(document)s %(name)s is kept on file and can't be deleted: "
                    "%(advice)s",
                    document=self._description,
                    name=kept[0].display_name,
                    advice=advice,
                )
            )

    def _default_of(self, name):
        default = self._fields[name].default
        return default(self) if callable(default) else default

    def _validate_fields(self, field_names, excluded_names=()):
        # Before the model's constraints, which may compute other fields
        # from these values. (Odoo may pass a one-pass iterable.)
        field_names = list(field_names)
        self._check_numbers_and_dates(field_names)
        return super()._validate_fields(field_names, excluded_names)

    def _check_numbers_and_dates(self, field_names):
        for name in field_names:
            field = self._fields.get(name)
            # The add-on's own numbers and dates, as they are entered (those
            # computed from them follow); Odoo's are Odoo's to check.
            if (
                field is None
                or not field.store
                or field._module != "aftersales_service"
                or (field.compute and field.readonly)
            ):
                continue
            if field.type in ("float", "integer", "monetary"):
                # Finite already (``_check_finite``, as the values arrived).
                low, high = self._number_bounds.get(name, (None, None))
                if low is None and high is None:
                    continue
                for record in self:
                    value = record[name]
                    if (low is not None and value < low) or (
                        high is not None and value > high
                    ):
                        raise ValidationError(
                            record._number_bound_message(field, value, low, high)
                        )
            elif field.type in ("date", "datetime"):
                for record in self:
                    value = record[name]
                    day = value.date() if isinstance(value, datetime) else value
                    if day and not FIRST_DAY <= day <= LAST_DAY:
                        raise ValidationError(
                            _(
                                "%(field)s: %(value)s is not a plausible date; "
                                "enter a date between %(first)s and %(last)s.",
                                field=field.string,
                                value=str(value),
                                first=fields.Date.to_string(FIRST_DAY),
                                last=fields.Date.to_string(LAST_DAY),
                            )
                        )

    def _number_bound_message(self, field, value, low, high):
        if high is None:
            return _(
                "%(field)s: %(value)s is not a number; enter a number.",
                field=field.string,
                value=str(value),
            )
        if low is None:
            return _(
                "%(field)s: %(value)s is out of range; enter a number no greater "
                "than %(high)s.",
                field=field.string,
                value=str(value),
                high=high,
            )
        return _(
            "%(field)s: %(value)s is out of range; enter a number between "
            "%(low)s and %(high)s.",
            field=field.string,
            value=str(value),
            low=low,
            high=high,
        )
