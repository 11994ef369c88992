from odoo.tests import tagged

from .common import PortalCase
from .project_common import FILE, ProjectCase


@tagged("post_install", "-at_install")
class TestProjectPortal(PortalCase, ProjectCase):
    """B1, B3 over HTTP: a customer's contact sees their company's
    equipment projects, the documents issued (old versions marked
    superseded) and the handover archive, and downloads their files;
    another customer's files are refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(cls.customer, "as_prj_portal")
        first = cls.env["aftersales.project.document"].create(
            {
                "project_id": cls.project.id,
                "name": "Wiring diagram",
                "version": "v1",
                "file": FILE,
                "file_name": "wiring-v1.pdf",
                "received_by": "Wang Wei",
            }
        )
        first.action_issue()
        cls.current = first.copy(
            {
                "version": "v2",
                "previous_id": first.id,
                "file": FILE,
                "file_name": "wiring-v2.pdf",
            }
        )
        cls.current.action_issue()
        cls.old = first
        cls.draft = first.copy({"name": "Draft layout", "file": FILE})
        item = cls.project.handover_ids[0]
        item.write({"file": FILE, "file_name": "as-built.pdf"})
        item.action_hand_over()
        cls.item = item
        other = cls.env["res.partner"].create(
            {"name": "Zhoushan Shipyard", "is_company": True}
        )
        order, __ = cls._sold_units(["PRJ-THEIRS"], partner=other)
        cls.theirs = cls.env["aftersales.project"].create(
            {"title": "Shipyard cranes", "sale_order_id": order.id}
        )
        cls.their_document = cls.env["aftersales.project.document"].create(
            {
                "project_id": cls.theirs.id,
                "name": "Crane manual",
                "file": FILE,
                "file_name": "crane.pdf",
                "received_by": "Zhou",
            }
        )
        cls.their_document.action_issue()

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def test_projects_list_and_page(self):
        self.authenticate("as_prj_portal", "as_prj_portal")
        self.assertIn("Equipment Projects", self.url_open("/my/home").text)
        listing = self.url_open("/my/equipment-projects").text
        self.assertIn("Line 2 cabinets", listing)
        self.assertNotIn("Shipyard cranes", listing)
        page = self._get(f"/my/equipment-projects/{self.project.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("wiring-v2.pdf", page.text)
        self.assertIn("wiring-v1.pdf", page.text)
        self.assertIn("Superseded", page.text)
        self.assertNotIn("Draft layout", page.text)
        self.assertIn("as-built.pdf", page.text)
        self.assertIn("Missing", page.text)

    def test_own_files_download(self):
        self.authenticate("as_prj_portal", "as_prj_portal")
        for url in (
            f"/web/content/aftersales.project.document/{self.current.id}/file",
            f"/web/content/aftersales.project.document/{self.old.id}/file",
            f"/web/content/aftersales.project.handover/{self.item.id}/file",
        ):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.content, b"%PDF-1.4 wiring diagram")

    def test_another_customers_files_are_refused(self):
        self.authenticate("as_prj_portal", "as_prj_portal")
        for url in (
            f"/my/equipment-projects/{self.theirs.id}",
            f"/web/content/aftersales.project.document/{self.their_document.id}/file",
            f"/web/content/aftersales.project.document/{self.draft.id}/file",
            f"/web/content/aftersales.project.handover/{self.theirs.handover_ids[0].id}/file",
        ):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertIn(response.status_code, (403, 404))
                self.assertNotIn(b"%PDF", response.content)

    def test_the_unit_page_shows_its_documents(self):
        self.authenticate("as_prj_portal", "as_prj_portal")
        warranty = self.warranties[0]
        page = self._get(f"/my/units/{warranty.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("wiring-v2.pdf", page.text)
        self.assertNotIn("crane.pdf", page.text)
