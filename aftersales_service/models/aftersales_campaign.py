from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_list

from .aftersales_integrity_mixin import workflow_step

CAMPAIGN_KINDS = [
    ("upgrade", "Upgrade"),
    ("retrofit", "Retrofit"),
    ("firmware", "Firmware/Software Update"),
    ("discontinuation", "Discontinuation"),
    ("safety", "Safety Notice"),
]
# Kinds whose work changes what the unit runs: done only with the version.
VERSION_KINDS = ("upgrade", "firmware")
CHARGE_RULES = [
    ("service", "Free Within Warranty or Contract"),
    ("free", "Free of Charge"),
    ("quoted", "Quoted"),
]
# What picks the units: a launched campaign's selection stays as launched.
SELECTION_FIELDS = (
    "kind",
    "product_id",
    "serial_from",
    "serial_to",
    "version_condition",
    "company_id",
)
# What the customers were sent with the selection: kept as sent.
SENT_FIELDS = ("notice", "substitute_ids")


class AftersalesCampaign(models.Model):
    """A product change campaign (设备升级与改造 / 升级换代及淘汰): an upgrade,
    a retrofit, a firmware or software update, a discontinuation or a safety
    notice for the units of one product. Launching it selects the affected
    units and tells every customer holding one, once, in their language
    (如遇产品有升级换代及淘汰情况应及时通知用户); each unit is then planned,
    done or declined."""

    _name = "aftersales.campaign"
    _description = "Product Change Campaign"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.campaign"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "launched_at", "launched_by_id")

    title = fields.Char(required=True, translate=True, tracking=True)
    kind = fields.Selection(
        CAMPAIGN_KINDS, string="Type", required=True, default="firmware", tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        domain="[('tracking', '=', 'serial')]",
        tracking=True,
    )
    serial_from = fields.Char(
        string="Serial Numbers From",
        help="First serial number concerned (compared character by character). "
        "Empty: from the first.",
    )
    serial_to = fields.Char(
        string="Serial Numbers To",
        help="Last serial number concerned. Empty: to the last.",
    )
    version_condition = fields.Char(
        string="Installed Version",
        help="Only the units that run this firmware or software version. Empty: "
        "whatever they run.",
    )
    target_version = fields.Char(
        string="New Version",
        help="The firmware or software version the units run once updated.",
    )
    charge_rule = fields.Selection(
        CHARGE_RULES,
        string="Charges",
        required=True,
        default="service",
        help="Free within warranty or contract: a unit in warranty or under a "
        "running contract is done free (服务期内的自主软件免费升级), the others "
        "get the quotation (升级与改造方案).",
    )
    quote_product_id = fields.Many2one(
        "product.product",
        string="Quotation Product",
        check_company=True,
        help="The upgrade or retrofit quoted for each unit that is not free.",
    )
    substitute_ids = fields.Many2many(
        "product.product",
        "aftersales_campaign_substitute_rel",
        "campaign_id",
        "product_id",
        string="Substitutes",
        help="What replaces the discontinued product. Launching the "
        "discontinuation marks the product discontinued and links these "
        "substitutes to it (L5); expiry notices quote them.",
    )
    notice = fields.Text(
        string="Notice Text",
        translate=True,
        help="What customers are told, in each language (switch the language to "
        "write the Chinese or the English text).",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("launched", "Launched"), ("closed", "Closed")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    launched_at = fields.Datetime(readonly=True, copy=False)
    launched_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    line_ids = fields.One2many(
        "aftersales.campaign.line",
        "campaign_id",
        string="Affected Units",
        readonly=True,
    )
    notice_ids = fields.One2many(
        "aftersales.campaign.notice",
        "campaign_id",
        string="Customer Notices",
        readonly=True,
    )
    unit_count = fields.Integer(string="Units", compute="_compute_counts")
    customer_count = fields.Integer(string="Customers", compute="_compute_counts")
    notified_count = fields.Integer(string="Notified", compute="_compute_counts")
    planned_count = fields.Integer(string="Planned", compute="_compute_counts")
    done_count = fields.Integer(string="Done", compute="_compute_counts")
    declined_count = fields.Integer(string="Declined", compute="_compute_counts")

    def _compute_counts(self):
        lines = self.env["aftersales.campaign.line"]._read_group(
            [("campaign_id", "in", self.ids)], ["campaign_id", "state"], ["__count"]
        )
        by_state = {}
        for campaign, state, count in lines:
            by_state.setdefault(campaign, {})[state] = count
        customers = dict(
            self.env["aftersales.campaign.notice"]._read_group(
                [("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"]
            )
        )
        for campaign in self:
            counts = by_state.get(campaign, {})
            campaign.unit_count = sum(counts.values())
            campaign.customer_count = customers.get(campaign, 0)
            campaign.notified_count = sum(
                counts.get(state, 0)
                for state in ("notified", "planned", "done", "declined")
            )
            campaign.planned_count = counts.get("planned", 0)
            campaign.done_count = counts.get("done", 0)
            campaign.declined_count = counts.get("declined", 0)

    @api.constrains("serial_from", "serial_to")
    def _check_serial_range(self):
        for campaign in self:
            if (
                campaign.serial_from
                and campaign.serial_to
                and campaign.serial_to < campaign.serial_from
            ):
                raise ValidationError(
                    _(
                        "Campaign %(name)s: the last serial number %(to)s comes "
                        "before the first %(start)s; swap them.",
                        name=campaign.name,
                        to=campaign.serial_to,
                        start=campaign.serial_from,
                    )
                )

    def write(self, vals):
        changed = set(vals) & {*SELECTION_FIELDS, *SENT_FIELDS}
        launched = self.filtered(lambda c: c.state != "draft")
        if changed and launched:
            raise UserError(
                _(
                    "Campaign %(name)s is launched: its units were selected and "
                    "their customers told. Its selection and what they were sent "
                    "(%(fields)s) can't change; start a new campaign for other "
                    "units or another notice.",
                    name=launched[0].name,
                    fields=format_list(
                        self.env,
                        [
                            self._fields[name].get_description(self.env)["string"]
                            for name in sorted(changed)
                        ],
                    ),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_draft_only(self):
        self._refuse_unlink(
            self.filtered(lambda c: c.state != "draft"),
            _("its customers were told. Close it instead."),
        )

    # Launching ---------------------------------------------------------------

    @workflow_step
    def action_launch(self):
        """Select the affected units and plan one notice per customer; the
        scheduled action sends the notices in batches. Set-based: the same
        few queries whatever the number of units."""
        self.check_access("write")
        self._ensure_state(("draft",), _("only a draft campaign can be launched."))
        for campaign in self:
            if not campaign.notice:
                raise UserError(
                    _(
                        "Campaign %(name)s: write the notice text the customers "
                        "are sent before launching it.",
                        name=campaign.name,
                    )
                )
            if campaign.kind == "discontinuation" and not campaign.substitute_ids:
                raise UserError(
                    _(
                        "Campaign %(name)s: name the substitutes of the discontinued "
                        "product before launching it.",
                        name=campaign.name,
                    )
                )
            campaign._select_units()
        now = fields.Datetime.now()
        self.write(
            {"state": "launched", "launched_at": now, "launched_by_id": self.env.uid}
        )
        for campaign in self.filtered(lambda c: c.kind == "discontinuation"):
            campaign.product_id.product_tmpl_id.sudo().write(
                {
                    "aftersales_discontinued": True,
                    "aftersales_substitute_ids": [
                        Command.link(product.id) for product in campaign.substitute_ids
                    ],
                }
            )
        for campaign in self:
            campaign.message_post(
                body=_(
                    "Launched: %(units)s units of %(customers)s customers selected; "
                    "their notices are being sent.",
                    units=campaign.unit_count,
                    customers=campaign.customer_count,
                )
            )
        self.env.ref("aftersales_service.ir_cron_campaign_notices")._trigger()
        return True

    def _unit_selection_sql(self):
        """The affected units and the customer holding each (the customer of
        its warranty), as ``(lot_id, partner_id)`` rows."""
        self.ensure_one()
        conditions = [
            SQL("lot.product_id = %s", self.product_id.id),
            SQL("(lot.company_id IS NULL OR lot.company_id = %s)", self.company_id.id),
        ]
        if self.serial_from:
            conditions.append(SQL('lot.name COLLATE "C" >= %s', self.serial_from))
        if self.serial_to:
            conditions.append(SQL('lot.name COLLATE "C" <= %s', self.serial_to))
        if self.version_condition:
            conditions.append(
                SQL("lot.aftersales_version = %s", self.version_condition)
            )
        return SQL(
            """SELECT lot.id, COALESCE(partner.commercial_partner_id, partner.id)
                 FROM stock_lot lot
                 JOIN aftersales_warranty warranty ON warranty.lot_id = lot.id
                 JOIN res_partner partner ON partner.id = warranty.partner_id
                WHERE %s""",
            SQL(" AND ").join(conditions),
        )

    def _select_units(self):
        """Insert the campaign's customers' notices, then its units, each
        with its notice: two statements whatever the number of units."""
        self.ensure_one()
        self.env.flush_all()
        cr = self.env.cr
        values = {
            "campaign": self.id,
            "company": self.company_id.id,
            "uid": self.env.uid,
            "units": self._unit_selection_sql(),
        }
        cr.execute(
            SQL(
                """INSERT INTO aftersales_campaign_notice
                        (campaign_id, partner_id, company_id, state,
                         create_uid, write_uid, create_date, write_date)
                   SELECT DISTINCT %(campaign)s, units.partner_id, %(company)s,
                          'pending', %(uid)s, %(uid)s, now() at time zone 'UTC',
                          now() at time zone 'UTC'
                     FROM (%(units)s) AS units(id, partner_id)
              ON CONFLICT (campaign_id, partner_id) DO NOTHING""",
                **values,
            )
        )
        if not cr.rowcount:
            raise UserError(
                _(
                    "Campaign %(name)s selects no unit: no delivered unit of "
                    "%(product)s matches its serial numbers and installed version. "
                    "Widen the selection.",
                    name=self.name,
                    product=self.product_id.display_name,
                )
            )
        cr.execute(
            SQL(
                """INSERT INTO aftersales_campaign_line
                        (campaign_id, lot_id, partner_id, notice_id, company_id,
                         state, create_uid, write_uid, create_date, write_date)
                   SELECT %(campaign)s, units.id, units.partner_id, notice.id,
                          %(company)s, 'to_notify', %(uid)s, %(uid)s,
                          now() at time zone 'UTC', now() at time zone 'UTC'
                     FROM (%(units)s) AS units(id, partner_id)
                     JOIN aftersales_campaign_notice notice
                       ON notice.campaign_id = %(campaign)s
                      AND notice.partner_id = units.partner_id
              ON CONFLICT (campaign_id, lot_id) DO NOTHING""",
                **values,
            )
        )
        self.env["aftersales.campaign.line"].invalidate_model()
        self.env["aftersales.campaign.notice"].invalidate_model()
        self.invalidate_recordset(["line_ids", "notice_ids"])

    @workflow_step
    def action_close(self):
        self.check_access("write")
        self._ensure_state(("launched",), _("only a launched campaign is closed."))
        self.write({"state": "closed"})
        return True

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "aftersales_service.action_aftersales_campaign_line"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    @api.model
    def _discontinuation_notices(self, products):
        """The launched discontinuation campaigns of ``products``, for the
        expiry notices (W8, E1) to point to."""
        return self.sudo().search(
            [
                ("kind", "=", "discontinuation"),
                ("state", "!=", "draft"),
                ("product_id", "in", products.ids),
            ]
        )
