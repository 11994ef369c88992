"""Off-site repairs shipped back before the turnaround clock existed get
their end from their return delivery, so their outcome and the KPIs count
them like the repairs that came after."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    repairs = env["repair.order"].search(
        [
            ("aftersales_turnaround_done_at", "=", False),
            ("aftersales_return_picking_id.state", "=", "done"),
        ]
    )
    for repair in repairs:
        repair.aftersales_turnaround_done_at = (
            repair.aftersales_return_picking_id.date_done
        )
