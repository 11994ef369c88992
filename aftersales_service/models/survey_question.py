from odoo import fields, models

from .aftersales_satisfaction_survey import ASPECTS


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    aftersales_aspect = fields.Selection(
        ASPECTS,
        string="Satisfaction Aspect",
        help="What the answer measures in the after-sales satisfaction survey: "
        "a rating (1 to 5) of an aspect of the service, or the comments.",
    )
