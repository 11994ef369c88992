from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow_step


class AftersalesReplacementNotice(models.Model):
    """The spare replacement notice (故障处理备品替换通知): a loaner or spare
    stands in for a unit that went back to the factory. The dispatch order
    that reinstalls the repaired unit takes the notice back; a scrapped unit
    makes the substitution permanent (正式代替)."""

    _name = "aftersales.replacement.notice"
    _description = "Spare Replacement Notice"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.replacement.notice"
    _order = "id desc"
    _check_company_auto = True
    _workflow_fields = ("state", "closing_dispatch_id", "closed_on", "scrap_request_id")

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Request",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    repair_id = fields.Many2one(
        "repair.order", string="Off-Site Repair", index="btree_not_null"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit Sent Back",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    loaner_id = fields.Many2one("aftersales.loaner", index="btree_not_null")
    replacement_lot_id = fields.Many2one(
        "stock.lot",
        string="Replaced By",
        required=True,
        check_company=True,
        help="The loaner or spare unit that stands in for the unit.",
    )
    issued_on = fields.Date(required=True, default=fields.Date.context_today)
    explanation = fields.Text(
        string="Explained To Customer",
        help="What the customer was told about the unit going back to the factory.",
    )
    state = fields.Selection(
        [("open", "Open"), ("closed", "Taken Back"), ("permanent", "Permanent")],
        string="Status",
        default="open",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    closing_dispatch_id = fields.Many2one(
        "aftersales.dispatch",
        string="Taken Back By",
        readonly=True,
        copy=False,
        help="The dispatch order that reinstalled the repaired unit.",
    )
    closed_on = fields.Date(readonly=True, copy=False)
    scrap_request_id = fields.Many2one(
        "aftersales.scrap.request", readonly=True, copy=False
    )
    remarks = fields.Text(
        help="Remarks (备注栏): the permanent substitution is written here when "
        "the unit is scrapped."
    )

    @api.model_create_multi
    def create(self, vals_list):
        notices = super().create(vals_list)
        for notice in notices:
            notice.ticket_id.message_post(
                body=_(
                    "Spare replacement notice %(notice)s: %(spare)s stands in for "
                    "%(unit)s.",
                    notice=notice._get_html_link(),
                    spare=notice.replacement_lot_id.display_name,
                    unit=notice.lot_id.display_name,
                )
            )
        return notices

    @workflow_step
    def _close(self, dispatch):
        """Take the notices back with the dispatch order that reinstalled the
        repaired unit."""
        opened = self.filtered(lambda n: n.state == "open")
        opened.write(
            {
                "state": "closed",
                "closing_dispatch_id": dispatch.id,
                "closed_on": fields.Date.context_today(dispatch),
            }
        )
        for notice in opened:
            notice.message_post(
                body=_(
                    "Taken back with dispatch order %(dispatch)s.",
                    dispatch=dispatch._get_html_link(),
                )
            )

    @workflow_step
    def _make_permanent(self, scrap_request):
        """The unit is scrapped: its stand-in replaces it for good."""
        for notice in self.filtered(lambda n: n.state == "open"):
            remark = _(
                "Permanent substitution: %(unit)s is scrapped under %(scrap)s and "
                "%(spare)s replaces it for good.",
                unit=notice.lot_id.display_name,
                scrap=scrap_request.name,
                spare=notice.replacement_lot_id.display_name,
            )
            notice.write(
                {
                    "state": "permanent",
                    "scrap_request_id": scrap_request.id,
                    "remarks": "\n".join(filter(None, [notice.remarks, remark])),
                }
            )
            notice.message_post(body=remark)
        self.loaner_id._keep_for_good(scrap_request)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_open(self):
        if self.filtered(lambda n: n.state != "open"):
            raise UserError(
                _("A notice that was taken back or made permanent is kept on file.")
            )
