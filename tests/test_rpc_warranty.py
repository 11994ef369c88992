"""Deliver, accept and read back a unit warranty over JSON-RPC, the way an
outside client (a portal, an integration, a script) would."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from conftest import RpcError
from dateutil.relativedelta import relativedelta


@pytest.fixture
def delivered_unit(admin):
    tag = uuid.uuid4().hex[:8].upper()
    product = admin.call(
        "product.product",
        "create",
        {
            "name": f"RPC Controller {tag}",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
            "warranty_tracked": True,
            "warranty_duration": 2,
            "warranty_period": "year",
            "manufacturer_warranty_duration": 3,
            "manufacturer_warranty_period": "year",
        },
    )
    lot = admin.call(
        "stock.lot", "create", {"name": f"RPC-{tag}", "product_id": product}
    )
    stock = admin.call(
        "stock.warehouse", "search_read", [], fields=["lot_stock_id"], limit=1
    )[0]["lot_stock_id"][0]
    quant = admin.call(
        "stock.quant",
        "create",
        {
            "product_id": product,
            "lot_id": lot,
            "location_id": stock,
            "inventory_quantity": 1,
        },
        context={"inventory_mode": True},
    )
    admin.call("stock.quant", "action_apply_inventory", [quant])
    customer = admin.call(
        "res.partner", "create", {"name": f"RPC Customer {tag}", "is_company": True}
    )
    order = admin.call(
        "sale.order",
        "create",
        {
            "partner_id": customer,
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
        },
    )
    admin.call("sale.order", "action_confirm", [order])
    pickings = admin.call("sale.order", "read", [order], ["picking_ids"])[0][
        "picking_ids"
    ]
    admin.call("stock.picking", "button_validate", pickings, context={"skip_sms": True})
    return {"lot": lot, "lot_name": f"RPC-{tag}", "customer": customer}


def _today(admin):
    """Today in the user's time zone, the calendar Odoo counts days in."""
    tz = admin.call("res.users", "read", [admin.uid], ["tz"])[0]["tz"] or "UTC"
    return datetime.datetime.now(ZoneInfo(tz)).date()


def _warranty(admin, lot_name, fields):
    found = admin.call(
        "aftersales.warranty",
        "search_read",
        [("lot_id.name", "=", lot_name)],
        fields=fields,
    )
    assert len(found) == 1
    return found[0]


def test_deliver_accept_and_read_end_date(admin, delivered_unit):
    lot_name = delivered_unit["lot_name"]
    warranty = _warranty(admin, lot_name, ["state", "partner_id", "end_date"])
    assert warranty["state"] == "awaiting"
    assert warranty["partner_id"][0] == delivered_unit["customer"]
    assert warranty["end_date"] is False

    today = _today(admin)
    accepted_on = today.isoformat()
    admin.call(
        "aftersales.warranty",
        "record_acceptance",
        [warranty["id"]],
        accepted_on,
        "Zhao Lei",
        "YS-RPC-1",
    )

    warranty = _warranty(
        admin,
        lot_name,
        ["state", "acceptance_date", "accepted_by", "end_date", "warranty_status"],
    )
    # The manufacturer's 3 years outlast our 2: the unit is covered 3 years.
    expected_end = today + relativedelta(years=3)
    assert warranty["state"] == "accepted"
    assert warranty["accepted_by"] == "Zhao Lei"
    assert warranty["end_date"] == expected_end.isoformat()
    assert warranty["warranty_status"] == "valid"

    lot = admin.call(
        "stock.lot", "read", [delivered_unit["lot"]], ["warranty_end_date"]
    )[0]
    assert lot["warranty_end_date"] == expected_end.isoformat()

    in_warranty = admin.call(
        "aftersales.warranty",
        "search",
        [("valid_on", "=", (expected_end - relativedelta(days=1)).isoformat())],
    )
    assert warranty["id"] in in_warranty
    after_end = admin.call(
        "aftersales.warranty",
        "search",
        [("valid_on", "=", (expected_end + relativedelta(days=1)).isoformat())],
    )
    assert warranty["id"] not in after_end


def test_bad_input_is_refused_with_a_clear_message(admin, delivered_unit):
    warranty = _warranty(admin, delivered_unit["lot_name"], ["id"])
    tomorrow = (_today(admin) + relativedelta(days=1)).isoformat()
    with pytest.raises(RpcError, match="in the future"):
        admin.call(
            "aftersales.warranty", "record_acceptance", [warranty["id"]], tomorrow, "X"
        )
    assert (
        _warranty(admin, delivered_unit["lot_name"], ["state"])["state"] == "awaiting"
    )

    with pytest.raises(RpcError, match="already has one"):
        admin.call(
            "aftersales.warranty",
            "create",
            {"lot_id": delivered_unit["lot"], "duration": 1, "period": "year"},
        )
