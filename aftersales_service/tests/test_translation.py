from odoo.exceptions import UserError
from odoo.tests import TransactionCase


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
