from odoo import fields, models


class AftersalesCommissioningItem(models.Model):
    """A test item of a product's commissioning checklist (调试项目). Each
    new commissioning record of a unit of the product copies the items."""

    _name = "aftersales.commissioning.item"
    _description = "Commissioning Checklist Item"
    _inherit = ["aftersales.commissioning.spec.mixin", "aftersales.integrity.mixin"]
    _order = "product_tmpl_id, sequence, id"
    _number_bounds = {"min_value": (-1e12, 1e12), "max_value": (-1e12, 1e12)}

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
    )
