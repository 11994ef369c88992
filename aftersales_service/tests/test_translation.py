from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase
from odoo.tools import file_open
from odoo.tools.translate import PoFileReader

from ..models.ir_module_module import COMPLEMENTS


class TestChinese(TransactionCase):
    """A user who switches to Simplified Chinese gets the add-on in Chinese,
    with the seed's own words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        cls.zh = cls.env(context={"lang": "zh_CN"})

    def test_menus(self):
        self.assertEqual(
            self.zh.ref("aftersales_service.menu_aftersales_root").name, "售后服务"
        )
        self.assertEqual(
            self.zh.ref("aftersales_service.menu_aftersales_warranty").name, "单机质保"
        )

    def test_states_and_errors(self):
        states = dict(
            self.zh["aftersales.warranty"]
            ._fields["state"]
            ._description_selection(self.zh)
        )
        self.assertEqual(states["awaiting"], "待验收")
        warranty = self.zh["aftersales.warranty"].browse()
        with self.assertRaises(UserError) as caught:
            warranty.record_acceptance("2026-01-01", "王伟")
        self.assertIn("请选择要验收的质保", str(caught.exception))

    def test_notices_render_in_the_customer_language(self):
        level = self.env.ref("aftersales_service.service_level_standard")
        today = fields.Date.context_today(self.env["aftersales.contract"])
        contracts = self.env["aftersales.contract"]
        for lang, name in (("zh_CN", "杭州地铁"), ("en_US", "Metro Ltd")):
            partner = self.env["res.partner"].create(
                {"name": name, "lang": lang, "email": f"{lang}@example.com"}
            )
            for end in (today + timedelta(days=3), today - timedelta(days=1)):
                contracts |= contracts.create(
                    {
                        "partner_id": partner.id,
                        "service_level_id": level.id,
                        "date_start": end - timedelta(days=365),
                        "date_end": end,
                    }
                )
        contracts.action_start()
        contracts._cron_send_notices()
        mails = self.env["mail.mail"].search(
            [("model", "=", "aftersales.contract"), ("res_id", "in", contracts.ids)]
        )
        bodies = {
            (
                mail.recipient_ids.lang,
                "ended"
                if "已到期" in mail.subject or "ended" in mail.subject
                else "renew",
            ): mail
            for mail in mails
        }
        self.assertIn("办理续保手续", bodies["zh_CN", "renew"].body_html)
        self.assertIn("杭州地铁", bodies["zh_CN", "renew"].body_html)
        self.assertIn("以下服务终止", bodies["zh_CN", "ended"].body_html)
        self.assertIn("please arrange the renewal", bodies["en_US", "renew"].body_html)
        self.assertIn("the following services stop", bodies["en_US", "ended"].body_html)
        self.assertIn("将于", bodies["zh_CN", "renew"].subject)

    def test_the_request_screens_are_in_chinese_too(self):
        """helpdesk_mgmt ships no Chinese; the add-on brings the words of the
        request screens."""
        fields_ = self.zh["helpdesk.ticket"].fields_get(["team_id", "stage_id"])
        self.assertEqual(fields_["team_id"]["string"], "团队")
        self.assertEqual(fields_["stage_id"]["string"], "阶段")
        self.assertEqual(
            self.zh.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress").name,
            "处理中",
        )

    def test_every_complemented_term_has_its_chinese(self):
        """helpdesk_mgmt ships no Chinese and base_tier_validation less than
        half: the add-on's complements translate every term of theirs."""

        def terms(path, translated=False):
            with file_open(path, "rb") as handle:
                return {
                    entry["src"]
                    for entry in PoFileReader(handle)
                    if entry["value"] or not translated
                }

        for module, folder in COMPLEMENTS.items():
            with self.subTest(module=module):
                missing = terms(f"{module}/i18n/{module}.pot") - terms(
                    f"aftersales_service/{folder}/zh_CN.po", translated=True
                )
                self.assertFalse(missing)

    def test_the_scrap_approval_is_in_chinese(self):
        """The appraisal group approves scraps through base_tier_validation's
        buttons and reviews, and inherited selections (activity state,
        validation status) take their mixin's Chinese."""
        views = self.zh["aftersales.scrap.request"].get_views([(False, "form")])
        form = etree.fromstring(views["views"]["form"]["arch"])
        self.assertEqual(
            form.xpath("//button[@name='request_validation']/@string"), ["提交审批"]
        )
        # The banner of a scrap waiting for its appraisal is computed in the
        # reader's language.
        scrap = self.zh["aftersales.scrap.request"].search(
            [("validation_status", "=", "pending")], limit=1
        )
        self.assertTrue(scrap, "the demo has a scrap waiting for its appraisal")
        # It names the appraisal group's members, or the group while it has
        # none, in a Chinese sentence.
        self.assertRegex(str(scrap.to_validate_message), r"待 .+ 审批")
        self.assertNotIn("Group", str(scrap.to_validate_message))
        status = dict(
            self.zh["tier.review"].fields_get(["status"], ["selection"])["status"][
                "selection"
            ]
        )
        self.assertEqual(status["pending"], "待审批")
        for model in ("aftersales.scrap.request", "helpdesk.ticket"):
            states = dict(
                self.zh[model].fields_get(["activity_state"], ["selection"])[
                    "activity_state"
                ]["selection"]
            )
            self.assertEqual(states["overdue"], "逾期", model)
        validation = dict(
            self.zh["aftersales.scrap.request"].fields_get(
                ["validation_status"], ["selection"]
            )["validation_status"]["selection"]
        )
        self.assertEqual(validation["pending"], "待审批")

    def test_operation_types_are_named_in_each_language(self):
        """Odoo names a warehouse's operation types in one language; the
        add-on's types are named in every installed one."""
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Ningbo Depot", "code": "NBD"}
        )
        self.assertEqual(
            warehouse.with_context(lang="zh_CN").aftersales_loaner_out_type_id.name,
            "备用设备出库",
        )
        self.assertEqual(
            warehouse.with_context(lang="en_US").aftersales_loaner_out_type_id.name,
            "Loaner Issues",
        )
