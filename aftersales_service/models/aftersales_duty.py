from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AftersalesDuty(models.Model):
    """A shift of the 7×24 duty roster (7*24 小时值班制度): who is on call,
    from when to when. Requests reported outside business hours go to them."""

    _name = "aftersales.duty"
    _inherit = "aftersales.integrity.mixin"
    _description = "On-Call Duty"
    _order = "date_start desc"
    _check_company_auto = True
    # A standby duty belongs to its approved special service period.
    _workflow_fields = ("service_period_id",)

    user_id = fields.Many2one(
        "res.users",
        string="On Call",
        required=True,
        domain="[('share', '=', False)]",
        index=True,
    )
    date_start = fields.Datetime(string="From", required=True, index=True)
    date_end = fields.Datetime(string="To", required=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    phone = fields.Char(related="user_id.partner_id.phone", string="Phone")
    note = fields.Char()
    service_period_id = fields.Many2one(
        "aftersales.service.period",
        string="Special Service Period",
        index="btree_not_null",
        ondelete="cascade",
        readonly=True,
        help="The standby duty of an approved special service period.",
    )

    @api.constrains("user_id")
    def _check_user_is_staff(self):
        for duty in self.filtered(lambda d: d.user_id.share):
            raise ValidationError(
                _(
                    "%(user)s is a portal user: only the service staff is on the "
                    "duty roster.",
                    user=duty.user_id.name,
                )
            )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for duty in self:
            if duty.date_end <= duty.date_start:
                raise ValidationError(
                    _("A duty shift ends after it starts: correct the To date.")
                )

    @api.model
    def _assign_on_call(self, vals_list):
        """Give each new request reported without an owner to the engineer
        on call then, if any: one look-up per company and moment of
        reporting, not per request."""
        on_call = {}
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("user_id"):
                continue
            key = (
                vals.get("company_id") or self.env.company.id,
                fields.Datetime.to_datetime(vals.get("reported_at")) or now,
            )
            if key not in on_call:
                company, reported = key
                on_call[key] = self._on_call(
                    reported, self.env["res.company"].browse(company)
                )
            if on_call[key]:
                vals["user_id"] = on_call[key].id

    @api.model
    def _on_call(self, moment, company):
        """The engineer on call for a request of ``company`` reported at
        ``moment`` (naive UTC) outside the company's business hours (7*24
        小时值班制度); nobody during business hours."""
        # Whoever reports the request needn't read the roster. Nobody on it
        # then: the business hours needn't be looked up.
        engineer = self._on_roster(moment, company)
        calendar = engineer and company.resource_calendar_id
        if calendar:
            start = pytz.utc.localize(moment)
            end = start + timedelta(minutes=1)
            if any(
                begin < end and start < stop
                for begin, stop in calendar._aftersales_work_intervals(
                    company, start, end
                )
            ):
                return self.env["res.users"]
        return engineer

    @api.model
    def _on_roster(self, moment, company):
        """Who the roster has on duty at ``moment`` (naive UTC) for
        ``company``, business hours or not."""
        return (
            self.sudo()
            .search_fetch(
                [
                    ("company_id", "=", company.id),
                    ("date_start", "<=", moment),
                    ("date_end", ">", moment),
                ],
                ["user_id"],
                order="date_start desc",
                limit=1,
            )
            .user_id.with_env(self.env)
        )

    def _compute_display_name(self):
        for duty in self:
            duty.display_name = (
                f"{duty.user_id.name}: {duty.date_start} - {duty.date_end}"
            )
