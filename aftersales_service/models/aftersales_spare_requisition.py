import logging
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, format_list

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import claim_rows, lock_rows
from .aftersales_roles import check_role

_logger = logging.getLogger(__name__)

PURCHASE_USER = "purchase.group_purchase_user"
# Fixed once the requisition leaves the draft.
FROZEN_FIELDS = {"warehouse_id", "company_id"}
# A purchase order line still only a quotation: its parts are not on a
# receipt yet, so the warehouse's forecast doesn't count them.
RFQ_STATES = ("draft", "sent", "to approve")


class AftersalesSpareRequisition(models.Model):
    """A spare purchase requisition (维修备品采购单): spares the warehouse
    can't supply from its stock, sent to supply (物资供应部). Purchasing
    approves it through tier reviews, then turns it into requests for
    quotation, one per vendor, whose receipts go straight into the
    warehouse's spares location, where waiting spare requests reserve
    them."""

    _name = "aftersales.spare.requisition"
    _description = "Spare Purchase Requisition"
    _approval_requester_field = "requester_id"
    _approval_frozen_fields = FROZEN_FIELDS
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "aftersales.approval.mixin",
    ]
    _aftersales_sequence_code = "aftersales.spare.requisition"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "ordered_by_id", "ordered_at")

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"]._aftersales_main(
            self.env.company
        ),
        help="The warehouse whose spares location receives the parts.",
    )
    requester_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    origin = fields.Char(
        string="Source",
        help="What the parts are needed for: spare requests or the spare floor.",
    )
    note = fields.Text()
    line_ids = fields.One2many(
        "aftersales.spare.requisition.line",
        "requisition_id",
        string="Parts",
        copy=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("ordered", "Ordered"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    ordered_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    ordered_at = fields.Datetime(string="Ordered On", readonly=True, copy=False)
    purchase_ids = fields.Many2many(
        "purchase.order",
        string="Purchase Orders",
        compute="_compute_purchase_ids",
    )
    purchase_count = fields.Integer(compute="_compute_purchase_ids")

    @api.depends("line_ids.purchase_line_ids")
    def _compute_purchase_ids(self):
        for requisition in self:
            orders = requisition.sudo().line_ids.purchase_line_ids.order_id
            requisition.purchase_ids = orders
            requisition.purchase_count = len(orders)

    def _approval_frozen_message(self):
        return _(
            "The warehouse of an approved spare purchase requisition can't "
            "change. Cancel it and make a new one."
        )

    def _check_lines_editable(self):
        fixed = self.filtered(
            lambda r: (
                r.state != "draft" or r.validation_status in ("waiting", "pending")
            )
        )
        if fixed:
            raise UserError(
                _(
                    "Spare purchase requisition %(name)s is under review or approved: "
                    "its parts can't change. Cancel it and make a new one.",
                    name=fixed[0].name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._refuse_unlink(
            self.filtered(lambda r: r.state in ("approved", "ordered")),
            _("purchasing approved it. Cancel it if nothing was ordered."),
        )

    # Shortages --------------------------------------------------------------

    @api.model
    def _order_shortages(self, warehouse, products, spare_request=None):
        """Requisition what ``warehouse`` is short of among ``products``:
        below the spare floor of its spares location, or below zero once
        the parts promised to spare requests are out. What is on hand, on
        its way (receipts, transfers) or already on an open requisition or
        quotation counts as covered, so a shortage is requisitioned once.

        Each run claims the products' rows (``claim_rows``) for its
        transaction: the spare floor's scheduled action and a spare request
        at the same moment never requisition the same shortage twice. The
        scheduled action leaves a product another run holds to that run;
        a spare request (``spare_request``) is told to try again. Returns
        the requisition made, sent to purchasing for approval, if any."""
        claimed = claim_rows(products)
        if spare_request and claimed != products:
            raise UserError(
                _(
                    "%(parts)s: another user or the spare floor job is ordering "
                    "these parts right now. Try again in a moment.",
                    parts=format_list(
                        self.env, (products - claimed).mapped("display_name")
                    ),
                )
            )
        vals_list = []
        for product, quantity in self._shortages(warehouse, claimed).items():
            company_product = product.sudo().with_company(warehouse.company_id)
            if not company_product._prepare_sellers(False):
                if spare_request:
                    raise UserError(self._no_vendor_message(product))
                _logger.info(
                    "Spare floor of %s: %s has no vendor; not requisitioned.",
                    warehouse.name,
                    product.display_name,
                )
                continue
            vals_list.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": quantity,
                        "spare_request_id": spare_request and spare_request.id,
                    }
                )
            )
        if not vals_list:
            return self.browse()
        requisition = self.create(
            {
                "company_id": warehouse.company_id.id,
                "warehouse_id": warehouse.id,
                "origin": spare_request.name if spare_request else _("Spare floor"),
                "line_ids": vals_list,
            }
        )
        requisition.request_validation()
        return requisition

    @api.model
    def _shortages(self, warehouse, products):
        """{product: quantity to requisition} for ``warehouse``: the
        forecast (on hand, minus parts promised, plus parts on their way)
        with the open requisitions and quotations, brought up to the spare
        floor's maximum when it is under the floor's minimum, or up to
        zero when there is no floor."""
        products = products.sudo().with_context(warehouse_id=warehouse.id)
        rules = {
            rule.product_id: rule
            for rule in self.env["stock.warehouse.orderpoint"]
            .sudo()
            .search(
                [
                    ("location_id", "=", warehouse.aftersales_spare_location_id.id),
                    ("product_id", "in", products.ids),
                ]
            )
        }
        pending = self.env["aftersales.spare.requisition.line"]._pending_quantities(
            warehouse, products
        )
        shortages = {}
        for product in products:
            rule = rules.get(product)
            minimum = rule.product_min_qty if rule else 0.0
            level = product.virtual_available + pending.get(product, 0.0)
            if product.uom_id.compare(level, minimum) < 0:
                target = max(rule.product_max_qty, minimum) if rule else 0.0
                shortages[product.with_env(self.env)] = product.uom_id.round(
                    target - level
                )
        return shortages

    @api.model
    def _no_vendor_message(self, product):
        return _(
            "%(part)s has no vendor, so it can't be purchased. Add one on the "
            "product's Purchase tab (vendor pricelist), then try again.",
            part=product.display_name,
        )

    # Approval ---------------------------------------------------------------

    def _check_reviewer(self):
        if not self.can_review:
            raise UserError(
                _(
                    "Spare purchase requisition %(name)s: only purchasing approves "
                    "it, once the review is requested, and never the one who "
                    "asked for the parts.",
                    name=self.name,
                )
            )

    @workflow_step
    def _validate_tier(self, tiers=False):
        lock_rows(
            self,
            _(
                "Spare purchase requisition %(name)s is being reviewed by another "
                "user. Reload it.",
                name=self.name,
            ),
        )
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(
                _(
                    "Spare purchase requisition %(name)s is already approved.",
                    name=self.name,
                )
            )
        return super()._validate_tier(tiers)

    def _approve(self):
        self.state = "approved"
        self.activity_schedule(
            "aftersales_service.mail_activity_type_order_spares",
            user_id=self.env.uid,
        )

    # Purchase orders ----------------------------------------------------------

    @workflow_step
    def action_create_purchase_orders(self):
        """Turn approved requisitions into requests for quotation, one per
        vendor and warehouse, priced from the vendors' pricelists. Their
        receipts go into the warehouse's spares location."""
        check_role(
            self.env,
            PURCHASE_USER,
            _("Only purchasing turns spare requisitions into purchase orders."),
        )
        lock_rows(
            self,
            _(
                "These spare purchase requisitions are being ordered by another "
                "user. Reload them."
            ),
        )
        for requisition in self:
            if requisition.state == "ordered":
                raise UserError(
                    _(
                        "Spare purchase requisition %(name)s is already ordered "
                        "(%(orders)s).",
                        name=requisition.name,
                        orders=format_list(
                            self.env, requisition.purchase_ids.mapped("name")
                        ),
                    )
                )
            if requisition.state != "approved":
                raise UserError(
                    _(
                        "Spare purchase requisition %(name)s is not approved by "
                        "purchasing yet.",
                        name=requisition.name,
                    )
                )
        groups = defaultdict(lambda: self.env["aftersales.spare.requisition.line"])
        for line in self.line_ids:
            groups[line.requisition_id.warehouse_id, line._seller().partner_id] |= line
        orders = self.env["purchase.order"]
        for (warehouse, vendor), lines in groups.items():
            order = orders.create(
                lines.requisition_id._prepare_purchase_order_vals(warehouse, vendor)
            )
            self.env["purchase.order.line"].create(
                [line._prepare_purchase_line_vals(order) for line in lines]
            )
            orders |= order
        self.write(
            {
                "state": "ordered",
                "ordered_by_id": self.env.uid,
                "ordered_at": fields.Datetime.now(),
            }
        )
        self.activity_feedback(["aftersales_service.mail_activity_type_order_spares"])
        return self._action_view_orders(orders)

    def _prepare_purchase_order_vals(self, warehouse, vendor):
        company = warehouse.company_id
        vendor = vendor.with_company(company)
        return {
            "partner_id": vendor.id,
            "user_id": vendor.buyer_id.id or self.env.uid,
            "company_id": company.id,
            "picking_type_id": warehouse.in_type_id.id,
            "aftersales_spare_location_id": warehouse.aftersales_spare_location_id.id,
            "currency_id": vendor.property_purchase_currency_id.id
            or company.currency_id.id,
            "payment_term_id": vendor.property_supplier_payment_term_id.id,
            "fiscal_position_id": self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(vendor)
            .id,
            "origin": ", ".join(self.mapped("name")),
        }

    def action_view_purchase_orders(self):
        self.ensure_one()
        return self._action_view_orders(self.purchase_ids)

    def _action_view_orders(self, orders):
        action = self.env["ir.actions.act_window"]._for_xml_id("purchase.purchase_rfq")
        if len(orders) == 1:
            action.update(views=[(False, "form")], res_id=orders.id)
        else:
            action["domain"] = [("id", "in", orders.ids)]
        action["context"] = {}
        return action

    @workflow_step
    def action_cancel(self):
        if self.filtered(lambda r: r.state == "ordered"):
            raise UserError(
                _(
                    "An ordered spare purchase requisition can't be cancelled: "
                    "cancel its purchase order instead."
                )
            )
        self.write({"state": "cancelled"})
        self.activity_unlink(["aftersales_service.mail_activity_type_order_spares"])
        return True

    @workflow_step
    def action_draft(self):
        cancelled = self.filtered(lambda r: r.state == "cancelled")
        cancelled.restart_validation()
        cancelled.write({"state": "draft"})
        return True


class AftersalesSpareRequisitionLine(models.Model):
    _name = "aftersales.spare.requisition.line"
    _inherit = "aftersales.spare.line.mixin"
    _description = "Spare Purchase Requisition Line"
    _order = "requisition_id, id"
    _spare_document_field = "requisition_id"

    requisition_id = fields.Many2one(
        "aftersales.spare.requisition", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="requisition_id.company_id", store=True)
    warehouse_id = fields.Many2one(related="requisition_id.warehouse_id", store=True)
    state = fields.Selection(related="requisition_id.state", store=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    vendor_id = fields.Many2one(
        "res.partner",
        compute="_compute_vendor_id",
        help="The vendor the part is bought from: the first of the product's "
        "vendor pricelist that sells this quantity.",
    )
    spare_request_id = fields.Many2one(
        "aftersales.spare.request",
        string="For Spare Request",
        index="btree_not_null",
        ondelete="set null",
    )
    purchase_line_ids = fields.One2many(
        "purchase.order.line",
        "aftersales_requisition_line_id",
        readonly=True,
        groups=PURCHASE_USER,
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Purchase Order Line",
        compute="_compute_purchase_line_id",
        store=True,
        index="btree_not_null",
    )
    purchase_id = fields.Many2one(
        related="purchase_line_id.order_id", string="Purchase Order"
    )
    date_planned = fields.Datetime(
        related="purchase_line_id.date_planned", string="Expected Arrival"
    )

    @api.depends("product_id", "quantity")
    def _compute_vendor_id(self):
        for line in self:
            line.vendor_id = line._seller().partner_id

    @api.constrains("product_id")
    def _check_vendor(self):
        for line in self:
            product = line.product_id.sudo().with_company(line.company_id)
            if not product._prepare_sellers(False):
                raise ValidationError(
                    self.env["aftersales.spare.requisition"]._no_vendor_message(
                        line.product_id
                    )
                )

    @api.depends("purchase_line_ids")
    def _compute_purchase_line_id(self):
        for line in self:
            line.purchase_line_id = line.sudo().purchase_line_ids[:1]

    def _seller(self):
        """The vendor pricelist line purchasing buys the part from, chosen
        the way Odoo's purchase rules do (``_select_seller``), or the first
        one when none sells this quantity."""
        self.ensure_one()
        product = self.product_id.sudo().with_company(self.requisition_id.company_id)
        return (
            product._select_seller(
                quantity=self.quantity,
                date=fields.Date.context_today(self),
                uom_id=product.uom_id,
            )
            or product._prepare_sellers(False)[:1]
        ).with_env(self.env)

    def _prepare_purchase_line_vals(self, order):
        self.ensure_one()
        vals = self.env["purchase.order.line"]._prepare_purchase_order_line(
            self.product_id,
            self.quantity,
            self.product_id.uom_id,
            order.company_id,
            order.partner_id,
            order,
        )
        vals["location_final_id"] = order.aftersales_spare_location_id.id
        vals["aftersales_requisition_line_id"] = self.id
        return vals

    @api.model
    def _pending_quantities(self, warehouse, products):
        """{product: quantity} requisitioned for ``warehouse`` and not yet on
        a receipt: open requisitions and those ordered on quotations."""
        pending = defaultdict(float)
        for line in self._incoming(warehouse, products):
            if line.state != "ordered" or line.purchase_line_id.state in RFQ_STATES:
                pending[line.product_id] += line.quantity
        return pending

    @api.model
    def _incoming(self, warehouses, products):
        """The lines requisitioning ``products`` for ``warehouses`` whose
        parts have not all arrived: waiting for approval, approved, or on a
        purchase order not yet received in full."""
        lines = self.sudo().search(
            [
                ("warehouse_id", "in", warehouses.ids),
                ("product_id", "in", products.ids),
                ("state", "in", ("draft", "approved", "ordered")),
            ]
        )
        return lines.filtered(
            lambda line: (
                line.state != "ordered"
                or (
                    line.purchase_line_id.state != "cancel"
                    and line.purchase_line_id.qty_received
                    < line.purchase_line_id.product_qty
                )
            )
        )

    def _incoming_text(self):
        """Where the part is coming from, in one line: the requisition
        waiting for approval, or the purchase order and its expected
        date."""
        self.ensure_one()
        if not self.purchase_line_id:
            return _(
                "%(requisition)s (%(state)s)",
                requisition=self.requisition_id.name,
                state=dict(
                    self.requisition_id._fields["state"]._description_selection(
                        self.env
                    )
                )[self.state],
            )
        return _(
            "%(order)s, expected %(date)s",
            order=self.purchase_id.name,
            date=format_date(self.env, self.date_planned),
        )
