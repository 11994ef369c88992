from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    aftersales_warranty_duration = fields.Integer(
        related="company_id.aftersales_warranty_duration", readonly=False
    )
    aftersales_warranty_period = fields.Selection(
        related="company_id.aftersales_warranty_period", readonly=False
    )
    aftersales_renewal_notice_days = fields.Integer(
        related="company_id.aftersales_renewal_notice_days", readonly=False
    )
    aftersales_unit_notice_days = fields.Integer(
        related="company_id.aftersales_unit_notice_days", readonly=False
    )
    aftersales_extension_product_id = fields.Many2one(
        related="company_id.aftersales_extension_product_id", readonly=False
    )
    aftersales_part_warranty_months = fields.Integer(
        related="company_id.aftersales_part_warranty_months", readonly=False
    )
    aftersales_extension_days = fields.Integer(
        related="company_id.aftersales_extension_days", readonly=False
    )
    aftersales_post_warranty_policy = fields.Selection(
        related="company_id.aftersales_post_warranty_policy", readonly=False
    )
    aftersales_service_level_id = fields.Many2one(
        related="company_id.aftersales_service_level_id", readonly=False
    )
    aftersales_survey_frequency = fields.Selection(
        related="company_id.aftersales_survey_frequency", readonly=False
    )
    aftersales_survey_id = fields.Many2one(
        related="company_id.aftersales_survey_id", readonly=False
    )
    aftersales_supervisor_id = fields.Many2one(
        related="company_id.aftersales_supervisor_id", readonly=False
    )
    aftersales_complaint_answer_hours = fields.Float(
        related="company_id.aftersales_complaint_answer_hours", readonly=False
    )
    aftersales_complaint_resolve_days = fields.Integer(
        related="company_id.aftersales_complaint_resolve_days", readonly=False
    )
    aftersales_repeat_fault_days = fields.Integer(
        related="company_id.aftersales_repeat_fault_days", readonly=False
    )
    aftersales_visit_lead_days = fields.Integer(
        related="company_id.aftersales_visit_lead_days", readonly=False
    )
    aftersales_maintenance_reminder_days = fields.Integer(
        related="company_id.aftersales_maintenance_reminder_days", readonly=False
    )
    aftersales_loaner_hours = fields.Integer(
        related="company_id.aftersales_loaner_hours", readonly=False
    )
    aftersales_handover_required = fields.Boolean(
        related="company_id.aftersales_handover_required", readonly=False
    )
    aftersales_spare_floor_percent = fields.Float(
        related="company_id.aftersales_spare_floor_percent", readonly=False
    )
    aftersales_replacement_warranty = fields.Selection(
        related="company_id.aftersales_replacement_warranty", readonly=False
    )
    aftersales_preshipment_check = fields.Boolean(
        related="company_id.aftersales_preshipment_check", readonly=False
    )
    aftersales_qualification_months = fields.Integer(
        related="company_id.aftersales_qualification_months", readonly=False
    )
    aftersales_qualification_policy = fields.Selection(
        related="company_id.aftersales_qualification_policy", readonly=False
    )

    def action_aftersales_update_spare_floors(self):
        self.execute()
        return self.env[
            "stock.warehouse.orderpoint"
        ].action_aftersales_update_spare_floors()
