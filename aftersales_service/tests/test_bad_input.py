import math

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

    def _number_cases(self):
        """Every bounded number of these records: NaN, infinity and a value
        past its bound (an XML-RPC or JSON-RPC client can send any of them),
        refused with the field's name."""
        records = [
            self.env.company,
            self.product.product_tmpl_id,
            self.warranty,
            self.level,
            self.contract,
            self.request,
        ]
        cases = []
        for record in records:
            for name, (low, high) in record._number_bounds.items():
                label = record._fields[name].string
                values = [math.nan, math.inf, high + 1]
                if low is not None:
                    values.append(low - 1)
                cases += [
                    (f"{record._name}.{name} = {value}", (record, name, value), label)
                    for value in values
                ]
        return cases

    def _integrity_cases(self):
        """What the screens never offer, sent all the same."""
        other_company = self.env["res.company"].create({"name": "Other Co. Ltd"})
        foreign_unit = self.env["stock.lot"].create(
            {
                "name": "FOREIGN-001",
                "product_id": self.product.id,
                "company_id": other_company.id,
            }
        )
        portal = new_test_user(
            self.env, login="as_bad_portal", groups="base.group_portal"
        )
        service = self.env["product.product"].create(
            {"name": "Site Survey", "type": "service"}
        )
        return [
            (
                "service level in hours: NaN",
                (self.level, "ack_hours", math.nan),
                "Acknowledge",
            ),
            (
                "estimated repair of -5 hours",
                (self.request, "aftersales_estimated_repair_hours", -5),
                "Estimated Repair",
            ),
            (
                "a warranty of 2,147,483,647 months",
                (self.warranty, "duration", 2147483647),
                "Duration",
            ),
            (
                "an on-site term of 600,000 weeks",
                (
                    "aftersales.followup.plan",
                    {
                        "contract_id": self.contract.id,
                        "engineer_id": self.engineer.id,
                        "onsite_weeks": 600000,
                    },
                ),
                "On Site (Weeks)",
            ),
            (
                "a contract from year 1",
                (self.contract, "date_start", "0001-01-01"),
                "plausible",
            ),
            (
                "a contract to year 9999",
                (self.contract, "date_end", "9999-12-31"),
                "plausible",
            ),
            (
                "arrival before departure",
                (
                    "aftersales.dispatch",
                    {
                        "ticket_id": self.request.id,
                        "planned_departure": "2030-01-01 10:00:00",
                        "expected_arrival": "2030-01-01 08:00:00",
                    },
                ),
                "before the planned departure",
            ),
            (
                "a training of 10,000 years",
                (
                    "aftersales.training.session",
                    {
                        "name": "Forever",
                        "partner_id": self.customer.id,
                        "date_start": "2030-01-01 08:00:00",
                        "date_end": "2199-01-01 08:00:00",
                    },
                ),
                "lasts more than",
            ),
            (
                "a request on another company's unit",
                (
                    "helpdesk.ticket",
                    {
                        "name": "Foreign",
                        "description": "Foreign",
                        "partner_id": self.customer.id,
                        "lot_id": foreign_unit.id,
                    },
                ),
                "belongs to Other Co. Ltd",
            ),
            (
                "a portal customer on the duty roster",
                (
                    "aftersales.duty",
                    {
                        "user_id": portal.id,
                        "date_start": "2030-01-01 08:00:00",
                        "date_end": "2030-01-02 08:00:00",
                    },
                ),
                "portal user",
            ),
            (
                "a service product as a spare",
                (
                    "aftersales.spare.request",
                    {
                        "dispatch_id": self.dispatch.id,
                        "line_ids": [Command.create({"product_id": service.id})],
                    },
                ),
                "not a stocked part",
            ),
            (
                "an item of -3 to bring",
                (
                    "aftersales.dispatch.item",
                    {"dispatch_id": self.dispatch.id, "name": "Fuse", "quantity": -3},
                ),
                "must be positive",
            ),
        ]

    def test_every_bad_input_is_refused_and_nothing_is_written(self):
        cases = self._cases() + self._number_cases() + self._integrity_cases()
        self.assertGreaterEqual(len(cases), 100)
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


class TestPublicMethods(AftersalesCase):
    """A public method called from outside (XML-RPC, JSON-RPC) with the wrong
    arguments or records answers a user error, never a traceback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="as_pub_mgr",
            groups="aftersales_service.group_aftersales_manager",
        )
        cls.warranty = cls._delivered_warranties(cls.product, ["PUB-001"])
        cls._backdate_delivery(cls.warranty, 10)

    def test_wrong_arguments(self):
        Warranty = self.env["aftersales.warranty"]
        for args, text in (
            ((self._days_ago(1), 5), "Accepted By"),
            ((self._days_ago(1), "  "), "Accepted By"),
            (("not a date", "Customer"), "acceptance date"),
            ((42, "Customer"), "acceptance date"),
            ((self._days_ago(1), "Customer", 7), "reference is a text"),
        ):
            with self.subTest(args=args), self.assertRaisesText(UserError, text):
                self.warranty.record_acceptance(*args)
            self.assertEqual(self.warranty.state, "awaiting")
        with self.assertRaisesText(UserError, "Select the warranties"):
            Warranty.record_acceptance(self._days_ago(1), "Customer")
        Extension = self.env["aftersales.warranty.extension"].with_user(self.manager)
        with self.assertRaisesText(UserError, "Select the extensions"):
            Extension.action_reverse("reason")

    def test_one_record_methods_on_none_or_several(self):
        """Methods made for one record name what they work on."""
        Dispatch = self.env["aftersales.dispatch"]
        request = self.env["helpdesk.ticket"].create(
            {"name": "Two", "description": "Two", "partner_id": self.customer.id}
        )
        two = Dispatch.create([{"ticket_id": request.id}] * 2)
        for records in (Dispatch, two):
            with (
                self.subTest(count=len(records)),
                self.assertRaisesText(UserError, "one Dispatch Order at a time"),
            ):
                records.action_log_training()
