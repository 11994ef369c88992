from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import lock_rows
from .aftersales_roles import check_role

# What was approved for scrapping; frozen once approved.
FROZEN_FIELDS = {"product_id", "lot_id", "quantity", "location_id"}


class AftersalesScrapRequest(models.Model):
    """A scrap request (报废): a unit or part that can't be used again, with
    the reason and the findings of the appraisal group (临时技术鉴定小组).
    The group approves it through tier reviews; only then does the warehouse
    scrap it in stock, and the scrap record (报废品处理记录) prints."""

    _name = "aftersales.scrap.request"
    _description = "Scrap Request"
    _approval_requester_field = "requester_id"
    _approval_frozen_fields = FROZEN_FIELDS
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "aftersales.approval.mixin",
    ]
    _aftersales_sequence_code = "aftersales.scrap.request"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "scrap_id", "done_by_id", "done_at")
    _number_bounds = {"quantity": (None, 1e6)}

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('is_storable', '=', True)]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index="btree_not_null",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    tracking = fields.Selection(related="product_id.tracking")
    quantity = fields.Float(
        default=1.0, required=True, digits="Product Unit of Measure"
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Taken From",
        required=True,
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        default=lambda self: (
            self.env["stock.warehouse"]
            ._aftersales_main(self.env.company)
            .aftersales_repair_location_id
        ),
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Request", index="btree_not_null", check_company=True
    )
    reason = fields.Selection(
        [
            ("obsolete", "Product replaced by a new generation"),
            ("repair_failed", "Repair at the factory failed"),
            ("damaged", "Damaged beyond repair"),
            ("other", "Other"),
        ],
        required=True,
        default="repair_failed",
        help="Why the unit or part is scrapped (因产品换代或返厂维修无效或其他原因).",
    )
    reason_details = fields.Text(string="Details")
    appraisal = fields.Html(
        string="Appraisal Findings",
        help="What the appraisal group found when it examined the unit or part.",
    )
    disposal_method = fields.Char(
        help="How the scrap is disposed of, as approved "
        "(按审批同意的报废方法进行处理).",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "aftersales_scrap_request_attachment_rel",
        "request_id",
        "attachment_id",
        string="Photos",
    )
    requester_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("done", "Scrapped"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    scrap_id = fields.Many2one("stock.scrap", readonly=True, copy=False)
    done_by_id = fields.Many2one("res.users", string="Scrapped By", readonly=True)
    done_at = fields.Datetime(string="Scrapped On", readonly=True, copy=False)
    notice_ids = fields.One2many(
        "aftersales.replacement.notice", "scrap_request_id", string="Notices"
    )

    @api.constrains("quantity", "lot_id", "product_id")
    def _check_quantity(self):
        for request in self:
            if request.quantity <= 0:
                raise ValidationError(
                    _("Scrap request: the quantity must be positive (for example 1).")
                )
            if request.product_id.tracking == "serial" and not request.lot_id:
                raise ValidationError(
                    _(
                        "Scrap request: %(product)s is tracked by serial number; "
                        "enter the serial number to scrap.",
                        product=request.product_id.display_name,
                    )
                )
            if (
                request.lot_id
                and request.quantity != 1
                and (request.product_id.tracking == "serial")
            ):
                raise ValidationError(
                    _("Scrap request: a serial number is scrapped one at a time.")
                )

    # Tier validation ----------------------------------------------------------

    def _approval_frozen_message(self):
        return _(
            "What is scrapped, how much and from where can't change once "
            "the scrap request is approved."
        )

    def _check_reviewer(self):
        # The requester is told why at the review itself (_validate_tier).
        if not self.can_review and self.requester_id != self.env.user:
            raise UserError(
                _(
                    "Scrap request %(name)s: only the appraisal group approves "
                    "scraps, once the review is requested.",
                    name=self.name,
                )
            )

    @workflow_step
    def _validate_tier(self, tiers=False):
        # Reached from the Validate button and from the comment wizard.
        if self.requester_id == self.env.user:
            raise UserError(
                _(
                    "Scrap request %(name)s: you asked for this scrap, so someone "
                    "else in the appraisal group approves it.",
                    name=self.name,
                )
            )
        lock_rows(
            self,
            _(
                "Scrap request %(name)s is being reviewed or scrapped by another "
                "user. Reload it.",
                name=self.name,
            ),
        )
        return super()._validate_tier(tiers)

    def _approve(self):
        self.state = "approved"
        self._message_log(body=_("Approved by the appraisal group."))

    # Scrap ------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        self._refuse_unlink(
            self.filtered(lambda r: r.state in ("approved", "done")),
            _("the appraisal group approved it. Cancel it if it is not scrapped."),
        )

    @workflow_step
    def action_scrap(self):
        """Carry out the approved scrap: a validated stock scrap."""
        check_role(
            self.env,
            "aftersales_service.group_aftersales_warehouse",
            _("Only warehouse users carry out scraps."),
        )
        for request in self:
            lock_rows(
                request,
                _(
                    "Scrap request %(name)s is being scrapped by another user. "
                    "Reload it.",
                    name=request.name,
                ),
            )
            if request.state == "done":
                raise UserError(
                    _("Scrap request %(name)s is already scrapped.", name=request.name)
                )
            if request.state != "approved" or request.validation_status != "validated":
                raise UserError(
                    _(
                        "Scrap request %(name)s is not approved by the appraisal "
                        "group yet.",
                        name=request.name,
                    )
                )
            scrap = self.env["stock.scrap"].create(request._prepare_scrap_vals())
            if not scrap.check_available_qty():
                raise UserError(
                    _(
                        "Scrap request %(name)s: %(product)s is not in %(location)s "
                        "in that quantity. Correct the location before scrapping.",
                        name=request.name,
                        product=(request.lot_id or request.product_id).display_name,
                        location=request.location_id.display_name,
                    )
                )
            scrap.with_context(skip_sms=True).do_scrap()
            request.write(
                {
                    "state": "done",
                    "scrap_id": scrap.id,
                    "done_by_id": self.env.uid,
                    "done_at": fields.Datetime.now(),
                }
            )
            if request.lot_id:
                self.env["aftersales.replacement.notice"].sudo().search(
                    [("lot_id", "=", request.lot_id.id), ("state", "=", "open")]
                )._make_permanent(request)
        return True

    def _prepare_scrap_vals(self):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "product_id": self.product_id.id,
            "product_uom_id": self.product_id.uom_id.id,
            "lot_id": self.lot_id.id,
            "scrap_qty": self.quantity,
            "location_id": self.location_id.id,
            "origin": self.name,
        }

    @workflow_step
    def action_cancel(self):
        if self.filtered(lambda r: r.state == "done"):
            raise UserError(_("A scrap that was carried out can't be cancelled."))
        self.write({"state": "cancelled"})
        return True

    @workflow_step
    def action_draft(self):
        self.filtered(lambda r: r.state == "cancelled").write({"state": "draft"})
        return True


class TierDefinition(models.Model):
    _inherit = "tier.definition"

    @api.model
    def _get_tier_validation_model_names(self):
        # Scrap requests (the appraisal group), special service periods
        # (the service manager) and spare purchase requisitions (purchasing)
        # are approved through tier reviews.
        return super()._get_tier_validation_model_names() + [
            "aftersales.scrap.request",
            "aftersales.service.period",
            "aftersales.spare.requisition",
        ]
