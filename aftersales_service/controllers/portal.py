from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import escape_psql

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# The customer's after-sales documents in the portal: {path: (model, order,
# domain that the list shows)}. What a contact may read is decided by the
# record rules (their own company's records only).
PORTAL_DOCUMENTS = {
    "units": ("aftersales.warranty", "end_date desc, id desc", []),
    "contracts": ("aftersales.contract", "date_end desc, id desc", []),
    "dispatches": ("aftersales.dispatch", "signed_at desc, id desc", []),
    "loaners": ("aftersales.loaner", "issued_at desc, id desc", []),
    "inspections": ("aftersales.inspection", "done_date desc, id desc", []),
    "trainings": ("aftersales.training.session", "date_start desc, id desc", []),
    "analyses": ("aftersales.fault.analysis", "year desc, quarter desc", []),
    "followup-plans": ("aftersales.followup.plan", "id desc", []),
    "service-periods": ("aftersales.service.period", "date_start desc, id desc", []),
    "satisfaction-surveys": (
        "aftersales.satisfaction.survey",
        "period_start desc, id desc",
        [("user_input_id", "!=", False)],
    ),
    "complaints": ("aftersales.complaint", "id desc", []),
    "equipment-projects": ("aftersales.project", "id desc", []),
    "campaigns": ("aftersales.campaign.notice", "sent_at desc, id desc", []),
}
# The printed form of each kind that has one.
PORTAL_REPORTS = {
    "dispatches": "aftersales_service.report_dispatch",
    "inspections": "aftersales_service.report_inspection",
    "trainings": "aftersales_service.report_attendance",
    "analyses": "aftersales_service.report_fault_analysis",
    "complaints": "aftersales_service.report_complaint",
    "campaigns": "aftersales_service.report_campaign_notice",
}


# The longest serial number the online fault report takes (its field's size).
SERIAL_SIZE = 128


def _posted_id(value):
    """The record id a form posted, or 0 when it is none (anything but the
    digits of a database id)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) if len(value) <= 9 else 0
    return 0


class AftersalesPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        for path, (model, __, domain) in PORTAL_DOCUMENTS.items():
            key = f"aftersales_{path.replace('-', '_')}_count"
            if key in counters:
                Model = request.env[model]
                values[key] = (
                    Model.search_count(domain) if Model.has_access("read") else 0
                )
        return values

    def _aftersales_document(self, path, record_id):
        """The record behind a portal URL, read as the system once the
        contact's own rights allowed it; None when they may not see it."""
        if path not in PORTAL_DOCUMENTS:
            return None
        model = PORTAL_DOCUMENTS[path][0]
        try:
            return self._document_check_access(model, record_id)
        except (AccessError, MissingError):
            return None

    @http.route(
        [
            url
            for path in PORTAL_DOCUMENTS
            for url in (f"/my/{path}", f"/my/{path}/page/<int:page>")
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_aftersales_list(self, page=1, **kw):
        """One page of the customer's documents of a kind: a customer with
        thousands of units reads them a page at a time."""
        path = request.httprequest.path.strip("/").split("/")[1]
        model, order, domain = PORTAL_DOCUMENTS[path]
        Model = request.env[model]
        pager = portal_pager(
            url=f"/my/{path}",
            total=Model.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        records = Model.search(
            domain, order=order, limit=self._items_per_page, offset=pager["offset"]
        )
        return request.render(
            f"aftersales_service.portal_my_{path.replace('-', '_')}",
            {
                "records": records.sudo(),
                "pager": pager,
                "page_name": f"aftersales_{path}",
                "report_path": path if path in PORTAL_REPORTS else None,
            },
        )

    @http.route(
        [
            "/my/units/<int:record_id>",
            "/my/contracts/<int:record_id>",
            "/my/equipment-projects/<int:record_id>",
        ],
        type="http",
        auth="user",
        website=True,
    )
    def portal_aftersales_detail(self, record_id, **kw):
        path = request.httprequest.path.strip("/").split("/")[1]
        record = self._aftersales_document(path, record_id)
        if record is None:
            return request.not_found()
        return request.render(
            f"aftersales_service.portal_{path.replace('-', '_')}_page",
            {"record": record, "page_name": f"aftersales_{path}"},
        )

    @http.route(
        ["/my/satisfaction-surveys/<int:record_id>/answer"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_satisfaction_answer(self, record_id, **kw):
        """The customer's contact answers their company's survey: the survey
        app opens it for them."""
        record = self._aftersales_document("satisfaction-surveys", record_id)
        if record is None or not record.user_input_id:
            return request.not_found()
        return request.redirect(record._answer_as(request.env.user.partner_id))

    @http.route(
        ["/my/<string:path>/<int:record_id>/pdf"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_aftersales_pdf(self, path, record_id, **kw):
        if path not in PORTAL_REPORTS:
            return request.not_found()
        record = self._aftersales_document(path, record_id)
        if record is None:
            return request.not_found()
        return self._show_report(
            model=record, report_type="pdf", report_ref=PORTAL_REPORTS[path]
        )

    @http.route(
        ["/my/dispatches/<int:record_id>/sign"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_dispatch_sign_page(self, record_id, **kw):
        dispatch = self._aftersales_document("dispatches", record_id)
        if dispatch is None or not dispatch.remote_signoff:
            return request.not_found()
        return request.render(
            "aftersales_service.portal_dispatch_sign",
            {"record": dispatch, "page_name": "aftersales_dispatches"},
        )

    @http.route(
        ["/my/dispatches/<int:record_id>/signature"],
        type="jsonrpc",
        auth="user",
        website=True,
    )
    def portal_dispatch_sign(self, record_id, name=None, signature=None, **kw):
        """The customer signs the dispatch order online when asked to."""
        dispatch = self._aftersales_document("dispatches", record_id)
        if dispatch is None or dispatch.state != "done" or not dispatch.remote_signoff:
            return {
                "error": _("This dispatch order is not waiting for your signature.")
            }
        if not (name or "").strip() or not signature:
            return {"error": _("Sign with your name and signature.")}
        dispatch.write({"signer_name": name.strip(), "signature": signature})
        dispatch.action_sign()
        dispatch.message_post(
            body=_("Signed online by %(name)s.", name=name.strip()),
            author_id=request.env.user.partner_id.id,
        )
        return {"force_refresh": True, "redirect_url": "/my/dispatches"}

    @http.route(
        ["/my/followup-plans/<int:record_id>/approve"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_approve_plan(self, record_id, approved_by=None, **kw):
        """The customer approves the follow-up plan submitted to them
        (报招标人审核同意)."""
        plan = self._aftersales_document("followup-plans", record_id)
        if plan is None:
            return request.not_found()
        if plan.state == "submitted":
            plan.approved_by = (approved_by or "").strip() or request.env.user.name
            plan.action_approve()
            plan.message_post(
                body=_("Approved in the portal by %(name)s.", name=plan.approved_by),
                author_id=request.env.user.partner_id.id,
            )
        return request.redirect("/my/followup-plans")

    @http.route(
        ["/my/units/<int:record_id>/reading"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_unit_reading(
        self, record_id, value=None, reading_date=None, meter_replaced=None, **kw
    ):
        """The customer enters a meter reading of one of their own units
        (抄表); a reading refused leaves nothing behind and says why."""
        record = self._aftersales_document("units", record_id)
        if record is None:
            return request.not_found()
        try:
            with request.env.cr.savepoint():
                request.env["aftersales.meter.reading"]._create_from_portal(
                    record.id, value, reading_date, meter_replaced=bool(meter_replaced)
                )
        except UserError as error:
            return request.render(
                "aftersales_service.portal_units_page",
                {
                    "record": record,
                    "page_name": "aftersales_units",
                    "maintenance_error": error.args[0],
                },
            )
        return request.redirect(f"/my/units/{record.id}")

    @http.route(
        ["/my/complaints/<int:record_id>/confirm"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_confirm_complaint(self, record_id, **kw):
        """The customer confirms their resolved complaint is settled (用户满意)."""
        complaint = self._aftersales_document("complaints", record_id)
        if complaint is None:
            return request.not_found()
        if complaint.state == "resolved" and not complaint.confirmed_at:
            request.env["aftersales.complaint"].browse(complaint.id)._portal_confirm()
        return request.redirect("/my/complaints")

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

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        values["aftersales_rating_token"] = self._aftersales_rating_token(ticket)
        values["closed_stages"] = ticket.sudo()._aftersales_portal_closing_stages()
        return values

    def _aftersales_rating_token(self, ticket):
        """The token that lets the customer rate their closed request from
        the portal, the way the rating mail's links do; none once they
        rated it."""
        ticket_sudo = ticket.sudo()
        if ticket_sudo.stage_id.aftersales_phase != "closed":
            return False
        customer = ticket_sudo._rating_get_partner()
        ratings = ticket_sudo.rating_ids.filtered(
            lambda rating: rating.partner_id == customer
        )
        if ratings.filtered("consumed"):
            return False
        return ratings[:1].access_token or ticket_sudo._rating_get_access_token()


class AftersalesTicketController(HelpdeskTicketController):
    """The online fault report: the customer picks one of their units, so
    that the request gets the unit's contract, service level and clocks.
    A customer with more units than a list can show types the unit's serial
    number, as it reads on its nameplate."""

    # Up to this many units, the form lists them; beyond, it asks for the
    # serial number.
    _aftersales_unit_choices = 100

    @http.route("/ticket/close", type="http", auth="user", methods=["POST"])
    def support_ticket_close(self, ticket_id=None, stage_id=None, **kw):
        """Close a request from its portal page: a form posted with the
        session's token, by a user who may see that request, to a stage its
        page offers: the done service's once it is repaired, the others
        (withdrawing the report) before. helpdesk_mgmt's own route took a
        GET from anyone logged in, for any request, to any of the portal's
        closing stages."""
        try:
            ticket = request.env["helpdesk.ticket"].browse(int(ticket_id))
            stage = request.env["helpdesk.ticket.stage"].browse(int(stage_id))
            # Staff close requests in the back office, as their rights allow.
            ticket.check_access("write" if request.env.user._is_internal() else "read")
        except (TypeError, ValueError, AccessError, MissingError):
            return request.not_found()
        if stage not in ticket.sudo()._aftersales_portal_closing_stages():
            return request.not_found()
        ticket.sudo().stage_id = stage
        return request.redirect(ticket.sudo().get_portal_url())

    @http.route("/submitted/ticket", type="http", auth="user", website=True, csrf=True)
    def submit_ticket(self, **kw):
        """A report refused (a serial number that is none of the customer's
        units) shows the form again with the reason, keeping what was
        typed; nothing is saved."""
        try:
            with request.env.cr.savepoint():
                return super().submit_ticket(**kw)
        except UserError as error:
            values = self._get_create_new_ticket_values(**kw)
            values.update(aftersales_error=error.args[0], aftersales_posted=kw)
            if "aftersales_serial" in kw and "aftersales_serial" in values:
                values["aftersales_serial"] = kw["aftersales_serial"]
            return request.render("helpdesk_mgmt.portal_create_ticket", values)

    def _get_create_new_ticket_values(self, **kw):
        values = super()._get_create_new_ticket_values(**kw)
        # The contact's own company's units (record rules), one more than the
        # list shows: whether there are too many to list.
        units = (
            request.env["aftersales.warranty"]
            .search([], order="lot_id", limit=self._aftersales_unit_choices + 1)
            .sudo()
        )
        if len(units) > self._aftersales_unit_choices:
            # "Report A Fault" on a unit's page names that unit.
            lot = self._aftersales_own_unit(kw.get("aftersales_unit"))
            values["aftersales_serial"] = lot.name or ""
            values["aftersales_serial_size"] = SERIAL_SIZE
            values["aftersales_chosen_unit"] = lot.id
            units = units.browse()
        values["aftersales_units"] = units
        return values

    def _prepare_submit_ticket_vals(self, **kw):
        # helpdesk_mgmt takes the posted category (and its company) and team
        # as they come: a garbled one was a server error, and any category
        # could be posted, even one the form never offered.
        teams = self._get_teams() or request.env["helpdesk.ticket.team"]
        categories = self._get_categories(**kw)
        if not self._aftersales_offered(kw.get("category"), categories):
            raise UserError(_("Pick the fault category from the list."))
        if not self._aftersales_offered(kw.get("team"), teams):
            raise UserError(_("Pick the team from the list."))
        vals = super()._prepare_submit_ticket_vals(**kw)
        serial = kw.get("aftersales_serial")
        # None: the form listed the units and asked for no serial number.
        if serial is not None:
            serial = serial.strip() if isinstance(serial, str) else "\0"
            if len(serial) > SERIAL_SIZE or "\0" in serial:
                raise UserError(
                    _(
                        "Type the unit's serial number as it reads on its "
                        "nameplate, in at most %(size)s characters.",
                        size=SERIAL_SIZE,
                    )
                )
        lot = self._aftersales_reported_unit(kw.get("aftersales_unit"), serial)
        if lot:
            vals["lot_id"] = lot.id
        if kw.get("severity") in ("general", "major"):
            vals["severity"] = kw["severity"]
        vals["fault_description"] = kw.get("description")
        return vals

    @staticmethod
    def _aftersales_offered(posted, offered):
        """Whether a form posted nothing, or the id of one of the
        ``offered`` records."""
        return not posted or _posted_id(posted) in offered.ids

    @staticmethod
    def _aftersales_own_unit(unit):
        """The unit whose id a form posted, if it is one of the contact's own
        company's units (record rules); else none."""
        unit_id = _posted_id(unit)
        if not unit_id:
            return request.env["stock.lot"]
        return (
            request.env["aftersales.warranty"]
            .search([("lot_id", "=", unit_id)], limit=1)
            .sudo()
            .lot_id
        )

    @staticmethod
    def _aftersales_reported_unit(unit, serial):
        """The unit picked from the list or named by its page (its id, as
        posted), or typed (its serial number, in any case), among the
        contact's own company's units (record rules); none when neither is
        given, or when the serial number field was emptied."""
        if unit:
            lot = AftersalesTicketController._aftersales_own_unit(unit)
            if not lot:
                raise UserError(_("Pick one of your own units."))
            # The serial number that the unit's page filled in, unchanged.
            if serial is None or serial.casefold() == lot.name.casefold():
                return lot
        if not serial:
            return request.env["stock.lot"]
        # The serial numbers are looked up as the superuser (a contact doesn't
        # read units); the warranties, under the record rules.
        domain = [
            (
                "lot_id",
                "in",
                request.env["stock.lot"]
                .sudo()
                ._search([("name", "=ilike", escape_psql(serial))]),
            )
        ]
        warranties = request.env["aftersales.warranty"].search(domain, limit=2)
        if not warranties:
            raise UserError(
                _(
                    "None of your units has the serial number %(serial)s. Copy it "
                    "from the unit's nameplate, or find the unit in Your Units and "
                    "report the fault from its page.",
                    serial=serial,
                )
            )
        if len(warranties.lot_id) > 1:
            raise UserError(
                _(
                    "Several of your units have the serial number %(serial)s: find "
                    "the unit in Your Units and report the fault from its page.",
                    serial=serial,
                )
            )
        return warranties.sudo().lot_id
