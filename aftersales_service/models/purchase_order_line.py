from odoo import fields, models


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    aftersales_requisition_line_id = fields.Many2one(
        "aftersales.spare.requisition.line",
        string="Spare Requisition Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
