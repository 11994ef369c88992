import base64
import re

from lxml import etree, html

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import file_open
from odoo.tools.safe_eval import safe_eval, time

# An English word: letters with at least one lower-case one. Codes written in
# capitals (IC-200, PSU-300, ID, FIFO) and numbers are not words to translate.
ENGLISH = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")
# Addresses are data, "xlsx" and Odoo are names, and Odoo's own Chinese
# keeps "e.g." in a few placeholders of its product form.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+|\bxlsx\b|\bOdoo(?:Bot)?\b|\be\.g\."
)
# Labels of Odoo 19.0's own screens (product, stock and pricelist fields
# that the add-on's forms reach) whose Chinese Odoo's zh_CN files leave
# empty: Odoo's words, not the add-on's.
ODOO_GAPS = {
    "On Hand",
    "Tracked Stock",
    "Valuation by Lot/Serial",
    "Sales Order Line Warning",
    "Is Pricelist Required",
    (
        "Your product is missing a way to be replenished (Route, Vendor, Bill of "
        "Materials)."
    ),
    "Automatic",
    "Effective Route",
    "Lead Horizon Date",
    "Route Id Placeholder",
    "Show Supply Warning",
    "Multiple",
    "允许补货 Uom",
    "Replenishment Uom Id Placeholder",
    "Lead Days",
    "Information",
}
LABEL_ATTRIBUTES = ("string", "placeholder", "help", "title", "confirm", "sum")


def english_words(text):
    if text in ODOO_GAPS:
        return []
    return sorted(set(ENGLISH.findall(NOT_WORDS.sub(" ", text or ""))))


def html_text(markup):
    if not markup:
        return ""
    tree = html.fromstring(f"<div>{markup}</div>")
    for node in tree.xpath("//script|//style|//title"):
        node.drop_tree()
    return tree.text_content()


@tagged("post_install", "-at_install")
class TestDemoStoryInChinese(TransactionCase):
    """The demo story, as a person who reads only Chinese meets it: the
    add-on's screens, its printed forms and the story's messages and mails
    hold no English word."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zh = cls.env(context={"lang": "zh_CN"})
        cls.customers = cls.env.ref("aftersales_service.demo_partner_city") | (
            cls.env.ref("aftersales_service.demo_partner_county")
        )

    def _actions(self):
        """The add-on's window actions, and the requests' (helpdesk_mgmt)."""
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "aftersales_service"),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        actions = self.zh["ir.actions.act_window"].browse(data.mapped("res_id"))
        actions |= self.zh.ref("helpdesk_mgmt.helpdesk_ticket_action")
        # Settings is one page for every app: the add-on's part of it is
        # checked through its own view below.
        return actions.filtered(
            lambda action: action.res_model != "res.config.settings"
        )

    def _arch_labels(self, arch):
        root = etree.fromstring(arch)
        for node in root.iter(tag=etree.Element):
            for attribute in LABEL_ATTRIBUTES:
                # The root's string names the view, it is never shown.
                if node.get(attribute) and not (node is root and attribute == "string"):
                    yield node.get(attribute)
            for text in (node.text, node.tail):
                if text and text.strip():
                    yield text.strip()

    def test_screens(self):
        english = {}
        for action in self._actions():
            modes = [[False, mode] for mode in action.view_mode.split(",")]
            views = self.zh[action.res_model].get_views([*modes, [False, "search"]])
            for view_type, view in views["views"].items():
                for label in self._arch_labels(view["arch"]):
                    if english_words(label):
                        english.setdefault(
                            f"{action.res_model} {view_type}", set()
                        ).add(label)
            for model, description in views["models"].items():
                fields_ = self.zh[model].fields_get(
                    list(description["fields"]), ["string", "selection"]
                )
                for name, field in fields_.items():
                    labels = [field["string"]]
                    labels += [label for __, label in field.get("selection") or ()]
                    for label in labels:
                        if english_words(label):
                            english.setdefault(f"{model} fields", set()).add(
                                f"{name}: {label}"
                            )
        settings = self.zh.ref(
            "aftersales_service.res_config_settings_view_form_aftersales"
        )
        for label in self._arch_labels(settings.arch):
            if english_words(label):
                english.setdefault("settings", set()).add(label)
        self.assertFalse(english)

    def test_scrap_approval(self):
        """base_tier_validation computes the approval banner and the
        reviewers with terms of its Python code, which the add-on's
        complement translates."""
        scrap = self.zh.ref("aftersales_service.demo_scrap_request_psu")
        self.assertTrue(scrap.next_review.startswith("下一步："), scrap.next_review)
        self.assertFalse(english_words(scrap.next_review))
        for review in scrap.review_ids:
            self.assertFalse(english_words(review.todo_by), review.todo_by)
            self.assertFalse(english_words(review.display_status))

    def _story(self):
        """{model: records} of the demo story: the records the demo data
        names, and the add-on's records and requests of its two customers."""
        ids = {}
        for data in self.env["ir.model.data"].search(
            [("module", "=", "aftersales_service"), ("name", "=like", "demo_%")]
        ):
            ids.setdefault(data.model, set()).add(data.res_id)
        story = {model: self.zh[model].browse(sorted(ids[model])) for model in ids}
        for model in self.env.registry:
            Model = self.zh[model]
            if (
                (model.startswith("aftersales.") or model == "helpdesk.ticket")
                and not Model._abstract
                and "partner_id" in Model._fields
            ):
                story[model] = story.get(model, Model) | Model.search(
                    [("partner_id.commercial_partner_id", "in", self.customers.ids)]
                )
        return story

    def test_printed_forms(self):
        """Each form prints in Chinese for the story's records, under a
        Chinese file name."""
        story = self._story()
        reports = self.zh["ir.actions.report"].search(
            [("model", "=like", "aftersales.%"), ("report_type", "=", "qweb-pdf")]
        )
        self.assertGreaterEqual(len(reports), 7)
        for report in reports:
            records = story.get(report.model)
            with self.subTest(report=report.report_name):
                self.assertTrue(records)
                markup = report._render_qweb_html(report.report_name, records.ids)[0]
                self.assertFalse(english_words(html_text(markup.decode())))
                filename = safe_eval(
                    report.print_report_name, {"object": records[0], "time": time}
                )
                self.assertFalse(english_words(filename), filename)

    def test_messages_and_mails(self):
        """Every message in the chatter of the story's records, and every mail
        sent to its customers."""
        english = {}
        for model, records in self._story().items():
            messages = self.env["mail.message"].search(
                [("model", "=", model), ("res_id", "in", records.ids)]
            )
            for message in messages:
                words = english_words(html_text(message.body))
                words += english_words(message.subject)
                if words:
                    english[f"{model},{message.res_id}: {message.body}"] = words
        mails = self.env["mail.mail"].search(
            [("recipient_ids.commercial_partner_id", "in", self.customers.ids)]
        )
        self.assertTrue(mails)
        for mail in mails:
            words = english_words(html_text(mail.body_html))
            words += english_words(mail.subject)
            if words:
                english[f"mail {mail.subject}"] = words
        self.assertFalse(english)

    def test_the_on_site_channel_is_not_the_arrival(self):
        """How a request came in (reported to the engineer at the
        customer's) reads apart from the phase of the engineer's arrival
        (到达现场)."""
        channel = self.zh.ref("aftersales_service.helpdesk_channel_on_site")
        arrival = self.zh["helpdesk.ticket"]._clock_phase_labels()["arrival"]
        self.assertEqual(arrival, "到达现场")
        self.assertNotEqual(channel.name, arrival)
        self.assertFalse(english_words(channel.name), channel.name)

    def test_the_story_requests_are_handled_by_its_people(self):
        """Every request of the story is assigned to one of its staff (the
        back office or the engineer), never to OdooBot, who loaded it."""
        requests = self._story()["helpdesk.ticket"]
        staff = self.env["res.users"]
        for name in ("backoffice", "engineer", "manager"):
            staff |= self.env.ref(f"aftersales_service.demo_user_{name}")
        self.assertGreaterEqual(len(requests), 13)
        for request in requests:
            self.assertIn(request.user_id, staff, request.name)

    def test_the_story_requests_stand_where_their_work_is(self):
        """A request stands in the stage of the last step of its service
        done (Repaired once repaired), unless it waits for the customer or
        is closed; a solved one closes as Done."""
        Stage = self.env["helpdesk.ticket.stage"]
        phases = ("ack", "plan", "arrival", "repair")
        for request in self._story()["helpdesk.ticket"].filtered("active"):
            stage = request.stage_id
            if stage.closed:
                self.assertTrue(request.repair_done_at or request.solved_remotely)
                self.assertEqual(
                    stage, self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
                )
                continue
            if stage.aftersales_pauses_clock:
                continue
            done = [phase for phase in phases if request[f"{phase}_done_at"]]
            expected = (
                Stage.search(
                    [("aftersales_phase", "in", done)], order="sequence desc", limit=1
                )
                if done
                else self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
            )
            self.assertEqual(stage, expected, request.name)
        repaired = self.env.ref("aftersales_service.demo_request_history_1")
        self.assertEqual(repaired.stage_id.aftersales_phase, "repair")


@tagged("post_install", "-at_install")
class TestDemoPortalInChinese(HttpCase):
    """The demo story's portal, as its customer 王伟 (login wangwei) sees it."""

    def _get(self, url):
        self.authenticate("wangwei", "wangwei")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def test_the_header_shows_the_service_companys_logo(self):
        page = html.fromstring(self._get("/my/home").text)
        [logo] = page.xpath("//header//a[contains(@class, 'navbar-brand')]//img")
        image = self._get(logo.get("src")).content
        with file_open("web/static/img/nologo.png", "rb") as placeholder:
            self.assertNotEqual(image, placeholder.read(), "Odoo's 'Your logo'")
        company = self.env.ref("aftersales_service.demo_user_portal_city").company_id
        self.assertEqual(image, base64.b64decode(company.logo_web))
