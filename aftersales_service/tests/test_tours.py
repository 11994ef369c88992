from odoo.tests import HttpCase, tagged


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
