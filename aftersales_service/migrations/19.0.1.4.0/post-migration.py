"""A request closed after its service goes to the stage marked for it
(Reached When: Closed After Its Service). The add-on's stage data is not
updated on an upgrade: helpdesk_mgmt's Done, where Close Request closed
requests before, is marked, unless a stage already is."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Stage = env["helpdesk.ticket.stage"].with_context(active_test=False)
    done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done", raise_if_not_found=False)
    if (
        done
        and done.closed
        and not Stage.search_count([("aftersales_phase", "=", "closed")])
    ):
        done.aftersales_phase = "closed"
