from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, plaintext2html

from .aftersales_integrity_mixin import workflow_step

# What the finding stamps on the document: only its action writes them.
UNREPAIRABLE_FIELDS = (
    "aftersales_unrepairable_by_id",
    "aftersales_unrepairable_at",
    "aftersales_unrepairable_evidence",
)


class AftersalesUnrepairableMixin(models.AbstractModel):
    """E3: a document about a unit (the dispatch order on site, the repair
    order at the repair centre) on which the unit is found unrepairable
    (无法修复), with the evidence: what was found and what was tried (鉴定
    结论). The unit (``stock.lot``) owns the rule that follows: a unit under
    warranty is due for a free replacement, as in W5.

    A document says who may record the finding and when
    (``_aftersales_unrepairable_check``), the day and cause of the fault
    (``_aftersales_unrepairable_fault``) and its request
    (``_aftersales_unrepairable_ticket``). It lists ``UNREPAIRABLE_FIELDS``
    among its ``_workflow_fields``."""

    _name = "aftersales.unrepairable.mixin"
    _description = "After-Sales Unrepairable Finding"

    aftersales_unrepairable_by_id = fields.Many2one(
        "res.users", string="Found Unrepairable By", readonly=True, copy=False
    )
    aftersales_unrepairable_at = fields.Datetime(
        string="Found Unrepairable On", readonly=True, copy=False
    )
    aftersales_unrepairable_evidence = fields.Text(
        string="Appraisal Finding",
        readonly=True,
        copy=False,
        help="What was found and what was tried before concluding that the unit "
        "can't be repaired (鉴定结论).",
    )

    def _aftersales_unrepairable_check(self, env):
        """Refuse, with what to do, unless the user of ``env`` may record the
        finding on this document now. Called as the system on the document."""
        raise NotImplementedError

    def _aftersales_unrepairable_fault(self):
        """(day, cause) of the fault: the warranty must cover that day."""
        raise NotImplementedError

    def _aftersales_unrepairable_ticket(self):
        """The request the document serves, if any."""
        raise NotImplementedError

    def action_aftersales_unrepairable(self):
        """Open the form that records the finding, once the user may."""
        self.ensure_one()
        self.sudo()._aftersales_unrepairable_check(self.env)
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.unrepairable.finding",
            "name": _("Can't Be Repaired"),
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": self._name,
                "default_res_id": self.id,
            },
        }

    @workflow_step
    def _aftersales_record_unrepairable(self, evidence, attachments=None):
        """Record that the unit can't be repaired, with ``evidence`` (a text)
        and optionally ``attachments`` (photos, reports the user uploaded),
        and make the unit due for its free replacement. All of it, or
        nothing."""
        self.ensure_one()
        if not isinstance(evidence, str) or not evidence.strip():
            raise UserError(
                _(
                    "Appraisal Finding: describe what was found and what was "
                    "tried before concluding that the unit can't be repaired."
                )
            )
        document = self.sudo()
        document._aftersales_unrepairable_check(self.env)
        if document.aftersales_unrepairable_at:
            raise UserError(
                _(
                    "%(document)s already records that its unit can't be repaired "
                    "(by %(user)s on %(date)s).",
                    document=document.display_name,
                    user=document.aftersales_unrepairable_by_id.name,
                    date=format_datetime(self.env, document.aftersales_unrepairable_at),
                )
            )
        if not document.lot_id:
            raise UserError(
                _(
                    "%(document)s has no unit: set the unit (serial number) first.",
                    document=document.display_name,
                )
            )
        day, cause = document._aftersales_unrepairable_fault()
        document.lot_id._aftersales_record_unrepairable(document, day, cause)
        evidence = evidence.strip()
        document.write(
            {
                "aftersales_unrepairable_by_id": self.env.uid,
                "aftersales_unrepairable_at": fields.Datetime.now(),
                "aftersales_unrepairable_evidence": evidence,
            }
        )
        attachments = document._aftersales_take_attachments(attachments)
        body = Markup("<p>%s</p>%s") % (
            _(
                "Can't be repaired (appraisal finding by %(user)s): a free "
                "replacement of unit %(unit)s is due.",
                user=self.env.user.name,
                unit=document.lot_id.name,
            ),
            plaintext2html(evidence),
        )
        author = self.env.user.partner_id.id
        document.message_post(
            body=body, attachment_ids=attachments.ids, author_id=author
        )
        ticket = document._aftersales_unrepairable_ticket().sudo()
        if ticket:
            ticket.message_post(
                body=_(
                    "Unit %(unit)s can't be repaired (found on %(document)s by "
                    "%(user)s): a free replacement is due (see the unit).",
                    unit=document.lot_id.name,
                    document=document.display_name,
                    user=self.env.user.name,
                ),
                author_id=author,
            )
        return True

    def _aftersales_take_attachments(self, attachments):
        """The files the user uploaded for the finding, moved onto this
        document. Files of other records, or uploaded by someone else, are
        left where they are."""
        self.ensure_one()
        attachments = (attachments or self.env["ir.attachment"]).sudo()
        mine = attachments.filtered(
            lambda a: (
                a.create_uid.id == self.env.uid
                and (
                    a.res_model in ("aftersales.unrepairable.finding", False)
                    or not a.res_id
                )
            )
        )
        mine.write({"res_model": self._name, "res_id": self.id})
        return mine
