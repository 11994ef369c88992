from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_locking import lock_rows
from .aftersales_roles import check_role


class AftersalesSpareRequest(models.Model):
    """Spare parts (备品备件) asked for a dispatch order or an off-site
    repair. The parts are stock moves out of the warehouse's spares location:
    the warehouse reserves them, cancelling releases them, and finishing the
    work consumes them."""

    _name = "aftersales.spare.request"
    _description = "Spare Request"
    _inherit = ["aftersales.sequence.mixin", "mail.thread", "mail.activity.mixin"]
    _aftersales_sequence_code = "aftersales.spare.request"
    _order = "id desc"
    _check_company_auto = True

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
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
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

    def _spares_location(self):
        self.ensure_one()
        location = self.warehouse_id.aftersales_spare_location_id
        if not location:
            raise UserError(
                _(
                    "Warehouse %(warehouse)s has no spares location.",
                    warehouse=self.warehouse_id.name,
                )
            )
        return location

    # Request ----------------------------------------------------------------

    def action_request(self):
        """Send the request to the warehouse: the parts become stock moves
        out of the spares location, waiting to be reserved."""
        self._ensure_state(("draft",), _("only a draft request can be sent."))
        for request in self:
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
            "name": self.name,
            "product_id": line.product_id.id,
            "product_uom_qty": line.quantity,
            "product_uom": line.product_id.uom_id.id,
            "location_id": source.id,
            "location_dest_id": destination.id,
            "company_id": self.company_id.id,
            "origin": self.name,
            "aftersales_spare_request_id": self.id,
        }

    def _create_issue_picking(self):
        """Parts for a dispatch order leave with the engineers to the
        customer's site."""
        self.ensure_one()
        source = self._spares_location()
        customers = self.env.ref("stock.stock_location_customers")
        # Engineers ask for parts; the transfer is the warehouse's document.
        picking = (
            self.env["stock.picking"]
            .sudo()
            .create(
                {
                    "picking_type_id": self.warehouse_id.aftersales_spare_type_id.id,
                    "partner_id": self.partner_id.id,
                    "location_id": source.id,
                    "location_dest_id": customers.id,
                    "origin": f"{self.name} {self.dispatch_id.name}",
                    "move_ids": [
                        Command.create(self._prepare_move_vals(line, source, customers))
                        for line in self.line_ids
                    ],
                }
            )
        )
        picking.action_confirm()
        self.picking_id = picking

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
        source = self._spares_location()
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

    # Reservation ------------------------------------------------------------

    def _check_warehouse_user(self):
        check_role(
            self.env,
            "aftersales_service.group_aftersales_warehouse",
            _("Only warehouse users reserve and issue spare parts."),
        )

    def action_reserve(self):
        """Reserve the parts in the spares location. Two users reserving the
        last unit at once: one gets it, the other is told at once."""
        self._check_warehouse_user()
        self._ensure_state(
            ("requested",), _("only a requested spare request can be reserved.")
        )
        for request in self:
            moves = request.move_ids.filtered(
                lambda m: m.state not in ("done", "cancel")
            )
            quants = self.env["stock.quant"].search(
                [
                    ("product_id", "in", moves.product_id.ids),
                    ("location_id", "child_of", request._spares_location().id),
                ]
            )
            lock_rows(
                quants,
                _(
                    "Spare request %(name)s: another user is reserving the same "
                    "spare parts right now. Try again in a moment.",
                    name=request.name,
                ),
            )
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

    def _consume(self):
        """The work is finished: reserved parts are used up. Parts fitted
        under warranty for an equipment fault get their own warranty (W3)."""
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
        for request in self.sudo().filtered(
            lambda r: r.state == "reserved" and r.picking_id
        ):
            picking = request.picking_id
            picking.move_ids.picked = True
            result = picking.with_context(
                skip_sms=True, cancel_backorder=True
            ).button_validate()
            if result is not True:
                raise UserError(
                    _(
                        "Spare issue %(picking)s could not be done: check its "
                        "reserved quantities.",
                        picking=picking.name,
                    )
                )
            request.state = "done"
            request._create_part_warranties()

    def _create_part_warranties(self):
        self.ensure_one()
        ticket = self.ticket_id
        if not (
            self.lot_id
            and ticket.aftersales_coverage == "warranty"
            and ticket.aftersales_fault_cause == "equipment"
        ):
            return
        moves = self.move_ids.filtered(lambda m: m.state == "done")
        self.env["aftersales.part.warranty"].sudo().create(
            [
                {
                    "company_id": self.company_id.id,
                    "lot_id": self.lot_id.id,
                    "product_id": move.product_id.id,
                    "part_lot_id": move.lot_ids[:1].id,
                    "spare_request_id": self.id,
                    "date_fitted": fields.Date.context_today(self, move.date),
                    "months": self.company_id.aftersales_part_warranty_months,
                }
                for move in moves
            ]
        )

    def _sync_repair_state(self):
        """Parts of a finished repair were consumed with it."""
        for request in self.filtered(lambda r: r.repair_id):
            if request.state in ("requested", "reserved") and all(
                move.state in ("done", "cancel") for move in request.move_ids
            ):
                request.state = "done"


class AftersalesSpareRequestLine(models.Model):
    _name = "aftersales.spare.request.line"
    _description = "Spare Request Line"
    _order = "request_id, id"

    request_id = fields.Many2one(
        "aftersales.spare.request", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one(
        "product.product",
        string="Part",
        required=True,
        domain="[('is_storable', '=', True)]",
    )
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )
    discontinued = fields.Boolean(related="product_id.aftersales_discontinued")
    free_qty = fields.Float(
        string="Free In Spares",
        compute="_compute_stock",
        digits="Product Unit of Measure",
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
        for line in self:
            location = line.request_id.warehouse_id.aftersales_spare_location_id
            if not (line.product_id and location):
                line.free_qty = 0.0
                line.substitute_id = False
                continue
            # Free stock is shown to whoever asks for parts.
            in_spares = line.product_id.sudo().with_context(location=location.id)
            line.free_qty = in_spares.free_qty
            substitutes = line.product_id.sudo().aftersales_substitute_ids.with_context(
                location=location.id
            )
            if line.discontinued or line.free_qty < line.quantity:
                line.substitute_id = (
                    substitutes.filtered(lambda p, q=line.quantity: p.free_qty >= q)[:1]
                    or substitutes[:1]
                ).with_env(self.env)
            else:
                line.substitute_id = False

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if line.quantity <= 0:
                raise ValidationError(
                    _(
                        "Spare request: the quantity of %(part)s must be positive.",
                        part=line.product_id.display_name,
                    )
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
            if line.request_id.state != "draft":
                raise UserError(_("Only the parts of a draft request can be changed."))
            if not line.substitute_id:
                raise UserError(
                    _(
                        "%(part)s has no substitute to propose.",
                        part=line.product_id.display_name,
                    )
                )
            line.product_id = line.substitute_id
        return True
