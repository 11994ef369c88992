import io
import shutil
import subprocess
import tempfile
import unittest

from lxml import html

from odoo.tests import BaseCase, new_test_user
from odoo.tools.pdf import PdfFileReader

from ..report.pdf_text import copyable_chinese
from .test_dispatch import DispatchCase

# Debian's poppler-utils: the text a person copies or searches in a PDF.
PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = unittest.skipUnless(
    PDFTOTEXT,
    "pdftotext is not installed (Debian's poppler-utils): the PDF's text can't "
    "be read as a PDF reader copies it",
)
CUSTOMER_ZH = "宁波港口机械有限公司"


def pdf_text(pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            [PDFTOTEXT, "-enc", "UTF-8", file.name, "-"],
            capture_output=True,
            check=True,
            text=True,
            timeout=120,
        ).stdout


def page_count(pdf):
    return len(PdfFileReader(io.BytesIO(pdf)).pages)


class TestCopyableChinese(BaseCase):
    def test_radicals_become_ideographs_in_place(self):
        """Qt writes the glyph of 工 as ⼯ (U+2F2F) and of 口 as ⼝ (U+2F1D)."""
        cmap = (
            b"begincmap\n2 beginbfchar\n<0001> <2F2F>\n<2F1D> <0041>\nendbfchar\n"
            b"2 beginbfrange\n<0002> <0004> [<6D3E> <2F1D> <5355>]\n"
            b"<0005> <0006> <2F2F>\nendbfrange\nendcmap"
        )
        pdf = b"%PDF-1.4\n" + cmap + b"\n%%EOF"
        fixed = copyable_chinese(pdf)
        self.assertEqual(len(fixed), len(pdf))
        self.assertIn(b"<0001> <5DE5>", fixed)
        # A code is never rewritten, only what it copies as.
        self.assertIn(b"<2F1D> <0041>", fixed)
        self.assertIn(b"[<6D3E> <53E3> <5355>]", fixed)
        # Consecutive destinations from a radical have no in-place fix.
        self.assertIn(b"<0005> <0006> <2F2F>", fixed)


class TestPrintedForms(DispatchCase):
    """The forms a customer signs, as printed through wkhtmltopdf: the
    company's letterhead in the page, Chinese that copies out of the PDF as
    Chinese, times in the customer's time zone whoever prints, signature
    boxes, one A4 page each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lang = cls.env["res.lang"]
        if not Lang.search([("code", "=", "zh_CN")]):
            Lang._activate_lang("zh_CN")
            cls.env["ir.module.module"].search(
                [("name", "=", "aftersales_service")]
            )._update_translations("zh_CN")
        cls.customer.write(
            {
                "name": CUSTOMER_ZH,
                "lang": "zh_CN",
                "tz": "Asia/Shanghai",
                "phone": "+86 574 8600 1234",
                "street": "北仑区明州路1号",
                "city": "宁波市",
            }
        )
        cls.company = cls.env.company
        cls.company.write(
            {"name": "杭州恒远智能装备有限公司", "phone": "+86 571 8600 8000"}
        )

    def _pdf(self, report, records, user=None, tz=None):
        """The PDF as ``user`` prints it from the web client, in Chinese."""
        user = user or self.env.user
        Report = (
            self.env["ir.actions.report"]
            .with_user(user)
            .with_context(lang="zh_CN", tz=tz or user.tz, force_report_rendering=True)
        )
        pdf, kind = Report._render_qweb_pdf(report, records.ids)
        self.assertEqual(kind, "pdf")
        return pdf

    def _html(self, report, records, **context):
        return (
            self.env["ir.actions.report"]
            .with_context(**context)
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def _signed(self):
        dispatch = self._plan(
            self._request(description="<p>3号柜电源模块跳闸，报警E21。</p>")
        )
        return self._sign(self._finish(dispatch, "更换电源模块PM-20。"), "王伟")

    @needs_pdftotext
    def test_the_chinese_order_copies_as_chinese(self):
        dispatch = self._plan(
            self._request(description="<p>3号柜电源模块跳闸，报警E21。</p>")
        )
        pdf = self._pdf("aftersales_service.report_dispatch", dispatch)
        text = pdf_text(pdf)
        for expected in (
            "故障处理派工单",
            dispatch.name,
            CUSTOMER_ZH,
            "3号柜电源模块跳闸，报警E21。",
            "+86 574 8600 1234",
            "北仑区明州路1号",
        ):
            self.assertIn(expected, text)
        # No character copies out as a radical (⼯ for 工, ⼝ for 口).
        radicals = {char for char in text if 0x2E80 <= ord(char) <= 0x2FDF}
        self.assertFalse(radicals, text)
        self.assertEqual(page_count(pdf), 1)

    @needs_pdftotext
    def test_times_are_the_customers_whoever_prints(self):
        dispatch = self._plan(self._request())
        dispatch.planned_departure = "2030-01-01 00:40:00"
        shanghai = new_test_user(
            self.env,
            login="as_pf_bo_sh",
            groups="aftersales_service.group_aftersales_user",
            tz="Asia/Shanghai",
        )
        self.back_office.tz = "UTC"
        texts = [
            pdf_text(self._pdf("aftersales_service.report_dispatch", dispatch, user))
            for user in (self.back_office, shanghai)
        ]
        self.assertEqual(texts[0], texts[1])
        # 00:40 UTC is 08:40 in Shanghai, printed without seconds.
        self.assertIn("08:40", texts[0])
        self.assertNotIn("08:40:00", texts[0])

    @needs_pdftotext
    def test_every_form_has_the_letterhead_on_one_page(self):
        """Each form of the add-on, for a record of its own (the dispatch
        order's, else one of the database's), printed on one A4 page under
        the company's letterhead, with the same times in any time zone."""
        own = {"aftersales.dispatch": self._signed()}
        reports = self.env["ir.actions.report"].search(
            [("model", "=like", "aftersales.%"), ("report_type", "=", "qweb-pdf")]
        )
        self.assertGreaterEqual(len(reports), 7)
        for report in reports:
            record = own.get(report.model) or self.env[report.model].search([], limit=1)
            with self.subTest(report=report.report_name):
                if not record:
                    self.skipTest(f"no {report.model} to print (the demo has one)")
                company = record.company_id
                pdf = self._pdf(report.report_name, record)
                text = pdf_text(pdf)
                self.assertIn(company.name, text)
                self.assertIn(company.phone, text)
                self.assertEqual(page_count(pdf), 1)
                self.assertEqual(
                    self._html(report.report_name, record, tz="UTC"),
                    self._html(report.report_name, record, tz="America/New_York"),
                )

    def test_both_signature_boxes(self):
        """The engineer and the customer sign side by side; the customer's
        drawn signature prints in the customer's box once signed."""
        self.customer.lang = "en_US"
        dispatch = self._signed()
        page = html.fromstring(
            self._html("aftersales_service.report_dispatch", dispatch, lang="en_US")
        )
        rows = page.xpath("//table[contains(@class, 'o_aftersales_signatures')]//tr")
        self.assertEqual(len(rows), 1, "the boxes are side by side")
        engineer, customer = rows[0].xpath(
            "td[contains(@class, 'o_aftersales_signature')]"
        )
        self.assertIn("Engineer's Signature", engineer.text_content())
        self.assertFalse(engineer.xpath(".//img"))
        self.assertIn("Customer's Signature", customer.text_content())
        self.assertIn("王伟", customer.text_content())
        self.assertIn("data:image/png;base64,", customer.xpath(".//img/@src")[0])
        if PDFTOTEXT:
            text = pdf_text(
                self.env["ir.actions.report"]
                .with_context(lang="en_US", force_report_rendering=True)
                ._render_qweb_pdf("aftersales_service.report_dispatch", dispatch.ids)[0]
            )
            self.assertIn("Engineer's Signature", text)
            self.assertIn("Customer's Signature", text)
        # A blank form keeps both boxes, empty.
        blank = html.fromstring(
            self._html(
                "aftersales_service.report_dispatch_blank", dispatch, lang="en_US"
            )
        )
        boxes = blank.xpath("//td[contains(@class, 'o_aftersales_signature')]")
        self.assertEqual(len(boxes), 2)
        self.assertFalse(
            blank.xpath("//td[contains(@class, 'o_aftersales_signature')]//img")
        )
        self.assertNotIn("王伟", boxes[1].text_content())
