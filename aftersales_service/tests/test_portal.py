import re

from odoo.tests import tagged

from .common import PortalRequestsCase


@tagged("post_install", "-at_install")
class TestPortalReopen(PortalRequestsCase):
    """A customer who is not satisfied reopens their own closed request over
    the portal, and only their own."""

    portal_login = "as_portal_reopen"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        (cls.mine | cls.theirs).write({"stage_id": done.id})

    def test_reopen_own_request(self):
        self.authenticate("as_portal_reopen", "as_portal_reopen")
        token = self._csrf(f"/my/ticket/{self.mine.id}")
        response = self.url_open(
            f"/my/ticket/{self.mine.id}/reopen",
            data={"csrf_token": token, "reason": "The alarm is back."},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.mine.stage_id.closed)
        self.assertEqual(self.mine.reopen_count, 1)
        reason = self.mine.message_ids.filtered(
            lambda m: "The alarm is back." in m.body
        )
        self.assertEqual(reason.author_id, self.portal.partner_id)

    def test_other_customers_request_is_refused(self):
        self.authenticate("as_portal_reopen", "as_portal_reopen")
        token = self._csrf(f"/my/ticket/{self.mine.id}")
        response = self.url_open(
            f"/my/ticket/{self.theirs.id}/reopen", data={"csrf_token": token}
        )
        self.assertEqual(response.status_code, 404)
        self.assertTrue(self.theirs.stage_id.closed)

    def test_post_without_csrf_is_refused(self):
        self.authenticate("as_portal_reopen", "as_portal_reopen")
        response = self.url_open(
            f"/my/ticket/{self.mine.id}/reopen", data={"reason": "x"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(self.mine.stage_id.closed)

    def test_rate_own_closed_request(self):
        self.authenticate("as_portal_reopen", "as_portal_reopen")
        page = self.url_open(f"/my/ticket/{self.mine.id}").text
        token = re.search(r'href="/rate/([^/"]+)/5"', page).group(1)
        # The rating page, then its form with a comment.
        csrf = self._csrf(f"/rate/{token}/5")
        response = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={"csrf_token": csrf, "rate": 5, "feedback": "Fast and clean."},
        )
        self.assertEqual(response.status_code, 200)
        rating = self.mine.rating_ids.filtered("consumed")
        self.assertEqual(
            (rating.rating, rating.partner_id), (5, self.portal.partner_id)
        )
        # Rated once: the page no longer offers it.
        self.assertNotIn("/rate/", self.url_open(f"/my/ticket/{self.mine.id}").text)

    def test_open_request_is_not_rated(self):
        self.mine.action_reopen()
        self.authenticate("as_portal_reopen", "as_portal_reopen")
        self.assertNotIn("/rate/", self.url_open(f"/my/ticket/{self.mine.id}").text)
