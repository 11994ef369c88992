from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

READING_SOURCES = [
    ("office", "Back Office"),
    ("visit", "Visit"),
    ("dispatch", "Dispatch Order"),
    ("portal", "Customer Portal"),
]


class AftersalesMeterReading(models.Model):
    """A reading of a unit's meter (抄表/读数): operating hours or counts,
    the day it was read and who read it. A meter only goes up; a reading
    lower than the one before is a new meter, and says so."""

    _name = "aftersales.meter.reading"
    _description = "Meter Reading"
    _inherit = "aftersales.integrity.mixin"
    _order = "reading_date desc, id desc"
    _check_company_auto = True
    _number_bounds = {"value": (None, 1e12)}

    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="lot_id.company_id", store=True, index=True, precompute=True
    )
    value = fields.Float(string="Reading", required=True, digits=(16, 1))
    reading_date = fields.Date(
        string="Read On",
        required=True,
        default=fields.Date.context_today,
    )
    read_by_id = fields.Many2one(
        "res.users", required=True, default=lambda s: s.env.user
    )
    source = fields.Selection(
        READING_SOURCES, required=True, default="office", string="Entered From"
    )
    meter_replaced = fields.Boolean(
        string="New Meter",
        help="The meter was replaced or reset: this reading starts again from a "
        "lower value.",
    )
    inspection_id = fields.Many2one(
        "aftersales.inspection", string="Visit", index="btree_not_null"
    )
    dispatch_id = fields.Many2one(
        "aftersales.dispatch", string="Dispatch Order", index="btree_not_null"
    )

    _lot_date_idx = models.Index("(lot_id, reading_date DESC, id DESC)")

    def _signed(self):
        """The readings on a visit report or a dispatch order that the
        customer signed: they are part of what was signed."""
        return self.filtered(
            lambda r: r.inspection_id.state == "done" or r.dispatch_id.state == "signed"
        )

    def write(self, vals):
        signed = self._signed()
        if signed:
            raise UserError(
                _(
                    "Unit %(unit)s: the reading of %(date)s is on a signed report; "
                    "enter a new reading instead of changing it.",
                    unit=signed[0].lot_id.display_name,
                    date=signed[0].reading_date,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        self._refuse_unlink(
            self._signed(),
            _("it is on a signed report; enter a new reading instead."),
        )

    @api.constrains("value", "reading_date", "meter_replaced", "lot_id")
    def _check_reading(self):
        today = fields.Date.context_today(self)
        for reading in self:
            if reading.value < 0:
                raise ValidationError(
                    _(
                        "A meter reading can't be negative (%(value)s).",
                        value=reading.value,
                    )
                )
            if reading.reading_date > today:
                raise ValidationError(
                    _(
                        "Unit %(unit)s: a meter reading can't be dated in the future "
                        "(%(date)s); enter the day it was read.",
                        unit=reading.lot_id.display_name,
                        date=reading.reading_date,
                    )
                )
            reading._check_against_neighbours()

    def _check_against_neighbours(self):
        """A meter only goes up: not lower than the reading before, nor
        higher than the one after, unless the later one is a new meter."""
        self.ensure_one()
        readings = self.sudo()
        after = readings.search(
            [
                ("lot_id", "=", self.lot_id.id),
                ("id", "!=", self.id),
                "|",
                ("reading_date", ">", self.reading_date),
                "&",
                ("reading_date", "=", self.reading_date),
                ("id", ">", self.id),
            ],
            order="reading_date, id",
            limit=1,
        )
        if after and not after.meter_replaced and after.value < self.value:
            raise ValidationError(
                _(
                    "Unit %(unit)s: the reading %(value)s is higher than a later one "
                    "(%(later)s on %(date)s). Check the figure and the date.",
                    unit=self.lot_id.display_name,
                    value=self.value,
                    later=after.value,
                    date=after.reading_date,
                )
            )
        if self.meter_replaced:
            return
        before = readings.search(
            [
                ("lot_id", "=", self.lot_id.id),
                ("id", "!=", self.id),
                "|",
                ("reading_date", "<", self.reading_date),
                "&",
                ("reading_date", "=", self.reading_date),
                ("id", "<", self.id),
            ],
            limit=1,
        )
        if before and self.value < before.value:
            raise ValidationError(
                _(
                    "Unit %(unit)s: the reading %(value)s is lower than the "
                    "last one (%(last)s on %(date)s). Check the figure, or tick "
                    "New Meter if the meter was replaced.",
                    unit=self.lot_id.display_name,
                    value=self.value,
                    last=before.value,
                    date=before.reading_date,
                )
            )

    @api.model
    def _create_from_portal(
        self, warranty_id, value, reading_date=None, meter_replaced=False
    ):
        """The customer's contact enters a reading of one of their own units
        (the unit's warranty, which the portal shows them only for their own
        company). Someone else's unit is refused, whatever the form sent."""
        warranty = self.env["aftersales.warranty"].browse(int(warranty_id)).exists()
        if not warranty:
            raise UserError(_("This unit does not exist or is not yours."))
        warranty.check_access("read")
        try:
            value = float(value)
            reading_date = (
                fields.Date.to_date(reading_date)
                if reading_date
                else fields.Date.context_today(self)
            )
        except (TypeError, ValueError) as error:
            raise UserError(
                _("Enter the reading as a number and the date it was read.")
            ) from error
        return (
            self.sudo()
            .create(
                {
                    "lot_id": warranty.sudo().lot_id.id,
                    "value": value,
                    "reading_date": reading_date,
                    "read_by_id": self.env.uid,
                    "source": "portal",
                    "meter_replaced": meter_replaced,
                }
            )
            .with_env(self.env)
        )
