from odoo import _, fields, models
from odoo.exceptions import UserError

from .aftersales_campaign import VERSION_KINDS


class AftersalesCampaignDispatchMixin(models.AbstractModel):
    """What a dispatch order (``aftersales.dispatch``) does for a product
    change campaign: the engineer enters the version the unit now runs, and
    finishing the order records it in the unit's history and marks the
    campaign's unit done."""

    _name = "aftersales.campaign.dispatch.mixin"
    _description = "Dispatch Order Version Update"

    campaign_line_id = fields.Many2one(
        "aftersales.campaign.line",
        string="Campaign Unit",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
    campaign_id = fields.Many2one(
        related="campaign_line_id.campaign_id", string="Campaign"
    )
    installed_version = fields.Char(
        string="Version Now Installed",
        copy=False,
        help="The firmware or software version the unit runs after this visit. "
        "Finishing the order records it in the unit's version history.",
    )

    def write(self, vals):
        finished = self.filtered(lambda d: d.state in ("done", "signed", "cancelled"))
        if finished and "installed_version" in vals:
            raise UserError(
                _(
                    "Dispatch order %(name)s is finished: the version it installed "
                    "is in the unit's history. Record a new version on the unit "
                    "instead.",
                    name=finished[0].name,
                )
            )
        return super().write(vals)

    def _check_campaign_version(self):
        missing = self.filtered(
            lambda d: (
                d.campaign_line_id.kind in VERSION_KINDS
                and not (d.installed_version or "").strip()
            )
        )
        if missing:
            raise UserError(
                _(
                    "Dispatch order %(name)s updates unit %(unit)s for campaign "
                    "%(campaign)s: enter the Version Now Installed before finishing.",
                    name=missing[0].name,
                    unit=missing[0].lot_id.name,
                    campaign=missing[0].campaign_id.name,
                )
            )

    def _record_campaign_versions(self):
        """Finishing: the unit's new version goes in its history and the
        campaign's unit is done."""
        for dispatch in self.filtered(lambda d: (d.installed_version or "").strip()):
            dispatch.lot_id.sudo()._aftersales_record_version(
                dispatch.installed_version.strip(),
                campaign=dispatch.campaign_id,
                dispatch=dispatch,
            )
        for dispatch in self.filtered("campaign_line_id"):
            dispatch.campaign_line_id.sudo()._done_by_dispatch(dispatch)
