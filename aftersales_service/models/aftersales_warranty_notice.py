import functools
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import format_date, format_list

from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import claim_rows, run_in_batches

NOTICE_KINDS = [
    ("renewal", "Renewal Notice"),
    ("expiry", "Expiry Notice"),
]

# The warranty field that records each kind of notice, and the mail it sends.
_NOTICE_FIELDS = {
    "renewal": "renewal_notice_id",
    "expiry": "expiry_notice_id",
}
_NOTICE_TEMPLATES = {
    "renewal": "aftersales_service.mail_template_warranty_renewal",
    "expiry": "aftersales_service.mail_template_warranty_expiry",
}


def _notice_key(warranty):
    """The notice a warranty goes in: its company, its customer and the
    Monday of the week it ends."""
    end = warranty.end_date
    return (warranty.company_id, warranty.partner_id, end - timedelta(end.weekday()))


def _account_manager(warranties):
    """Who follows the renewal of ``warranties`` (one customer's): the
    salesperson of their sale, else the customer's, else the company's
    escalation supervisor."""
    return (
        warranties.sale_order_id.user_id[:1]
        or warranties.partner_id.user_id[:1]
        or warranties.company_id.aftersales_supervisor_id[:1]
    )


class AftersalesWarrantyNotice(models.Model):
    """A written notice about the end of unit warranties (E1): before the end,
    the renewal notice with the extended-warranty offer (保修期满前十天应提前
    书面通知用户办理续保手续); after an end without renewal, what to watch for
    and the substitutes of discontinued products (终止保修服务后用户应注意的
    事项…替代备品).

    The units of one customer whose warranties end in the same week share one
    notice. Notices are written by the scheduled action only: they are the
    record of what the customer was sent."""

    _name = "aftersales.warranty.notice"
    _description = "Warranty Notice"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.warranty.notice"
    _order = "id desc"
    _check_company_auto = True
    # Whoever may read a notice may note on it (a call with the customer).
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    kind = fields.Selection(NOTICE_KINDS, string="Notice", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    week_start = fields.Date(
        string="Week Of",
        required=True,
        readonly=True,
        help="The Monday of the week in which the units' warranties end.",
    )
    warranty_ids = fields.Many2many(
        "aftersales.warranty",
        "aftersales_warranty_notice_rel",
        "notice_id",
        "warranty_id",
        string="Warranties",
        readonly=True,
    )
    unit_count = fields.Integer(compute="_compute_unit_count")
    contract_id = fields.Many2one(
        "aftersales.contract",
        string="Extended Warranty Offered",
        readonly=True,
        index="btree_not_null",
    )
    sale_order_id = fields.Many2one(
        "sale.order", string="Quotation", readonly=True, index="btree_not_null"
    )

    @api.depends("warranty_ids")
    def _compute_unit_count(self):
        for notice in self:
            notice.unit_count = len(notice.warranty_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        self._refuse_unlink(self, self.env._("it is the record of what was sent."))

    # Scheduled action --------------------------------------------------------

    @api.model
    def _cron_send_notices(self, batch_size=200):
        """Send the units' renewal notices that are due, then the expiry
        notices.

        Warranties are selected by the notice they still need and taken in
        batches (``run_in_batches``): a run that stops halfway and runs again
        notifies each unit exactly once, and two runs at the same time share
        the batches. The batches follow the customers and the end dates, and
        each batch takes the rest of its customers' weeks with it, so the
        units of one customer that end the same week share one notice; a week
        that another run holds in part is left whole to the next run."""
        Warranty = self.env["aftersales.warranty"]
        today = fields.Date.context_today(self)
        for kind in _NOTICE_FIELDS:
            domain = Warranty._notice_domain(kind, today)
            run_in_batches(
                Warranty,
                domain,
                functools.partial(self._send_for, kind, domain),
                batch_size,
                order="partner_id, end_date, id",
            )

    @api.model
    def _send_for(self, kind, domain, warranties):
        """Send the ``kind`` notices of ``warranties`` (and of the other units
        of their customers' weeks that ``domain`` still selects)."""
        field = _NOTICE_FIELDS[kind]
        # A batch retried unit by unit: skip what it notified already.
        warranties = warranties.filtered(lambda w: not w[field])
        if not warranties:
            return
        weeks = {_notice_key(w) for w in warranties}
        mondays = [key[2] for key in weeks]
        companions = warranties.search(
            [
                *domain,
                ("id", "not in", warranties.ids),
                ("partner_id", "in", warranties.partner_id.ids),
                ("end_date", ">=", min(mondays)),
                ("end_date", "<=", max(mondays) + timedelta(days=6)),
            ]
        ).filtered(lambda w: _notice_key(w) in weeks)
        held = claim_rows(companions)
        # A week another run holds part of waits for the next run, whole.
        split = {_notice_key(w) for w in companions - held}
        warranties = (warranties | held).filtered(lambda w: _notice_key(w) not in split)
        if warranties:
            self._send(kind, warranties)

    @workflow_step
    def _send(self, kind, warranties):
        """One notice per customer and week of ``warranties``: created, mailed,
        logged on each unit's warranty, and, before the end, with the
        extended-warranty offer and the account manager's activity."""
        groups = list(warranties.grouped(_notice_key).items())
        notices = self.sudo().create(
            [
                {
                    "kind": kind,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "week_start": monday,
                    "user_id": _account_manager(group).id,
                    "warranty_ids": [Command.set(group.ids)],
                }
                for (company, partner, monday), group in groups
            ]
        )
        for notice, (_key, group) in zip(notices, groups, strict=True):
            group.write({_NOTICE_FIELDS[kind]: notice.id})
        if kind == "renewal":
            notices._offer_extended_warranty()
        self.env.ref(_NOTICE_TEMPLATES[kind]).send_mail_batch(notices.ids)
        notices._log_on_warranties()
        if kind == "renewal":
            notices._schedule_renewal_activities()

    def _offer_extended_warranty(self):
        """The extended-warranty contract (续保合同) and its quotation, for the
        units of each notice, when the company names the product to quote.
        Units the account manager quoted already keep their open quotation,
        which the notice names when it made none."""
        Contract = self.env["aftersales.contract"].sudo()
        for notice in self.filtered(
            lambda n: n.company_id.aftersales_extension_product_id
        ):
            quoted = notice.warranty_ids._open_extension_offers()
            unquoted = notice.warranty_ids.filtered(
                lambda w, units=quoted.lot_ids: w.lot_id not in units
            )
            contract = (
                Contract._offer_extension(unquoted, notice.user_id)
                if unquoted
                else quoted[:1]
            )
            notice.write(
                {"contract_id": contract.id, "sale_order_id": contract.sale_order_id.id}
            )

    def _log_on_warranties(self):
        bodies = {}
        for notice in self:
            body = (
                self.env._(
                    "Renewal notice %(notice)s sent to %(customer)s.",
                    notice=notice.name,
                    customer=notice.partner_id.display_name,
                )
                if notice.kind == "renewal"
                else self.env._(
                    "The warranty ended without renewal; expiry notice %(notice)s "
                    "sent to %(customer)s.",
                    notice=notice.name,
                    customer=notice.partner_id.display_name,
                )
            )
            bodies.update(dict.fromkeys(notice.warranty_ids.ids, body))
        self.env["aftersales.warranty"].browse(bodies)._message_log_batch(bodies)

    def _schedule_renewal_activities(self):
        """The account manager follows the renewal up before the first unit's
        warranty ends."""
        renewal_type = self.env.ref(
            "aftersales_service.mail_activity_type_contract_renewal"
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = []
        for notice in self:
            manager = notice.user_id
            if not manager:
                continue
            manager_env = self.with_context(lang=manager.lang).env
            end = min(notice.warranty_ids.mapped("end_date"))
            summary = manager_env._(
                "Extended warranty for %(units)s before %(end)s",
                units=format_list(
                    manager_env, notice.warranty_ids.lot_id.mapped("name")
                ),
                end=format_date(manager_env, end),
            )
            if not notice.contract_id:
                summary += " " + manager_env._(
                    "(no extended-warranty product is set: quote it by hand)"
                )
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": notice.id,
                    "activity_type_id": renewal_type.id,
                    "user_id": manager.id,
                    "date_deadline": end,
                    "summary": summary,
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(activities)

    def _mark_renewed(self, contracts):
        """The customer took the offer: the renewal activity is done."""
        renewal_type = self.env.ref(
            "aftersales_service.mail_activity_type_contract_renewal"
        )
        for notice in self:
            notice.activity_ids.filtered(
                lambda a: a.activity_type_id == renewal_type
            ).action_feedback(
                feedback=self.env._(
                    "Renewed as %(name)s.",
                    name=(contracts & notice.contract_id).name,
                )
            )

    def _discontinued_products(self):
        """Products of the noticed units that are discontinued, with their
        substitutes, for the expiry notice."""
        self.ensure_one()
        return self.warranty_ids.product_id.filtered("aftersales_discontinued")
