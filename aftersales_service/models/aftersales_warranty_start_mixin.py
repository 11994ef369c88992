from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, format_list

# B4: the day a unit's warranty is counted from (保修期起算).
START_BASES = [
    ("delivery", "Ex-Factory (Delivery)"),
    ("acceptance", "Acceptance"),
    ("commissioning", "Commissioning Passed"),
    ("go_live", "Go-Live"),
]


class AftersalesWarrantyStartMixin(models.AbstractModel):
    """When a unit's warranty starts (B4). The product chooses the basis:
    the delivery (自出厂日期起), the acceptance (the default), the passed
    commissioning (验收安装调试完成之日起) or the go-live (设备投运日). The
    warranty keeps the basis it was delivered with and runs, once accepted,
    from that basis's date."""

    _name = "aftersales.warranty.start.mixin"
    _description = "Warranty Start Basis"

    start_basis = fields.Selection(
        START_BASES,
        string="Starts From",
        required=True,
        default="acceptance",
        readonly=True,
        help="The product's warranty start basis when the unit was delivered.",
    )
    start_date = fields.Date(
        string="Warranty Start",
        compute="_compute_start_date",
        store=True,
        index=True,
        help="The day the warranty runs from: the date of its start basis, "
        "once the customer has accepted the unit.",
    )
    commissioned_on = fields.Date(
        string="Commissioning Passed On",
        readonly=True,
        copy=False,
        help="The day the unit's commissioning record was signed as passed.",
    )
    go_live_date = fields.Date(
        string="Go-Live Date",
        readonly=True,
        copy=False,
        tracking=True,
        help="The day the unit went into service (设备投运日), recorded with "
        "the acceptance.",
    )

    @api.depends(
        "state",
        "start_basis",
        "delivery_date",
        "acceptance_date",
        "commissioned_on",
        "go_live_date",
        "continued_end_date",
    )
    def _compute_start_date(self):
        for warranty in self:
            if warranty.state == "awaiting":
                warranty.start_date = False
            elif warranty.continued_end_date:
                # A replacement that keeps the old term starts on delivery.
                warranty.start_date = warranty.acceptance_date
            else:
                warranty.start_date = {
                    "delivery": warranty._delivery_day(),
                    "acceptance": warranty.acceptance_date,
                    "commissioning": warranty.commissioned_on,
                    "go_live": warranty.go_live_date,
                }[warranty.start_basis] or warranty.acceptance_date

    def _start_line(self):
        """The explanation's line saying which date started the warranty."""
        self.ensure_one()
        basis = dict(self._fields["start_basis"]._description_selection(self.env))[
            self.start_basis
        ]
        return _(
            "Started on %(date)s, from the product's start basis: %(basis)s.",
            date=format_date(self.env, self.start_date),
            basis=basis,
        )

    def _pending_start_line(self):
        """The explanation's line while the warranty has not started."""
        self.ensure_one()
        return {
            "delivery": _(
                "The warranty counts from the delivery date (ex-factory), once "
                "the customer accepts the unit."
            ),
            "acceptance": _("The warranty starts when the customer accepts the unit."),
            "commissioning": _(
                "The warranty counts from the day commissioning passed, once the "
                "customer accepts the unit."
            ),
            "go_live": _(
                "The warranty counts from the unit's go-live date, recorded with "
                "the customer's acceptance."
            ),
        }[self.start_basis]

    def _aftersales_commissioned(self, day):
        """The unit's commissioning record was signed as passed on ``day``."""
        self.write({"commissioned_on": day})

    def _check_go_live(self, go_live_date, acceptance_date):
        """Refuse the acceptance of warranties that start on go-live while
        the go-live date is missing, or after the acceptance or before the
        delivery."""
        go_live = self.filtered(lambda w: w.start_basis == "go_live")
        if not go_live:
            return
        if not go_live_date:
            raise UserError(
                _(
                    "The warranty of units %(units)s starts on the go-live date "
                    "(设备投运日), which is not recorded yet: enter the Go-Live "
                    "Date with the acceptance.",
                    units=format_list(self.env, go_live.lot_id.mapped("name")),
                )
            )
        early = go_live.filtered(
            lambda w: w._delivery_day() and go_live_date < w._delivery_day()
        )
        if early or go_live_date > acceptance_date:
            raise UserError(
                _(
                    "The go-live date %(date)s must fall between the delivery and "
                    "the acceptance of units %(units)s.",
                    date=format_date(self.env, go_live_date),
                    units=format_list(self.env, go_live.lot_id.mapped("name")),
                )
            )
