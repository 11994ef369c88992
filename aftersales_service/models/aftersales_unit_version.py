from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow


class AftersalesUnitVersion(models.Model):
    """One change of the firmware or software a unit runs (固件/软件版本): the
    unit's version history. Kept on file as it happened: never edited nor
    deleted. The dispatch order that performs an update records it; the back
    office records what a unit ran when delivered."""

    _name = "aftersales.unit.version"
    _description = "Unit Version Change"
    _inherit = ["aftersales.integrity.mixin"]
    _order = "lot_id, changed_at desc, id desc"
    _workflow_fields = ("previous_version", "changed_at", "user_id", "dispatch_id")

    lot_id = fields.Many2one(
        "stock.lot", string="Unit", required=True, index=True, ondelete="cascade"
    )
    version = fields.Char(required=True)
    previous_version = fields.Char(readonly=True)
    changed_at = fields.Datetime(
        string="Changed On", required=True, readonly=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    dispatch_id = fields.Many2one(
        "aftersales.dispatch",
        string="Dispatch Order",
        readonly=True,
        index="btree_not_null",
    )
    campaign_id = fields.Many2one("aftersales.campaign", index="btree_not_null")
    note = fields.Char()

    @api.model_create_multi
    def create(self, vals_list):
        lots = self.env["stock.lot"].browse([vals.get("lot_id") for vals in vals_list])
        for vals, lot in zip(vals_list, lots, strict=True):
            version = (vals.get("version") or "").strip()
            if not version:
                raise UserError(
                    _(
                        "Unit %(unit)s: enter the version it now runs.",
                        unit=lot.name,
                    )
                )
            vals["version"] = version
        self._check_workflow_fields(vals_list, creating=True)
        for vals, lot in zip(vals_list, lots, strict=True):
            # What the unit ran before, as it was when the change was made.
            vals["previous_version"] = lot.aftersales_version
        with workflow(self.env):
            return super().create(vals_list)

    def write(self, vals):
        self._check_workflow_fields([vals])
        if set(vals) - {"note"}:
            raise UserError(
                _(
                    "A unit's version history is kept as it happened: record a new "
                    "version instead of changing one."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_unlink(self, _("it is the unit's version history."))
