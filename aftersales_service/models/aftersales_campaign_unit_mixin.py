from odoo import _, api, fields, models
from odoo.exceptions import UserError


class AftersalesCampaignUnitMixin(models.AbstractModel):
    """What a unit (``stock.lot``) knows of product change campaigns: the
    firmware or software version it runs, with its history, and the
    campaigns that concern it."""

    _name = "aftersales.campaign.unit.mixin"
    _description = "Unit Versions and Campaigns"

    aftersales_version_ids = fields.One2many(
        "aftersales.unit.version", "lot_id", string="Version History"
    )
    aftersales_version = fields.Char(
        string="Installed Version",
        compute="_compute_aftersales_version",
        store=True,
        index="btree_not_null",
        help="The firmware or software version the unit runs (固件/软件版本), "
        "from its latest recorded change.",
    )
    aftersales_campaign_line_ids = fields.One2many(
        "aftersales.campaign.line", "lot_id", string="Campaign Units"
    )
    aftersales_campaign_count = fields.Integer(
        string="Campaigns", compute="_compute_aftersales_campaign_count"
    )

    @api.depends("aftersales_version_ids.version", "aftersales_version_ids.changed_at")
    def _compute_aftersales_version(self):
        for lot in self:
            latest = lot.aftersales_version_ids.sorted(
                lambda change: (change.changed_at, change.id), reverse=True
            )[:1]
            lot.aftersales_version = latest.version

    def _compute_aftersales_campaign_count(self):
        counts = dict(
            self.env["aftersales.campaign.line"]._read_group(
                [("lot_id", "in", self.ids)], ["lot_id"], ["__count"]
            )
        )
        for lot in self:
            lot.aftersales_campaign_count = counts.get(lot, 0)

    def write(self, vals):
        if "aftersales_version" in vals and not self.env.su:
            raise UserError(
                _(
                    "A unit's installed version changes by recording a version "
                    "change (Versions button), or by the dispatch order that "
                    "updates it."
                )
            )
        return super().write(vals)

    def _aftersales_record_version(self, version, campaign=None, dispatch=None):
        """The unit now runs ``version``: a change in its history, unless it
        already runs it."""
        self.ensure_one()
        if version == self.aftersales_version:
            return self.env["aftersales.unit.version"]
        return (
            self.env["aftersales.unit.version"]
            .sudo()
            .create(
                {
                    "lot_id": self.id,
                    "version": version,
                    "campaign_id": campaign.id if campaign else False,
                    "dispatch_id": dispatch.id if dispatch else False,
                }
            )
        )

    def action_open_aftersales_versions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Versions of %(unit)s", unit=self.name),
            "res_model": "aftersales.unit.version",
            "view_mode": "list,form",
            "domain": [("lot_id", "=", self.id)],
            "context": {"default_lot_id": self.id},
        }

    def action_open_aftersales_campaigns(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Campaigns of %(unit)s", unit=self.name),
            "res_model": "aftersales.campaign.line",
            "view_mode": "list,form",
            "domain": [("lot_id", "=", self.id)],
        }
