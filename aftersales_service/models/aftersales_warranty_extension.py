from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import lock_rows
from .aftersales_roles import check_role


class AftersalesWarrantyExtension(models.Model):
    """Days added to a unit's warranty because an unresolvable fault stopped
    the customer's work (质保期相应延长60天). Every extension is a line with
    its reason and source; none is silent."""

    _name = "aftersales.warranty.extension"
    _description = "Warranty Extension"
    _inherit = "aftersales.integrity.mixin"
    _workflow_fields = ("state", "reversal_reason", "reversed_by_id", "reversed_on")
    # Ten years of extensions at most on one line.
    _number_bounds = {"days": (None, 3650)}
    _order = "create_date, id"

    warranty_id = fields.Many2one(
        "aftersales.warranty", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="warranty_id.company_id", store=True)
    lot_id = fields.Many2one(
        related="warranty_id.lot_id", string="Unit", store=True, index=True
    )
    days = fields.Integer(required=True)
    reason = fields.Char(required=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        required=True,
        index=True,
        ondelete="restrict",
        help="The incident that caused the extension.",
    )
    state = fields.Selection(
        [("active", "Active"), ("reversed", "Reversed")],
        default="active",
        required=True,
        copy=False,
    )
    reversal_reason = fields.Char(readonly=True, copy=False)
    reversed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    reversed_on = fields.Datetime(readonly=True, copy=False)

    @api.constrains("days")
    def _check_days(self):
        for extension in self:
            if extension.days <= 0:
                raise ValidationError(
                    _(
                        "A warranty extension adds a positive number of days "
                        "(for example 60), not %(days)s.",
                        days=extension.days,
                    )
                )

    @api.constrains("ticket_id", "warranty_id", "state")
    def _check_one_per_incident(self):
        for extension in self.filtered(lambda e: e.ticket_id and e.state == "active"):
            twins = self.search_count(
                [
                    ("warranty_id", "=", extension.warranty_id.id),
                    ("ticket_id", "=", extension.ticket_id.id),
                    ("state", "=", "active"),
                ]
            )
            if twins > 1:
                raise ValidationError(
                    _(
                        "Request %(ticket)s already extended the warranty of %(unit)s: "
                        "an incident extends a warranty once.",
                        ticket=extension.ticket_id.display_name,
                        unit=extension.warranty_id.lot_id.name,
                    )
                )

    def write(self, vals):
        # An extension is reversed with a reason, never edited in silence.
        if {"days", "warranty_id", "ticket_id", "reason"} & set(vals):
            raise UserError(
                _("A warranty extension can't be changed: reverse it and extend again.")
            )
        return super().write(vals)

    @api.depends("days", "ticket_id")
    def _compute_display_name(self):
        for extension in self:
            extension.display_name = _(
                "+%(days)s days (%(request)s)",
                days=extension.days,
                request=extension.ticket_id.sudo().name or "",
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("A warranty extension can't be deleted: reverse it, with a reason.")
        )

    @api.model
    def _extend_for_request(self, ticket):
        """Extend the warranty of the unit of ``ticket`` by the company's
        extension days (质保期相应延长60天): the incident stopped the
        customer's work and can't be resolved. Once per incident, on a
        running warranty that had not ended when the fault was reported."""
        if not ticket.lot_id:
            raise UserError(_("Set the unit of this request first."))
        warranty = ticket.lot_id.warranty_id
        # Two people marking the same incident at once extend it once.
        lock_rows(
            warranty,
            _(
                "Someone else is extending the warranty of %(unit)s right now. "
                "Reload the request and try again.",
                unit=ticket.lot_id.name,
            ),
        )
        if warranty.state != "accepted":
            raise UserError(
                _(
                    "Unit %(unit)s has no running warranty to extend: it has none, "
                    "or it still awaits acceptance.",
                    unit=ticket.lot_id.name,
                )
            )
        reported = fields.Date.context_today(ticket, ticket.reported_at)
        if warranty.end_date < reported:
            raise UserError(
                _(
                    "The warranty of %(unit)s ended on %(end)s, before this request: "
                    "there is nothing to extend.",
                    unit=ticket.lot_id.name,
                    end=format_date(self.env, warranty.end_date),
                )
            )
        if ticket.aftersales_extension_ids.filtered(lambda e: e.state == "active"):
            raise UserError(
                _(
                    "This request already extended the warranty of %(unit)s: an "
                    "incident extends a warranty once.",
                    unit=ticket.lot_id.name,
                )
            )
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office can extend a warranty."),
        )
        days = warranty.company_id.aftersales_extension_days
        # Extensions are made here only, with their reason and request.
        extension = self.sudo().create(
            {
                "warranty_id": warranty.id,
                "ticket_id": ticket.id,
                "days": days,
                "reason": _("Unresolvable fault stopped the customer's work"),
            }
        )
        message = _(
            "Warranty of %(unit)s extended by %(days)s days; it now ends on %(end)s.",
            unit=ticket.lot_id.name,
            days=days,
            end=format_date(self.env, warranty.end_date),
        )
        ticket.message_post(body=message)
        warranty.message_post(body=message)
        return extension.with_env(self.env)

    @workflow_step
    def action_reverse(self, reason):
        """Take the extension back (managers only), saying why."""
        check_role(
            self.env,
            "aftersales_service.group_aftersales_manager",
            _("Only a service manager can reverse a warranty extension."),
        )
        if not self:
            raise UserError(_("Select the extensions to reverse."))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(_("Say why the extension is reversed."))
        if self.filtered(lambda e: e.state != "active"):
            raise UserError(_("This extension is already reversed."))
        self.sudo().write(
            {
                "state": "reversed",
                "reversal_reason": reason.strip(),
                "reversed_by_id": self.env.uid,
                "reversed_on": fields.Datetime.now(),
            }
        )
        for extension in self:
            extension.warranty_id.message_post(
                body=_(
                    "Extension of %(days)s days reversed: %(reason)s",
                    days=extension.days,
                    reason=extension.reversal_reason,
                )
            )
        return True
