from odoo import _, api, fields, models
from odoo.tools import SQL

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches


class AftersalesCampaignNotice(models.Model):
    """The notice of a campaign to one customer (通知用户): one per campaign
    and customer, whatever the number of their units, sent once in their
    language by the scheduled action, listing their units."""

    _name = "aftersales.campaign.notice"
    _description = "Campaign Notice"
    _inherit = ["aftersales.integrity.mixin", "mail.thread"]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"
    _workflow_fields = ("campaign_id", "partner_id", "state", "sent_at")

    campaign_id = fields.Many2one(
        "aftersales.campaign",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    kind = fields.Selection(related="campaign_id.kind")
    title = fields.Char(related="campaign_id.title")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    state = fields.Selection(
        [("pending", "To Send"), ("sent", "Sent")],
        string="Status",
        default="pending",
        required=True,
        index=True,
    )
    sent_at = fields.Datetime(string="Sent On", readonly=True)
    line_ids = fields.One2many(
        "aftersales.campaign.line", "notice_id", string="Units", readonly=True
    )

    _customer_once = models.Constraint(
        "UNIQUE (campaign_id, partner_id)",
        "A customer gets one notice per campaign.",
    )

    @api.depends("campaign_id.name", "partner_id.name")
    def _compute_display_name(self):
        for notice in self:
            notice.display_name = (
                f"{notice.campaign_id.name} · {notice.partner_id.display_name}"
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_unlink(self, _("it is the record of what was sent."))

    @api.model
    def _cron_send_notices(self, batch_size=200):
        """Send the campaigns' notices still to send, in claimed batches: a
        run stopped halfway and run again, or two runs at once, send each
        notice exactly once."""
        run_in_batches(self, self._pending_domain(), self._send, batch_size)

    @api.model
    def _pending_domain(self):
        return [("state", "=", "pending")]

    @api.model
    @workflow_step
    def _send(self, notices):
        """Mail ``notices`` and mark them, and their units, notified."""
        # A batch retried notice by notice: skip what it sent already.
        notices = notices.filtered(lambda n: n.state == "pending")
        if not notices:
            return
        self.env.ref(
            "aftersales_service.mail_template_campaign_notice"
        ).send_mail_batch(notices.ids)
        now = fields.Datetime.now()
        notices.write({"state": "sent", "sent_at": now})
        self.env["aftersales.campaign.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE aftersales_campaign_line
                      SET state = 'notified', notified_at = %(now)s,
                          write_uid = %(uid)s, write_date = %(now)s
                    WHERE notice_id IN %(notices)s AND state = 'to_notify'""",
                now=now,
                uid=self.env.uid,
                notices=tuple(notices.ids),
            )
        )
        self.env["aftersales.campaign.line"].invalidate_model(
            ["state", "notified_at", "write_uid", "write_date"]
        )

    def _units_for_notice(self):
        """The customer's units the notice lists, in serial number order."""
        self.ensure_one()
        return self.line_ids.sorted(lambda line: line.lot_id.name)
