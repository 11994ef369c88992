from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, format_datetime

from ..models.aftersales_integrity_mixin import workflow
from ..models.aftersales_roles import check_role


class AftersalesFactCorrection(models.TransientModel):
    """A service manager corrects a date that the workflow recorded (when a
    unit was delivered or accepted, when the engineer arrived...), saying
    why. The record's chatter keeps the old date, the new one and the
    reason; nobody else writes these dates."""

    _name = "aftersales.fact.correction"
    _description = "Correct a Recorded Date"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True
    )
    field_name = fields.Selection(
        selection="_selection_field_name", string="Date to Correct", required=True
    )
    current_value = fields.Char(string="Recorded", compute="_compute_current_value")
    field_type = fields.Char(string="Kind of Date", compute="_compute_current_value")
    new_date = fields.Date(string="Correct Date")
    new_datetime = fields.Datetime(string="Correct Date and Time")
    reason = fields.Text(required=True, help="Why the recorded date is wrong.")

    @api.model
    def _selection_field_name(self):
        model = self.env.context.get("default_res_model") or self.res_model
        if model not in self.env or not hasattr(self.env[model], "_correctable_fields"):
            return []
        Model = self.env[model]
        return [
            (name, Model._fields[name].string) for name in Model._correctable_fields
        ]

    def _record(self):
        self.ensure_one()
        if self.res_model not in self.env or not self.res_id:
            raise UserError(_("Open the correction from the record to correct."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(_("The record to correct no longer exists."))
        return record

    def _format(self, value):
        if not value:
            return _("(none)")
        if self.field_type == "datetime":
            return format_datetime(self.env, value, dt_format="short")
        return format_date(self.env, value)

    @api.depends("res_model", "res_id", "field_name")
    def _compute_current_value(self):
        for wizard in self:
            wizard.field_type = wizard.current_value = False
            if wizard.field_name and wizard.res_model in self.env and wizard.res_id:
                record = self.env[wizard.res_model].browse(wizard.res_id).exists()
                if record and wizard.field_name in record._fields:
                    wizard.field_type = record._fields[wizard.field_name].type
                    wizard.current_value = wizard._format(record[wizard.field_name])

    def action_correct(self):
        check_role(
            self.env,
            "aftersales_service.group_aftersales_manager",
            _("Only a service manager corrects a recorded date."),
        )
        record = self._record()
        if self.field_name not in getattr(record, "_correctable_fields", ()):
            raise UserError(_("This date is not one a manager corrects."))
        if not (self.reason or "").strip():
            raise UserError(_("Say why the recorded date is wrong."))
        new = self.new_datetime if self.field_type == "datetime" else self.new_date
        if not new:
            raise UserError(_("Enter the correct date."))
        old = record[self.field_name]
        if new == old:
            raise UserError(_("The correct date is the one already recorded."))
        with workflow(self.env):
            record.write({self.field_name: new})
        record.message_post(
            body=_(
                "%(field)s corrected from %(old)s to %(new)s by %(user)s. Reason: "
                "%(reason)s",
                field=record._fields[self.field_name].string,
                old=self._format(old),
                new=self._format(new),
                user=self.env.user.name,
                reason=self.reason.strip(),
            ),
        )
        return {"type": "ir.actions.act_window_close"}
