from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, format_list

from .aftersales_fault_analysis import midnight_utc
from .aftersales_integrity_mixin import workflow_step
from .aftersales_locking import run_in_batches

# States in which a contract binds us: it covers its units between its dates.
ACTIVE_STATES = ("running", "to_renew", "renewed")


class AftersalesContract(models.Model):
    """A service contract (服务合同 / 维保合同): the customer's units served at
    a service level between two dates, for a price. Extended service after
    the warranty is a contract too (续保合同)."""

    _name = "aftersales.contract"
    _description = "Service Contract"
    _inherit = [
        "aftersales.sequence.mixin",
        "aftersales.integrity.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _aftersales_sequence_code = "aftersales.contract"
    _order = "date_end desc, id desc"
    _check_company_auto = True
    _workflow_fields = (
        "state",
        "renewal_notice_date",
        "expiry_notice_date",
        "renewal_contract_id",
        "renewal_order_id",
    )
    # The price: up to a thousand billion in the company's currency.
    # Q6: the availability promised, in per cent.
    _number_bounds = {"amount": (None, 1e12), "availability_target": (0, 100)}

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    engineer_id = fields.Many2one(
        "res.users",
        string="Service Engineer",
        tracking=True,
        domain="[('share', '=', False)]",
        help="Engineer who makes this contract's visits.",
    )
    service_level_id = fields.Many2one(
        "aftersales.service.level",
        required=True,
        tracking=True,
        check_company=True,
    )
    kind = fields.Selection(
        [("service", "Service Contract"), ("extended", "Extended Warranty")],
        string="Type",
        required=True,
        default="service",
        help="An extended warranty (续保合同) continues the service after the "
        "units' warranty has ended.",
    )
    date_start = fields.Date(string="Start", required=True, tracking=True)
    date_end = fields.Date(string="End", required=True, tracking=True, index=True)
    amount = fields.Monetary(
        string="Price",
        tracking=True,
        groups="aftersales_service.group_aftersales_engineer,"
        "aftersales_service.group_aftersales_account_manager,base.group_portal",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Contract Product",
        domain="[('aftersales_contract', '=', True)]",
        check_company=True,
        help="The product invoiced for this contract and for its renewals.",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        "aftersales_contract_stock_lot_rel",
        "contract_id",
        "lot_id",
        string="Units",
        check_company=True,
    )
    unit_count = fields.Integer(compute="_compute_unit_count")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("to_renew", "To Renew"),
            ("renewed", "Renewed"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    previous_contract_id = fields.Many2one(
        "aftersales.contract", string="Renews", readonly=True, copy=False
    )
    renewal_contract_id = fields.Many2one(
        "aftersales.contract", string="Renewed By", readonly=True, copy=False
    )
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", readonly=True, copy=False
    )
    renewal_order_id = fields.Many2one(
        "sale.order", string="Renewal Quotation", readonly=True, copy=False
    )
    renewal_due_date = fields.Date(
        compute="_compute_renewal_due_date",
        store=True,
        index=True,
        help="The day the renewal notice goes to the customer: the end date less "
        "the notice days set for the company.",
    )
    renewal_notice_date = fields.Datetime(readonly=True, copy=False)
    expiry_notice_date = fields.Datetime(readonly=True, copy=False)
    can_renew = fields.Boolean(compute="_compute_can_renew")
    note = fields.Html(string="Terms")
    followup_plan_ids = fields.One2many(
        "aftersales.followup.plan", "contract_id", string="Follow-Up Plan"
    )
    # Q6: equipment availability (保证设备的可用率).
    availability_target = fields.Float(
        string="Availability Target (%)",
        digits=(16, 2),
        tracking=True,
        help="The share of the time the units must work, for example 99. "
        "Leave 0 for no target.",
    )
    availability = fields.Float(
        string="Availability This Quarter (%)",
        compute="_compute_availability",
        digits=(16, 2),
        help="1 − downtime / time over the contract's units, from the first day "
        "of this quarter (or the contract's start) to now (or its end). "
        "Downtime runs from the report of a fault that stopped a unit to its "
        "repair.",
    )
    training_session_ids = fields.One2many(
        "aftersales.training.session", "contract_id", string="Training Plan"
    )

    def _compute_availability(self):
        report = self.env["aftersales.availability"]
        start, end = report._quarter_to_date()
        dated = self.filtered(lambda c: c.date_start and c.date_end)
        rows = dict(zip(dated, report._contract_rows(dated, start, end), strict=True))
        for contract in self:
            row = rows.get(contract)
            contract.availability = row["availability"] if row else 100.0

    def action_open_availability(self):
        """The contract's availability over a period to pick (Q6)."""
        self.ensure_one()
        return self.env["aftersales.availability"]._action_open(contract_id=self.id)

    def _availability_window(self, start, end, tz):
        """The part of the period [start, end) the contract ran: its first
        day's midnight to the midnight after its last, in the time zone
        ``tz``, as naive UTC datetimes."""
        self.ensure_one()
        return (
            max(start, midnight_utc(self.date_start, tz)),
            min(end, midnight_utc(self.date_end + timedelta(days=1), tz)),
        )

    @api.depends("lot_ids")
    def _compute_unit_count(self):
        for contract in self:
            contract.unit_count = len(contract.lot_ids)

    @api.depends("date_end", "company_id.aftersales_renewal_notice_days")
    def _compute_renewal_due_date(self):
        for contract in self:
            contract.renewal_due_date = contract.date_end and (
                contract.date_end
                - timedelta(days=contract.company_id.aftersales_renewal_notice_days)
            )

    @api.depends("state", "renewal_contract_id.state")
    def _compute_can_renew(self):
        for contract in self:
            contract.can_renew = contract.state in (
                "running",
                "to_renew",
                "expired",
            ) and contract.renewal_contract_id.state in (False, "cancelled")

    @api.constrains("date_start", "date_end", "amount")
    def _check_dates_and_amount(self):
        for contract in self:
            if contract.date_end < contract.date_start:
                raise ValidationError(
                    _(
                        "Contract %(name)s ends on %(end)s, before it starts on "
                        "%(start)s: correct the End date.",
                        name=contract.name,
                        end=format_date(self.env, contract.date_end),
                        start=format_date(self.env, contract.date_start),
                    )
                )
            if contract.amount < 0:
                raise ValidationError(
                    _(
                        "Contract %(name)s: the price cannot be negative.",
                        name=contract.name,
                    )
                )

    @api.constrains("state", "date_start", "date_end", "lot_ids", "company_id")
    def _check_overlapping_contracts(self):
        active = self.filtered(lambda c: c.state in ACTIVE_STATES)
        if not active:
            return
        self.flush_model(["state", "date_start", "date_end", "lot_ids", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT mine.name, other.name, lot.name
                  FROM aftersales_contract mine
                  JOIN aftersales_contract_stock_lot_rel my_unit
                    ON my_unit.contract_id = mine.id
                  JOIN aftersales_contract_stock_lot_rel other_unit
                    ON other_unit.lot_id = my_unit.lot_id
                   AND other_unit.contract_id != mine.id
                  JOIN aftersales_contract other
                    ON other.id = other_unit.contract_id
                  JOIN stock_lot lot ON lot.id = my_unit.lot_id
                 WHERE mine.id IN %(ids)s
                   AND other.state IN %(states)s
                   AND other.company_id = mine.company_id
                   AND other.date_start <= mine.date_end
                   AND other.date_end >= mine.date_start
                 LIMIT 1
                """,
                ids=tuple(active.ids),
                states=ACTIVE_STATES,
            )
        )
        clash = self.env.cr.fetchone()
        if clash:
            raise ValidationError(
                _(
                    "Unit %(unit)s is already under contract %(other)s for some of "
                    "the dates of %(contract)s. A unit has one running contract at a "
                    "time: remove the unit or change the dates.",
                    unit=clash[2],
                    other=clash[1],
                    contract=clash[0],
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        self._refuse_unlink(
            self.filtered(lambda c: c.state not in ("draft", "cancelled")),
            _("it was started. Cancel it instead, or let it expire."),
        )

    @workflow_step
    def action_start(self):
        drafts = self.filtered(lambda c: c.state == "draft")
        if drafts != self:
            raise UserError(_("Only draft contracts can be started."))
        drafts.write({"state": "running"})
        drafts.previous_contract_id._mark_renewed()
        self.env["aftersales.warranty.notice"].sudo().search(
            [("contract_id", "in", drafts.ids)]
        )._mark_renewed(drafts)
        return True

    @workflow_step
    def _mark_renewed(self):
        """The renewal started: this contract is renewed, and its renewal
        activity done."""
        renewal_type = self.env.ref(
            "aftersales_service.mail_activity_type_contract_renewal"
        )
        for contract in self.filtered(
            lambda c: c.state in ("running", "to_renew", "expired")
        ):
            contract.state = "renewed"
            contract.activity_ids.filtered(
                lambda a: a.activity_type_id == renewal_type
            ).action_feedback(
                feedback=_(
                    "Renewed as %(name)s.", name=contract.renewal_contract_id.name
                )
            )

    @workflow_step
    def action_cancel(self):
        closed = self.filtered(lambda c: c.state in ("renewed", "expired", "cancelled"))
        if closed:
            raise UserError(
                _(
                    "Contracts %(names)s are already closed and cannot be cancelled.",
                    names=format_list(self.env, closed.mapped("name")),
                )
            )
        self.write({"state": "cancelled"})
        return True

    @workflow_step
    def action_reset_draft(self):
        self.filtered(lambda c: c.state == "cancelled").write({"state": "draft"})
        return True

    # Renewal ---------------------------------------------------------------

    def action_open_followup_plan(self):
        """The contract's follow-up plan, new from the first preset if it
        has none."""
        self.ensure_one()
        plan = self.followup_plan_ids[:1]
        preset = self.env["aftersales.followup.preset"].search([], limit=1)
        return {
            "type": "ir.actions.act_window",
            "res_model": "aftersales.followup.plan",
            "name": _("Follow-Up Plan"),
            "view_mode": "form",
            "res_id": plan.id,
            "context": {
                "default_contract_id": self.id,
                "default_engineer_id": (self.engineer_id or self.env.user).id,
                "default_preset_id": preset.id,
                **{
                    f"default_{name}": value
                    for name, value in (
                        preset._terms_values().items() if preset else ()
                    )
                },
            },
        }

    def _prepare_renewal_vals(self):
        """Values of the contract that follows this one: same customer, units,
        level and price, for a term of the same length."""
        self.ensure_one()
        start = self.date_end + timedelta(days=1)
        term = relativedelta(start, self.date_start)
        return {
            "date_start": start,
            "date_end": start + term - timedelta(days=1),
            "previous_contract_id": self.id,
            # The follow-up goes on under the same terms, once the customer
            # approves the new plan.
            "followup_plan_ids": [
                Command.create(plan._prepare_renewal_plan_vals())
                for plan in self.sudo().followup_plan_ids
            ],
        }

    def _prepare_renewal_order_vals(self, renewal):
        self.ensure_one()
        product = renewal.product_id
        description = _(
            "%(product)s: %(contract)s, %(start)s to %(end)s",
            product=product.display_name,
            contract=renewal.name,
            start=format_date(self.env, renewal.date_start),
            end=format_date(self.env, renewal.date_end),
        )
        return {
            "partner_id": renewal.partner_id.id,
            "user_id": renewal.user_id.id,
            "company_id": renewal.company_id.id,
            "origin": renewal.name,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": description,
                        "product_uom_qty": 1,
                        "price_unit": renewal.amount,
                        "aftersales_contract_id": renewal.id,
                    }
                )
            ],
        }

    @api.model
    def _covering_domain(self, day):
        """The contracts that cover their units on ``day`` and go on: running,
        or running out with their renewal notice sent."""
        return [("state", "in", ("running", "to_renew")), ("date_end", ">=", day)]

    @api.model
    def _offer_extension(self, warranties, user):
        """A draft extended-warranty contract (续保合同) for the units of
        ``warranties``, one customer's, from the day after the first of their
        warranties ends, with its quotation; ``user`` is the account manager.
        The customer confirming the quotation starts the contract."""
        warranties._check_extension_offer()
        company = warranties.company_id
        product = company.aftersales_extension_product_id
        if not product:
            raise UserError(
                _(
                    "Choose the Extended Warranty Product in the after-sales "
                    "settings (Unit Warranty Renewal) first."
                )
            )
        level = (
            product.aftersales_service_level_id or company.aftersales_service_level_id
        )
        if not level:
            raise UserError(
                _(
                    "Product %(product)s quotes extended warranties: give it a "
                    "Contract Service Level.",
                    product=product.display_name,
                )
            )
        today = fields.Date.context_today(self)
        start = max(min(warranties.mapped("end_date")) + timedelta(days=1), today)
        end = start + relativedelta(
            months=product.aftersales_contract_months or 12, days=-1
        )
        units = warranties.lot_id
        contract = self.create(
            {
                "kind": "extended",
                "partner_id": warranties.partner_id.id,
                "company_id": company.id,
                "user_id": user.id,
                "service_level_id": level.id,
                "product_id": product.id,
                "date_start": start,
                "date_end": end,
                "amount": product.lst_price * len(units),
                "lot_ids": [Command.set(units.ids)],
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": contract.partner_id.id,
                "user_id": user.id,
                "company_id": company.id,
                "origin": contract.name,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": _(
                                "%(product)s: %(contract)s, %(start)s to %(end)s, "
                                "units %(units)s",
                                product=product.display_name,
                                contract=contract.name,
                                start=format_date(self.env, start),
                                end=format_date(self.env, end),
                                units=format_list(self.env, units.mapped("name")),
                            ),
                            "product_uom_qty": len(units),
                            "price_unit": product.lst_price,
                            "aftersales_contract_id": contract.id,
                        }
                    )
                ],
            }
        )
        contract.sale_order_id = order
        return contract

    @workflow_step
    def action_renew(self):
        """Create the next contract and its quotation, in one step."""
        not_renewable = self.filtered(lambda c: not c.can_renew)
        if not_renewable:
            raise UserError(
                _(
                    "Contract %(name)s is %(state)s and cannot be renewed. Running, "
                    "to-renew and expired contracts can be renewed, once.",
                    name=not_renewable[0].name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        not_renewable[0].state
                    ],
                )
            )
        missing_product = self.filtered(lambda c: not c.product_id)
        if missing_product:
            raise UserError(
                _(
                    "Contract %(name)s has no Contract Product to quote the renewal "
                    "with: choose one first.",
                    name=missing_product[0].name,
                )
            )
        renewals = self.browse()
        for contract in self:
            renewal = contract.copy(contract._prepare_renewal_vals())
            order = self.env["sale.order"].create(
                contract._prepare_renewal_order_vals(renewal)
            )
            renewal.sale_order_id = order
            # The contract is renewed when the customer confirms the quotation.
            contract.write(
                {"renewal_contract_id": renewal.id, "renewal_order_id": order.id}
            )
            renewals |= renewal
        if len(renewals) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": renewals.id,
                "view_mode": "form",
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "domain": [("id", "in", renewals.ids)],
            "view_mode": "list,form",
            "name": _("Renewals"),
        }

    # Notices (scheduled action) --------------------------------------------

    @api.model
    def _renewal_notice_domain(self, today):
        return [
            ("state", "=", "running"),
            ("renewal_notice_date", "=", False),
            ("renewal_due_date", "<=", today),
            ("date_end", ">=", today),
        ]

    @api.model
    def _expiry_notice_domain(self, today):
        return [
            ("state", "in", ("running", "to_renew")),
            ("expiry_notice_date", "=", False),
            ("date_end", "<", today),
        ]

    @api.model
    def _cron_send_notices(self, batch_size=200):
        """Send the renewal notices that are due, then the expiry notices.

        Contracts are selected by what they still need (no notice date yet)
        and taken in batches (``run_in_batches``): a run that stops halfway
        and runs again notifies each contract exactly once, two runs at the
        same time share the batches, and a contract whose notice fails waits
        for the next run without holding back the others."""
        today = fields.Date.context_today(self)
        run_in_batches(
            self,
            self._renewal_notice_domain(today),
            type(self)._send_renewal_notices,
            batch_size,
        )
        run_in_batches(
            self,
            self._expiry_notice_domain(today),
            type(self)._send_expiry_notices,
            batch_size,
        )

    @workflow_step
    def _send_renewal_notices(self):
        """Written renewal notice to the customer, an activity for the account
        manager and the pre-expiry visit for the engineer (保修期满前十天)."""
        today = fields.Date.context_today(self)
        self._send_notice(
            "aftersales_service.mail_template_contract_renewal",
            {
                contract.id: self.env._(
                    "Renewal notice sent to %(customer)s; the contract is now to "
                    "renew.",
                    customer=contract.partner_id.display_name,
                )
                for contract in self
            },
            {"state": "to_renew", "renewal_notice_date": fields.Datetime.now()},
        )
        renewal_type = self.env.ref(
            "aftersales_service.mail_activity_type_contract_renewal"
        )
        visit_type = self.env.ref(
            "aftersales_service.mail_activity_type_pre_expiry_visit"
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = []
        for contract in self:
            manager = contract.user_id or self.env.user
            manager_env = self.with_context(lang=manager.lang).env
            activities += [
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": renewal_type.id,
                    "user_id": manager.id,
                    "date_deadline": contract.date_end,
                    "summary": manager_env._(
                        "Renew before %(end)s",
                        end=format_date(manager_env, contract.date_end),
                    ),
                },
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": visit_type.id,
                    "user_id": (contract.engineer_id or manager).id,
                    "date_deadline": max(today, contract.date_end - timedelta(days=1)),
                    "summary": self.with_context(
                        lang=(contract.engineer_id or manager).lang
                    ).env._("Pre-expiry visit"),
                },
            ]
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )

    @workflow_step
    def _send_expiry_notices(self):
        """Notice of what stops and what to watch for, with the substitutes of
        discontinued products (终止保修服务后用户应注意的事项)."""
        self._send_notice(
            "aftersales_service.mail_template_contract_expiry",
            {
                contract.id: self.env._(
                    "The contract ended without renewal and is now expired; expiry "
                    "notice sent to %(customer)s.",
                    customer=contract.partner_id.display_name,
                )
                for contract in self
            },
            {"state": "expired", "expiry_notice_date": fields.Datetime.now()},
        )

    def _send_notice(self, template_xmlid, bodies, vals):
        """Mail the template to each contract's customer, log ``bodies`` in the
        chatter and write ``vals``, for the whole batch at once."""
        self.env.ref(template_xmlid).send_mail_batch(self.ids)
        self._message_log_batch(bodies)
        # The batch log says what changed: no tracking message per record.
        self.with_context(mail_notrack=True).write(vals)

    def _discontinued_products(self):
        """Products of the covered units that are discontinued, for the expiry
        notice."""
        self.ensure_one()
        return self.lot_ids.product_id.filtered("aftersales_discontinued")
