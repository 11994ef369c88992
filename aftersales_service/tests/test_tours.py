import base64

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    """The screens as a person uses them, in Chromium."""

    def test_request_to_signature(self):
        unit = self.env.ref("aftersales_service.demo_lot_cabinet_2")
        request = self.env["helpdesk.ticket"].create(
            {
                "name": "Cabinet does not start",
                "description": "The cabinet does not start after a power cut.",
                "partner_id": self.env.ref(
                    "aftersales_service.demo_partner_city_contact"
                ).id,
                "lot_id": unit.id,
                "channel_id": self.env.ref(
                    "helpdesk_mgmt.helpdesk_ticket_channel_phone"
                ).id,
                "user_id": self.env.ref("base.user_admin").id,
            }
        )
        self.start_tour(
            f"/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/{request.id}",
            "aftersales_request_to_signature",
            login="admin",
            timeout=180,
        )
        dispatch = request.dispatch_ids
        self.assertEqual(dispatch.state, "signed")
        self.assertEqual(dispatch.signer_name, "Wang Wei")
        self.assertTrue(dispatch.signature)
        self.assertTrue(request.stage_id.closed)
        self.assertTrue(request.repair_done_at)
        self.assertIn(
            self.env.ref("aftersales_service.mail_activity_type_follow_up"),
            request.activity_ids.activity_type_id,
        )

    def test_back_office_dispatches_a_phoned_in_fault_in_six_clicks(self):
        """The daily path (issue: the phone rings, an engineer is
        dispatched and the customer told), in Chinese, as the back office
        lives it; the tour itself fails above six clicks."""
        unit = self.env.ref("aftersales_service.demo_lot_workstation_1")
        before = self.env["aftersales.dispatch"].search([])
        self.start_tour(
            "/odoo/action-helpdesk_mgmt.helpdesk_ticket_action",
            "aftersales_daily_path",
            login="zhangmin",
            timeout=180,
        )
        dispatch = self.env["aftersales.dispatch"].search([]) - before
        self.assertEqual(len(dispatch), 1)
        request = dispatch.ticket_id
        self.assertEqual(request.lot_id, unit)
        self.assertEqual(request.partner_id, unit.warranty_id.partner_id)
        self.assertEqual(request.name, "泵站监控工作站黑屏，无法启动")
        # The fault the caller reported is on the engineer's order.
        self.assertEqual(dispatch.reported_fault, "泵站监控工作站黑屏，无法启动")
        # The engineer who last worked on the unit was proposed and sent;
        # the customer was told the on-site deadline as the arrival.
        self.assertEqual(
            dispatch.engineer_ids,
            self.env.ref("aftersales_service.demo_user_engineer"),
        )
        self.assertEqual(dispatch.state, "dispatched")
        self.assertTrue(dispatch.arrival_notice_sent)
        self.assertEqual(dispatch.expected_arrival, request.arrival_deadline)
        self.assertTrue(request.ack_done_at and request.plan_done_at)

    def test_warehouse_reserves_spares_and_issues_a_loaner(self):
        warehouse_user = new_test_user(
            self.env,
            login="as_tour_wh",
            groups="aftersales_service.group_aftersales_warehouse",
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        unit = self.env.ref("aftersales_service.demo_lot_workstation_1")
        loaner_lot = self.env["stock.lot"].create(
            {
                "name": "TOUR-LOAN-01",
                "product_id": self.env.ref(
                    "aftersales_service.demo_product_workstation_6"
                ).id,
                "aftersales_is_loaner": True,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            loaner_lot.product_id,
            warehouse.aftersales_loaner_location_id,
            1,
            lot_id=loaner_lot,
        )
        request = self.env["helpdesk.ticket"].create(
            {
                "name": "Workstation needs a new board",
                "description": "Display board burnt.",
                "partner_id": self.env.ref(
                    "aftersales_service.demo_partner_county_contact"
                ).id,
                "lot_id": unit.id,
                "aftersales_estimated_repair_hours": 16,
            }
        )
        loaner = request.aftersales_loaner_ids
        dispatch = self.env["aftersales.dispatch"].create({"ticket_id": request.id})
        spares = self.env["aftersales.spare.request"].create(
            {
                "dispatch_id": dispatch.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": self.env.ref(
                                "aftersales_service.demo_product_io_board"
                            ).id
                        }
                    )
                ],
            }
        )
        spares.action_request()
        self.start_tour(
            f"/odoo/action-aftersales_service.action_aftersales_spare_request/{spares.id}",
            "aftersales_warehouse_spares_loaner",
            login=warehouse_user.login,
            timeout=120,
        )
        self.assertEqual(spares.state, "reserved")
        self.assertEqual(loaner.state, "issued")
        self.assertEqual(loaner.loaner_lot_id, loaner_lot)

    def test_trainer_logs_a_session(self):
        trainer = new_test_user(
            self.env,
            login="as_tour_trainer",
            groups="aftersales_service.group_aftersales_trainer",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Metro", "is_company": True}
        )
        self.env["res.partner"].create(
            {"name": "Tour Trainee", "parent_id": customer.id}
        )
        self.start_tour(
            "/odoo/action-aftersales_service.action_aftersales_training_session?view_type=list",
            "aftersales_trainer_session",
            login=trainer.login,
            timeout=120,
        )
        session = self.env["aftersales.training.session"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(session.state, "done")
        self.assertEqual(session.trainer_id, trainer)
        self.assertEqual(session.duration, 2.5)
        self.assertEqual(session.attendee_ids.partner_id.name, "Tour Trainee")

    def test_portal_customer_reports_a_fault_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "aftersales_service")]
        )._update_translations(["zh_CN"])
        customer = self.env.ref("aftersales_service.demo_partner_city")
        contact = self.env["res.partner"].create(
            {
                "name": "Portal Tour",
                "parent_id": customer.id,
                "email": "tour@example.com",
                "lang": "zh_CN",
            }
        )
        portal = new_test_user(
            self.env,
            login="as_tour_portal",
            groups="base.group_portal",
            partner_id=contact.id,
            lang="zh_CN",
        )
        product = self.env.ref("aftersales_service.demo_product_cabinet")
        lot = self.env["stock.lot"].create(
            {"name": "PT-CABINET", "product_id": product.id}
        )
        self.env["aftersales.warranty"].create(
            {
                "lot_id": lot.id,
                "partner_id": customer.id,
                "duration": 2,
                "period": "year",
            }
        )
        self.start_tour(
            "/my/units", "aftersales_portal_fault_report", login=portal.login
        )
        request = self.env["helpdesk.ticket"].search([("lot_id", "=", lot.id)])
        self.assertEqual(request.name, "Cabinet stopped")
        self.assertEqual(request.severity, "major")
        self.assertEqual(request.partner_id, contact)
        self.assertTrue(request.ack_deadline)

    def test_account_manager_renews_from_the_activity(self):
        account_manager = new_test_user(
            self.env,
            login="as_tour_am",
            groups="aftersales_service.group_aftersales_account_manager",
        )
        contract = self.env.ref("aftersales_service.demo_contract_city")
        contract.user_id = account_manager
        renewal_type = self.env.ref(
            "aftersales_service.mail_activity_type_contract_renewal"
        )
        # Due today: it shows in the account manager's activities.
        contract.activity_ids.filtered(
            lambda a: a.activity_type_id == renewal_type
        ).write(
            {
                "user_id": account_manager.id,
                "date_deadline": fields.Date.context_today(
                    contract.with_user(account_manager)
                ),
            }
        )
        self.start_tour(
            "/odoo", "aftersales_account_manager_renewal", login=account_manager.login
        )
        renewal = contract.renewal_contract_id
        self.assertEqual(renewal.state, "draft")
        self.assertEqual(renewal.previous_contract_id, contract)
        self.assertEqual(contract.renewal_order_id.state, "draft")

    def test_the_analysis_shows_its_year_and_figures(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Harbour", "is_company": True, "tz": "UTC"}
        )
        request = self.env["helpdesk.ticket"].create(
            {
                "name": "Crane stopped",
                "description": "Crane stopped",
                "partner_id": customer.id,
                "reported_at": "2027-05-04 08:00:00",
                "service_level_id": self.env.ref(
                    "aftersales_service.service_level_standard"
                ).id,
            }
        )
        request.write({"ack_done_at": "2027-05-04 08:30:00"})
        self.env["aftersales.fault.analysis"].create(
            {"partner_id": customer.id, "year": 2027, "quarter": "2"}
        )
        self.start_tour(
            "/odoo/action-aftersales_service.action_aftersales_fault_analysis",
            "aftersales_fault_analysis_figures",
            login="admin",
            timeout=120,
        )


@tagged("post_install", "-at_install")
class TestEngineerOnAPhone(HttpCase):
    """The engineer's day at 390×844, a touch screen."""

    browser_size = "390x844"
    touch_enabled = True

    def test_arrive_record_finish_and_sign_without_the_gear_menu(self):
        engineer = self.env.ref("aftersales_service.demo_user_engineer")
        unit = self.env.ref("aftersales_service.demo_lot_cabinet_2")
        request = self.env["helpdesk.ticket"].create(
            {
                "description": "<p>PHONE-TOUR cabinet dark</p>",
                "partner_id": unit.warranty_id.partner_id.id,
                "lot_id": unit.id,
            }
        )
        dispatch = self.env["aftersales.dispatch"].create(
            {
                **self.env["aftersales.dispatch"]._vals_from_request(request),
                "engineer_ids": [Command.set(engineer.ids)],
                "expected_arrival": fields.Datetime.add(fields.Datetime.now(), hours=2),
            }
        )
        dispatch.action_dispatch()
        self.start_tour(
            "/odoo/action-aftersales_service.action_aftersales_dispatch",
            "aftersales_engineer_phone",
            login=engineer.login,
            timeout=180,
        )
        self.assertEqual(dispatch.state, "signed")
        self.assertEqual(dispatch.signer_name, "Wang Wei")
        self.assertTrue(dispatch.signature)
        self.assertIn("Replaced the power module", dispatch.action_ids.content)
        self.assertTrue(request.repair_done_at)


@tagged("post_install", "-at_install")
class TestCommissioningOnAPhone(HttpCase):
    """B2, in Chinese: the engineer fills and signs the unit's commissioning
    record on a phone; then the back office, at its desk, records the
    acceptance that waited for it."""

    browser_size = "390x844"
    touch_enabled = True

    def test_engineer_commissions_then_back_office_accepts(self):
        engineer = self.env.ref("aftersales_service.demo_user_engineer")
        unit = self.env.ref("aftersales_service.demo_lot_cabinet_2")
        failed = self.env["aftersales.commissioning"].search(
            [("lot_id", "=", unit.id), ("state", "=", "failed")]
        )
        retest = self.env["aftersales.commissioning"].browse(
            failed.with_user(engineer).action_test_again()["res_id"]
        )
        self.start_tour(
            f"/odoo/action-aftersales_service.action_aftersales_commissioning/{retest.id}",
            "aftersales_commissioning_phone",
            login=engineer.login,
            timeout=180,
        )
        self.assertEqual(retest.state, "passed")
        self.assertEqual(retest.signer_name, "王伟")
        self.assertTrue(retest.signature)
        self.assertEqual(
            retest.line_ids.sorted("sequence").mapped("measured_value"),
            ["231", "760", "2.4", False],
        )
        # The manufacturer's certificate, the last document the handover
        # archive waited for, is handed over too.
        certificate = self.env["aftersales.project.handover"].search(
            [
                (
                    "project_id",
                    "=",
                    self.env.ref("aftersales_service.demo_project_city").id,
                ),
                ("state", "=", "missing"),
            ]
        )
        certificate.write(
            {"file": base64.b64encode(b"%PDF-1.4"), "file_name": "cert.pdf"}
        )
        certificate.action_hand_over()
        warranty = unit.warranty_id
        self.browser_size = "1440x900"
        self.touch_enabled = False
        self.start_tour(
            f"/odoo/action-aftersales_service.action_aftersales_warranty/{warranty.id}",
            "aftersales_commissioned_acceptance",
            login="zhangmin",
            timeout=120,
        )
        self.assertEqual(warranty.state, "accepted")
        self.assertEqual(warranty.accepted_by, "王伟")
        self.assertEqual(warranty.start_date, warranty.acceptance_date)
