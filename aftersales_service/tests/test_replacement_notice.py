from odoo import Command
from odoo.exceptions import UserError

from .common import SIGNATURE, StockCase


class TestReplacementNotice(StockCase):
    def _send_away(self):
        request = self._request()
        request.with_user(self.back_office).action_offsite_repair()
        loaner = request.aftersales_loaner_ids
        loaner.loaner_lot_id = self.loaner
        loaner.with_user(self.warehouse_user).action_issue()
        return request, loaner

    def _visit(self, request, notice=None):
        dispatch = self._plan(request)
        if notice:
            dispatch.notice_id = notice
        dispatch.with_user(self.engineer).action_dispatch()
        dispatch.with_user(self.engineer).action_arrive()
        dispatch.with_user(self.engineer).write(
            {
                "action_ids": [Command.create({"content": "Reinstalled the unit"})],
                "signer_name": "Wang Lei",
                "signature": SIGNATURE,
            }
        )
        dispatch.with_user(self.engineer).conduct_ids.done = True
        dispatch.with_user(self.engineer).action_finish()
        return dispatch

    def test_off_site_repair_issues_a_notice_that_the_dispatch_takes_back(self):
        request, loaner = self._send_away()
        notice = loaner.notice_ids
        self.assertEqual(notice.state, "open")
        self.assertEqual(notice.lot_id, self.unit)
        self.assertEqual(notice.replacement_lot_id, self.loaner)
        self.assertEqual(notice.repair_id, loaner.repair_id)
        # A visit while the unit is still at the factory can't take it back.
        early = self._visit(request, notice)
        with self.assertRaisesText(UserError, "has not been shipped back yet"):
            early.with_user(self.engineer).action_sign()
        early.notice_id = False
        early.with_user(self.engineer).action_sign()
        self.assertEqual(notice.state, "open")
        # Repaired, tested and shipped back: the visit that reinstalls it
        # carries the notice and takes it back when the customer signs.
        repair = loaner.repair_id
        repair.aftersales_inbound_picking_id.button_validate()
        repair.action_repair_start()
        repair.action_repair_end()
        repair.action_aftersales_test_passed()
        repair.action_aftersales_ship_back()
        repair.aftersales_return_picking_id.with_context(
            skip_sms=True
        ).button_validate()
        dispatch = self._visit(request)
        self.assertEqual(dispatch.notice_id, notice)
        self.assertEqual(notice.state, "open")
        dispatch.with_user(self.engineer).action_sign()
        self.assertEqual(notice.state, "closed")
        self.assertEqual(notice.closing_dispatch_id, dispatch)
        self.assertEqual(notice.closed_on, self._today())

    def test_notice_prints_in_chinese_and_english(self):
        __, loaner = self._send_away()
        notice = loaner.notice_ids
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for lang, title in (
            ("en_US", "Spare Replacement Notice"),
            ("zh_CN", "故障处理备品替换通知"),
        ):
            self.customer.lang = lang
            html = report._render_qweb_html(
                "aftersales_service.report_replacement_notice", notice.ids
            )[0].decode()
            self.assertIn(title, html)
            self.assertIn(self.loaner.name, html)
            pdf, kind = report._render_qweb_pdf(
                "aftersales_service.report_replacement_notice", notice.ids
            )
            self.assertEqual(kind, "pdf")
            self.assertTrue(pdf.startswith(b"%PDF"))
