import base64

from odoo import Command
from odoo.tests import new_test_user

from .common import ROLES, AftersalesCase

# The file of a document issued or handed over.
FILE = base64.b64encode(b"%PDF-1.4 wiring diagram")


class ProjectCase(AftersalesCase):
    """A customer's sales order of two cabinets, delivered, with its
    equipment project; an engineer for its trial operation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.aftersales_handover_required = False
        cls.engineer = new_test_user(
            cls.env, login="as_prj_eng", groups=ROLES["engineer"]
        )
        cls.back_office = new_test_user(
            cls.env, login="as_prj_bo", groups=ROLES["back_office"]
        )
        cls.order, cls.warranties = cls._sold_units(["PRJ-1", "PRJ-2"])
        cls.project = cls.env["aftersales.project"].create(
            {
                "title": "Line 2 cabinets",
                "sale_order_id": cls.order.id,
                "trial_engineer_id": cls.engineer.id,
            }
        )

    @classmethod
    def _sold_units(cls, names, partner=None):
        """Sell ``names`` to the customer (or ``partner``) and deliver them:
        return the order and the units' warranties."""
        lots = cls._stock_serials(cls.product, names)
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.customer).id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.id, "product_uom_qty": len(lots)}
                    )
                ],
            }
        )
        order.action_confirm()
        move = order.picking_ids.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": cls.product.id,
                    "product_uom_id": cls.product.uom_id.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
            for lot in lots
        ]
        move.picked = True
        order.picking_ids.with_context(skip_sms=True).button_validate()
        return order, lots.warranty_ids

    def _document(self, name="Wiring diagram", version="v1", issue=True, **values):
        document = self.env["aftersales.project.document"].create(
            {
                "project_id": self.project.id,
                "name": name,
                "version": version,
                "file": FILE,
                "file_name": f"{name}.pdf",
                "received_by": "Wang Wei",
                **values,
            }
        )
        if issue:
            document.action_issue()
        return document

    def _hand_over_all(self, project=None):
        items = (project or self.project).handover_ids
        items.write({"file": FILE, "file_name": "archive.pdf"})
        items.action_hand_over()
