from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user

from .common import StockCase


class TestScrapApproval(StockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.appraiser = new_test_user(
            cls.env,
            login="as_stock_appraiser",
            groups="aftersales_service.group_aftersales_appraisal,"
            "aftersales_service.group_aftersales_engineer",
        )
        cls.appraiser2 = new_test_user(
            cls.env,
            login="as_stock_appraiser2",
            groups="aftersales_service.group_aftersales_appraisal",
        )
        cls.broken = cls._stock_serials(cls.product, ["SCRAP-001"])

    def _scrap_request(self, user=None, location=None):
        request = (
            self.env["aftersales.scrap.request"]
            .with_user(user or self.appraiser)
            .create(
                {
                    "product_id": self.product.id,
                    "lot_id": self.broken.id,
                    "location_id": (location or self.stock_location).id,
                    "reason": "repair_failed",
                    "reason_details": "Main board burnt twice; beyond repair.",
                }
            )
        )
        request.request_validation()
        return request.with_env(self.env)

    def test_approved_by_another_appraiser_then_scrapped_once(self):
        request = self._scrap_request()
        self.assertEqual(request.validation_status, "pending")
        # The requester may sit in the appraisal group, but can't approve.
        self.assertFalse(request.with_user(self.appraiser).can_review)
        with self.assertRaisesText(UserError, "someone else in the appraisal group"):
            request.with_user(self.appraiser).validate_tier()
        # Not before approval.
        with self.assertRaisesText(UserError, "not approved by the appraisal group"):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertFalse(request.scrap_id)
        # The warehouse can't approve.
        with self.assertRaisesText(UserError, "only the appraisal group approves"):
            request.with_user(self.warehouse_user).validate_tier()
        request.with_user(self.appraiser2).write(
            {"appraisal": "<p>Board charred; beyond repair.</p>"}
        )
        request.with_user(self.appraiser2).validate_tier()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.validation_status, "validated")
        self.assertEqual(len(request.review_ids), 1)
        request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.scrap_id.state, "done")
        self.assertEqual(request.scrap_id.lot_id, self.broken)
        self.assertEqual(request.done_by_id, self.warehouse_user)
        self.assertEqual(self._quant_at(self.broken, self.stock_location), 0)
        with self.assertRaisesText(UserError, "already scrapped"):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(
            self.env["stock.scrap"].search_count([("origin", "=", request.name)]), 1
        )

    def test_approval_only_through_the_review(self):
        request = self._scrap_request()
        with self.assertRaisesText(UserError, "Status is set by its actions"):
            request.with_user(self.appraiser).write({"state": "approved"})
        self.assertEqual(request.state, "draft")
        request.with_user(self.appraiser2).validate_tier()
        # What was approved stays what is scrapped.
        with self.assertRaisesText(UserError, "can't change once"):
            request.with_user(self.appraiser).write({"quantity": 1, "lot_id": False})
        self.assertEqual(request.lot_id, self.broken)

    def test_nothing_is_scrapped_from_where_it_is_not(self):
        request = self._scrap_request(location=self.spare_location)
        request.with_user(self.appraiser2).validate_tier()
        with self.assertRaisesText(
            UserError, f"is not in {self.spare_location.display_name}"
        ):
            request.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(request.state, "approved")
        self.assertEqual(self._quant_at(self.broken, self.stock_location), 1)

    def test_engineers_request_but_do_not_scrap(self):
        request = self._scrap_request(self.engineer)
        request.with_user(self.appraiser).validate_tier()
        self.assertEqual(request.state, "approved")
        with self.assertRaisesText(UserError, "Only warehouse users carry out scraps"):
            request.with_user(self.engineer).action_scrap()
        self.assertEqual(request.state, "approved")

    def test_bad_input(self):
        Scrap = self.env["aftersales.scrap.request"].with_user(self.appraiser)
        count = Scrap.search_count([])
        with self.assertRaisesText(ValidationError, "enter the serial number"):
            Scrap.create(
                {"product_id": self.product.id, "location_id": self.stock_location.id}
            )
        with self.assertRaisesText(ValidationError, "quantity must be positive"):
            Scrap.create(
                {
                    "product_id": self.product.id,
                    "lot_id": self.broken.id,
                    "quantity": -1,
                    "location_id": self.stock_location.id,
                }
            )
        self.assertEqual(Scrap.search_count([]), count)

    def test_scrapping_the_unit_makes_its_notice_permanent(self):
        request = self._request(lot_id=self.broken.id)
        loaner = self._obligation(request, loaner_lot_id=self.loaner.id)
        loaner.with_user(self.warehouse_user).action_issue()
        notice = self.env["aftersales.replacement.notice"].create(
            {
                "ticket_id": request.id,
                "partner_id": self.customer.id,
                "lot_id": self.broken.id,
                "loaner_id": loaner.id,
                "replacement_lot_id": self.loaner.id,
            }
        )
        scrap = self._scrap_request()
        scrap.with_user(self.appraiser2).validate_tier()
        scrap.with_user(self.warehouse_user).action_scrap()
        self.assertEqual(notice.state, "permanent")
        self.assertEqual(notice.scrap_request_id, scrap)
        self.assertIn("Permanent substitution", notice.remarks)
        self.assertIn(self.loaner.name, notice.remarks)
        # The loaner stays with the customer and leaves the pool.
        self.assertEqual(loaner.state, "done")
        self.assertFalse(self.loaner.aftersales_is_loaner)
        self.env["aftersales.loaner"]._cron_loaners()
        self.assertFalse(loaner.escalated)

    def test_scrap_record_prints_in_both_languages(self):
        scrap = self._scrap_request()
        scrap.with_user(self.appraiser2).validate_tier()
        scrap.with_user(self.warehouse_user).action_scrap()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for lang, title in (("en_US", "Scrap Record"), ("zh_CN", "报废品处理记录")):
            report = report.with_context(lang=lang)
            html = report._render_qweb_html(
                "aftersales_service.report_scrap_record", scrap.ids
            )[0].decode()
            self.assertIn(title, html)
            self.assertIn("SCRAP-001", html)
            self.assertIn(self.appraiser2.name, html)
            pdf, __ = report._render_qweb_pdf(
                "aftersales_service.report_scrap_record", scrap.ids
            )
            self.assertTrue(pdf.startswith(b"%PDF"))
