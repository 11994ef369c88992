"""A closed request's clocks are stopped: it has no next deadline, so the
breach escalation no longer picks it up. Requests closed before this version
(solved remotely, withdrawn) kept the deadline of a phase they never
reached, and their supervisor was told it was missed."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE helpdesk_ticket AS ticket
              SET next_deadline = NULL
             FROM helpdesk_ticket_stage AS stage
            WHERE stage.id = ticket.stage_id
              AND stage.closed
              AND ticket.next_deadline IS NOT NULL"""
    )
