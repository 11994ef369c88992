from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_list


class AftersalesDispatchLine(models.AbstractModel):
    """A line of a dispatch order; the customer's signature makes it final."""

    _name = "aftersales.dispatch.line"
    _inherit = "aftersales.integrity.mixin"
    _description = "Dispatch Order Line"

    dispatch_id = fields.Many2one(
        "aftersales.dispatch", required=True, ondelete="cascade", index=True
    )

    def _check_order_not_signed(self):
        if self.dispatch_id.filtered(lambda d: d.state == "signed"):
            raise UserError(
                _("A dispatch order signed by the customer can't be changed.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_order_not_signed()
        return lines

    def write(self, vals):
        self._check_order_not_signed()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_unless_signed(self):
        self._check_order_not_signed()


class AftersalesDispatchItem(models.Model):
    _name = "aftersales.dispatch.item"
    _inherit = "aftersales.dispatch.line"
    _description = "Dispatch Item to Bring"
    _order = "dispatch_id, kind, id"

    kind = fields.Selection(
        [("spare", "Spare Part"), ("instrument", "Instrument"), ("tool", "Tool")],
        required=True,
        default="spare",
    )
    product_id = fields.Many2one("product.product")
    name = fields.Char(string="Description", required=True)
    quantity = fields.Float(default=1.0)

    _number_bounds = {"quantity": (None, 1e6)}

    @api.constrains("quantity")
    def _check_quantity(self):
        for item in self:
            if item.quantity <= 0:
                raise ValidationError(
                    _(
                        "Dispatch order %(name)s: the quantity of %(item)s to bring "
                        "must be positive.",
                        name=item.dispatch_id.name,
                        item=item.name,
                    )
                )

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id and not self.name:
            self.name = self.product_id.display_name


class AftersalesDispatchAction(models.Model):
    _name = "aftersales.dispatch.action"
    _inherit = "aftersales.dispatch.line"
    _description = "Dispatch Action Taken"
    _order = "done_at, id"

    done_at = fields.Datetime(
        string="Completed On", required=True, default=fields.Datetime.now
    )
    content = fields.Text(required=True)


class AftersalesDispatchConduct(models.Model):
    """An item of the order's service conduct (服务规范): the engineers tick
    it on site, or note why not; the customer confirms it by signing the
    order, and may note an exception."""

    _name = "aftersales.dispatch.conduct"
    _inherit = "aftersales.dispatch.line"
    _description = "Dispatch Service Conduct"
    _order = "dispatch_id, sequence, id"

    # Set when the order is made, from the configuration.
    _FROM_CONFIGURATION = ("dispatch_id", "conduct_item_id", "sequence", "signed_name")

    conduct_item_id = fields.Many2one(
        "aftersales.conduct.item",
        string="Configured Item",
        required=True,
        ondelete="restrict",
        index=True,
        readonly=True,
    )
    sequence = fields.Integer(default=10, readonly=True)
    # The item as the configuration names it, in the reader's language, until
    # the customer signs; then as they signed it, whatever the configuration
    # says later.
    name = fields.Char(string="Conduct Item", compute="_compute_name")
    signed_name = fields.Char(
        string="Conduct Item When Signed", translate=True, readonly=True
    )
    done = fields.Boolean(help="The engineer kept this item of the service conduct.")
    exception = fields.Char(
        help="Why the item was not kept, or what the customer noted about it "
        "when signing (例外说明)."
    )
    confirmed = fields.Boolean(
        string="Confirmed by the Customer",
        compute="_compute_confirmed",
        help="The customer signed the order with this item done and no exception.",
    )

    @api.depends("signed_name", "conduct_item_id.name")
    @api.depends_context("lang")
    def _compute_name(self):
        for line in self:
            line.name = line.signed_name or line.conduct_item_id.sudo().name

    @api.depends("done", "exception", "dispatch_id.state")
    def _compute_confirmed(self):
        for line in self:
            line.confirmed = (
                line.dispatch_id.state == "signed" and line.done and not line.exception
            )

    def _keep_signed_names(self):
        """Keep each item's name, in every language, as the customer signs:
        a signed order shows and prints the same later."""
        if not self:
            return
        self.conduct_item_id.flush_recordset(["name"])
        self.flush_recordset(["conduct_item_id"])
        self.env.cr.execute(
            SQL(
                "UPDATE aftersales_dispatch_conduct AS line "
                "SET signed_name = item.name "
                "FROM aftersales_conduct_item AS item "
                "WHERE item.id = line.conduct_item_id AND line.id IN %s",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["signed_name", "name"])

    def write(self, vals):
        if "exception" in vals:
            vals = {**vals, "exception": (vals["exception"] or "").strip() or False}
        if not self.env.su:
            self._check_can_tick(vals)
        return super().write(vals)

    def _check_can_tick(self, vals):
        """The engineers of an open order tick its service conduct and note
        exceptions; the items themselves come from the configuration."""
        if set(vals) & set(self._FROM_CONFIGURATION):
            raise UserError(
                _(
                    "The items of a dispatch order's service conduct come from the "
                    "configuration (After-Sales > Configuration > Service Conduct): "
                    "tick them, or note an exception."
                )
            )
        for dispatch in self.dispatch_id:
            if dispatch.state == "cancelled":
                raise UserError(
                    _(
                        "Dispatch order %(name)s is cancelled: its service conduct "
                        "is no longer ticked.",
                        name=dispatch.name,
                    )
                )
            if self.env.user not in dispatch.engineer_ids:
                raise UserError(
                    _(
                        "Only the engineers of dispatch order %(name)s tick its "
                        "service conduct.",
                        name=dispatch.name,
                    )
                )

    def _check_confirmable(self):
        """The customer confirms the service conduct by signing: each item is
        ticked, or an exception says why not. An item left blank would make
        the signature say nothing about it."""
        for dispatch in self.dispatch_id:
            blank = self.filtered(
                lambda line, d=dispatch: (
                    line.dispatch_id == d and not line.done and not line.exception
                )
            )
            if blank:
                raise UserError(
                    _(
                        "Dispatch order %(name)s: before the customer signs, tick "
                        "%(items)s under Service Conduct, or note why not as an "
                        "exception.",
                        name=dispatch.name,
                        items=format_list(self.env, blank.mapped("name")),
                    )
                )
