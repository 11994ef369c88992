from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .aftersales_coverage import POST_WARRANTY_POLICIES
from .aftersales_satisfaction_survey import SURVEY_FREQUENCIES
from .aftersales_warranty import REPLACEMENT_WARRANTIES, WARRANTY_PERIODS


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "aftersales.integrity.mixin"]
    # Terms of up to 100 years, notices and leads of up to a year, windows of
    # up to ten years, a loaner within a year of hours.
    _number_bounds = {
        "aftersales_warranty_duration": (None, 1200),
        "aftersales_renewal_notice_days": (None, 366),
        "aftersales_unit_notice_days": (None, 366),
        "aftersales_part_warranty_months": (None, 1200),
        "aftersales_extension_days": (None, 3650),
        "aftersales_loaner_hours": (None, 8760),
        "aftersales_visit_lead_days": (None, 366),
        "aftersales_maintenance_reminder_days": (None, 366),
        "aftersales_repeat_fault_days": (None, 3650),
        "aftersales_qualification_months": (None, 120),
        "aftersales_complaint_answer_hours": (None, 720),
        "aftersales_complaint_resolve_days": (None, 366),
    }

    aftersales_warranty_duration = fields.Integer(
        string="Default Warranty Duration",
        default=1,
        help="Warranty duration proposed for a product when its unit warranty "
        "is switched on.",
    )
    aftersales_warranty_period = fields.Selection(
        WARRANTY_PERIODS,
        string="Default Warranty Period",
        default="year",
        required=True,
    )
    aftersales_renewal_notice_days = fields.Integer(
        string="Renewal Notice Days",
        default=10,
        help="Days before a contract ends that the customer gets the written "
        "renewal notice and the account manager a renewal activity.",
    )
    aftersales_unit_notice_days = fields.Integer(
        string="Unit Warranty Notice Days",
        help="Days before a unit's own warranty ends that the customer gets the "
        "written renewal notice with the extended-warranty offer, when no running "
        "contract continues its cover. 0: the contracts' renewal notice days.",
    )
    aftersales_extension_product_id = fields.Many2one(
        "product.product",
        string="Extended Warranty Product",
        domain="[('aftersales_contract', '=', True)]",
        help="The contract product quoted for an extended warranty (续保合同) "
        "when a unit's warranty is about to end: one per unit, at its price. "
        "Without it, the account manager quotes by hand.",
    )

    aftersales_survey_frequency = fields.Selection(
        SURVEY_FREQUENCIES,
        string="Satisfaction Survey",
        default="quarter",
        required=True,
        help="How often each customer with a running contract gets the "
        "satisfaction survey (定期调查): once a quarter or once a year.",
    )
    aftersales_survey_id = fields.Many2one(
        "survey.survey",
        string="Satisfaction Survey Form",
        help="The survey sent. Empty: the add-on's satisfaction survey.",
    )

    aftersales_service_level_id = fields.Many2one(
        "aftersales.service.level",
        string="Default Service Level",
        help="Service level of requests about units with no running contract.",
    )
    aftersales_supervisor_id = fields.Many2one(
        "res.users",
        string="Escalation Supervisor",
        help="Gets the activity when a request misses a response time and its "
        "team has no leader.",
    )
    aftersales_part_warranty_months = fields.Integer(
        string="Part Warranty (Months)",
        default=12,
        help="Warranty of a part fitted under warranty, from the day it is fitted.",
    )
    aftersales_post_warranty_policy = fields.Selection(
        POST_WARRANTY_POLICIES,
        string="After the Warranty",
        default="list",
        required=True,
        help="What a unit with neither warranty nor contract pays for a repair, "
        "unless its product says otherwise. It ends with the product's "
        "guaranteed service life.",
    )
    aftersales_extension_days = fields.Integer(
        string="Warranty Extension (Days)",
        default=60,
        help="Days a unit's warranty is extended each time an unresolvable fault "
        "stops the customer's work.",
    )
    aftersales_handover_required = fields.Boolean(
        string="Acceptance Waits for the Handover",
        help="A unit of an equipment project is accepted only once every "
        "document of the project's handover checklist (竣工交接) is handed over.",
    )

    aftersales_loaner_hours = fields.Integer(
        string="Loaner Within (Hours)",
        default=48,
        help="Hours within which a loaner reaches the customer once it is due "
        "(在48小时内无偿提供…备用设备).",
    )
    aftersales_visit_lead_days = fields.Integer(
        string="Visits Scheduled (Days Ahead)",
        default=7,
        help="Days ahead that a follow-up plan's visits and calls are created for "
        "the engineer.",
    )
    aftersales_maintenance_reminder_days = fields.Integer(
        string="Maintenance Reminder (Days Before)",
        default=14,
        help="Days before a unit's maintenance falls due that its customer is "
        "reminded (提醒客户进行定期保养).",
    )
    aftersales_repeat_fault_days = fields.Integer(
        string="Repeat Fault Window (Days)",
        default=90,
        help="A request is a repeat fault in the KPIs when its unit had a request "
        "of the same fault category within these days before.",
    )
    aftersales_complaint_answer_hours = fields.Float(
        string="Complaint Answer (Hours)",
        default=4.0,
        help="Hours of the complaint's service level clock within which its "
        "owner answers the customer (4小时之内做出答复).",
    )
    aftersales_complaint_resolve_days = fields.Integer(
        string="Complaint Resolution (Days)",
        default=7,
        help="Days (working days on a working-hours level) within which a "
        "complaint is resolved.",
    )
    aftersales_spare_floor_percent = fields.Float(
        string="Spare Stock Floor (%)",
        default=3.0,
        help="Share of the units in service that the spares location keeps in "
        "stock, per spare (本地库存不少于服务总量3%的备品备件).",
    )
    aftersales_replacement_warranty = fields.Selection(
        REPLACEMENT_WARRANTIES,
        string="Replacement Unit's Warranty",
        default="new_term",
        required=True,
        help="The warranty of a unit delivered free in place of one that can't "
        "be repaired or failed again after two repairs. A new term (the "
        "default): it starts afresh when the customer accepts the new unit, as "
        "the three-guarantee rules (三包) restart the term on an exchange. The "
        "rest of the old term: it starts on delivery, already accepted, and "
        "ends when the old unit's warranty would have ended. Either way the "
        "old unit's warranty closes on the delivery.",
    )
    # B5: 发送货物前…确认设备无任何故障.
    aftersales_preshipment_check = fields.Boolean(
        string="Pre-Shipment Check",
        help="A delivery of units with a unit warranty is validated only once "
        "a technician recorded a passed pre-shipment check on it.",
    )

    aftersales_qualification_months = fields.Integer(
        string="Qualification Validity (Months)",
        default=24,
        help="How long a qualification granted by an internal training session "
        "stays valid, unless the session's topic says otherwise.",
    )
    aftersales_qualification_policy = fields.Selection(
        [("warn", "Warn"), ("refuse", "Refuse")],
        string="Unqualified Engineers",
        default="warn",
        required=True,
        help="When an engineer assigned to a dispatch order holds no valid "
        "qualification for the unit's product family: the order warns, or the "
        "engineer can't be assigned or dispatched.",
    )

    @api.constrains(
        "aftersales_qualification_months",
        "aftersales_loaner_hours",
        "aftersales_visit_lead_days",
        "aftersales_maintenance_reminder_days",
        "aftersales_repeat_fault_days",
        "aftersales_spare_floor_percent",
        "aftersales_renewal_notice_days",
        "aftersales_unit_notice_days",
        "aftersales_part_warranty_months",
        "aftersales_extension_days",
        "aftersales_complaint_answer_hours",
        "aftersales_complaint_resolve_days",
    )
    def _check_aftersales_settings(self):
        for company in self:
            if company.aftersales_renewal_notice_days < 0:
                raise ValidationError(
                    _("The renewal notice days cannot be negative (for example 10).")
                )
            if company.aftersales_unit_notice_days < 0:
                raise ValidationError(
                    _(
                        "The unit warranty notice days cannot be negative (0 for "
                        "the contracts' notice days)."
                    )
                )
            if company.aftersales_part_warranty_months <= 0:
                raise ValidationError(
                    _(
                        "The part warranty must be a positive number of months "
                        "(for example 12)."
                    )
                )
            if company.aftersales_repeat_fault_days <= 0:
                raise ValidationError(
                    _(
                        "The repeat fault window is a positive number of days "
                        "(for example 90)."
                    )
                )
            if company.aftersales_visit_lead_days < 0:
                raise ValidationError(
                    _("Visits are scheduled zero or more days ahead (for example 7).")
                )
            if company.aftersales_maintenance_reminder_days < 0:
                raise ValidationError(
                    _(
                        "Customers are reminded of maintenance zero or more days "
                        "before it falls due (for example 14)."
                    )
                )
            if company.aftersales_loaner_hours <= 0:
                raise ValidationError(
                    _(
                        "The loaner delay must be a positive number of hours "
                        "(for example 48)."
                    )
                )
            if not 0 <= company.aftersales_spare_floor_percent <= 100:
                raise ValidationError(
                    _(
                        "The spare stock floor is a share between 0 and 100 % "
                        "(for example 3)."
                    )
                )
            if company.aftersales_qualification_months <= 0:
                raise ValidationError(
                    _(
                        "A qualification stays valid a positive number of months "
                        "(for example 24)."
                    )
                )
            if company.aftersales_extension_days <= 0:
                raise ValidationError(
                    _(
                        "The warranty extension must be a positive number of days "
                        "(for example 60)."
                    )
                )
            if company.aftersales_complaint_answer_hours <= 0:
                raise ValidationError(
                    _(
                        "A complaint is answered within a positive number of hours "
                        "(for example 4)."
                    )
                )
            if company.aftersales_complaint_resolve_days <= 0:
                raise ValidationError(
                    _(
                        "A complaint is resolved within a positive number of days "
                        "(for example 7)."
                    )
                )

    def _aftersales_satisfaction_survey(self):
        """The survey the company's customers get: its own choice, else the
        add-on's."""
        self.ensure_one()
        return self.sudo().aftersales_survey_id or self.env.ref(
            "aftersales_service.survey_satisfaction", raise_if_not_found=False
        )

    def _aftersales_unit_notice_days(self):
        """Days before a unit's warranty ends that its renewal notice goes."""
        self.ensure_one()
        return self.aftersales_unit_notice_days or self.aftersales_renewal_notice_days
