from dateutil.relativedelta import relativedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow_step


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
        start = fields.Date.context_today(
            self, order.commitment_date or order.date_order
        )
        months = product.aftersales_contract_months or 12
        level = product.aftersales_service_level_id or self.env[
            "aftersales.service.level"
        ].search([("company_id", "in", [False, order.company_id.id])], limit=1)
        if not level:
            raise UserError(
                _(
                    "Product %(product)s sells service contracts: give it a "
                    "Contract Service Level.",
                    product=product.display_name,
                )
            )
        amount = order.currency_id._convert(
            self.price_subtotal,
            order.company_id.currency_id,
            order.company_id,
            start,
        )
        return {
            "partner_id": order.partner_id.commercial_partner_id.id,
            "company_id": order.company_id.id,
            "user_id": order.user_id.id,
            "service_level_id": level.id,
            "product_id": product.id,
            "date_start": start,
            "date_end": start + relativedelta(months=months, days=-1),
            "amount": amount,
            "sale_order_id": order.id,
        }

    @workflow_step
    def _confirm_aftersales_contracts(self):
        """Start the renewals and extended warranties that these lines quote,
        and create the contracts that contract products sell (as drafts: the
        account manager checks the units and starts them). Contracts are the
        system's record of the sale, whoever confirms it."""
        Contract = self.env["aftersales.contract"].sudo()
        quoted = Contract.browse(self.aftersales_contract_id.ids).filtered(
            lambda contract: (
                contract.state == "draft"
                and (contract.previous_contract_id or contract.kind == "extended")
            )
        )
        quoted.action_start()
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

    @workflow_step
    def _cancel_aftersales_contracts(self):
        """The order is cancelled: the contracts it sold or renewed that have
        not run out are cancelled, and a cancelled renewal frees its
        predecessor to be renewed again."""
        contracts = self.aftersales_contract_id.sudo().filtered(
            lambda contract: contract.state in ("draft", "running", "to_renew")
        )
        contracts.write({"state": "cancelled"})
