from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class AftersalesPortal(CustomerPortal):
    @http.route(
        ["/my/ticket/<int:ticket_id>/reopen"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_reopen_ticket(self, ticket_id, access_token=None, reason=None, **kw):
        """The customer is not satisfied: reopen their closed request
        (用户不满意,服务不停止)."""
        try:
            ticket_sudo = self._document_check_access(
                "helpdesk.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.not_found()
        if ticket_sudo.stage_id.closed:
            ticket_sudo.action_reopen()
            if (reason or "").strip():
                ticket_sudo.message_post(
                    body=_("Why it was reopened: %(reason)s", reason=reason.strip()),
                    author_id=request.env.user.partner_id.id,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
        return request.redirect(ticket_sudo.get_portal_url())
