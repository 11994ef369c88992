from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    aftersales_contract_count = fields.Integer(
        string="Service Contracts", compute="_compute_aftersales_contract_count"
    )

    @api.depends("order_line.aftersales_contract_id")
    def _compute_aftersales_contract_count(self):
        for order in self:
            order.aftersales_contract_count = len(
                order.order_line.aftersales_contract_id
            )

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._confirm_aftersales_contracts()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self.order_line._cancel_aftersales_contracts()
        return result

    def action_view_aftersales_contracts(self):
        self.ensure_one()
        contracts = self.order_line.aftersales_contract_id
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.contract",
            "domain": [("id", "in", contracts.ids)],
            "name": _("Service Contracts"),
            "view_mode": "list,form",
        }
