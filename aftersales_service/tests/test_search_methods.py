from freezegun import freeze_time

from odoo.exceptions import UserError

from .common import AftersalesCase


def _matches(actual, operator, value):
    actual = getattr(actual, "id", actual)
    if operator == "=":
        return actual == value
    if operator == "!=":
        return actual != value
    if operator == "in":
        return actual in value
    return actual not in value


class TestSearchMethods(AftersalesCase):
    """Odoo 19 hands a field's search method the operator ``in`` and derives
    the negations from it: each searchable computed field of the add-on
    finds, for every operator a search view or a domain can send, exactly
    the records whose computed value matches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warranties = cls._delivered_warranties(
            cls.product, [f"SRCH-{n}" for n in range(1, 7)]
        )
        cls._backdate_delivery(warranties, 4000)
        warranties[0].record_acceptance(cls._days_ago(10), "Customer")
        warranties[1].record_acceptance(cls._days_ago(3000), "Customer")
        warranties[3].record_acceptance(cls._days_ago(2), "Customer")
        warranties[4].record_acceptance(cls._days_ago(0), "Customer")
        # Replaced free yesterday (E3): closed.
        warranties[5].record_acceptance(cls._days_ago(100), "Customer")
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE aftersales_warranty SET state = 'closed', closed_on = %s "
            "WHERE id = %s",
            [cls._days_ago(1), warranties[5].id],
        )
        cls.env.invalidate_all()

    def _check(self, model, field, cases):
        Model = self.env[model].with_context(active_test=False)
        records = Model.search([])
        self.assertTrue(records, model)
        for operator, value in cases:
            with self.subTest(field=field, operator=operator, value=value):
                expected = records.filtered(
                    lambda r, o=operator, v=value: _matches(r[field], o, v)
                )
                self.assertEqual(Model.search([(field, operator, value)]), expected)

    def _boolean_cases(self):
        return [
            (operator, value) for operator in ("=", "!=") for value in (True, False)
        ] + [
            (operator, value)
            for operator in ("in", "not in")
            for value in ([True], [False], [True, False])
        ]

    def test_warranty_status(self):
        statuses = ["awaiting", "valid", "expired", "closed"]
        self.assertEqual(
            set(self.env["aftersales.warranty"].search([]).mapped("warranty_status")),
            set(statuses),
        )
        cases = [(op, status) for op in ("=", "!=") for status in statuses]
        cases += [
            (op, values)
            for op in ("in", "not in")
            for values in (statuses[:1], statuses[1:], statuses)
        ]
        self._check("aftersales.warranty", "warranty_status", cases)
        # Where it is still yesterday, the unit accepted today has yet to
        # start its warranty: awaiting, for the search as for the form.
        with freeze_time(self._days_ago(1)):
            self.env.invalidate_all()
            accepted_today = self.env["aftersales.warranty"].search(
                [("lot_id.name", "=", "SRCH-5")]
            )
            self.assertEqual(accepted_today.warranty_status, "awaiting")
            self._check("aftersales.warranty", "warranty_status", cases)

    def test_valid_on(self):
        day = self._days_ago(5)
        Warranty = self.env["aftersales.warranty"]

        def covers(warranty, day):
            # A warranty closed by a free replacement covers the days before.
            running = warranty.state == "accepted" or (
                warranty.state == "closed" and warranty.closed_on > day
            )
            return running and warranty.acceptance_date <= day <= warranty.end_date

        covering = Warranty.search([]).filtered(lambda w: covers(w, day))
        # The unit replaced yesterday was covered five days ago.
        self.assertIn("SRCH-6", covering.lot_id.mapped("name"))
        self.assertTrue(covering)
        self.assertEqual(Warranty.search([("valid_on", "=", day)]), covering)
        self.assertEqual(Warranty.search([("valid_on", "in", [day])]), covering)
        # Covered on either of two days: the warranty accepted two days ago
        # covers today, not five days ago.
        today = self._days_ago(0)
        either = Warranty.search([]).filtered(
            lambda w: any(covers(w, d) for d in (day, today))
        )
        self.assertGreater(either, covering)
        self.assertEqual(Warranty.search([("valid_on", "in", [day, today])]), either)
        for operator, value in (("!=", day), ("=", False)):
            with (
                self.subTest(operator=operator, value=value),
                self.assertRaisesText(UserError, "with one date"),
            ):
                Warranty.search([("valid_on", operator, value)])

    def test_loaner_is_late(self):
        self._check("aftersales.loaner", "is_late", self._boolean_cases())

    def test_part_warranty_is_valid(self):
        self._check("aftersales.part.warranty", "is_valid", self._boolean_cases())

    def test_unit_warranty_id(self):
        warranty = self.env["aftersales.warranty"].search([], limit=1)
        self._check(
            "stock.lot",
            "warranty_id",
            [
                ("=", warranty.id),
                ("!=", warranty.id),
                ("in", [warranty.id]),
                ("not in", [warranty.id]),
            ],
        )
        Lot = self.env["stock.lot"]
        self.assertEqual(
            Lot.search([("warranty_id", "=", False)]),
            Lot.search([]).filtered(lambda lot: not lot.warranty_id),
        )
