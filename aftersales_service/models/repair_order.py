from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow_step
from .aftersales_response_clock_mixin import clock_phase_fields, clock_workflow_fields
from .aftersales_roles import check_role
from .aftersales_unrepairable_mixin import UNREPAIRABLE_FIELDS


class RepairOrder(models.Model):
    _name = "repair.order"
    _inherit = [
        "repair.order",
        "aftersales.coverage.mixin",
        "aftersales.integrity.mixin",
        "aftersales.response.clock.mixin",
        "aftersales.unrepairable.mixin",
    ]
    # E4: from the unit's arrival at the repair centre to its shipping back.
    _clock_phases = ("aftersales_turnaround",)
    _clock_start_field = "aftersales_received_at"
    _clock_level_field = "aftersales_service_level_id"
    _clock_target_depends = (
        "aftersales_service_level_id.offsite_turnaround_days",
        "aftersales_service_level_id.calendar_id.hours_per_day",
    )
    _clock_stop_depends = ("state", "aftersales_return_picking_id.state")
    _workflow_fields = (
        *clock_workflow_fields(_clock_phases),
        "aftersales_inbound_picking_id",
        "aftersales_return_picking_id",
        "aftersales_test_result",
        "aftersales_tested_by_id",
        "aftersales_tested_at",
        *UNREPAIRABLE_FIELDS,
    )
    _aftersales_coverage_date_field = "schedule_date"

    aftersales_fault_category_id = fields.Many2one(
        "helpdesk.ticket.category",
        string="Fault Category",
        help="Two repairs of the same fault category on a unit, then a third "
        "failure, make the unit due for a free replacement.",
    )
    aftersales_ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Request", index="btree_not_null", copy=False
    )
    # T6: off-site repair (异地修理): in, repaired, tested, back.
    aftersales_inbound_picking_id = fields.Many2one(
        "stock.picking",
        string="Shipped In",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    aftersales_return_picking_id = fields.Many2one(
        "stock.picking",
        string="Shipped Back",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    aftersales_test_result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed")],
        string="Test Before Reconnection",
        readonly=True,
        copy=False,
        tracking=True,
        help="The repaired unit is tested before it goes back and is reconnected.",
    )
    aftersales_tested_by_id = fields.Many2one(
        "res.users", string="Tested By", readonly=True, copy=False
    )
    aftersales_tested_at = fields.Datetime(
        string="Tested On", readonly=True, copy=False
    )
    aftersales_test_notes = fields.Text(string="Test Notes", copy=False)
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty", store=True, readonly=False
    )
    aftersales_received_at = fields.Datetime(
        related="aftersales_inbound_picking_id.date_done",
        string="Received On",
        store=True,
        help="When the unit arrived at the repair centre: the turnaround starts.",
    )
    aftersales_service_level_id = fields.Many2one(
        "aftersales.service.level",
        string="Service Level",
        compute="_compute_aftersales_service_level_id",
        store=True,
        help="The request's level, else the company's default level.",
    )
    (
        aftersales_turnaround_done_at,
        aftersales_turnaround_paused_hours,
        aftersales_turnaround_deadline,
        aftersales_turnaround_hours,
        aftersales_turnaround_met,
    ) = clock_phase_fields(
        "Shipped Back On",
        "Ship Back By",
        "Turnaround Time (h)",
        "Turnaround in Time",
    )

    @api.depends("aftersales_ticket_id.service_level_id", "company_id")
    def _compute_aftersales_service_level_id(self):
        Level = self.env["aftersales.service.level"]
        for repair in self:
            repair.aftersales_service_level_id = (
                repair.aftersales_ticket_id.service_level_id
                or Level._default_for(repair.company_id)
            )

    def _aftersales_tell_customer(self, event):
        """Tell the customer the unit is collected (``pickup``) or on its way
        back (``shipped_back``), in their language."""
        template = self.env.ref(f"aftersales_service.mail_template_repair_{event}")
        # Whoever moves the unit need not follow the repair order.
        for repair in self.sudo().filtered("partner_id"):
            repair.message_post_with_source(
                template,
                author_id=self.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _phase_target(self, phase):
        """The turnaround's days (不超过12天) on the level's clock: whole days
        on a 7×24 level, working days of its calendar otherwise (public
        holidays excluded)."""
        level = self.aftersales_service_level_id
        return level.offsite_turnaround_days * level._day_hours()

    def _clock_stopped(self):
        # Cancelled, or the unit is back with the customer.
        return (
            self.state == "cancel" or self.aftersales_return_picking_id.state == "done"
        )

    def _clock_phase_labels(self):
        return {"aftersales_turnaround": _("Off-Site Repair Turnaround")}

    def _breach_supervisor(self):
        self.ensure_one()
        if self.aftersales_ticket_id:
            return self.aftersales_ticket_id.sudo()._breach_supervisor()
        return self.company_id.aftersales_supervisor_id or self.user_id or self.env.user

    @api.depends("aftersales_parts_policy")
    def _compute_under_warranty(self):
        # Odoo's warranty flag prices the parts at zero.
        for repair in self.filtered("aftersales_parts_policy"):
            repair.under_warranty = repair.aftersales_parts_policy == "free"

    @api.model
    def _create_for_request(self, ticket):
        """The off-site repair order (异地修理) for the unit of ``ticket``,
        with the request's coverage and fault, and the picking that brings
        the unit in. The back office sends the unit to the repair centre,
        whose own staff (inventory users) handle the order and its
        pickings; whoever sent it follows it."""
        check_role(
            self.env,
            "aftersales_service.group_aftersales_user",
            _("Only the service back office sends a unit to repair."),
        )
        if ticket.stage_id.closed:
            raise UserError(_("Reopen the request before sending its unit to repair."))
        if not ticket.lot_id:
            raise UserError(_("Set the unit of this request first."))
        repair = self.sudo().create(
            {
                "product_id": ticket.lot_id.product_id.id,
                "lot_id": ticket.lot_id.id,
                "partner_id": (
                    ticket.partner_id.commercial_partner_id
                    or ticket.aftersales_unit_warranty_id.partner_id
                ).id,
                "aftersales_ticket_id": ticket.id,
                "aftersales_fault_cause": ticket.aftersales_fault_cause,
                "aftersales_fault_category_id": ticket.category_id.id,
                "internal_notes": ticket.description,
            }
        )
        repair._aftersales_ship_in()
        repair.message_subscribe(partner_ids=self.env.user.partner_id.ids)
        return repair

    @api.model_create_multi
    def create(self, vals_list):
        repairs = super().create(vals_list)
        for repair in repairs.filtered(
            lambda r: r.lot_id and r.aftersales_fault_category_id
        ):
            repair.lot_id._aftersales_check_repeat_fault(
                repair.aftersales_fault_category_id, {repair.lot_id.id: repair}
            )
        return repairs

    def write(self, vals):
        result = super().write(vals)
        if {"lot_id", "schedule_date", "aftersales_fault_cause"} & set(vals):
            # The coverage may have changed: so do the quoted part prices.
            self._update_sale_order_line_price()
        return result

    def _update_sale_order_line_price(self):
        """Price the parts by coverage: at cost under a contract, and free for
        a part that still has its own warranty on this unit (W3), whatever
        covers the unit, unless the user caused the damage."""
        result = super()._update_sale_order_line_price()
        for repair in self:
            lines = repair.move_ids.filtered(
                lambda m: m.repair_line_type == "add" and m.sale_line_id
            ).sale_line_id
            if repair.aftersales_parts_policy == "cost":
                for line in lines:
                    cost = line.product_id.standard_price
                    line.write({"price_unit": cost, "technical_price_unit": cost})
            if repair.lot_id and repair.aftersales_fault_cause == "equipment":
                day = fields.Date.context_today(repair, repair.schedule_date)
                covered = repair.lot_id.part_warranty_ids.filtered(
                    lambda p, day=day: p.date_fitted <= day <= p.end_date
                ).product_id
                lines.filtered(
                    lambda line, covered=covered: line.product_id in covered
                ).write({"price_unit": 0.0, "technical_price_unit": 0.0})
        return result

    aftersales_spare_request_ids = fields.One2many(
        "aftersales.spare.request", "repair_id", string="Spare Requests"
    )

    def action_repair_done(self):
        result = super().action_repair_done()
        self._create_part_warranties()
        self.aftersales_spare_request_ids._sync_repair_state()
        return result

    def _create_part_warranties(self):
        """Each part fitted free under the unit's warranty, for an equipment
        fault, gets its own warranty (W3)."""
        vals_list = []
        for repair in self.filtered(
            lambda r: (
                r.state == "done" and r.lot_id and r.aftersales_coverage == "warranty"
            )
        ):
            fitted = repair.move_ids.filtered(
                lambda move: move.repair_line_type == "add" and move.state == "done"
            )
            vals_list += [repair._prepare_part_warranty_vals(move) for move in fitted]
        self.env["aftersales.part.warranty"].sudo().create(vals_list)

    def _prepare_part_warranty_vals(self, move):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "lot_id": self.lot_id.id,
            "product_id": move.product_id.id,
            "part_lot_id": move.lot_ids[:1].id,
            "repair_id": self.id,
            "date_fitted": fields.Date.context_today(self, move.date),
            "months": self.company_id.aftersales_part_warranty_months,
        }

    # E3: the repair centre finds the unit can't be repaired.

    def _aftersales_unrepairable_check(self, env):
        if not (
            env.su
            or env.user.has_group("stock.group_stock_user")
            or env.user.has_group("aftersales_service.group_aftersales_user")
        ):
            raise UserError(
                _(
                    "Only the repair centre or the service back office record that "
                    "the unit of repair %(name)s can't be repaired.",
                    name=self.name,
                )
            )
        if self.state in ("done", "cancel"):
            raise UserError(
                _(
                    "Repair %(name)s is %(state)s: record that a unit can't be "
                    "repaired on a repair in progress.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(env))[
                        self.state
                    ],
                )
            )

    def _aftersales_unrepairable_fault(self):
        return (
            fields.Date.context_today(self, self.schedule_date),
            self.aftersales_fault_cause,
        )

    def _aftersales_unrepairable_ticket(self):
        return self.aftersales_ticket_id

    # Off-site repair --------------------------------------------------------

    def _aftersales_warehouse(self):
        self.ensure_one()
        return self.picking_type_id.warehouse_id or self.env[
            "stock.warehouse"
        ]._aftersales_main(self.company_id)

    def _aftersales_ship(self, picking_type, source, destination):
        """A picking that moves this repair's unit between two locations."""
        self.ensure_one()
        return self.env["stock.picking"]._aftersales_transfer(
            picking_type, self.lot_id, source, destination, self.partner_id, self.name
        )

    @workflow_step
    def _aftersales_ship_in(self):
        """The unit travels from the customer to the repair centre."""
        for repair in self:
            warehouse = repair._aftersales_warehouse()
            if warehouse.aftersales_repair_location_id:
                # The unit waits and is repaired in the repair location.
                repair.write(
                    {
                        "product_location_src_id": (
                            warehouse.aftersales_repair_location_id.id
                        ),
                        "product_location_dest_id": (
                            warehouse.aftersales_repair_location_id.id
                        ),
                    }
                )
            repair.aftersales_inbound_picking_id = repair._aftersales_ship(
                warehouse.in_type_id,
                self.env.ref("stock.stock_location_customers"),
                repair.product_location_src_id,
            )

    @workflow_step
    def _aftersales_record_test(self, result):
        not_done = self.filtered(lambda r: r.state != "done")
        if not_done:
            raise UserError(
                _(
                    "Repair %(name)s: test the unit once it is repaired.",
                    name=not_done[0].name,
                )
            )
        self.write(
            {
                "aftersales_test_result": result,
                "aftersales_tested_by_id": self.env.uid,
                "aftersales_tested_at": fields.Datetime.now(),
            }
        )
        return True

    def action_aftersales_test_passed(self):
        return self._aftersales_record_test("passed")

    def action_aftersales_test_failed(self):
        return self._aftersales_record_test("failed")

    def _aftersales_check_tested(self):
        untested = self.filtered(lambda r: r.aftersales_test_result != "passed")
        if untested:
            raise UserError(
                _(
                    "Repair %(name)s: the unit passes its test before it is shipped "
                    "back and reconnected.",
                    name=untested[0].name,
                )
            )

    @workflow_step
    def action_aftersales_ship_back(self):
        """Ship the repaired, tested unit back to the customer."""
        self._aftersales_check_tested()
        for repair in self:
            if repair.aftersales_return_picking_id.state not in (False, "cancel"):
                raise UserError(
                    _("Repair %(name)s is already shipped back.", name=repair.name)
                )
            warehouse = repair._aftersales_warehouse()
            repair.aftersales_return_picking_id = repair._aftersales_ship(
                warehouse.out_type_id,
                repair.product_location_dest_id,
                self.env.ref("stock.stock_location_customers"),
            )
        return True
