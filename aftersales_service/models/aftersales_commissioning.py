from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_list, plaintext2html

from .aftersales_integrity_mixin import workflow_step


class AftersalesCommissioning(models.Model):
    """The commissioning record of one unit (测试和调试记录): each test item
    of the product's checklist with its standard and measured values and the
    result, the engineer, the time and the customer's signature. Signed, it
    is frozen; it passed when every item passed. Where the product requires
    commissioning, the unit's acceptance waits for a passed record."""

    _name = "aftersales.commissioning"
    _description = "Commissioning Record"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.commissioning"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "signed_at", "ticket_id")

    installation_id = fields.Many2one(
        "aftersales.installation",
        string="Installation Job",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="installation_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="installation_id.partner_id", string="Customer", store=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    product_id = fields.Many2one(related="lot_id.product_id", string="Product")
    engineer_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    tested_at = fields.Datetime(
        string="Tested On", default=fields.Datetime.now, tracking=True
    )
    line_ids = fields.One2many(
        "aftersales.commissioning.line", "commissioning_id", string="Test Items"
    )
    state = fields.Selection(
        [("draft", "To Sign"), ("passed", "Passed"), ("failed", "Failed")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    remarks = fields.Text()
    signer_name = fields.Char(
        string="Signed By", help="The customer's representative who signs."
    )
    signature = fields.Binary(copy=False, attachment=True)
    signed_at = fields.Datetime(string="Signed On", readonly=True, copy=False)
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        readonly=True,
        copy=False,
        help="The request opened for the failed items.",
    )
    failed_count = fields.Integer(compute="_compute_counts")
    todo_count = fields.Integer(string="Items To Test", compute="_compute_counts")

    @api.depends("line_ids.result")
    def _compute_counts(self):
        for record in self:
            record.failed_count = len(
                record.line_ids.filtered(lambda line: line.result == "fail")
            )
            record.todo_count = len(
                record.line_ids.filtered(lambda line: not line.result)
            )

    def write(self, vals):
        # The workflow's own facts (the integrity mixin guards them) are
        # stamped as the record is signed; nothing else changes once signed.
        if set(vals) - {"message_main_attachment_id", *self._workflow_fields}:
            self._check_open()
        return super().write(vals)

    def _check_open(self):
        """A signed record keeps what was signed."""
        signed = self.filtered(lambda record: record.state != "draft")
        if signed:
            raise UserError(
                _(
                    "Commissioning record %(name)s is signed and can't be changed. "
                    "To test the unit again, start a new record (Test Again).",
                    name=signed[0].name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        self._refuse_unlink(
            self.filtered(lambda record: record.state != "draft"),
            _("it was signed by the customer and stays with the unit's file."),
        )

    @api.model
    def _prepare_vals(self, installation, lot):
        """A new record of ``lot`` under ``installation``, with the product's
        checklist as its test items."""
        checklist = lot.product_id.product_tmpl_id.aftersales_commissioning_item_ids
        return {
            "installation_id": installation.id,
            "lot_id": lot.id,
            "engineer_id": installation.engineer_ids[:1].id,
            "line_ids": [Command.create(item._spec_vals()) for item in checklist],
        }

    @workflow_step
    def action_sign(self):
        """The customer signs the filled record: it passes when every item
        passed; a failed item opens a request for the unit."""
        self._ensure_state(("draft",), _("it is signed already."))
        for record in self:
            record._check_complete()
        signed_at = fields.Datetime.now()
        for record in self:
            failed = record.failed_count
            record.write(
                {"state": "failed" if failed else "passed", "signed_at": signed_at}
            )
        passed = self.filtered(lambda record: record.state == "passed")
        for record in passed:
            record.lot_id.sudo().warranty_ids._aftersales_commissioned(
                fields.Date.context_today(record, signed_at)
            )
        (self - passed)._open_failure_request()
        return True

    def _check_complete(self):
        """Refuse to sign a record with an item untested, or unsigned."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(
                _(
                    "Commissioning record %(name)s has no test items: add the "
                    "commissioning checklist to product %(product)s first.",
                    name=self.name,
                    product=self.product_id.display_name,
                )
            )
        untested = self.line_ids.filtered(lambda line: not line.result)
        if untested:
            raise UserError(
                _(
                    "Commissioning record %(name)s is not complete: enter the "
                    "measured value or the result of %(items)s before the "
                    "customer signs.",
                    name=self.name,
                    items=format_list(self.env, untested.mapped("name")),
                )
            )
        if not (self.signer_name or "").strip() or not self.signature:
            raise UserError(
                _(
                    "Commissioning record %(name)s: the customer signs with their "
                    "name and signature.",
                    name=self.name,
                )
            )
        if not self.engineer_id:
            raise UserError(
                _(
                    "Commissioning record %(name)s: enter the engineer who tested "
                    "the unit.",
                    name=self.name,
                )
            )

    def _open_failure_request(self):
        """One request per failed record, for the unit, listing the failed
        items: opened when the record is signed, never twice."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        for record in self.filtered(lambda r: r.state == "failed" and not r.ticket_id):
            ticket = Ticket.create(record._prepare_ticket_vals())
            record.ticket_id = ticket
            record.message_post(
                body=_(
                    "Commissioning failed: request %(request)s opened.",
                    request=ticket._get_html_link(),
                )
            )

    def _prepare_ticket_vals(self):
        self.ensure_one()
        failed = self.line_ids.filtered(lambda line: line.result == "fail")
        items = "\n".join(
            self.env._(
                "- %(item)s: measured %(measured)s, standard %(standard)s",
                item=line.name,
                measured=line.measured_value,
                standard=line.expected_text,
            )
            if line.kind != "check"
            else self.env._(
                "- %(item)s: not as expected (%(standard)s)",
                item=line.name,
                standard=line.expected_text,
            )
            for line in failed
        )
        description = _(
            "Commissioning record %(record)s of unit %(unit)s failed:\n%(items)s",
            record=self.name,
            unit=self.lot_id.name,
            items=items,
        )
        return {
            "name": _(
                "Commissioning failed: %(unit)s (%(record)s)",
                unit=self.lot_id.name,
                record=self.name,
            ),
            "description": plaintext2html(description),
            "fault_description": description,
            "partner_id": self.partner_id.id,
            "lot_id": self.lot_id.id,
            "company_id": self.company_id.id,
            "user_id": self.engineer_id.id,
            "channel_id": self.env.ref(
                "aftersales_service.helpdesk_channel_on_site"
            ).id,
        }

    def action_test_again(self):
        """After a failed record, a new one for the same unit, to fill when
        the fault is fixed."""
        self.ensure_one()
        self._ensure_state(("failed",), _("only a failed record is tested again."))
        if self.installation_id.state != "scheduled":
            raise UserError(
                _(
                    "Installation job %(job)s is not running: units are tested "
                    "while their installation job is scheduled.",
                    job=self.installation_id.name,
                )
            )
        # Pressed twice, it opens the record already started.
        retest = self.search(
            [("lot_id", "=", self.lot_id.id), ("state", "=", "draft")], limit=1
        )
        if not retest:
            vals = self._prepare_vals(self.installation_id, self.lot_id)
            retest = self.sudo().create({**vals, "engineer_id": self.env.user.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": retest.id,
            "view_mode": "form",
        }

    @api.model
    def _latest_signed(self, lots):
        """The last signed record of each of ``lots``: {lot: record}."""
        records = self.sudo().search(
            [("lot_id", "in", lots.ids), ("state", "!=", "draft")],
            order="signed_at desc, id desc",
        )
        latest = {}
        for record in records:
            latest.setdefault(record.lot_id, record)
        return latest

    @api.model
    def _blocks_acceptance(self, warranties):
        """Why ``warranties`` can't be accepted yet: the units whose product
        requires commissioning, or whose warranty starts from it, and whose
        last commissioning record has not passed."""
        needs = warranties.filtered(
            lambda w: (
                w.product_id.aftersales_commissioning_required
                or w.start_basis == "commissioning"
            )
        )
        latest = self._latest_signed(needs.lot_id)
        reasons = []
        for warranty in needs:
            record = latest.get(warranty.lot_id)
            if not record:
                reasons.append(
                    _(
                        "Unit %(unit)s: commissioning has not passed yet; its "
                        "commissioning record must be signed as passed first.",
                        unit=warranty.lot_id.name,
                    )
                )
            elif record.state == "failed":
                reasons.append(
                    _(
                        "Unit %(unit)s: its commissioning record %(record)s "
                        "failed; test it again once the fault is fixed.",
                        unit=warranty.lot_id.name,
                        record=record.name,
                    )
                )
        return reasons
