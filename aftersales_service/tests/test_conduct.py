from lxml import html

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user

from .common import ROLES, SIGNATURE, DispatchCase

PRESETS = (
    "aftersales_service.conduct_item_arrival_notice",
    "aftersales_service.conduct_item_dress",
    "aftersales_service.conduct_item_shoe_covers",
    "aftersales_service.conduct_item_site_cleaned",
)


class ConductCase(DispatchCase):
    """Q5, the service conduct (服务规范): a checklist configured by the
    service manager, copied on each dispatch order, ticked by its engineers
    and confirmed by the customer's signature."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="as_cd_mgr", groups=ROLES["manager"])
        cls.warehouse_user = new_test_user(
            cls.env, login="as_cd_wh", groups=ROLES["warehouse"]
        )
        cls.portal = new_test_user(
            cls.env, login="as_cd_portal", groups="base.group_portal"
        )
        cls.items = cls.env["aftersales.conduct.item"].search([])

    def _on_site(self):
        dispatch = self._plan(self._request())
        dispatch.action_dispatch()
        dispatch.with_user(self.engineer).action_arrive()
        return dispatch

    def _done(self, tick=True):
        """A finished order; its engineer ticked every item but the last
        (``tick`` False: none)."""
        dispatch = self._on_site()
        dispatch.action_ids = [(0, 0, {"content": "Replaced the fuse."})]
        if tick:
            dispatch.conduct_ids[:-1].with_user(self.engineer).done = True
        dispatch.with_user(self.engineer).action_finish()
        dispatch.write({"signer_name": "Wang Wei", "signature": SIGNATURE})
        return dispatch


class TestConduct(ConductCase):
    def test_the_seed_presets_in_the_order_of_a_visit(self):
        self.assertEqual(
            self.items,
            self.env["aftersales.conduct.item"].browse(
                [self.env.ref(xmlid).id for xmlid in PRESETS]
            ),
        )

    def test_each_new_order_copies_the_active_items(self):
        self.env.ref(PRESETS[0]).active = False
        extra = self.env["aftersales.conduct.item"].create(
            {"name": "Safety helmet on the platform", "sequence": 25}
        )
        dispatch = self._plan(self._request())
        self.assertEqual(
            dispatch.conduct_ids.mapped("name"),
            [
                "Tidy dress, company badge worn",
                "Safety helmet on the platform",
                "Shoe covers put on before going indoors",
                "Site cleaned up after the work",
            ],
        )
        self.assertFalse(dispatch.conduct_ids.filtered("done"))
        self.assertIn(extra, dispatch.conduct_ids.conduct_item_id)
        # A copy of an order starts its own checklist, unticked.
        dispatch.conduct_ids.done = True
        self.assertFalse(dispatch.copy().conduct_ids.filtered("done"))

    def test_the_engineer_ticks_on_the_phone_and_the_customer_signs(self):
        dispatch = self._on_site()
        form = Form(dispatch.with_user(self.engineer))
        for index in range(len(dispatch.conduct_ids)):
            with form.conduct_ids.edit(index) as line:
                line.done = True
        form.save()
        self.assertTrue(all(dispatch.conduct_ids.mapped("done")))
        dispatch.action_ids = [(0, 0, {"content": "Replaced the fuse."})]
        dispatch.with_user(self.engineer).action_finish()
        # The customer confirms in the sign-off form: one exception noted.
        form = Form(dispatch.with_user(self.engineer))
        with form.conduct_ids.edit(2) as line:
            line.exception = "Engineer came in without shoe covers at first."
        form.signer_name = "Wang Wei"
        form.signature = SIGNATURE
        form.save()
        dispatch.with_user(self.engineer).action_sign()
        self.assertEqual(dispatch.state, "signed")
        self.assertEqual(
            dispatch.conduct_ids.mapped("confirmed"), [True, True, False, True]
        )

    def test_an_item_left_blank_stops_the_signature(self):
        """The customer's signature confirms each item: one neither ticked
        nor explained would be signed for without saying anything, so the
        order is not signed, and nothing of the signature is written."""
        dispatch = self._done()
        with self.assertRaisesText(UserError, "Site cleaned up after the work"):
            dispatch.with_user(self.engineer).action_sign()
        self.assertEqual(dispatch.state, "done")
        self.assertFalse(dispatch.signed_at)
        self.assertFalse(any(dispatch.conduct_ids.mapped("signed_name")))
        # Nor is the customer asked to sign online.
        with self.assertRaisesText(UserError, "Site cleaned up after the work"):
            dispatch.with_user(self.engineer).action_ask_online_signoff()
        self.assertFalse(dispatch.remote_signoff)
        # An exception of blanks only says nothing either.
        dispatch.conduct_ids[-1].with_user(self.engineer).exception = "   "
        self.assertFalse(dispatch.conduct_ids[-1].exception)
        with self.assertRaisesText(UserError, "note why not as an exception"):
            dispatch.with_user(self.engineer).action_sign()
        # Saying why lets the customer sign.
        dispatch.conduct_ids[-1].with_user(
            self.engineer
        ).exception = "The customer cleans the cabinet room themselves."
        dispatch.with_user(self.engineer).action_sign()
        self.assertEqual(dispatch.state, "signed")
        self.assertEqual(
            dispatch.conduct_ids.mapped("confirmed"), [True, True, True, False]
        )

    def test_a_signed_or_cancelled_order_is_not_ticked(self):
        dispatch = self._done(tick=False)
        dispatch.conduct_ids.with_user(self.engineer).done = True
        self._sign(dispatch)
        with self.assertRaisesText(UserError, "can't be changed"):
            dispatch.conduct_ids[0].with_user(self.engineer).done = False
        with self.assertRaisesText(UserError, "can't be changed"):
            dispatch.with_user(self.engineer).write(
                {"conduct_ids": [(1, dispatch.conduct_ids[0].id, {"exception": "x"})]}
            )
        self.assertTrue(all(dispatch.conduct_ids.mapped("done")))
        self.assertFalse(any(dispatch.conduct_ids.mapped("exception")))
        cancelled = self._plan(self._request())
        cancelled.action_cancel()
        with self.assertRaisesText(UserError, "is cancelled"):
            cancelled.conduct_ids[0].with_user(self.engineer).done = True
        self.assertFalse(cancelled.conduct_ids[0].done)

    def test_the_items_come_from_the_configuration(self):
        dispatch = self._on_site()
        line = dispatch.conduct_ids[0].with_user(self.engineer)
        for vals in (
            {"signed_name": "Came in whenever"},
            {"conduct_item_id": self.items[1].id},
            {"sequence": 99},
        ):
            with self.assertRaisesText(UserError, "come from the configuration"):
                line.write(vals)
        with self.assertRaises(AccessError):
            self.env["aftersales.dispatch.conduct"].with_user(self.engineer).create(
                {"dispatch_id": dispatch.id, "conduct_item_id": self.items[0].id}
            )
        with self.assertRaises(AccessError):
            line.unlink()

    def test_an_item_needs_a_name(self):
        Item = self.env["aftersales.conduct.item"].with_user(self.manager)
        for name in ("", "   "):
            with self.assertRaisesText(ValidationError, "an item needs a name"):
                Item.create({"name": name})
        with self.assertRaisesText(ValidationError, "an item needs a name"):
            self.items[0].with_user(self.manager).name = " "
        self.assertTrue(self.items[0].name.strip())

    def test_a_signed_order_keeps_the_items_it_was_signed_with(self):
        """Renamed later in the configuration, an item reads as it was
        signed on signed orders, in each language; open orders follow."""
        self.env["res.lang"]._activate_lang("zh_CN")
        dress = self.env.ref(PRESETS[1])
        dress.with_context(lang="zh_CN").name = "着装整洁、佩带公司标志"
        signed = self._sign(self._finish(self._plan(self._request())))
        still_open = self._on_site()
        dress.write({"name": "Uniform and badge"})
        dress.with_context(lang="zh_CN").name = "穿工作服"
        line = signed.conduct_ids.filtered(lambda c: c.conduct_item_id == dress)
        self.assertEqual(line.name, "Tidy dress, company badge worn")
        self.assertEqual(line.with_context(lang="zh_CN").name, "着装整洁、佩带公司标志")
        line = still_open.conduct_ids.filtered(lambda c: c.conduct_item_id == dress)
        self.assertEqual(line.name, "Uniform and badge")
        self.assertEqual(line.with_context(lang="zh_CN").name, "穿工作服")
        # Used on orders, an item is archived rather than deleted.
        with self.assertRaisesText(UserError, "archive it"):
            dress.unlink()

    def test_the_printed_form_shows_the_checklist(self):
        dispatch = self._done()
        dispatch.conduct_ids[-1].with_user(
            self.engineer
        ).exception = "Customer cleans the room."
        dispatch.with_user(self.engineer).action_sign()
        page = html.fromstring(
            self.env["ir.actions.report"]
            .with_context(lang="en_US")
            ._render_qweb_html("aftersales_service.report_dispatch", dispatch.ids)[0]
        )
        rows = page.xpath("//table[contains(@class, 'o_aftersales_conduct')]/tbody/tr")
        self.assertEqual(
            [[cell.text_content().strip() for cell in row] for row in rows],
            [
                [
                    "Arrival time told to the customer before departure",
                    "√",
                    "√",
                    "",
                ],
                ["Tidy dress, company badge worn", "√", "√", ""],
                ["Shoe covers put on before going indoors", "√", "√", ""],
                ["Site cleaned up after the work", "", "", "Customer cleans the room."],
            ],
        )
        # The blank form lists the configured items, with boxes to tick.
        blank = html.fromstring(
            self.env["ir.actions.report"]
            .with_context(lang="en_US")
            ._render_qweb_html(
                "aftersales_service.report_dispatch_blank", dispatch.ids
            )[0]
        )
        rows = blank.xpath("//table[contains(@class, 'o_aftersales_conduct')]/tbody/tr")
        self.assertEqual(len(rows), len(self.items))
        self.assertEqual(rows[0][1].text_content().strip(), "□")


class TestConductAccess(ConductCase):
    """Each role does what it should with the service conduct, and no more."""

    def test_engineers_tick_their_own_orders_only(self):
        dispatch = self._on_site()
        line = dispatch.conduct_ids[0]
        line.with_user(self.engineer).done = True
        self.assertTrue(line.done)
        # Another engineer neither sees nor ticks it.
        other = line.with_user(self.other_engineer)
        self.assertFalse(
            self.env["aftersales.dispatch.conduct"]
            .with_user(self.other_engineer)
            .search([("id", "=", line.id)])
        )
        with self.assertRaises(AccessError):
            other.done = False
        self.assertTrue(line.done)

    def test_the_back_office_reads_but_does_not_tick(self):
        dispatch = self._on_site()
        mine = dispatch.conduct_ids.with_user(self.back_office)
        self.assertEqual(len(mine.read(["name", "done"])), len(self.items))
        self.assertFalse(dispatch.with_user(self.back_office).can_tick_conduct)
        self.assertTrue(dispatch.with_user(self.engineer).can_tick_conduct)
        with self.assertRaisesText(UserError, "Only the engineers"):
            mine[0].done = True
        with self.assertRaisesText(UserError, "Only the engineers"):
            dispatch.with_user(self.back_office).write(
                {"conduct_ids": [(1, mine[0].id, {"done": True})]}
            )
        self.assertFalse(dispatch.conduct_ids[0].done)
        # Nor does the back office change the configuration.
        with self.assertRaises(AccessError):
            self.env["aftersales.conduct.item"].with_user(self.back_office).create(
                {"name": "Smile"}
            )
        with self.assertRaises(AccessError):
            self.items[0].with_user(self.back_office).name = "Smile"

    def test_the_service_manager_configures_the_checklist(self):
        Item = self.env["aftersales.conduct.item"].with_user(self.manager)
        item = Item.create({"name": "Safety helmet on the platform"})
        item.name = "Safety helmet on platforms"
        item.active = False
        item.unlink()
        for user in (self.engineer, self.warehouse_user):
            with self.assertRaises(AccessError):
                self.env["aftersales.conduct.item"].with_user(user).create(
                    {"name": "Smile"}
                )
        with self.assertRaises(AccessError):
            self.items[0].with_user(self.engineer).active = False

    def test_others_see_nothing_of_it(self):
        dispatch = self._sign(self._finish(self._plan(self._request())))
        for user in (self.warehouse_user, self.portal):
            for model in ("aftersales.dispatch.conduct", "aftersales.conduct.item"):
                with (
                    self.subTest(user=user.login, model=model),
                    self.assertRaises(AccessError),
                ):
                    self.env[model].with_user(user).search([])
        with self.assertRaises(AccessError):
            dispatch.conduct_ids.with_user(self.portal).read(["name"])
