from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ROLES
from .project_common import FILE, ProjectCase


@tagged("post_install", "-at_install")
class TestProjectDocuments(ProjectCase):
    """B1: the project of a sales order, its units and the documents issued
    to the customer, version after version."""

    def test_units_come_from_the_orders_deliveries(self):
        self.assertEqual(self.project.lot_ids, self.warranties.lot_id)
        self.assertEqual(self.project.partner_id, self.customer)
        self.assertEqual(self.project.trial_state, "trial")
        self.assertEqual(
            self.project.delivery_date, min(self.warranties.mapped("delivery_date"))
        )
        self.assertTrue(self.project.name.startswith("PRJ/"))

    def test_the_project_lists_its_installation_and_commissioning(self):
        self.product.write(
            {
                "aftersales_commissioning_item_ids": [
                    Command.create(
                        {
                            "name": "Supply voltage",
                            "kind": "range",
                            "min_value": 220,
                            "max_value": 240,
                            "measure_unit": "V",
                        }
                    )
                ]
            }
        )
        job = self.env["aftersales.installation"].create(
            {
                "partner_id": self.customer.id,
                "sale_order_id": self.order.id,
                "lot_ids": [Command.set(self.warranties.lot_id.ids)],
                "engineer_ids": [Command.set(self.engineer.ids)],
                "planned_at": fields.Datetime.now(),
            }
        )
        job.action_schedule()
        self.assertEqual(job.project_id, self.project)
        self.assertEqual(self.project.installation_ids, job)
        self.assertEqual(len(self.project.commissioning_ids), 2)
        self.assertEqual(self.project.commissioning_ids.lot_id, self.warranties.lot_id)

    def test_one_project_per_order(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            self.env["aftersales.project"].create(
                {"title": "Again", "sale_order_id": self.order.id}
            )

    def test_superseding_keeps_the_old_version(self):
        first = self._document()
        second = self._document(version="v2", previous_id=first.id, issue=False)
        self.assertEqual(first.state, "issued")
        second.action_issue()
        self.assertEqual(first.state, "superseded")
        self.assertEqual(first.superseded_by_id, second)
        self.assertEqual(second.state, "issued")
        self.assertTrue(first.exists())
        self.assertIn("superseding", self.project.message_ids[0].body)

    def test_new_version_opens_a_draft_that_supersedes(self):
        first = self._document()
        action = first.action_new_version()
        self.assertEqual(action["context"]["default_previous_id"], first.id)
        self.assertEqual(action["context"]["default_name"], first.name)

    def test_superseding_with_the_same_version_is_refused(self):
        first = self._document()
        with self.assertRaisesText(ValidationError, "its own number"):
            self._document(version=" V1 ", previous_id=first.id, issue=False)

    def test_a_draft_is_edited_not_superseded(self):
        draft = self._document(issue=False)
        with self.assertRaisesText(ValidationError, "never issued"):
            self._document(version="v2", previous_id=draft.id, issue=False)

    def test_a_version_is_superseded_once(self):
        first = self._document()
        self._document(version="v2", previous_id=first.id)
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            self._document(version="v3", previous_id=first.id, issue=False)

    def test_issuing_needs_the_file_and_who_received_it(self):
        no_file = self._document(issue=False, file=False)
        with self.assertRaisesText(UserError, "File"):
            no_file.action_issue()
        self.assertEqual(no_file.state, "draft")
        nobody = self._document(issue=False, received_by=" ")
        with self.assertRaisesText(UserError, "Received By"):
            (nobody | no_file).action_issue()
        self.assertEqual(nobody.state, "draft")

    def test_an_issue_date_to_come_is_refused(self):
        document = self._document(issue=False, issue_date=self._days_ago(-3))
        with self.assertRaisesText(UserError, "still to come"):
            document.action_issue()
        self.assertEqual(document.state, "draft")

    def test_a_project_stays_with_its_order(self):
        order, __ = self._sold_units(["PRJ-OTHER"])
        with self.assertRaisesText(UserError, "stays with the order"):
            self.project.with_user(self.back_office).sale_order_id = order
        self.project.write({"sale_order_id": self.order.id, "title": "Line 2"})

    def test_an_issued_version_is_kept_as_issued(self):
        document = self._document()
        with self.assertRaisesText(UserError, "issue a new version"):
            document.write({"version": "v1b"})
        with self.assertRaisesText(UserError, "issue a new version"):
            document.file = FILE
        document.note = "Sent by courier."
        with self.assertRaisesText(UserError, "kept on file"):
            document.unlink()
        draft = self._document(name="Cabinet manual", issue=False)
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_a_superseded_version_cant_be_deleted(self):
        first = self._document()
        self._document(version="v2", previous_id=first.id)
        with self.assertRaisesText(UserError, "kept on file"):
            first.unlink()

    def test_status_is_written_by_the_actions_only(self):
        document = self._document(issue=False)
        with self.assertRaisesText(UserError, "set by its actions"):
            document.with_user(self.back_office).write({"state": "issued"})
        with self.assertRaisesText(UserError, "set by its actions"):
            self.env["aftersales.project.document"].with_user(self.back_office).create(
                {
                    "project_id": self.project.id,
                    "name": "Manual",
                    "state": "superseded",
                }
            )

    def test_units_concerned_belong_to_the_project(self):
        stranger = self._stock_serials(self.product, ["PRJ-X"])
        with self.assertRaisesText(ValidationError, "PRJ-X"):
            self._document(lot_ids=[stranger.id], issue=False)

    def test_a_unit_sees_its_documents_and_the_projects(self):
        first, second = self.warranties.lot_id
        general = self._document()
        mine = self._document(name="Cabinet 1 layout", lot_ids=[first.id])
        Document = self.env["aftersales.project.document"]
        self.assertEqual(Document._concerning(first.id), general | mine)
        self.assertEqual(Document._concerning(second.id), general)
        self.assertEqual(
            Document.search([("unit_ids", "ilike", "PRJ-1")]), general | mine
        )
        self.assertEqual(general.unit_ids, self.project.lot_ids)

    def test_a_project_with_issued_documents_is_kept(self):
        self._document()
        with self.assertRaisesText(UserError, "kept on file"):
            self.project.unlink()


@tagged("post_install", "-at_install")
class TestHandoverArchive(ProjectCase):
    """B3: the handover checklist from the company's template, and
    acceptance waiting for it where the company requires it."""

    def test_checklist_starts_from_the_company_template(self):
        templates = self.env["aftersales.handover.template"].search(
            [("company_id", "=", self.env.company.id)]
        )
        self.assertEqual(
            self.project.handover_ids.mapped("name"), templates.mapped("name")
        )
        self.assertIn("As-Built Drawings", self.project.handover_missing)

    def test_handed_over_needs_its_file(self):
        item = self.project.handover_ids[0]
        with self.assertRaisesText(UserError, "attach the file"):
            item.action_hand_over()
        self.assertEqual(item.state, "missing")
        item.write({"file": FILE, "file_name": "as-built.pdf"})
        item.action_hand_over()
        self.assertEqual(item.state, "handed_over")
        self.assertEqual(item.handed_over_on, self._today())
        self.assertNotIn(item.name, self.project.handover_missing)

    def test_a_handed_over_document_is_kept(self):
        item = self.project.handover_ids[0]
        item.write({"file": FILE, "file_name": "as-built.pdf"})
        item.action_hand_over()
        with self.assertRaisesText(UserError, "kept as handed over"):
            item.file = False
        with self.assertRaisesText(UserError, "kept on file"):
            item.unlink()
        with self.assertRaisesText(UserError, "set by its actions"):
            self.project.handover_ids[1].with_user(self.back_office).write(
                {"state": "handed_over"}
            )

    def test_acceptance_waits_for_the_archive_where_required(self):
        self.env.company.aftersales_handover_required = True
        with self.assertRaisesText(UserError, "PRJ-1: the handover archive"):
            self.warranties.record_acceptance(self._today(), "Wang Wei")
        self.assertEqual(set(self.warranties.mapped("state")), {"awaiting"})
        self._hand_over_all()
        self.warranties.record_acceptance(self._today(), "Wang Wei")
        self.assertEqual(set(self.warranties.mapped("state")), {"accepted"})
        self.assertEqual(self.project.trial_state, "accepted")

    def test_acceptance_doesnt_wait_where_not_required(self):
        self.warranties.record_acceptance(self._today(), "Wang Wei")
        self.assertEqual(set(self.warranties.mapped("state")), {"accepted"})

    def test_units_without_a_project_are_not_held(self):
        self.env.company.aftersales_handover_required = True
        __, warranties = self._sold_units(["PRJ-FREE"])
        warranties.record_acceptance(self._today(), "Wang Wei")
        self.assertEqual(warranties.state, "accepted")


@tagged("post_install", "-at_install")
class TestTrialOperation(ProjectCase):
    """B5: during trial operation, the customer's requests go to the
    project's dedicated engineer; after acceptance, the usual rule."""

    def _request(self, **values):
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Cabinet alarm",
                "description": "Cabinet alarm",
                "partner_id": self.customer.id,
                **values,
            }
        )

    def test_requests_in_trial_go_to_the_trial_engineer(self):
        unit = self.warranties.lot_id[0]
        self.assertEqual(self._request(lot_id=unit.id).user_id, self.engineer)
        self.assertEqual(self._request().user_id, self.engineer)
        contact = self.env["res.partner"].create(
            {"name": "Depot", "parent_id": self.customer.id}
        )
        self.assertEqual(
            self._request(partner_id=contact.id, lot_id=unit.id).user_id,
            self.engineer,
        )

    def test_after_acceptance_the_usual_rule_applies(self):
        first, second = self.warranties
        first.record_acceptance(self._today(), "Wang Wei")
        self.assertNotEqual(
            self._request(lot_id=first.lot_id.id).user_id, self.engineer
        )
        # Another unit is still in trial: a request naming no unit goes to them.
        self.assertEqual(self._request().user_id, self.engineer)
        self.assertEqual(self._request(lot_id=second.lot_id.id).user_id, self.engineer)
        second.record_acceptance(self._today(), "Wang Wei")
        self.assertNotEqual(self._request().user_id, self.engineer)

    def test_a_request_reported_in_trial_goes_to_them_after_acceptance_too(self):
        """A request entered late, reported while the unit was in trial."""
        first = self.warranties[0]
        self._backdate_delivery(first, 10)
        first.record_acceptance(self._today(), "Wang Wei")
        reported = fields.Datetime.now() - timedelta(days=2)
        request = self._request(lot_id=first.lot_id.id, reported_at=reported)
        self.assertEqual(request.user_id, self.engineer)
        self.assertNotEqual(
            self._request(lot_id=first.lot_id.id).user_id, self.engineer
        )

    def test_before_delivery_and_for_others_the_usual_rule_applies(self):
        reported = min(self.warranties.mapped("delivery_date")) - timedelta(hours=1)
        self.assertNotEqual(self._request(reported_at=reported).user_id, self.engineer)
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        self.assertNotEqual(self._request(partner_id=other.id).user_id, self.engineer)
        unit = self._stock_serials(self.product, ["PRJ-ELSE"])
        self.assertNotEqual(self._request(lot_id=unit.id).user_id, self.engineer)

    def test_a_request_given_to_someone_stays_theirs(self):
        self.assertEqual(
            self._request(user_id=self.back_office.id).user_id, self.back_office
        )

    def test_one_search_for_many_requests(self):
        self._request()
        values = [
            {
                "name": f"Alarm {n}",
                "description": "Alarm",
                "partner_id": self.customer.id,
            }
            for n in range(20)
        ]
        Project = self.env["aftersales.project"]
        self.env.invalidate_all()
        # The partners, the projects, their units: not one per request.
        with self.assertQueryCount(4):
            Project._assign_trial_engineers(values)
        self.assertEqual({v["user_id"] for v in values}, {self.engineer.id})

    def test_the_trial_engineer_is_an_engineer(self):
        clerk = new_test_user(self.env, login="as_prj_clerk", groups="base.group_user")
        with self.assertRaisesText(ValidationError, "not one of the service engineers"):
            self.project.trial_engineer_id = clerk
        portal = new_test_user(
            self.env, login="as_prj_portal", groups="base.group_portal"
        )
        with self.assertRaisesText(ValidationError, "not one of the service engineers"):
            self.project.trial_engineer_id = portal
        self.assertEqual(self.project.trial_engineer_id, self.engineer)


@tagged("post_install", "-at_install")
class TestProjectAccess(ProjectCase):
    """The back office manages projects; engineers read those of their
    work; customers read their own company's in the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_engineer = new_test_user(
            cls.env, login="as_prj_eng2", groups=ROLES["engineer"]
        )
        cls.manager = new_test_user(
            cls.env, login="as_prj_mgr", groups=ROLES["manager"]
        )

    def test_back_office_manages_projects(self):
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        order, __ = self._sold_units(["PRJ-BO"], partner=other)
        project = (
            self.env["aftersales.project"]
            .with_user(self.back_office)
            .create({"title": "Pumping station", "sale_order_id": order.id})
        )
        self.assertEqual(len(project.handover_ids), 5)
        project.support_ids = [
            fields.Command.create({"subject": "Design review", "kind": "review"})
        ]
        document = (
            self.env["aftersales.project.document"]
            .with_user(self.back_office)
            .create(
                {
                    "project_id": project.id,
                    "name": "Manual",
                    "file": FILE,
                    "received_by": "Li Na",
                }
            )
        )
        document.action_issue()
        project.handover_ids[0].write({"file": FILE, "file_name": "a.pdf"})
        project.handover_ids[0].action_hand_over()
        with self.assertRaises(AccessError):
            project.unlink()

    def test_engineers_read_the_projects_of_their_work(self):
        self._document()
        project = self.project.with_user(self.engineer)
        self.assertEqual(project.title, "Line 2 cabinets")
        self.assertTrue(project.document_ids)
        with self.assertRaises(AccessError):
            project.title = "Renamed"
        with self.assertRaises(AccessError):
            project.document_ids.with_user(self.engineer).unlink()
        stranger = self.project.with_user(self.other_engineer)
        with self.assertRaises(AccessError):
            stranger.check_access("read")
        self.env["helpdesk.ticket"].create(
            {
                "name": "Alarm",
                "description": "Alarm",
                "partner_id": self.customer.id,
                "user_id": self.other_engineer.id,
            }
        )
        stranger.check_access("read")

    def test_only_managers_change_the_template(self):
        Template = self.env["aftersales.handover.template"]
        self.assertTrue(Template.with_user(self.back_office).search([]))
        with self.assertRaises(AccessError):
            Template.with_user(self.back_office).create({"name": "Photos"})
        Template.with_user(self.manager).create({"name": "Photos"})

    def test_customers_read_their_own_issued_documents(self):
        issued = self._document()
        draft = self._document(name="Layout", issue=False)
        contact = self.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": self.customer.id}
        )
        portal = new_test_user(
            self.env,
            login="as_prj_cust",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        Document = self.env["aftersales.project.document"].with_user(portal)
        self.assertEqual(Document.search([]), issued)
        self.assertIn(draft, self.project.document_ids)
        self.assertEqual(
            self.env["aftersales.project"].with_user(portal).search([]), self.project
        )
        with self.assertRaises(AccessError):
            Document.browse(issued.id).write({"note": "Mine"})
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        stranger = new_test_user(
            self.env,
            login="as_prj_stranger",
            groups="base.group_portal",
            partner_id=self.env["res.partner"]
            .create({"name": "Zhou", "parent_id": other.id})
            .id,
        )
        self.assertFalse(
            self.env["aftersales.project.document"].with_user(stranger).search([])
        )
        self.assertFalse(
            self.env["aftersales.project.handover"].with_user(stranger).search([])
        )
