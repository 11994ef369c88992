from odoo import api, fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "aftersales.archive.mixin"]

    aftersales_zone = fields.Selection(
        [("city", "City"), ("county", "County")],
        string="Service Zone",
        default="city",
        help="Where the customer is, for the on-site response target: in a city "
        "(市区) or a county (县区).",
    )
    # K1: the customer's service archive.
    aftersales_unit_count = fields.Integer(
        string="Units", compute="_compute_aftersales_archive_counts"
    )
    aftersales_contract_count = fields.Integer(
        string="Service Contracts", compute="_compute_aftersales_archive_counts"
    )
    aftersales_dispatch_count = fields.Integer(
        string="Dispatch Orders", compute="_compute_aftersales_archive_counts"
    )

    aftersales_loaner_count = fields.Integer(
        string="Loaners", compute="_compute_aftersales_archive_counts"
    )
    aftersales_inspection_count = fields.Integer(
        string="Inspections", compute="_compute_aftersales_archive_counts"
    )
    aftersales_training_count = fields.Integer(
        string="Trainings", compute="_compute_aftersales_archive_counts"
    )

    @api.model
    def _search_display_name(self, operator, value):
        """The back office finds the caller by the number they ring from."""
        domain = super()._search_display_name(operator, value)
        if value and operator in ("ilike", "=ilike") and domain is not NotImplemented:
            domain = Domain.OR([domain, [("phone", operator, value)]])
        return domain

    def _aftersales_archive(self):
        companies = self.commercial_partner_id.ids
        return {
            "aftersales_unit_count": (
                "aftersales.warranty",
                [("partner_id", "in", companies)],
            ),
            "aftersales_contract_count": (
                "aftersales.contract",
                [("partner_id", "in", companies)],
            ),
            "aftersales_dispatch_count": (
                "aftersales.dispatch",
                [("partner_id", "in", companies)],
            ),
            "aftersales_loaner_count": (
                "aftersales.loaner",
                [("partner_id", "in", companies)],
            ),
            "aftersales_inspection_count": (
                "aftersales.inspection",
                [("partner_id", "in", companies)],
            ),
            "aftersales_training_count": (
                "aftersales.training.session",
                [("partner_id", "in", companies)],
            ),
        }

    def _aftersales_archive_key(self, field):
        return self.commercial_partner_id
