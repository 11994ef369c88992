from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from .common import AftersalesCase, role_users


class CampaignCase(AftersalesCase):
    """An RTU controller sold to two customers: the Ningbo port (three units
    in warranty, one of them still on firmware 0.9) and a Chinese-speaking
    water works (one unit delivered, not accepted yet: not covered)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.users = role_users(cls.env, "mc_campaign")
        cls.rtu = cls._create_product("RTU-9 Controller")
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Anji Water Works",
                "is_company": True,
                "lang": "zh_CN",
                "email": "water@example.com",
            }
        )
        cls.customer.write({"email": "port@example.com", "lang": "en_US"})
        port = cls._accepted_warranties(
            cls.rtu, ["RTU-001", "RTU-002", "RTU-003"], days_ago=30
        )
        water = cls._delivered_warranties(cls.rtu, ["RTU-004"], cls.other_customer)
        cls.lots = (port | water).lot_id.sorted("name")
        cls.env["aftersales.unit.version"].create(
            [
                {"lot_id": lot.id, "version": "0.9" if lot.name == "RTU-003" else "1.0"}
                for lot in cls.lots
            ]
        )
        cls.update_service = cls.env["product.product"].create(
            {"name": "RTU Firmware Update", "type": "service", "list_price": 500}
        )
        cls.portal_port = new_test_user(
            cls.env,
            login="mc_campaign_portal_port",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Port contact", "parent_id": cls.customer.id})
            .id,
        )
        cls.portal_water = new_test_user(
            cls.env,
            login="mc_campaign_portal_water",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Water contact", "parent_id": cls.other_customer.id})
            .id,
        )

    def _campaign(self, **values):
        campaign = self.env["aftersales.campaign"].create(
            {
                "title": "RTU firmware 1.1",
                "kind": "firmware",
                "product_id": self.rtu.id,
                "version_condition": "1.0",
                "target_version": "1.1",
                "quote_product_id": self.update_service.id,
                "notice": "Firmware 1.1 fixes the clock drift.",
                **values,
            }
        )
        campaign.with_context(lang="zh_CN").notice = "固件1.1修复了时钟漂移。"
        return campaign

    def _launched(self, **values):
        campaign = self._campaign(**values)
        campaign.with_user(self.users["manager"]).action_launch()
        return campaign

    def _line(self, campaign, serial):
        return campaign.line_ids.filtered(lambda line: line.lot_id.name == serial)

    def _on_site(self, line):
        """Plan ``line``'s unit and send the engineer: their dispatch order,
        on site."""
        line.with_user(self.users["back_office"]).action_plan()
        dispatch = line.dispatch_id
        dispatch.write(
            {
                "engineer_ids": [Command.set(self.users["engineer"].ids)],
                "expected_arrival": fields.Datetime.now() + timedelta(hours=1),
            }
        )
        dispatch.action_dispatch()
        dispatch = dispatch.with_user(self.users["engineer"])
        dispatch.action_arrive()
        return dispatch


class TestCampaignLaunch(CampaignCase):
    def test_launch_selects_the_units_and_tells_each_customer_once(self):
        campaign = self._launched()
        # RTU-003 runs 0.9: the campaign is for units on 1.0.
        self.assertEqual(
            sorted(campaign.line_ids.lot_id.mapped("name")),
            ["RTU-001", "RTU-002", "RTU-004"],
        )
        self.assertEqual(campaign.state, "launched")
        self.assertEqual(campaign.launched_by_id, self.users["manager"])
        self.assertEqual(set(campaign.line_ids.mapped("state")), {"to_notify"})
        notices = campaign.notice_ids
        self.assertEqual(notices.partner_id, self.customer | self.other_customer)
        port = notices.filtered(lambda n: n.partner_id == self.customer)
        self.assertEqual(
            sorted(port.line_ids.lot_id.mapped("name")),
            ["RTU-001", "RTU-002"],
        )

        self.env["aftersales.campaign.notice"]._cron_send_notices()
        self.assertEqual(set(notices.mapped("state")), {"sent"})
        self.assertEqual(set(campaign.line_ids.mapped("state")), {"notified"})
        self.assertTrue(all(campaign.line_ids.mapped("notified_at")))
        mails = self.env["mail.mail"].search(
            [("model", "=", notices._name), ("res_id", "in", notices.ids)]
        )
        self.assertEqual(len(mails), 2)
        port_mail = mails.filtered(lambda m: m.res_id == port.id)
        self.assertIn("RTU-001", port_mail.body_html)
        self.assertIn("RTU-002", port_mail.body_html)
        self.assertNotIn("RTU-004", port_mail.body_html)
        self.assertIn("clock drift", port_mail.body_html)
        # The water works reads Chinese: the notice text in Chinese.
        water_mail = mails - port_mail
        self.assertIn("固件1.1修复了时钟漂移", water_mail.body_html)
        self.assertIn("RTU-004", water_mail.body_html)

        # A second run sends nothing again.
        self.env["aftersales.campaign.notice"]._cron_send_notices()
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", notices._name), ("res_id", "in", notices.ids)]
            ),
            2,
        )

    def test_serial_range_limits_the_units(self):
        campaign = self._launched(
            serial_from="RTU-002", serial_to="RTU-004", version_condition=False
        )
        self.assertEqual(
            sorted(campaign.line_ids.lot_id.mapped("name")),
            ["RTU-002", "RTU-003", "RTU-004"],
        )

    def test_launching_is_set_based(self):
        """The selection and the tracking rows are made in the same number
        of queries whatever the number of units."""
        manager = self.users["manager"]
        again = self._campaign(serial_from="RTU-002", serial_to="RTU-002")
        large = self._campaign(version_condition=False)
        # The first launches fill the caches.
        for serial in ("RTU-001", "RTU-003"):
            self._campaign(
                serial_from=serial, serial_to=serial, version_condition=False
            ).with_user(manager).action_launch()
        counts = []
        for campaign in (large, again):
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            campaign.with_user(manager).action_launch()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        # Four units or one: the same queries, the units in one statement.
        self.assertEqual(counts, [14, 14])
        self.assertEqual(len(again.line_ids), 1)
        self.assertEqual(len(large.line_ids), 4)


class TestCampaignBadInput(CampaignCase):
    def test_a_campaign_that_selects_no_unit_is_not_launched(self):
        campaign = self._campaign(version_condition="7.7")
        with self.assertRaisesRegex(UserError, "selects no unit"):
            campaign.with_user(self.users["manager"]).action_launch()
        self.assertEqual(campaign.state, "draft")
        self.assertFalse(campaign.line_ids)
        self.assertFalse(campaign.notice_ids)

    def test_serial_range_ending_before_it_starts(self):
        with self.assertRaisesRegex(ValidationError, "comes before the first"):
            self._campaign(serial_from="RTU-009", serial_to="RTU-001")

    def test_a_launched_campaign_keeps_its_selection(self):
        campaign = self._launched()
        for values in (
            {"serial_to": "RTU-002"},
            {"version_condition": "0.9"},
            {"product_id": self.product.id},
        ):
            with self.assertRaisesRegex(UserError, "can't change"):
                campaign.write(values)
        self.assertEqual(len(campaign.line_ids), 3)
        # The wording may still be corrected.
        campaign.title = "RTU firmware 1.1 (clock fix)"

    def test_a_unit_is_not_done_without_the_version_it_runs(self):
        campaign = self._launched()
        line = self._line(campaign, "RTU-001")
        with self.assertRaisesRegex(UserError, "version it now runs"):
            line.with_user(self.users["back_office"]).action_done()
        self.assertEqual(line.state, "to_notify")
        self.assertEqual(line.lot_id.aftersales_version, "1.0")

    def test_launch_needs_the_notice_text(self):
        campaign = self._campaign()
        campaign.with_context(lang="en_US").notice = False
        campaign.with_context(lang="zh_CN").notice = False
        with self.assertRaisesRegex(UserError, "notice text"):
            campaign.with_user(self.users["manager"]).action_launch()
        self.assertEqual(campaign.state, "draft")

    def test_workflow_facts_are_written_by_actions_only(self):
        campaign = self._launched()
        line = self._line(campaign, "RTU-001")
        back_office = self.users["back_office"]
        with self.assertRaisesRegex(UserError, "set by its actions"):
            line.with_user(back_office).write({"state": "done"})
        with self.assertRaisesRegex(UserError, "set by its actions"):
            campaign.with_user(self.users["manager"]).write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "kept on file"):
            campaign.unlink()
        with self.assertRaisesRegex(UserError, "kept on file"):
            line.unlink()

    def test_the_version_history_is_kept_as_it_happened(self):
        lot = self.lots[0]
        back_office = self.users["back_office"]
        with self.assertRaisesRegex(UserError, "installed version changes"):
            lot.with_user(back_office).write({"aftersales_version": "9.9"})
        change = lot.aftersales_version_ids
        with self.assertRaisesRegex(UserError, "kept as it happened"):
            change.with_user(back_office).write({"version": "9.9"})
        with self.assertRaises(AccessError):
            change.with_user(back_office).unlink()
        with self.assertRaisesRegex(UserError, "enter the version"):
            self.env["aftersales.unit.version"].with_user(back_office).create(
                {"lot_id": lot.id, "version": "  "}
            )
        self.assertEqual(lot.aftersales_version, "1.0")


class TestCampaignWork(CampaignCase):
    def test_planning_free_within_the_service_period_else_quoted(self):
        campaign = self._launched()
        self.env["aftersales.campaign.notice"]._cron_send_notices()
        back_office = self.users["back_office"]
        lines = campaign.line_ids
        lines.with_user(back_office).action_plan()
        self.assertEqual(set(lines.mapped("state")), {"planned"})
        self.assertEqual(lines.planned_by_id, back_office)
        in_warranty = self._line(campaign, "RTU-001") | self._line(campaign, "RTU-002")
        not_covered = self._line(campaign, "RTU-004")
        self.assertEqual(in_warranty.mapped("free"), [True, True])
        self.assertFalse(in_warranty.sale_order_id)
        self.assertFalse(not_covered.free)
        order = not_covered.sale_order_id
        self.assertEqual(order.partner_id, self.other_customer)
        self.assertEqual(order.order_line.product_id, self.update_service)
        self.assertIn("RTU-004", order.order_line.name)
        # The water works reads its request in Chinese.
        self.assertIn("固件1.1修复了时钟漂移", not_covered.ticket_id.description)
        for line in lines:
            self.assertEqual(line.ticket_id.lot_id, line.lot_id)
            self.assertEqual(line.dispatch_id.ticket_id, line.ticket_id)
            self.assertEqual(line.dispatch_id.campaign_line_id, line)
            self.assertEqual(line.dispatch_id.state, "draft")

    def test_a_running_contract_makes_it_free_too(self):
        water_unit = self.lots.filtered(lambda lot: lot.name == "RTU-004")
        self._running_contract(water_unit, partner=self.other_customer)
        campaign = self._launched()
        line = self._line(campaign, "RTU-004")
        line.with_user(self.users["back_office"]).action_plan()
        self.assertTrue(line.free)
        self.assertFalse(line.sale_order_id)

    def test_quoted_without_a_quotation_product(self):
        campaign = self._launched(quote_product_id=False)
        line = self._line(campaign, "RTU-004")
        with self.assertRaisesRegex(UserError, "Quotation Product"):
            line.with_user(self.users["back_office"]).action_plan()
        self.assertEqual(line.state, "to_notify")
        self.assertFalse(line.ticket_id)

    def test_the_dispatch_that_updates_the_unit_records_its_version(self):
        campaign = self._launched()
        line = self._line(campaign, "RTU-001")
        engineer = self.users["engineer"]
        dispatch = self._on_site(line)
        dispatch.write(
            {"action_ids": [Command.create({"content": "Flashed firmware 1.1"})]}
        )
        with self.assertRaisesRegex(UserError, "Version Now Installed"):
            dispatch.action_finish()
        self.assertEqual(dispatch.state, "on_site")
        dispatch.installed_version = "1.1"
        dispatch.action_finish()
        lot = line.lot_id
        self.assertEqual(lot.aftersales_version, "1.1")
        change = lot.aftersales_version_ids.filtered(lambda c: c.version == "1.1")
        self.assertEqual(change.previous_version, "1.0")
        self.assertEqual(change.dispatch_id, dispatch)
        self.assertEqual(change.campaign_id, campaign)
        self.assertEqual(change.user_id, engineer)
        self.assertEqual(line.state, "done")
        self.assertEqual(line.done_version, "1.1")
        self.assertEqual(line.done_by_id, engineer)
        campaign.invalidate_recordset(["done_count"])
        self.assertEqual(campaign.done_count, 1)

    def test_done_and_declined_by_the_back_office(self):
        campaign = self._launched()
        back_office = self.users["back_office"]
        done = self._line(campaign, "RTU-002").with_user(back_office)
        done.done_version = "1.1"
        done.action_done()
        self.assertEqual(done.lot_id.aftersales_version, "1.1")
        self.assertEqual(done.done_by_id, back_office)
        declined = self._line(campaign, "RTU-004").with_user(back_office)
        declined.action_plan()
        with self.assertRaisesRegex(UserError, "Why Declined"):
            declined.action_decline()
        declined.decline_reason = "Line cannot stop this year"
        declined.action_decline()
        self.assertEqual(declined.state, "declined")
        self.assertEqual(declined.declined_by_id, back_office)
        self.assertEqual(declined.dispatch_id.state, "cancelled")
        with self.assertRaisesRegex(UserError, "not yet done or declined"):
            declined.action_done()

    def test_discontinuation_links_the_substitutes_and_feeds_the_expiry_notice(self):
        substitute = self._create_product("RTU-10 Controller")
        campaign = self._launched(
            kind="discontinuation",
            version_condition=False,
            substitute_ids=[Command.set(substitute.ids)],
        )
        template = self.rtu.product_tmpl_id
        self.assertTrue(template.aftersales_discontinued)
        self.assertIn(substitute, template.aftersales_substitute_ids)
        self.assertEqual(template.aftersales_discontinuation_id, campaign)
        warranties = self.lots[:1].warranty_id
        notice = self.env["aftersales.warranty.notice"].create(
            {
                "kind": "expiry",
                "company_id": self.env.company.id,
                "partner_id": self.customer.id,
                "week_start": fields.Date.today(),
                "warranty_ids": [Command.set(warranties.ids)],
            }
        )
        body = self.env.ref(
            "aftersales_service.mail_template_warranty_expiry"
        )._render_field("body_html", notice.ids)[notice.id]
        self.assertIn("RTU-10 Controller", body)
        self.assertIn(campaign.name, body)

    def test_discontinuation_needs_its_substitutes(self):
        campaign = self._campaign(kind="discontinuation", version_condition=False)
        with self.assertRaisesRegex(UserError, "substitutes"):
            campaign.with_user(self.users["manager"]).action_launch()
        self.assertFalse(self.rtu.aftersales_discontinued)


class TestCampaignAccess(CampaignCase):
    def test_only_the_service_manager_launches(self):
        for role in ("back_office", "engineer", "account_manager"):
            campaign = self._campaign()
            with self.subTest(role=role), self.assertRaises(AccessError):
                campaign.with_user(self.users[role]).action_launch()
            self.assertEqual(campaign.state, "draft")
        with self.assertRaises(AccessError):
            self.env["aftersales.campaign"].with_user(self.users["back_office"]).create(
                {"title": "x", "product_id": self.rtu.id}
            )

    def test_the_back_office_plans_and_engineers_do_not(self):
        campaign = self._launched()
        line = self._line(campaign, "RTU-001")
        for role in ("engineer", "account_manager"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                line.with_user(self.users[role]).action_plan()
        self.assertEqual(line.state, "to_notify")
        line.with_user(self.users["back_office"]).action_plan()
        self.assertEqual(line.state, "planned")

    def test_customers_see_their_own_campaigns_once_told(self):
        campaign = self._launched()
        Notice = self.env["aftersales.campaign.notice"]
        # Not sent yet: nothing to see.
        self.assertFalse(Notice.with_user(self.portal_port).search([]))
        Notice._cron_send_notices()
        port_notices = Notice.with_user(self.portal_port).search([])
        self.assertEqual(port_notices.partner_id, self.customer)
        lines = self.env["aftersales.campaign.line"].with_user(self.portal_port)
        self.assertEqual(
            sorted(lines.search([]).lot_id.mapped("name")),
            ["RTU-001", "RTU-002"],
        )
        self.assertEqual(
            self.env["aftersales.campaign"].with_user(self.portal_port).search([]),
            campaign,
        )
        water = Notice.with_user(self.portal_water).search([])
        self.assertEqual(sorted(water.line_ids.lot_id.mapped("name")), ["RTU-004"])
        with self.assertRaises(AccessError):
            (Notice.browse(water.id) | port_notices).with_user(
                self.portal_port
            ).check_access("read")


class TestCampaignKeptAsSent(CampaignCase):
    def test_what_was_sent_and_recorded_stays(self):
        campaign = self._launched()
        with self.assertRaisesRegex(UserError, "can't change"):
            campaign.notice = "Something else"
        back_office = self.users["back_office"]
        line = self._line(campaign, "RTU-002").with_user(back_office)
        line.done_version = "1.1"
        line.action_done()
        with self.assertRaisesRegex(UserError, "kept as recorded"):
            line.done_version = "1.2"
        self.assertEqual(line.lot_id.aftersales_version, "1.1")

    def test_a_finished_dispatch_keeps_the_version_it_installed(self):
        campaign = self._launched()
        line = self._line(campaign, "RTU-001")
        dispatch = self._on_site(line)
        dispatch.write(
            {
                "installed_version": "1.1",
                "action_ids": [Command.create({"content": "Flashed 1.1"})],
            }
        )
        dispatch.action_finish()
        with self.assertRaisesRegex(UserError, "is finished"):
            dispatch.installed_version = "1.2"
        self.assertEqual(line.lot_id.aftersales_version, "1.1")
