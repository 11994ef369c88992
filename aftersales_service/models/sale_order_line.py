from dateutil.relativedelta import relativedelta

from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    aftersales_contract_id = fields.Many2one(
        "aftersales.contract",
        string="Service Contract",
        copy=False,
        index="btree_not_null",
        readonly=True,
    )

    def _prepare_aftersales_contract_vals(self):
        """Values of the contract that confirming this line creates."""
        self.ensure_one()
        order = self.order_id
        product = self.product_id
        start = (order.commitment_date or order.date_order).date()
        months = product.aftersales_contract_months or 12
        level = product.aftersales_service_level_id or self.env[
            "aftersales.service.level"
        ].search([("company_id", "in", [False, order.company_id.id])], limit=1)
        return {
            "partner_id": order.partner_id.commercial_partner_id.id,
            "company_id": order.company_id.id,
            "user_id": order.user_id.id,
            "service_level_id": level.id,
            "product_id": product.id,
            "date_start": start,
            "date_end": start + relativedelta(months=months, days=-1),
            "amount": self.price_subtotal,
            "sale_order_id": order.id,
        }

    def _confirm_aftersales_contracts(self):
        """Start the renewal contracts that these lines quote, and create the
        contracts that contract products sell (as drafts: the account manager
        checks the units and starts them). Contracts are the system's record
        of the sale, whoever confirms it."""
        Contract = self.env["aftersales.contract"].sudo()
        renewals = Contract.browse(self.aftersales_contract_id.ids).filtered(
            lambda contract: contract.state == "draft"
        )
        renewals.action_start()
        selling = self.filtered(
            lambda line: (
                not line.aftersales_contract_id and line.product_id.aftersales_contract
            )
        )
        contracts = Contract.create(
            [line._prepare_aftersales_contract_vals() for line in selling]
        )
        for line, contract in zip(selling, contracts, strict=True):
            line.aftersales_contract_id = contract
