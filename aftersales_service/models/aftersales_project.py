from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_list

ENGINEER_GROUP = "aftersales_service.group_aftersales_engineer"


class AftersalesProject(models.Model):
    """A customer's equipment project (B1, B3, B5): usually one sale order,
    its delivered units, the technical documents issued to the customer and
    the design support given (设计配合), the handover archive (竣工交接) and
    the engineer dedicated to the customer during trial operation (试运行).

    A record of the add-on's own rather than Odoo's ``project.project``: the
    equipment project is tied to one sale order, its units and their
    acceptance, where ``project.project`` is a task board with stages,
    timesheets, its own portal and roles that the back office would not use.
    """

    _name = "aftersales.project"
    _description = "Equipment Project"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.project"
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "title", "sale_order_id"]

    title = fields.Char(
        string="Project",
        required=True,
        tracking=True,
        help="What the customer calls the project, for example the line or "
        "station the equipment is installed for.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
        help="The order the project's equipment was sold on: its delivered "
        "serial numbers are the project's units.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="sale_order_id.partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    warranty_ids = fields.Many2many(
        "aftersales.warranty",
        string="Unit Warranties",
        compute="_compute_units",
        help="The warranties of the serial numbers delivered on the sales order.",
    )
    lot_ids = fields.Many2many("stock.lot", string="Units", compute="_compute_units")
    unit_count = fields.Integer(compute="_compute_units")
    delivery_date = fields.Datetime(
        string="Delivered On",
        compute="_compute_units",
        help="The first delivery of the project's units: trial operation starts here.",
    )
    trial_state = fields.Selection(
        [
            ("before_delivery", "Not Delivered"),
            ("trial", "Trial Operation"),
            ("accepted", "Accepted"),
        ],
        string="Stage",
        compute="_compute_units",
        help="Trial operation (试运行) runs from the delivery until every unit "
        "is accepted.",
    )
    trial_engineer_id = fields.Many2one(
        "res.users",
        string="Trial-Operation Engineer",
        tracking=True,
        domain=lambda self: [
            ("share", "=", False),
            ("all_group_ids", "in", self.env.ref(ENGINEER_GROUP).ids),
        ],
        help="The engineer dedicated to the customer during trial operation "
        "(专职工程师): the customer's requests about the project's units, "
        "reported between delivery and acceptance, go to them.",
    )
    document_ids = fields.One2many(
        "aftersales.project.document", "project_id", string="Documents"
    )
    support_ids = fields.One2many(
        "aftersales.project.support", "project_id", string="Design Support"
    )
    handover_ids = fields.One2many(
        "aftersales.project.handover", "project_id", string="Handover Archive"
    )
    handover_missing = fields.Char(
        string="Missing Handover Documents",
        compute="_compute_handover_missing",
        help="The documents of the handover checklist not yet handed over.",
    )
    installation_ids = fields.Many2many(
        "aftersales.installation",
        string="Installation Jobs",
        compute="_compute_installation",
        help="The installation jobs of the project's sales order (指导安装).",
    )
    commissioning_ids = fields.Many2many(
        "aftersales.commissioning",
        string="Commissioning Records",
        compute="_compute_installation",
        help="The commissioning records (调试记录) of the project's units.",
    )
    note = fields.Html()

    _sale_order_unique = models.Constraint(
        "UNIQUE(sale_order_id)",
        "A sales order has one equipment project: open the existing one.",
    )

    @api.depends("sale_order_id")
    def _compute_units(self):
        warranties = self.env["aftersales.warranty"].search(
            [("sale_order_id", "in", self.sale_order_id.ids)]
        )
        for project in self:
            mine = warranties.filtered(
                lambda w, order=project.sale_order_id: w.sale_order_id == order
            )
            project.warranty_ids = mine
            project.lot_ids = mine.lot_id
            project.unit_count = len(mine)
            delivered = [date for date in mine.mapped("delivery_date") if date]
            project.delivery_date = min(delivered) if delivered else False
            if not mine:
                project.trial_state = "before_delivery"
            elif any(w.state == "awaiting" for w in mine):
                project.trial_state = "trial"
            else:
                project.trial_state = "accepted"

    @api.depends("sale_order_id")
    def _compute_installation(self):
        jobs = self.env["aftersales.installation"].search(
            [("sale_order_id", "in", self.sale_order_id.ids)]
        )
        records = self.env["aftersales.commissioning"].search(
            [("installation_id", "in", jobs.ids)]
        )
        for project in self:
            mine = jobs.filtered(
                lambda j, order=project.sale_order_id: j.sale_order_id == order
            )
            project.installation_ids = mine
            project.commissioning_ids = records.filtered(
                lambda r, mine=mine: r.installation_id in mine
            )

    @api.depends("handover_ids.state", "handover_ids.name")
    def _compute_handover_missing(self):
        for project in self:
            missing = project.handover_ids.filtered(lambda i: i.state != "handed_over")
            project.handover_missing = format_list(self.env, missing.mapped("name"))

    @api.constrains("trial_engineer_id")
    def _check_trial_engineer(self):
        for project in self.filtered("trial_engineer_id"):
            engineer = project.trial_engineer_id
            if engineer.share or not engineer.has_group(ENGINEER_GROUP):
                raise ValidationError(
                    _(
                        "Trial-Operation Engineer: %(user)s is not one of the "
                        "service engineers. Pick a user of the Engineer group.",
                        user=engineer.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        projects = super().create(vals_list)
        self.env["aftersales.project.handover"]._fill_from_template(projects)
        return projects

    def write(self, vals):
        if "sale_order_id" in vals and self.filtered(
            lambda p: p.sale_order_id.id != vals["sale_order_id"]
        ):
            raise UserError(
                _(
                    "Sales Order: a project stays with the order it was opened "
                    "for, whose units it holds. Open a project for the other "
                    "order instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_keeps_issued(self):
        kept = self.filtered(
            lambda p: (
                p.document_ids.filtered(lambda d: d.state != "draft")
                or p.handover_ids.filtered(lambda i: i.state == "handed_over")
            )
        )
        self._refuse_unlink(
            kept,
            _(
                "documents were issued or handed over to the customer on it, and "
                "the project keeps them on file."
            ),
        )

    def _compute_display_name(self):
        for project in self:
            project.display_name = f"{project.name} {project.title or ''}".strip()

    # Trial operation (B5): the dedicated engineer gets the customer's requests.

    @api.model
    def _assign_trial_engineers(self, vals_list):
        """Give each new request reported without an owner, by a customer
        whose project is in trial operation, to that project's dedicated
        engineer: about one of its units still in trial (delivered, not yet
        accepted when reported), or about no unit while any is. One search
        for all the requests."""
        now = fields.Datetime.now()

        def reported(vals):
            return fields.Datetime.to_datetime(vals.get("reported_at")) or now

        pending = [v for v in vals_list if not v.get("user_id") and v.get("partner_id")]
        # A request about a unit that was not in trial then needs no project:
        # the unit's warranties tell (the request's coverage reads them too).
        lots = (
            self.env["stock.lot"]
            .sudo()
            .browse({v["lot_id"] for v in pending if v.get("lot_id")})
        )
        lots.warranty_ids.fetch(
            [
                "lot_id",
                "delivery_date",
                "state",
                "acceptance_date",
                # What the coverage's look-up reads (_domain_valid_on).
                "start_date",
                "end_date",
                "closed_on",
            ]
        )
        pending = [
            v
            for v in pending
            if not v.get("lot_id")
            or any(
                w._in_trial(reported(v)) for w in lots.browse(v["lot_id"]).warranty_ids
            )
        ]
        if not pending:
            return
        Partner = self.env["res.partner"].sudo()
        customers = Partner.browse({v["partner_id"] for v in pending})
        companies = [v.get("company_id") or self.env.company.id for v in pending]
        projects = self.sudo().search(
            [
                ("partner_id", "in", customers.commercial_partner_id.ids),
                ("trial_engineer_id", "!=", False),
                ("company_id", "in", companies),
            ]
        )
        if not projects:
            return
        for vals in pending:
            customer = Partner.browse(vals["partner_id"]).commercial_partner_id
            for project in projects.filtered(lambda p, c=customer: p.partner_id == c):
                if project._in_trial(reported(vals), vals.get("lot_id")):
                    vals["user_id"] = project.trial_engineer_id.id
                    break

    def _in_trial(self, moment, lot_id=False):
        """Whether the project's unit ``lot_id`` (any of its units when none
        is given) was in trial operation at ``moment`` (naive UTC): delivered
        and not yet accepted."""
        self.ensure_one()
        warranties = self.warranty_ids
        if lot_id:
            warranties = warranties.filtered(lambda w: w.lot_id.id == lot_id)
        return any(w._in_trial(moment) for w in warranties)

    # Handover (B3): where the company requires it, acceptance waits for it.

    @api.model
    def _blocks_acceptance(self, warranties):
        """The reasons, one per unit, why these warranties can't be accepted
        yet: their company requires the handover archive, and their
        project's checklist still lacks documents."""
        warranties = warranties.filtered("company_id.aftersales_handover_required")
        if not warranties:
            return []
        projects = self.sudo().search(
            [("sale_order_id", "in", warranties.sale_order_id.ids)]
        )
        reasons = []
        for warranty in warranties:
            project = projects.filtered(
                lambda p, w=warranty: p.sale_order_id == w.sale_order_id
            )
            if project.handover_missing:
                reasons.append(
                    _(
                        "%(unit)s: the handover archive of %(project)s still lacks "
                        "%(documents)s. Hand them over first (Handover Archive on "
                        "the project).",
                        unit=warranty.lot_id.name,
                        project=project.display_name,
                        documents=project.handover_missing,
                    )
                )
        return reasons

    def action_view_units(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "aftersales_service.action_aftersales_warranty"
        )
        action["domain"] = [("id", "in", self.warranty_ids.ids)]
        action["context"] = {}
        return action
