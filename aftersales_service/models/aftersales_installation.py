from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, format_list

from .aftersales_integrity_mixin import workflow_step


class AftersalesInstallation(models.Model):
    """An installation job (指导安装) for delivered units: the installation
    proposal (安装建议和安装方案) attached, the engineers who go on site,
    the customer told when they come, the guidance given, and a
    commissioning record per unit whose product has a checklist."""

    _name = "aftersales.installation"
    _description = "Installation Job"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.installation"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state",)

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id)]",
    )
    project_id = fields.Many2one(
        "aftersales.project",
        string="Equipment Project",
        compute="_compute_project_id",
        help="The equipment project of the sales order.",
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        index="btree_not_null",
        check_company=True,
        domain="[('picking_type_code', '=', 'outgoing'), "
        "('partner_id', 'child_of', partner_id)]",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Units",
        check_company=True,
        domain="[('warranty_ids.partner_id', '=', partner_id)]",
        help="The delivered units installed and commissioned.",
    )
    engineer_ids = fields.Many2many(
        "res.users",
        "aftersales_installation_engineer_rel",
        "installation_id",
        "user_id",
        string="Engineers",
        domain="[('share', '=', False)]",
        tracking=True,
    )
    planned_at = fields.Datetime(
        string="Engineers On Site", tracking=True, help="When the engineers come."
    )
    proposal_ids = fields.Many2many(
        "ir.attachment",
        "aftersales_installation_proposal_rel",
        "installation_id",
        "attachment_id",
        string="Installation Proposal",
        help="The installation proposal and plan given to the customer "
        "(安装建议和安装方案).",
    )
    guidance = fields.Html(
        string="On-Site Guidance",
        help="What the engineers guided on site (指导安装), visit by visit.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("scheduled", "Scheduled"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    commissioning_ids = fields.One2many(
        "aftersales.commissioning", "installation_id", string="Commissioning Records"
    )
    commissioning_count = fields.Integer(compute="_compute_commissioning_count")

    @api.depends("commissioning_ids")
    def _compute_commissioning_count(self):
        for job in self:
            job.commissioning_count = len(job.commissioning_ids)

    @api.depends("sale_order_id")
    def _compute_project_id(self):
        projects = self.env["aftersales.project"].search(
            [("sale_order_id", "in", self.sale_order_id.ids)]
        )
        for job in self:
            job.project_id = projects.filtered(
                lambda p, order=job.sale_order_id: p.sale_order_id == order
            )[:1]

    @api.onchange("picking_id")
    def _onchange_picking_id(self):
        picking = self.picking_id
        if picking:
            self.sale_order_id = picking.sale_id or self.sale_order_id
            self.partner_id = picking.partner_id.commercial_partner_id
            self.lot_ids = picking.move_line_ids.lot_id.filtered(
                "product_id.warranty_tracked"
            )

    def write(self, vals):
        # What the customer was told is kept: the units and the customer of
        # a scheduled job don't change (cancel it and plan another).
        fixed = {"partner_id", "lot_ids", "sale_order_id", "picking_id", "company_id"}
        started = self.filtered(lambda job: job.state != "draft")
        if started and fixed & set(vals):
            raise UserError(
                _(
                    "Installation job %(name)s is scheduled: its customer and "
                    "units no longer change. Cancel it and plan another job.",
                    name=started[0].name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        self._refuse_unlink(
            self.filtered(lambda job: job.state != "draft"),
            _("it was scheduled with the customer; cancel it instead."),
        )

    @workflow_step
    def action_schedule(self):
        """Send the engineers: each unit whose product has a commissioning
        checklist gets its record, and the customer is told who comes and
        when."""
        self._ensure_state(("draft",), _("only a draft job is scheduled."))
        for job in self:
            missing = [
                label
                for label, value in (
                    (_("Units"), job.lot_ids),
                    (_("Engineers"), job.engineer_ids),
                    (_("Engineers On Site"), job.planned_at),
                )
                if not value
            ]
            if missing:
                raise UserError(
                    _(
                        "Installation job %(name)s: enter %(fields)s before "
                        "scheduling it.",
                        name=job.name,
                        fields=format_list(self.env, missing),
                    )
                )
        Commissioning = self.env["aftersales.commissioning"]
        Commissioning.sudo().create(
            [
                Commissioning._prepare_vals(job, lot)
                for job in self
                for lot in job.lot_ids
                if lot.product_id.aftersales_commissioning_item_ids
            ]
        )
        self.write({"state": "scheduled"})
        for job in self:
            job.message_post(
                body=_(
                    "Our engineers %(engineers)s come on %(when)s to guide the "
                    "installation and commission units %(units)s.",
                    engineers=format_list(self.env, job.engineer_ids.mapped("name")),
                    when=format_datetime(
                        self.env,
                        job.planned_at,
                        tz=job.partner_id.tz or None,
                        dt_format="short",
                    ),
                    units=format_list(self.env, job.lot_ids.mapped("name")),
                ),
                partner_ids=job.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    @workflow_step
    def action_done(self):
        """The installation is finished once each unit's last commissioning
        record passed."""
        self._ensure_state(("scheduled",), _("only a scheduled job is finished."))
        Commissioning = self.env["aftersales.commissioning"]
        for job in self:
            latest = Commissioning._latest_signed(job.commissioning_ids.lot_id)
            pending = job.commissioning_ids.lot_id.filtered(
                lambda lot, latest=latest: (
                    lot not in latest or latest[lot].state != "passed"
                )
            )
            if pending:
                raise UserError(
                    _(
                        "Installation job %(name)s: units %(units)s have not "
                        "passed commissioning yet.",
                        name=job.name,
                        units=format_list(self.env, pending.mapped("name")),
                    )
                )
        self.write({"state": "done"})
        return True

    @workflow_step
    def action_cancel(self):
        self._ensure_state(
            ("draft", "scheduled"), _("a finished job can't be cancelled.")
        )
        signed = self.commissioning_ids.filtered(lambda r: r.state != "draft")
        if signed:
            raise UserError(
                _(
                    "Installation job %(name)s has signed commissioning records "
                    "and can't be cancelled.",
                    name=signed[0].installation_id.name,
                )
            )
        self.commissioning_ids.sudo().unlink()
        self.write({"state": "cancelled"})
        return True

    def action_open_commissioning(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "aftersales_service.action_aftersales_commissioning"
        )
        action["domain"] = [("installation_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.commissioning_ids) == 1:
            action.update(
                {
                    "view_mode": "form",
                    "views": [(False, "form")],
                    "res_id": self.commissioning_ids.id,
                }
            )
        return action
