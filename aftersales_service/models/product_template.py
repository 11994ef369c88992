from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .aftersales_coverage import POST_WARRANTY_POLICIES
from .aftersales_warranty import WARRANTY_PERIODS
from .aftersales_warranty_start_mixin import START_BASES


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "aftersales.integrity.mixin"]
    # Terms of up to 100 years; grades on a scale of up to 100.
    _number_bounds = {
        "warranty_duration": (None, 1200),
        "manufacturer_warranty_duration": (None, 1200),
        "aftersales_contract_months": (None, 1200),
        "aftersales_spec_grade": (None, 100),
    }

    warranty_tracked = fields.Boolean(
        string="Unit Warranty",
        help="Each delivered serial number of this product gets a warranty "
        "that starts on the customer's acceptance date.",
    )
    warranty_duration = fields.Integer(
        default=lambda self: self.env.company.aftersales_warranty_duration,
    )
    warranty_period = fields.Selection(
        WARRANTY_PERIODS,
        default=lambda self: self.env.company.aftersales_warranty_period,
    )
    manufacturer_warranty_duration = fields.Integer(
        string="Manufacturer's Warranty",
        help="The manufacturer's own warranty, counted from acceptance. When it "
        "ends later than ours, the unit's warranty runs until the manufacturer's "
        "end. Leave 0 when the manufacturer gives none.",
    )
    manufacturer_warranty_period = fields.Selection(
        WARRANTY_PERIODS, string="Manufacturer's Warranty Period", default="year"
    )

    # B4: the day the unit's warranty is counted from.
    aftersales_warranty_start = fields.Selection(
        START_BASES,
        string="Warranty Starts From",
        default="acceptance",
        help="The date a delivered unit's warranty is counted from: the "
        "delivery (ex-factory), the customer's acceptance, the day its "
        "commissioning passed, or its go-live. Units already delivered keep "
        "the start they were delivered with.",
    )
    # B2: installation and commissioning (指导安装 / 测试和调试记录).
    aftersales_commissioning_required = fields.Boolean(
        string="Requires Commissioning",
        help="A unit is accepted only once its commissioning record passed.",
    )
    aftersales_commissioning_item_ids = fields.One2many(
        "aftersales.commissioning.item",
        "product_tmpl_id",
        string="Commissioning Checklist",
        help="The test items (调试项目) each unit's commissioning record lists.",
    )

    aftersales_contract = fields.Boolean(
        string="Service Contract",
        help="Selling this product creates a service contract for the customer "
        "when the order is confirmed.",
    )
    aftersales_service_level_id = fields.Many2one(
        "aftersales.service.level",
        string="Contract Service Level",
        help="Service level of the contracts this product sells.",
    )
    aftersales_contract_months = fields.Integer(
        string="Contract Term (Months)",
        default=12,
        help="Length of the contracts this product sells.",
    )
    aftersales_maintenance_step_ids = fields.One2many(
        "aftersales.maintenance.step",
        "product_tmpl_id",
        string="Maintenance Programme",
        help="The maintenance steps of the product's units (保养周期): each falls "
        "due after its months or its meter interval.",
    )
    aftersales_spec_grade = fields.Integer(
        string="Specification Grade",
        help="The model's specification class (规格型号档次): a loaner for a faulty "
        "unit has the same or a higher grade.",
    )
    aftersales_spare_ids = fields.Many2many(
        "product.product",
        "aftersales_product_spare_rel",
        "template_id",
        "spare_id",
        string="Spare Parts",
        help="The spare parts this equipment uses. The stock floor of each spare "
        "follows the number of units in service that list it.",
    )
    # E5: 主要设备能在正常使用情况下保证使用四年.
    aftersales_service_life_years = fields.Integer(
        string="Guaranteed Service Life (Years)",
        help="Years from the unit's acceptance that it is guaranteed to serve in "
        "normal use. A unit failing within them is flagged on its request and "
        "counted in the quarterly analysis. 0: no guarantee.",
    )
    aftersales_post_warranty_policy = fields.Selection(
        POST_WARRANTY_POLICIES,
        string="After the Warranty",
        help="What a unit with neither warranty nor contract pays for a repair. "
        "Empty: the company's setting.",
    )
    aftersales_discontinued = fields.Boolean(
        string="Discontinued",
        help="No longer made or sold. Customers whose service ends are told the "
        "substitutes (替代备品) of discontinued products.",
    )
    aftersales_substitute_ids = fields.Many2many(
        "product.product",
        "aftersales_product_substitute_rel",
        "template_id",
        "substitute_id",
        string="Substitutes",
        help="Products or spare parts that replace this one.",
    )

    aftersales_discontinuation_id = fields.Many2one(
        "aftersales.campaign",
        string="Discontinuation Notice",
        compute="_compute_aftersales_discontinuation_id",
        help="The campaign that told the customers this product is discontinued "
        "(升级换代及淘汰); the expiry notices refer to it.",
    )

    def _compute_aftersales_discontinuation_id(self):
        campaigns = self.env["aftersales.campaign"]._discontinuation_notices(
            self.product_variant_ids
        )
        for template in self:
            template.aftersales_discontinuation_id = campaigns.filtered(
                lambda c, t=template: c.product_id.product_tmpl_id == t
            )[:1]

    @api.onchange("warranty_tracked")
    def _onchange_warranty_tracked(self):
        if self.warranty_tracked and self.is_storable:
            self.tracking = "serial"

    @api.constrains("aftersales_service_life_years")
    def _check_service_life(self):
        for template in self:
            if not 0 <= template.aftersales_service_life_years <= 50:
                raise ValidationError(
                    _(
                        "Product %(product)s: the guaranteed service life is a number "
                        "of years from 0 (none) to 50, not %(years)s.",
                        product=template.display_name,
                        years=template.aftersales_service_life_years,
                    )
                )

    @api.constrains(
        "aftersales_commissioning_required",
        "aftersales_commissioning_item_ids",
        "aftersales_warranty_start",
    )
    def _check_commissioning_checklist(self):
        for template in self:
            needs = (
                template.aftersales_commissioning_required
                or template.aftersales_warranty_start == "commissioning"
            )
            if needs and not template.aftersales_commissioning_item_ids:
                raise ValidationError(
                    _(
                        "Product %(product)s requires commissioning (or its "
                        "warranty starts from it): list its commissioning "
                        "checklist, the test items, first.",
                        product=template.display_name,
                    )
                )

    @api.constrains("aftersales_contract", "aftersales_contract_months")
    def _check_contract_terms(self):
        for template in self.filtered("aftersales_contract"):
            if template.aftersales_contract_months <= 0:
                raise ValidationError(
                    _(
                        "Product %(product)s: the contract term must be a positive "
                        "number of months.",
                        product=template.display_name,
                    )
                )

    @api.constrains(
        "warranty_tracked",
        "warranty_duration",
        "warranty_period",
        "manufacturer_warranty_duration",
        "tracking",
    )
    def _check_warranty_terms(self):
        for template in self:
            if template.manufacturer_warranty_duration < 0:
                raise ValidationError(
                    _(
                        "Product %(product)s: the manufacturer warranty cannot be "
                        "negative. Enter 0 when the manufacturer gives none.",
                        product=template.display_name,
                    )
                )
            if not template.warranty_tracked:
                continue
            if template.warranty_duration <= 0 or not template.warranty_period:
                raise ValidationError(
                    _(
                        "Product %(product)s: the warranty duration must be a "
                        "positive number of months or years (for example 1 year).",
                        product=template.display_name,
                    )
                )
            if template.tracking != "serial":
                raise ValidationError(
                    _(
                        "Product %(product)s: a unit warranty follows each serial "
                        "number, so set Tracking to 'By Unique Serial Number' first.",
                        product=template.display_name,
                    )
                )
