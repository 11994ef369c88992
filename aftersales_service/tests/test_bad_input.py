from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from .common import AftersalesCase


class TestBadInputCatalogue(AftersalesCase):
    """Invalid input across the models, table-driven: each is refused (a
    UserError, or its subclass ValidationError) with a
    message that names the field or the record and the fix, and nothing is
    written (the table's row count, or the field's value, is unchanged)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engineer = new_test_user(
            cls.env,
            login="as_bad_eng",
            groups="aftersales_service.group_aftersales_engineer",
        )
        cls.warranty = cls._delivered_warranties(cls.product, ["BAD-001"])
        cls.unit = cls.warranty.lot_id
        cls.level = cls.env.ref("aftersales_service.service_level_standard")
        cls.contract = cls.env["aftersales.contract"].create(
            {
                "partner_id": cls.customer.id,
                "service_level_id": cls.level.id,
                "date_start": cls._days_ago(10),
                "date_end": cls._days_ago(-300),
                "amount": 1000,
            }
        )
        cls.request = cls.env["helpdesk.ticket"].create(
            {
                "name": "Bad input",
                "description": "Bad input",
                "partner_id": cls.customer.id,
                "lot_id": cls.unit.id,
            }
        )
        cls.dispatch = cls.env["aftersales.dispatch"].create(
            {"ticket_id": cls.request.id}
        )
        cls.stranger = cls.env["res.partner"].create({"name": "Not a customer"})
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Co.", "is_company": True}
        )
        cls.spare = cls.env["product.product"].create(
            {"name": "Relay", "type": "consu", "is_storable": True}
        )
        cls.loaner_product = cls._create_product("Low Loaner")
        cls.product.aftersales_spec_grade = 3
        cls.not_loaner = cls._stock_serials(cls.loaner_product, ["NOT-LOANER"])
        cls.low_loaner = cls.env["stock.lot"].create(
            {
                "name": "LOW-LOANER",
                "product_id": cls.loaner_product.id,
                "aftersales_is_loaner": True,
            }
        )

    # (what, model, create values or (record, field, value), error, text)
    def _cases(self):
        company = self.env.company
        today = fields.Date.context_today(self.env.user)
        training = {
            "name": "Training",
            "partner_id": self.customer.id,
            "date_start": "2030-01-01 08:00:00",
            "date_end": "2030-01-01 10:00:00",
        }
        scrap = {"product_id": self.product.id, "location_id": self.stock_location.id}
        loaner = {
            "ticket_id": self.request.id,
            "partner_id": self.customer.id,
            "lot_id": self.unit.id,
            "trigger": "long_repair",
            "due_at": "2030-01-01 10:00:00",
        }
        return [
            # Settings of the company.
            (
                "renewal days",
                (company, "aftersales_renewal_notice_days", -1),
                "renewal notice days",
            ),
            (
                "part warranty",
                (company, "aftersales_part_warranty_months", 0),
                "part warranty",
            ),
            (
                "extension days",
                (company, "aftersales_extension_days", 0),
                "warranty extension",
            ),
            ("loaner hours", (company, "aftersales_loaner_hours", 0), "loaner delay"),
            (
                "visit lead",
                (company, "aftersales_visit_lead_days", -1),
                "Visits are scheduled",
            ),
            (
                "repeat window",
                (company, "aftersales_repeat_fault_days", 0),
                "repeat fault window",
            ),
            (
                "spare floor",
                (company, "aftersales_spare_floor_percent", 120),
                "between 0 and 100",
            ),
            # Products.
            (
                "warranty duration",
                (self.product.product_tmpl_id, "warranty_duration", 0),
                "warranty duration",
            ),
            (
                "manufacturer term",
                (self.product.product_tmpl_id, "manufacturer_warranty_duration", -1),
                "manufacturer warranty",
            ),
            (
                "warranty needs serials",
                (self.product.product_tmpl_id, "tracking", "lot"),
                "serial",
            ),
            (
                "contract term",
                (
                    self.env.ref(
                        "aftersales_service.product_service_contract"
                    ).product_tmpl_id,
                    "aftersales_contract_months",
                    0,
                ),
                "contract term",
            ),
            # Warranties.
            (
                "warranty length",
                (self.warranty, "duration", 0),
                "duration must be a positive",
            ),
            (
                "acceptance in the future",
                (self.warranty, "acceptance_date", fields.Date.add(today, days=5)),
                "in the future",
            ),
            (
                "second warranty",
                (
                    "aftersales.warranty",
                    {
                        "lot_id": self.unit.id,
                        "partner_id": self.customer.id,
                        "duration": 1,
                        "period": "year",
                    },
                ),
                "one warranty only",
            ),
            # Service levels and contracts.
            (
                "level target",
                (self.level, "ack_hours", 0),
                "must be a positive number of hours",
            ),
            (
                "business hours need a calendar",
                (self.level, "around_the_clock", False),
                "Working Hours",
            ),
            (
                "contract dates",
                (self.contract, "date_end", self._days_ago(20)),
                "before it starts",
            ),
            (
                "contract price",
                (self.contract, "amount", -5),
                "price cannot be negative",
            ),
            # Duty roster.
            (
                "duty shift",
                (
                    "aftersales.duty",
                    {
                        "user_id": self.engineer.id,
                        "date_start": "2030-01-02 08:00:00",
                        "date_end": "2030-01-01 08:00:00",
                    },
                ),
                "correct the To date",
            ),
            # Loaners.
            (
                "loaner not in the pool",
                ("aftersales.loaner", {**loaner, "loaner_lot_id": self.not_loaner.id}),
                "not loaner stock",
            ),
            (
                "loaner of a lower grade",
                ("aftersales.loaner", {**loaner, "loaner_lot_id": self.low_loaner.id}),
                "lower than grade 3",
            ),
            # Spare requests.
            (
                "spare request without purpose",
                (
                    "aftersales.spare.request",
                    {"line_ids": [Command.create({"product_id": self.spare.id})]},
                ),
                "either for a dispatch order",
            ),
            (
                "spare quantity",
                (
                    "aftersales.spare.request",
                    {
                        "dispatch_id": self.dispatch.id,
                        "line_ids": [
                            Command.create(
                                {"product_id": self.spare.id, "quantity": -2}
                            )
                        ],
                    },
                ),
                "must be positive",
            ),
            # Scrap requests.
            (
                "scrap quantity",
                (
                    "aftersales.scrap.request",
                    {**scrap, "lot_id": self.unit.id, "quantity": 0},
                ),
                "quantity must be positive",
            ),
            (
                "scrap serial missing",
                ("aftersales.scrap.request", scrap),
                "enter the serial number",
            ),
            (
                "scrap several of a serial",
                (
                    "aftersales.scrap.request",
                    {**scrap, "lot_id": self.unit.id, "quantity": 2},
                ),
                "one at a time",
            ),
            # Follow-up, training, analysis.
            (
                "follow-up weeks",
                (
                    "aftersales.followup.plan",
                    {
                        "contract_id": self.contract.id,
                        "engineer_id": self.engineer.id,
                        "onsite_weeks": -2,
                    },
                ),
                "can't be negative",
            ),
            (
                "training ends first",
                (
                    "aftersales.training.session",
                    {**training, "date_end": "2030-01-01 07:00:00"},
                ),
                "end must come after the start",
            ),
            (
                "training of no length",
                (
                    "aftersales.training.session",
                    {**training, "date_end": training["date_start"]},
                ),
                "end must come after the start",
            ),
            (
                "trainee of another customer",
                (
                    "aftersales.training.session",
                    {
                        **training,
                        "attendee_ids": [
                            Command.create({"partner_id": self.stranger.id})
                        ],
                    },
                ),
                "is not a contact of",
            ),
            (
                "training under another contract",
                (
                    "aftersales.training.session",
                    {
                        **training,
                        "partner_id": self.other_customer.id,
                        "contract_id": self.contract.id,
                    },
                ),
                "belongs to another customer",
            ),
            (
                "analysis year",
                (
                    "aftersales.fault.analysis",
                    {"partner_id": self.customer.id, "year": 27, "quarter": "1"},
                ),
                "four digits",
            ),
        ]

    def test_every_bad_input_is_refused_and_nothing_is_written(self):
        cases = self._cases()
        self.assertGreaterEqual(len(cases), 30)
        for what, target, text in cases:
            with self.subTest(what):
                if isinstance(target[0], str):
                    model, values = target
                    before = self.env[model].search_count([])
                    with self.assertRaisesText(UserError, text):
                        self.env[model].create(values)
                    self.assertEqual(self.env[model].search_count([]), before)
                else:
                    record, name, value = target
                    before = record[name]
                    with self.assertRaisesText(UserError, text):
                        record.write({name: value})
                    self.assertEqual(record[name], before)
