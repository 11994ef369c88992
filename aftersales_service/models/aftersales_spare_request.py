from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_list

from .aftersales_integrity_mixin import workflow_step
from .aftersales_roles import check_role


class AftersalesSpareRequest(models.Model):
    """Spare parts (备品备件) asked for a dispatch order or an off-site
    repair. The parts are stock moves out of the warehouse's spares location:
    the warehouse reserves them, cancelling releases them, and finishing the
    work consumes them."""

    _name = "aftersales.spare.request"
    _description = "Spare Request"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.spare.request"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "picking_id")

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    dispatch_id = fields.Many2one(
        "aftersales.dispatch",
        string="Dispatch Order",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    repair_id = fields.Many2one(
        "repair.order",
        string="Off-Site Repair",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        compute="_compute_ticket_id",
        store=True,
        index="btree_not_null",
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Unit", compute="_compute_ticket_id", store=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_ticket_id", store=True
    )
    requested_by_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        readonly=True,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The warehouse whose spares location provides the parts: the "
        "repair's, or the one that serves the unit.",
    )
    line_ids = fields.One2many(
        "aftersales.spare.request.line", "request_id", string="Parts", copy=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("requested", "Requested"),
            ("reserved", "Reserved"),
            ("done", "Consumed"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Spare Issue", readonly=True, copy=False
    )
    move_ids = fields.One2many(
        "stock.move", "aftersales_spare_request_id", string="Stock Moves"
    )
    requisition_line_ids = fields.One2many(
        "aftersales.spare.requisition.line",
        "spare_request_id",
        string="Purchase Requisitions",
        groups="aftersales_service.group_aftersales_user,"
        "aftersales_service.group_aftersales_warehouse",
    )

    @api.depends("dispatch_id", "repair_id")
    def _compute_ticket_id(self):
        for request in self:
            ticket = (
                request.dispatch_id.ticket_id or request.repair_id.aftersales_ticket_id
            )
            request.ticket_id = ticket
            request.lot_id = request.dispatch_id.lot_id or request.repair_id.lot_id
            request.partner_id = (
                request.dispatch_id.partner_id
                or request.repair_id.partner_id.commercial_partner_id
            )

    @api.depends("dispatch_id", "repair_id")
    def _compute_warehouse_id(self):
        warehouses = self.dispatch_id.lot_id._aftersales_warehouses()
        for request in self:
            request.warehouse_id = (
                request.repair_id.sudo()._aftersales_warehouse()
                if request.repair_id
                else warehouses.get(request.dispatch_id.lot_id)
            ) or self.env["stock.warehouse"]._aftersales_main(request.company_id)

    # requested_by_id always has a value at creation: listing it makes the
    # check run for a request created with neither purpose.
    @api.constrains("dispatch_id", "repair_id", "requested_by_id")
    def _check_purpose(self):
        for request in self:
            if bool(request.dispatch_id) == bool(request.repair_id):
                raise ValidationError(
                    _(
                        "Spare request %(name)s: ask for parts either for a dispatch "
                        "order or for an off-site repair.",
                        name=request.name,
                    )
                )

    # Request ----------------------------------------------------------------

    @workflow_step
    def action_request(self):
        """Send the request to the warehouse: the parts become stock moves
        out of the spares location, waiting to be reserved."""
        self._ensure_state(("draft",), _("only a draft request can be sent."))
        for request in self:
            if request.dispatch_id.state not in (
                False,
                "draft",
                "dispatched",
                "on_site",
            ):
                raise UserError(
                    _(
                        "Spare request %(name)s: dispatch order %(dispatch)s is "
                        "finished or cancelled; it takes no more parts.",
                        name=request.name,
                        dispatch=request.dispatch_id.name,
                    )
                )
            if not request.line_ids:
                raise UserError(
                    _(
                        "Spare request %(name)s: add the parts needed.",
                        name=request.name,
                    )
                )
            request.line_ids._check_orderable()
            if request.dispatch_id:
                request._create_issue_picking()
            else:
                request._add_repair_parts()
        self.write({"state": "requested"})
        return True

    def _prepare_move_vals(self, line, source, destination):
        self.ensure_one()
        return {
            "product_id": line.product_id.id,
            "product_uom_qty": line.quantity,
            "product_uom": line.product_id.uom_id.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "company_id": self.company_id.id,
            "origin": self.name,
            "aftersales_spare_request_id": self.id,
        }

    @workflow_step
    def _create_issue_picking(self):
        """Parts for a dispatch order leave with the engineers to the
        customer's site."""
        self.ensure_one()
        source = self.warehouse_id._aftersales_spares_location()
        customers = self.env.ref("stock.stock_location_customers")
        self.picking_id = self.warehouse_id._aftersales_spare_issue(
            self.partner_id,
            f"{self.name} {self.dispatch_id.name}",
            [
                self._prepare_move_vals(line, source, customers)
                for line in self.line_ids
            ],
        )

    def _add_repair_parts(self):
        """Parts for an off-site repair are added to the repair order, taken
        from the spares location, and consumed when the repair is done."""
        self.ensure_one()
        repair = self.repair_id.sudo()
        if repair.state in ("done", "cancel"):
            raise UserError(
                _(
                    "Repair %(repair)s is finished: it takes no more parts.",
                    repair=repair.name,
                )
            )
        source = self.warehouse_id._aftersales_spares_location()
        vals_list = [
            dict(
                self._prepare_move_vals(line, source, repair.location_dest_id),
                repair_id=repair.id,
                repair_line_type="add",
            )
            for line in self.line_ids
        ]
        moves = self.env["stock.move"].sudo().create(vals_list)
        if repair.state != "draft":
            moves._action_confirm()

    def _check_lines_editable(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("Only the parts of a draft request can be changed."))

    # Reservation ------------------------------------------------------------

    def _check_warehouse_user(self):
        check_role(
            self.env,
            "aftersales_service.group_aftersales_warehouse",
            _("Only warehouse users reserve and issue spare parts."),
        )

    @workflow_step
    def action_reserve(self):
        """Reserve the parts in the spares location. Two users reserving the
        last unit at once: one gets it, the other is told at once."""
        self._check_warehouse_user()
        self._ensure_state(
            ("requested",), _("only a requested spare request can be reserved.")
        )
        for request in self:
            if request.repair_id.state == "draft":
                raise UserError(
                    _(
                        "Spare request %(name)s: confirm repair %(repair)s before "
                        "reserving its parts.",
                        name=request.name,
                        repair=request.repair_id.name,
                    )
                )
            moves = request.move_ids.filtered(
                lambda m: m.state not in ("done", "cancel")
            )
            # stock.move locks the spares it reserves (see _action_assign).
            moves._action_assign()
            short = moves.filtered(lambda m: m.state != "assigned")
            if short:
                raise UserError(request._shortage_message(short))
            request.state = "reserved"
        return True

    def _shortage_message(self, moves):
        self.ensure_one()
        lines = []
        for move in moves:
            line = self.line_ids.filtered(
                lambda x, m=move: x.product_id == m.product_id
            )[:1]
            text = _(
                "%(part)s: %(needed)s needed, %(free)s free in %(location)s",
                part=move.product_id.display_name,
                needed=move.product_uom_qty,
                free=line.free_qty,
                location=move.location_id.display_name,
            )
            if line.substitute_id:
                text += _(
                    " (substitute: %(substitute)s)",
                    substitute=line.substitute_id.display_name,
                )
            lines.append(text)
        return _(
            "Spare request %(name)s can't be reserved in full, so nothing was "
            "reserved:\n%(lines)s",
            name=self.name,
            lines="\n".join(lines),
        )

    def action_order_missing_parts(self):
        """Send the parts the warehouse can't supply to purchasing: a spare
        purchase requisition (维修备品采购单), opened for the user."""
        self.ensure_one()
        self._ensure_state(
            ("requested",), _("only a request waiting for its parts orders them.")
        )
        if self.repair_id.state == "draft":
            raise UserError(
                _(
                    "Spare request %(name)s: confirm repair %(repair)s before "
                    "ordering its parts.",
                    name=self.name,
                    repair=self.repair_id.name,
                )
            )
        requisition = self.env["aftersales.spare.requisition"]._order_shortages(
            self.warehouse_id, self.line_ids.product_id, spare_request=self
        )
        if not requisition:
            raise UserError(
                _(
                    "Spare request %(name)s: nothing to order. Its parts are in the "
                    "warehouse or already on their way (see Incoming on the parts).",
                    name=self.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": requisition._name,
            "res_id": requisition.id,
            "views": [(False, "form")],
        }

    @workflow_step
    def action_cancel(self):
        """Cancel the request: its reservation is released."""
        self._ensure_state(
            ("draft", "requested", "reserved"), _("consumed parts can't be cancelled.")
        )
        self.sudo().move_ids._action_cancel()
        self.picking_id.sudo().filtered(lambda p: p.state != "cancel").action_cancel()
        self.write({"state": "cancelled"})
        return True

    # Consumption ------------------------------------------------------------

    @workflow_step
    def _consume(self):
        """The work is finished: reserved parts are used up, and requests
        never sent are dropped. Parts fitted under warranty for an equipment
        fault get their own warranty (W3)."""
        self.filtered(lambda r: r.state == "draft").action_cancel()
        pending = self.filtered(lambda r: r.state == "requested")
        if pending:
            raise UserError(
                _(
                    "Spare request %(name)s is not reserved yet: have the warehouse "
                    "reserve it, or cancel it.",
                    name=pending[0].name,
                )
            )
        # Engineers finish the work; the spare issue is the warehouse's document.
        reserved = self.sudo().filtered(
            lambda r: r.state == "reserved" and r.picking_id
        )
        pickings = reserved.picking_id
        pickings.move_ids.picked = True
        result = pickings.with_context(
            skip_sms=True, cancel_backorder=True
        ).button_validate()
        if result is not True:
            raise UserError(
                _(
                    "Spare issues %(pickings)s could not be done: check their "
                    "reserved quantities.",
                    pickings=format_list(self.env, pickings.mapped("name")),
                )
            )
        reserved.write({"state": "done"})
        reserved._create_part_warranties()

    def _create_part_warranties(self):
        fitted = self.filtered(
            lambda r: (
                r.lot_id
                and r.ticket_id.aftersales_coverage == "warranty"
                and r.ticket_id.aftersales_fault_cause == "equipment"
            )
        )
        self.env["aftersales.part.warranty"].sudo().create(
            [
                {
                    "company_id": request.company_id.id,
                    "lot_id": request.lot_id.id,
                    "product_id": move.product_id.id,
                    "part_lot_id": move.lot_ids[:1].id,
                    "spare_request_id": request.id,
                    "date_fitted": fields.Date.context_today(self, move.date),
                    "months": request.company_id.aftersales_part_warranty_months,
                }
                for request in fitted
                for move in request.move_ids.filtered(lambda m: m.state == "done")
            ]
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.filtered(lambda r: r.state not in ("draft", "cancelled")):
            raise UserError(
                _("Cancel a spare request before deleting it: it holds stock moves.")
            )

    @workflow_step
    def _sync_repair_state(self):
        """Parts of a finished repair were consumed with it."""
        for request in self.filtered(lambda r: r.repair_id):
            if request.state in ("requested", "reserved") and all(
                move.state in ("done", "cancel") for move in request.move_ids
            ):
                request.state = "done"


class AftersalesSpareRequestLine(models.Model):
    _name = "aftersales.spare.request.line"
    _inherit = "aftersales.spare.line.mixin"
    _description = "Spare Request Line"
    _order = "request_id, id"
    _spare_document_field = "request_id"

    request_id = fields.Many2one(
        "aftersales.spare.request", required=True, ondelete="cascade", index=True
    )
    discontinued = fields.Boolean(related="product_id.aftersales_discontinued")
    free_qty = fields.Float(
        string="Free In Spares",
        compute="_compute_stock",
        digits="Product Unit of Measure",
    )
    incoming = fields.Char(
        compute="_compute_incoming",
        help="Where more of the part is coming from: spare purchase "
        "requisitions and their purchase orders, with the expected date.",
    )
    substitute_id = fields.Many2one(
        "product.product",
        string="Proposed Substitute",
        compute="_compute_stock",
        help="A substitute spare (替代备品), proposed when the part is "
        "discontinued or short in the spares location.",
    )

    @api.depends("product_id", "quantity", "request_id.warehouse_id")
    def _compute_stock(self):
        # Free stock is shown to whoever asks for parts, computed once per
        # spares location for all the parts and their substitutes.
        free = {}
        for location in self.request_id.warehouse_id.aftersales_spare_location_id:
            lines = self.filtered(
                lambda x, loc=location: (
                    x.request_id.warehouse_id.aftersales_spare_location_id == loc
                )
            )
            products = (
                (lines.product_id | lines.product_id.aftersales_substitute_ids)
                .sudo()
                .with_context(location=location.id)
            )
            for product in products:
                free[location, product.id] = product.free_qty
        for line in self:
            location = line.request_id.warehouse_id.aftersales_spare_location_id
            line.free_qty = free.get((location, line.product_id.id), 0.0)
            substitutes = line.product_id.aftersales_substitute_ids
            if line.product_id and (line.discontinued or line.free_qty < line.quantity):
                line.substitute_id = (
                    substitutes.filtered(
                        lambda p, loc=location, q=line.quantity: (
                            free.get((loc, p.id), 0.0) >= q
                        )
                    )[:1]
                    or substitutes[:1]
                )
            else:
                line.substitute_id = False

    @api.depends("product_id", "request_id.warehouse_id")
    def _compute_incoming(self):
        incoming = defaultdict(list)
        for line in self.env["aftersales.spare.requisition.line"]._incoming(
            self.request_id.warehouse_id, self.product_id
        ):
            incoming[line.warehouse_id, line.product_id].append(line._incoming_text())
        for line in self:
            line.incoming = "; ".join(
                incoming[line.request_id.warehouse_id, line.product_id]
            )

    def _check_orderable(self):
        line = self.filtered("discontinued")[:1]
        if line:
            raise UserError(
                _(
                    "%(part)s is discontinued. Use its substitute %(substitute)s "
                    "instead.",
                    part=line.product_id.display_name,
                    substitute=line.substitute_id.display_name or _("(none recorded)"),
                )
            )

    def action_use_substitute(self):
        """Ask for the proposed substitute instead of the part."""
        for line in self:
            if not line.substitute_id:
                raise UserError(
                    _(
                        "%(part)s has no substitute to propose.",
                        part=line.product_id.display_name,
                    )
                )
            line.product_id = line.substitute_id
        return True
