from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..models.aftersales_contract import ACTIVE_STATES
from ..models.aftersales_fault_analysis import midnight_utc


class AftersalesAvailability(models.TransientModel):
    """Equipment availability over a period the service manager picks
    (保证设备的可用率, Q6): per contract and per unit, 1 − downtime / time,
    against the contracts' targets. Downtime is the units' (see
    ``stock.lot._aftersales_downtime``)."""

    _name = "aftersales.availability"
    _inherit = ["aftersales.integrity.mixin"]
    _description = "Equipment Availability"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._quarter_first_day(),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: self._today()
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", domain="[('is_company', '=', True)]"
    )
    contract_id = fields.Many2one(
        "aftersales.contract",
        domain="[('company_id', '=', company_id), ('state', '!=', 'draft')]",
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Unit", domain="[('company_id', 'in', [company_id, False])]"
    )
    line_ids = fields.One2many(
        "aftersales.availability.line",
        "availability_id",
        string="Availability",
        compute="_compute_line_ids",
        store=True,
    )

    @api.model
    def _action_open(self, **defaults):
        """The availability screen, filtered by ``defaults`` (contract,
        unit)."""
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "name": _("Equipment Availability"),
            "view_mode": "form",
            "target": "new",
            "context": {
                "dialog_size": "extra-large",
                **{f"default_{name}": value for name, value in defaults.items()},
            },
        }

    @api.model
    def _today(self, tz=None):
        """Today where the customer (else the company) is: the day the
        period's midnights are counted in."""
        return fields.Date.context_today(
            self.with_context(tz=tz or self._tz()), fields.Datetime.now()
        )

    @api.model
    def _quarter_first_day(self):
        today = self._today()
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)

    @api.model
    def _tz(self, partner=None):
        """Days run from midnight to midnight where the customer is, else
        where the company is."""
        return (
            (partner and partner.tz)
            or self.env.company.partner_id.tz
            or self.env.user.tz
            or "UTC"
        )

    @api.model
    def _period(self, date_from, date_to, tz):
        """The period from ``date_from`` to ``date_to`` (both days whole),
        as naive UTC datetimes; a period that runs on past now ends now."""
        return (
            midnight_utc(date_from, tz),
            min(
                midnight_utc(date_to + timedelta(days=1), tz),
                fields.Datetime.now().replace(microsecond=0),
            ),
        )

    @api.model
    def _quarter_to_date(self):
        return self._period(self._quarter_first_day(), self._today(), self._tz())

    @api.model
    def _percent(self, seconds, start, end):
        period = (end - start).total_seconds()
        if period <= 0:
            return 100.0
        return 100.0 * (1 - seconds / period)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for report in self:
            if report.date_to < report.date_from:
                raise ValidationError(
                    _(
                        "Availability: the period ends on %(end)s, before it starts "
                        "on %(start)s. Correct the To date.",
                        end=format_date(self.env, report.date_to),
                        start=format_date(self.env, report.date_from),
                    )
                )
            if report.date_from > self._today(self._tz(report.partner_id)):
                raise ValidationError(
                    _(
                        "Availability: the period starts on %(start)s, in the "
                        "future. Pick a period that has begun.",
                        start=format_date(self.env, report.date_from),
                    )
                )

    @api.depends(
        "company_id", "date_from", "date_to", "partner_id", "contract_id", "lot_id"
    )
    def _compute_line_ids(self):
        for report in self:
            rows = []
            if (
                report.date_from
                and report.date_to
                and report.date_from <= report.date_to
                and report.date_from <= self._today(self._tz(report.partner_id))
            ):
                rows = report._rows_for(
                    report.company_id,
                    report.date_from,
                    report.date_to,
                    partner=report.partner_id,
                    contract=report.contract_id,
                    lot=report.lot_id,
                )
            report.line_ids = [Command.clear()] + [Command.create(row) for row in rows]

    @api.model
    def _rows_for(
        self, company, date_from, date_to, partner=None, contract=None, lot=None
    ):
        """The period's rows: each contract that ran in it, then each unit
        (of those contracts, or with a stoppage in the period), of the
        customer, contract or unit if given. The quarterly analysis shows
        the same rows."""
        partner = partner and partner.commercial_partner_id
        tz = self._tz(partner)
        start, end = self._period(date_from, date_to, tz)
        contracts = contract or self.env["aftersales.contract"]
        if not contracts:
            domain = [
                ("company_id", "=", company.id),
                ("state", "in", (*ACTIVE_STATES, "expired")),
                ("date_start", "<=", date_to),
                ("date_end", ">=", date_from),
            ]
            if partner:
                domain.append(("partner_id", "child_of", partner.id))
            if lot:
                domain.append(("lot_ids", "in", lot.ids))
            contracts = self.env["aftersales.contract"].search(domain)
        lots = lot or contracts.lot_ids
        if not contract and not lot:
            stopped = [
                ("company_id", "=", company.id),
                ("fault_impact", "=", "stopped"),
                ("lot_id", "!=", False),
                ("reported_at", "<", end),
                # Stopped until the period began, or after.
                "|",
                ("repair_done_at", ">", start),
                "&",
                ("repair_done_at", "=", False),
                "|",
                ("closed_date", "=", False),
                ("closed_date", ">", start),
            ]
            if partner:
                stopped.append(("partner_id", "child_of", partner.id))
            lots |= self.env["helpdesk.ticket"].search(stopped).lot_id
        return [
            row
            for row in self._contract_rows(contracts, start, end, tz)
            if row is not None
        ] + self._unit_rows(lots.sorted("name"), contracts, start, end)

    @api.model
    def _contract_rows(self, contracts, start, end, tz=None):
        """One row per contract (None for a contract that did not run in
        the period): its units' downtime over the part of the period it
        ran, against its target."""
        windows = {
            contract: contract._availability_window(
                start, end, tz or self._tz(contract.partner_id)
            )
            for contract in contracts
        }
        downtime = self.env["stock.lot"]._aftersales_downtime(
            [
                (lot._origin.id, *windows[contract])
                for contract in contracts
                for lot in contract.lot_ids
            ]
        )
        rows = []
        for contract in contracts:
            win_start, win_end = windows[contract]
            if win_end <= win_start or not contract.lot_ids:
                rows.append(None)
                continue
            seconds = stoppages = 0
            for lot in contract.lot_ids:
                lot_seconds, lot_stoppages = downtime.get(
                    (lot._origin.id, win_start, win_end), (0, 0)
                )
                seconds += lot_seconds
                stoppages += lot_stoppages
            units = len(contract.lot_ids)
            rows.append(
                self._row_values(
                    kind="contract",
                    contract=contract,
                    partner=contract.partner_id,
                    units=units,
                    seconds=seconds,
                    stoppages=stoppages,
                    start=win_start,
                    # The contract's time is its units' time together.
                    end=win_start + (win_end - win_start) * units,
                    target=contract.availability_target,
                )
            )
        return rows

    @api.model
    def _unit_rows(self, lots, contracts, start, end):
        """One row per unit over the whole period, against the target of
        its contract among ``contracts``."""
        downtime = self.env["stock.lot"]._aftersales_downtime(
            [(lot.id, start, end) for lot in lots]
        )
        rows = []
        for lot in lots:
            contract = (contracts & lot.aftersales_contract_ids).sorted(
                "availability_target", reverse=True
            )[:1]
            seconds, stoppages = downtime.get((lot.id, start, end), (0, 0))
            rows.append(
                self._row_values(
                    kind="unit",
                    contract=contract,
                    lot=lot,
                    partner=contract.partner_id or lot.warranty_id.partner_id,
                    units=1,
                    seconds=seconds,
                    stoppages=stoppages,
                    start=start,
                    end=end,
                    target=contract.availability_target,
                )
            )
        return rows

    @api.model
    def _row_values(
        self,
        kind,
        contract,
        partner,
        units,
        seconds,
        stoppages,
        start,
        end,
        target,
        lot=None,
    ):
        availability = self._percent(seconds, start, end)
        return {
            "kind": kind,
            "contract_id": contract.id,
            "lot_id": lot.id if lot else False,
            "partner_id": partner.commercial_partner_id.id,
            "unit_count": units,
            "hours": (end - start).total_seconds() / 3600,
            "downtime_hours": seconds / 3600,
            "stoppage_count": stoppages,
            "availability": availability,
            "target": target,
            # Compared as displayed: 98.999 % is not 99 %.
            "below_target": bool(target) and round(availability, 2) < target,
        }
