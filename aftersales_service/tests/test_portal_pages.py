import re

import pytz
from lxml import html

from odoo.tests import new_test_user, tagged

from ..controllers.portal import PORTAL_DOCUMENTS
from .common import PortalCase
from .test_warranty_rules import RulesCase


def cells(row):
    return [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]


@tagged("post_install", "-at_install")
class TestPortalPages(PortalCase, RulesCase):
    """What a customer contact reads on the portal pages of their units and
    requests: each table with its column headers and plain values."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(
            cls.customer, "as_portal_pages", tz="Asia/Shanghai"
        )
        cls.warranty = cls._accepted_unit("PP-001", 30)
        cls.request = cls.env["helpdesk.ticket"].create(
            {
                "name": "Line stopped",
                "description": "Line stopped",
                "partner_id": cls.contact.id,
                "lot_id": cls.warranty.lot_id.id,
            }
        )

    def _page(self, url):
        self.authenticate("as_portal_pages", "as_portal_pages")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.text)

    def _table_after(self, page, title):
        """The header row and the rows of the table under the heading
        ``title``."""
        [table] = page.xpath(
            f"//h5[normalize-space()='{title}']/following-sibling::table[1]"
        )
        return cells(table.xpath(".//thead/tr")[0]), [
            cells(row) for row in table.xpath("./tr|./tbody/tr")
        ]

    def test_unit_page_lists_extensions_and_part_warranties(self):
        self.request.action_extend_warranty()
        self._repair_done(self.warranty.lot_id)
        extension = self.warranty.extension_ids
        part = self.warranty.lot_id.part_warranty_ids
        page = self._page(f"/my/units/{self.warranty.id}")
        self.assertNotIn("aftersales.warranty.extension", page.text_content())

        header, rows = self._table_after(page, "Extensions")
        self.assertEqual(header, ["Date", "Days Added", "Reason", "Request", "Status"])
        extended_on = (
            pytz.utc.localize(extension.create_date)
            .astimezone(pytz.timezone("Asia/Shanghai"))
            .strftime("%m/%d/%Y")
        )
        self.assertEqual(
            rows,
            [
                [
                    extended_on,
                    "60",
                    extension.reason,
                    f"{self.request.number} Line stopped",
                    "Active",
                ]
            ],
        )
        [link] = page.xpath("//a[contains(@href, '/my/ticket/')]")
        self.assertEqual(link.get("href"), f"/my/ticket/{self.request.id}")

        header, rows = self._table_after(page, "Part Warranties")
        self.assertEqual(header, ["Part", "Fitted On", "Warranty End"])
        self.assertEqual(
            rows,
            [
                [
                    "Fan Module",
                    part.date_fitted.strftime("%m/%d/%Y"),
                    part.end_date.strftime("%m/%d/%Y"),
                ]
            ],
        )

    def test_the_conversation_speaks_chinese(self):
        """A request's page shows mail's chatter: its words come in the
        customer's language with the portal's own."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.authenticate("as_portal_pages", "as_portal_pages")
        page = self.url_open(f"/zh_CN/my/ticket/{self.request.id}").text
        url = re.search(r'"translationURL": "([^"]+)"', page).group(1)
        answer = self.url_open(f"{url}?lang=zh_CN").json()
        words = {
            term["id"]: term["string"]
            for module in answer["modules"].values()
            for term in module["messages"]
        }
        self.assertEqual(words.get("The conversation is empty."), "对话内容为空")

    def _assert_dates_to_the_minute(self, page, url):
        """No time shows its seconds, and no date (or date and time) breaks
        over two lines."""
        text = page.text_content()
        self.assertFalse(re.search(r"\d{1,2}:\d{2}:\d{2}", text), url)
        dates = page.xpath(
            "//body//text()[re:test(., '^\\s*\\d{2}/\\d{2}/\\d{4}[\\d:APM ]*$')]",
            namespaces={"re": "http://exslt.org/regular-expressions"},
        )
        self.assertTrue(dates, url)
        for date in dates:
            parent = date.getparent()
            classes = " ".join(
                element.get("class") or ""
                for element in (parent, *parent.iterancestors())
            )
            self.assertIn("text-nowrap", classes, f"{url}: {date.strip()}")

    def test_dates_show_to_the_minute_on_one_line(self):
        self.request.action_acknowledge()
        trainer = new_test_user(self.env, login="as_pages_trainer")
        self.env["aftersales.training.session"].create(
            {
                "name": "Operation",
                "partner_id": self.customer.id,
                "trainer_id": trainer.id,
                "date_start": "2027-03-01 01:30:45",
                "date_end": "2027-03-01 05:30:45",
            }
        )
        analysis = self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2027, "quarter": "1"}
        )
        analysis.action_send()
        for url in (
            "/my/tickets",
            f"/my/ticket/{self.request.id}",
            "/my/trainings",
            "/my/analyses",
            f"/my/units/{self.warranty.id}",
        ):
            self._assert_dates_to_the_minute(self._page(url), url)

    def test_a_year_reads_as_a_year(self):
        self.env["aftersales.fault.analysis"].create(
            {"partner_id": self.customer.id, "year": 2027, "quarter": "2"}
        ).action_send()
        row = self._page("/my/analyses").xpath("//tbody/tr|//table/tr")[0]
        self.assertEqual(cells(row)[0], "2027 Q2")
        # Grouped lists sum what has an aggregator: a year has none.
        Analysis = self.env["aftersales.fault.analysis"]
        self.assertFalse(Analysis.fields_get(["year"])["year"].get("aggregator"))

    def _breadcrumbs(self, url):
        """The breadcrumb's items after Home: [(text, link or None)]."""
        items = self._page(url).xpath("//ol[contains(@class, 'o_portal_submenu')]/li")
        return [
            (" ".join(item.text_content().split()), item.xpath("string(.//a/@href)"))
            for item in items[1:]
        ]

    def test_breadcrumbs_say_where_the_customer_is(self):
        for path in PORTAL_DOCUMENTS:
            with self.subTest(path=path):
                [(title, link)] = self._breadcrumbs(f"/my/{path}")
                self.assertTrue(title)
                self.assertFalse(link)
        self.assertEqual(self._breadcrumbs("/my/units"), [("Your Units", "")])
        self.assertEqual(
            self._breadcrumbs(f"/my/units/{self.warranty.id}"),
            [("Your Units", "/my/units"), ("PP-001", "")],
        )
