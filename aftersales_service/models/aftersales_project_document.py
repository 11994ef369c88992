from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .aftersales_integrity_mixin import workflow_step

DOCUMENT_KINDS = [
    ("drawing", "Drawing"),
    ("manual", "Manual"),
    ("specification", "Specification"),
    ("proposal", "Proposal"),
    ("other", "Other"),
]
# What an issued version keeps as it was issued.
ISSUED_FIELDS = (
    "project_id",
    "name",
    "kind",
    "version",
    "issue_date",
    "file",
    "file_name",
    "received_by",
    "previous_id",
)


def _same_version(first, second):
    return first.strip().casefold() == second.strip().casefold()


class AftersalesProjectDocument(models.Model):
    """One version of a technical document issued to the customer (B1: 图纸、
    技术资料): a drawing, a manual, a specification. A new version supersedes
    the one it names; the old version stays on file, marked superseded."""

    _name = "aftersales.project.document"
    _description = "Project Document"
    _inherit = ["aftersales.project.line.mixin", "mail.thread"]
    _order = "project_id, name, id desc"
    _workflow_fields = ("state",)

    name = fields.Char(string="Document", required=True, tracking=True)
    kind = fields.Selection(DOCUMENT_KINDS, required=True, default="drawing")
    version = fields.Char(required=True, default="V1", tracking=True)
    issue_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    file = fields.Binary(attachment=True, copy=False)
    file_name = fields.Char(copy=False)
    received_by = fields.Char(
        tracking=True, help="Who received the document for the customer."
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Units Concerned",
        help="The units this document concerns; none: all units of the project.",
    )
    unit_ids = fields.Many2many(
        "stock.lot",
        string="Units",
        compute="_compute_unit_ids",
        search="_search_unit_ids",
        help="The units the document concerns: those named, else all the "
        "project's units.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("issued", "Issued"), ("superseded", "Superseded")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    previous_id = fields.Many2one(
        "aftersales.project.document",
        string="Supersedes",
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="The issued version this version replaces once issued.",
    )
    superseded_by_id = fields.Many2one(
        "aftersales.project.document",
        compute="_compute_superseded_by_id",
    )
    note = fields.Text()

    _previous_unique = models.Constraint(
        "UNIQUE(previous_id)",
        "A document version is superseded once: supersede its newest version.",
    )

    @api.depends("lot_ids", "project_id")
    def _compute_unit_ids(self):
        for document in self:
            document.unit_ids = document.lot_ids or document.project_id.lot_ids

    def _search_unit_ids(self, operator, value):
        """Documents naming these units, and those of their projects naming
        no unit; by id or by serial number."""
        Lot = self.env["stock.lot"].sudo()
        if operator == "in":
            lots = Lot.browse([v for v in value if isinstance(v, int)])
        elif operator == "any":
            lots = Lot.search(value)
        else:
            return NotImplemented
        return [
            "|",
            ("lot_ids", "in", lots.ids),
            "&",
            ("lot_ids", "=", False),
            ("project_id.sale_order_id", "in", lots.warranty_ids.sale_order_id.ids),
        ]

    @api.model
    def _concerning(self, lot_id):
        """The issued documents (current and superseded) that concern the
        unit ``lot_id``, searched with the caller's rights."""
        return self.search([("state", "!=", "draft"), ("unit_ids", "in", [lot_id])])

    def _compute_superseded_by_id(self):
        later = self.search([("previous_id", "in", self.ids)]) if self.ids else self
        for document in self:
            document.superseded_by_id = later.filtered(
                lambda d, doc=document: d.previous_id == doc
            )[:1]

    @api.constrains("previous_id", "version", "project_id")
    def _check_previous(self):
        for document in self.filtered("previous_id"):
            previous = document.previous_id
            if previous.project_id != document.project_id:
                raise ValidationError(
                    _(
                        "Supersedes: %(previous)s belongs to another project; a "
                        "version supersedes a document of its own project.",
                        previous=previous.display_name,
                    )
                )
            if previous.state == "draft":
                raise ValidationError(
                    _(
                        "Supersedes: %(previous)s was never issued; edit the "
                        "draft instead of superseding it.",
                        previous=previous.display_name,
                    )
                )
            if _same_version(previous.version, document.version):
                raise ValidationError(
                    _(
                        "Version: %(name)s %(version)s is the version it "
                        "supersedes; give the new version its own number, for "
                        "example v2.",
                        name=document.name,
                        version=document.version,
                    )
                )

    @api.constrains("lot_ids", "project_id")
    def _check_units(self):
        for document in self:
            strangers = document.lot_ids - document.project_id.lot_ids
            if strangers:
                raise ValidationError(
                    _(
                        "Units Concerned: %(units)s are not units of project "
                        "%(project)s.",
                        units=", ".join(strangers.mapped("name")),
                        project=document.project_id.display_name,
                    )
                )

    def write(self, vals):
        frozen = set(vals) & set(ISSUED_FIELDS)
        if frozen and self.filtered(lambda d: d.state != "draft"):
            raise UserError(
                _(
                    "%(document)s was issued to the customer and is kept as "
                    "issued; issue a new version instead (New Version).",
                    document=self.filtered(lambda d: d.state != "draft")[
                        0
                    ].display_name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_keeps_issued(self):
        self._refuse_unlink(
            self.filtered(lambda d: d.state != "draft"),
            _("it was issued to the customer; issue a new version instead."),
        )

    def _compute_display_name(self):
        for document in self:
            document.display_name = f"{document.name} {document.version or ''}".strip()

    @workflow_step
    def action_issue(self):
        """Issue these draft versions to the customer; each supersedes the
        version it names."""
        for document in self:
            if document.state != "draft":
                raise UserError(
                    _("%(document)s is issued already.", document=document.display_name)
                )
            if not document.file:
                raise UserError(
                    _(
                        "%(document)s: attach the file issued to the customer "
                        "(File) first.",
                        document=document.display_name,
                    )
                )
            if document.issue_date > fields.Date.context_today(document):
                raise UserError(
                    _(
                        "%(document)s: the Issue Date %(date)s is still to come; "
                        "issue the document on the day the customer receives it.",
                        document=document.display_name,
                        date=document.issue_date,
                    )
                )
            if not (document.received_by or "").strip():
                raise UserError(
                    _(
                        "%(document)s: enter who received it for the customer "
                        "(Received By).",
                        document=document.display_name,
                    )
                )
            if document.previous_id.state == "superseded":
                raise UserError(
                    _(
                        "%(previous)s is superseded already; supersede its newest "
                        "version.",
                        previous=document.previous_id.display_name,
                    )
                )
        self.previous_id.state = "superseded"
        self.state = "issued"
        for document in self.filtered("previous_id"):
            document.project_id.message_post(
                body=_(
                    "%(document)s issued, superseding %(previous)s.",
                    document=document.display_name,
                    previous=document.previous_id.display_name,
                )
            )
        return True

    def action_new_version(self):
        """Open a new draft version of this issued document."""
        self.ensure_one()
        if self.state != "issued":
            raise UserError(
                _(
                    "%(document)s: only the issued, current version is superseded.",
                    document=self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("New Version of %(document)s", document=self.display_name),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_project_id": self.project_id.id,
                "default_previous_id": self.id,
                "default_name": self.name,
                "default_kind": self.kind,
                "default_version": False,
                "default_lot_ids": self.lot_ids.ids,
            },
        }
