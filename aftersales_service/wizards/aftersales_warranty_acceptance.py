from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class AftersalesWarrantyAcceptance(models.TransientModel):
    """Record the customer's acceptance for one unit or many at once."""

    _name = "aftersales.warranty.acceptance"
    _description = "Record Unit Acceptance"

    warranty_ids = fields.Many2many(
        "aftersales.warranty",
        string="Units",
        required=True,
        domain=[("state", "=", "awaiting")],
    )
    acceptance_date = fields.Date(required=True, default=fields.Date.context_today)
    accepted_by = fields.Char(
        required=True, help="Who signed the acceptance for the customer."
    )
    reference = fields.Char(
        string="Acceptance Reference",
        help="The acceptance certificate or report number.",
    )
    go_live_date = fields.Date(
        string="Go-Live Date",
        help="The day the units went into service (设备投运日): their warranty "
        "starts on it.",
    )
    needs_go_live = fields.Boolean(compute="_compute_needs_go_live")

    @api.depends("warranty_ids")
    def _compute_needs_go_live(self):
        for wizard in self:
            wizard.needs_go_live = "go_live" in wizard.warranty_ids.mapped(
                "start_basis"
            )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        active_ids = context.get("active_ids")
        if "warranty_ids" not in fields_list or not active_ids:
            return values
        model = context.get("active_model")
        if model == "aftersales.warranty":
            warranties = self.env[model].browse(active_ids)
        elif model == "stock.lot":
            warranties = self.env[model].browse(active_ids).warranty_ids
        else:
            return values
        warranties = warranties.filtered(lambda w: w.state == "awaiting")
        if not warranties:
            raise UserError(_("None of the selected units is awaiting acceptance."))
        values["warranty_ids"] = [Command.set(warranties.ids)]
        return values

    def action_accept(self):
        self.ensure_one()
        self.warranty_ids.record_acceptance(
            self.acceptance_date, self.accepted_by, self.reference, self.go_live_date
        )
        return {"type": "ir.actions.act_window_close"}
