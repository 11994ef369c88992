"""Every public method of the add-on, called over XML-RPC by a user who may
call it, on a record prepared so that it succeeds: each answers something
XML-RPC carries (True, an action, ids), never a fault after doing its work.

Odoo answers XML-RPC without ``allow_none``: a method that returns None
commits its work, then the client gets a fault ("cannot marshal None").
Records are answered as their ids.

Each test declares what it calls with ``@covers((model, method), ...)`` and
fails unless it called each of them over XML-RPC. The add-on's own test
``test_public_methods`` checks these declarations against the public
methods its classes define: a new public method needs a call here. A
method of a mixin is covered by a call on any model that has it.

The records are made for the test (named after a tag of its own) and
committed in the test database, as the other outside-client tests do."""

import datetime
import functools
import uuid
import xmlrpc.client
from zoneinfo import ZoneInfo

import pytest

# One 1x1 PNG, the customer's drawn signature.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAAAAgABpfZFHQ"
    "AAAABJRU5ErkJggg=="
)
EN = {"lang": "en_US"}


class XmlRpcUser:
    """One user of the demo, calling the server over XML-RPC as a script
    would. Every call is recorded in ``called``."""

    def __init__(self, server, login, password, called):
        self.db, self.password, self.called = server["db"], password, called
        common = xmlrpc.client.ServerProxy(
            f"{server['url']}/xmlrpc/2/common", allow_none=False
        )
        self.uid = common.authenticate(self.db, login, password, {})
        assert self.uid, f"cannot log in as {login}"
        self.proxy = xmlrpc.client.ServerProxy(
            f"{server['url']}/xmlrpc/2/object", allow_none=False
        )

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", EN)
        result = self.proxy.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )
        self.called.add((model, method))
        return result

    def refused(self, model, method, *args, **kwargs):
        """Call a method that refuses this call whatever the record, and
        return the message: a user or access error, not a traceback."""
        with pytest.raises(xmlrpc.client.Fault) as refused:
            self.call(model, method, *args, **kwargs)
        fault = refused.value
        assert fault.faultCode in (2, 4), fault.faultString  # user, access error
        self.called.add((model, method))
        return fault.faultString


def covers(*methods):
    """The test calls each of ``methods`` ((model, method) pairs) over
    XML-RPC; it fails if one was not called."""

    def decorate(test):
        @functools.wraps(test)
        def run(world):
            world.called.clear()
            test(world)
            missing = sorted(set(methods) - world.called)
            assert not missing, f"not called over XML-RPC: {missing}"

        return run

    return decorate


class World:
    """The demo's users, over XML-RPC, and what the tests need, made by the
    administrator over JSON-RPC."""

    def __init__(self, server, admin):
        self.admin, self.called = admin, set()
        self.tag = uuid.uuid4().hex[:8].upper()

        def user(login):
            return XmlRpcUser(server, login, login, self.called)

        self.back_office = user("zhangmin")
        self.manager = user("sunli")
        self.engineer = user("zhouqiang")
        self.warehouse_user = user("chengang")
        self.account_manager = user("liuyang")
        self.trainer = user("zhaolei")
        self.purchaser = user("wangfang")
        self.administrator = user("admin")
        # Days are counted in the demo users' time zone.
        self.tz = admin.call(
            "res.users", "read", [self.back_office.uid], ["tz"], context=EN
        )[0]["tz"]
        self.today = datetime.datetime.now(ZoneInfo(self.tz)).date()
        # The demo has nobody in the appraisal group.
        login = f"rpc-appraiser-{self.tag.lower()}"
        admin.call(
            "res.users",
            "create",
            {
                "name": f"RPC Appraiser {self.tag}",
                "login": login,
                "password": login,
                "group_ids": [
                    (4, self.ref("aftersales_service.group_aftersales_appraisal")),
                    (4, self.ref("base.group_user")),
                ],
            },
        )
        self.appraiser = user(login)

        self.customer = admin.call(
            "res.partner",
            "create",
            {
                "name": f"RPC Customer {self.tag}",
                "is_company": True,
                "email": "rpc-customer@example.com",
            },
        )
        self.contact = admin.call(
            "res.partner",
            "create",
            {"name": f"RPC Contact {self.tag}", "parent_id": self.customer},
        )
        [self.main_warehouse] = admin.call(
            "stock.warehouse",
            "search_read",
            [("company_id", "=", self.ref("base.main_company"))],
            [
                "lot_stock_id",
                "aftersales_spare_location_id",
                "aftersales_loaner_location_id",
                "aftersales_repair_location_id",
            ],
            limit=1,
            order="id",
        )
        self.product = self.new_unit_product()
        self.level = self.ref("aftersales_service.service_level_standard")
        self.serial = 0

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        [data] = self.admin.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        return data["res_id"]

    def location(self, name):
        return self.main_warehouse[name][0]

    def day(self, days=0):
        return (self.today + datetime.timedelta(days=days)).isoformat()

    def moment(self, hours=0):
        when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)
        return when.strftime("%Y-%m-%d %H:%M:%S")

    def new_product(self, name, **values):
        return self.admin.call(
            "product.product",
            "create",
            {
                "name": f"RPC {name} {self.tag}",
                "type": "consu",
                "is_storable": True,
                **values,
            },
        )

    def stock(self, product, location, lot=False, quantity=1):
        quant = self.admin.call(
            "stock.quant",
            "create",
            {
                "product_id": product,
                "lot_id": lot,
                "location_id": location,
                "inventory_quantity": quantity,
            },
            context={"inventory_mode": True},
        )
        self.admin.call("stock.quant", "action_apply_inventory", [quant])

    def new_lot(self, product=None, **values):
        self.serial += 1
        return self.admin.call(
            "stock.lot",
            "create",
            {
                "name": f"RPC-{self.tag}-{self.serial}",
                "product_id": product or self.product,
                **values,
            },
        )

    def new_unit_product(self, name="Cabinet"):
        return self.new_product(
            name,
            tracking="serial",
            warranty_tracked=True,
            warranty_duration=2,
            warranty_period="year",
        )

    def delivered_unit(self, accepted=False, product=None):
        """A unit sold and delivered to the customer: its warranty awaits
        acceptance, or runs from today."""
        product = product or self.product
        lot = self.new_lot(product)
        self.stock(product, self.location("lot_stock_id"), lot)
        order = self.admin.call(
            "sale.order",
            "create",
            {
                "partner_id": self.customer,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
            },
        )
        self.admin.call("sale.order", "action_confirm", [order])
        # The only unit of the product in stock is the one reserved.
        self.admin.call(
            "stock.picking",
            "button_validate",
            self.read("sale.order", order, "picking_ids"),
            context={"skip_sms": True},
        )
        if accepted:
            self.admin.call(
                "aftersales.warranty",
                "record_acceptance",
                self.warranty_of(lot),
                self.day(),
                "Wang Wei",
                context={"tz": self.tz},
            )
        return lot

    def warranty_of(self, lot):
        return self.admin.call("aftersales.warranty", "search", [("lot_id", "=", lot)])

    def ticket(self, lot=False, **values):
        return self.admin.call(
            "helpdesk.ticket",
            "create",
            {
                "name": f"RPC request {self.tag}",
                "description": "Cabinet alarm E21",
                "partner_id": self.customer,
                "lot_id": lot,
                **values,
            },
        )

    def dispatch(self, ticket=None, **values):
        """A draft dispatch order for the demo's engineer."""
        return self.admin.call(
            "aftersales.dispatch",
            "create",
            {
                "ticket_id": ticket or self.ticket(),
                "engineer_ids": [(6, 0, [self.engineer.uid])],
                "expected_arrival": self.moment(hours=2),
                **values,
            },
        )

    def read(self, model, record, field):
        return self.admin.call(model, "read", [record], [field])[0][field]

    def running_contract(self, **values):
        contract = self.admin.call(
            "aftersales.contract",
            "create",
            {
                "partner_id": self.customer,
                "service_level_id": self.level,
                "date_start": self.day(-30),
                "date_end": self.day(335),
                "amount": 12000,
                "product_id": self.ref("aftersales_service.product_service_contract"),
                **values,
            },
        )
        self.admin.call("aftersales.contract", "action_start", [contract])
        return contract


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    return World(odoo_server, admin)


def _is_action(value):
    return isinstance(value, dict) and value.get("type", "").startswith("ir.actions")


# Requests --------------------------------------------------------------------


@covers(
    ("helpdesk.ticket", "create"),
    ("helpdesk.ticket", "write"),
    ("helpdesk.ticket", "action_acknowledge"),
    ("helpdesk.ticket", "action_on_site"),
    ("helpdesk.ticket", "action_repaired"),
    ("helpdesk.ticket", "action_close_request"),
    ("helpdesk.ticket", "action_reopen"),
    ("helpdesk.ticket", "action_aftersales_archive"),
    ("helpdesk.ticket", "action_plan_service"),
    ("helpdesk.ticket", "action_solve_remotely"),
)
def test_request_steps(world):
    user = world.back_office
    ticket = user.call(
        "helpdesk.ticket",
        "create",
        {
            "name": f"RPC request {world.tag}",
            "description": "Cabinet alarm E21",
            "partner_id": world.customer,
        },
    )
    assert isinstance(ticket, int)
    assert user.call(
        "helpdesk.ticket", "write", [ticket], {"user_measures": "Restarted it."}
    )
    for archive in (
        "dispatch_count",
        "aftersales_loaner_count",
        "repair_count",
        "solution_count",
    ):
        action = user.call(
            "helpdesk.ticket",
            "action_aftersales_archive",
            [ticket],
            context={**EN, "aftersales_archive": archive},
        )
        assert _is_action(action), archive
    for method in (
        "action_plan_service",
        "action_solve_remotely",
    ):
        assert _is_action(user.call("helpdesk.ticket", method, [ticket])), method
    for method in (
        "action_acknowledge",
        "action_on_site",
        "action_repaired",
        "action_close_request",
        "action_reopen",
    ):
        assert user.call("helpdesk.ticket", method, [ticket]) is True, method
    assert world.read("helpdesk.ticket", ticket, "reopen_count") == 1


@covers(
    ("aftersales.service.plan", "action_plan"),
    ("aftersales.service.plan", "action_plan_and_dispatch"),
    ("aftersales.remote.solution", "action_solve"),
)
def test_request_wizards(world):
    user = world.back_office
    wizard = user.call(
        "aftersales.service.plan",
        "create",
        {
            "ticket_id": world.ticket(),
            "plan": "<p>Replace the power module.</p>",
            "engineer_ids": [(6, 0, [world.engineer.uid])],
            "expected_arrival": world.moment(hours=4),
        },
    )
    action = user.call("aftersales.service.plan", "action_plan", [wizard])
    assert action["res_model"] == "aftersales.dispatch" and action["res_id"]
    wizard = user.call(
        "aftersales.service.plan",
        "create",
        {
            "ticket_id": world.ticket(),
            "engineer_ids": [(6, 0, [world.engineer.uid])],
        },
    )
    action = user.call("aftersales.service.plan", "action_plan_and_dispatch", [wizard])
    assert action["tag"] == "display_notification"
    wizard = user.call(
        "aftersales.remote.solution",
        "create",
        {"ticket_id": world.ticket(), "guidance": "<p>Reset breaker B2.</p>"},
    )
    assert _is_action(user.call("aftersales.remote.solution", "action_solve", [wizard]))


@covers(
    ("helpdesk.ticket", "action_extend_warranty"),
    ("aftersales.warranty.extension", "action_reverse"),
    ("aftersales.extension.reversal", "action_reverse"),
)
def test_warranty_extensions(world):
    unit = world.delivered_unit(accepted=True)
    extensions = []
    for __ in range(2):
        ticket = world.ticket(unit)
        assert (
            world.back_office.call(
                "helpdesk.ticket", "action_extend_warranty", [ticket]
            )
            is True
        )
        extensions += world.admin.call(
            "aftersales.warranty.extension", "search", [("ticket_id", "=", ticket)]
        )
    assert (
        world.manager.call(
            "aftersales.warranty.extension",
            "action_reverse",
            extensions[:1],
            "Entered on the wrong request",
        )
        is True
    )
    wizard = world.manager.call(
        "aftersales.extension.reversal",
        "create",
        {"extension_id": extensions[1], "reason": "The fault was resolved"},
    )
    assert _is_action(
        world.manager.call("aftersales.extension.reversal", "action_reverse", [wizard])
    )


@covers(("aftersales.warranty.extension", "write"))
def test_extensions_are_not_edited(world):
    """Nobody edits a warranty extension: it is reversed, with a reason. The
    answer to a write is a refusal with that message, not a traceback."""
    ticket = world.ticket(world.delivered_unit(accepted=True))
    world.admin.call("helpdesk.ticket", "action_extend_warranty", [ticket])
    extension = world.admin.call(
        "aftersales.warranty.extension", "search", [("ticket_id", "=", ticket)]
    )
    message = world.manager.refused(
        "aftersales.warranty.extension", "write", extension, {"days": 90}
    )
    assert "reverse it" in message


# Dispatch orders -------------------------------------------------------------


@covers(
    ("aftersales.dispatch", "create"),
    ("aftersales.dispatch", "action_dispatch"),
    ("aftersales.dispatch", "write"),
    ("aftersales.dispatch.conduct", "write"),
    ("aftersales.dispatch", "action_arrive"),
    ("aftersales.dispatch.action", "create"),
    ("aftersales.dispatch.item", "create"),
    ("aftersales.dispatch.item", "write"),
    ("aftersales.dispatch", "action_log_training"),
    ("aftersales.dispatch", "action_request_spares"),
    ("aftersales.dispatch", "action_finish"),
    ("aftersales.dispatch", "action_ask_online_signoff"),
    ("aftersales.dispatch", "action_sign"),
)
def test_dispatch_order(world):
    # The back office makes the order: it copies the service conduct.
    dispatch = world.back_office.call(
        "aftersales.dispatch",
        "create",
        {
            "ticket_id": world.ticket(),
            "engineer_ids": [(6, 0, [world.engineer.uid])],
            "expected_arrival": world.moment(hours=2),
        },
    )
    assert world.back_office.call("aftersales.dispatch", "action_dispatch", [dispatch])
    engineer = world.engineer
    assert engineer.call(
        "aftersales.dispatch", "write", [dispatch], {"analysis": "Module burnt."}
    )
    assert engineer.call("aftersales.dispatch", "action_arrive", [dispatch]) is True
    item = engineer.call(
        "aftersales.dispatch.item",
        "create",
        {"dispatch_id": dispatch, "name": "Multimeter", "kind": "instrument"},
    )
    assert engineer.call("aftersales.dispatch.item", "write", [item], {"quantity": 2})
    assert isinstance(
        engineer.call(
            "aftersales.dispatch.action",
            "create",
            {"dispatch_id": dispatch, "content": "Replaced the module."},
        ),
        int,
    )
    for method in ("action_log_training", "action_request_spares"):
        assert _is_action(engineer.call("aftersales.dispatch", method, [dispatch]))
    # The service conduct (Q5): the engineer ticks each item, one with an
    # exception noted, before the customer signs.
    conduct = engineer.call(
        "aftersales.dispatch.conduct",
        "search",
        [("dispatch_id", "=", dispatch)],
    )
    assert conduct
    assert engineer.call(
        "aftersales.dispatch.conduct", "write", conduct[:-1], {"done": True}
    )
    assert engineer.call(
        "aftersales.dispatch.conduct",
        "write",
        conduct[-1:],
        {"exception": "The customer cleans the room."},
    )
    assert engineer.call("aftersales.dispatch", "action_finish", [dispatch]) is True
    assert (
        engineer.call("aftersales.dispatch", "action_ask_online_signoff", [dispatch])
        is True
    )
    engineer.call(
        "aftersales.dispatch",
        "write",
        [dispatch],
        {"signer_name": "Wang Wei", "signature": SIGNATURE},
    )
    assert engineer.call("aftersales.dispatch", "action_sign", [dispatch]) is True


@covers(
    ("aftersales.dispatch", "action_cancel"),
    ("aftersales.dispatch", "action_offsite_repair"),
)
def test_dispatch_order_cancelled_or_sent_to_repair(world):
    user = world.back_office
    assert user.call("aftersales.dispatch", "action_cancel", [world.dispatch()]) is True
    dispatch = world.dispatch(world.ticket(world.delivered_unit()))
    assert user.call("aftersales.dispatch", "action_offsite_repair", [dispatch])


@covers(
    ("aftersales.dispatch", "action_aftersales_unrepairable"),
    ("repair.order", "action_aftersales_unrepairable"),
    ("aftersales.unrepairable.finding", "action_record"),
)
def test_unrepairable_findings(world):
    """E3: the engineer on site, then the repair centre, find a unit under
    warranty can't be repaired; each unit is then due for a free
    replacement."""
    engineer = world.engineer
    dispatch = world.dispatch(world.ticket(world.delivered_unit(accepted=True)))
    world.back_office.call("aftersales.dispatch", "action_dispatch", [dispatch])
    engineer.call("aftersales.dispatch", "action_arrive", [dispatch])
    repair_unit = world.delivered_unit(accepted=True)
    ticket = world.ticket(repair_unit)
    world.back_office.call("helpdesk.ticket", "action_offsite_repair", [ticket])
    [repair] = world.admin.call(
        "repair.order", "search", [("aftersales_ticket_id", "=", ticket)]
    )
    for user, model, document in (
        (engineer, "aftersales.dispatch", dispatch),
        (world.warehouse_user, "repair.order", repair),
    ):
        action = user.call(model, "action_aftersales_unrepairable", [document])
        assert action["res_model"] == "aftersales.unrepairable.finding"
        wizard = user.call(
            "aftersales.unrepairable.finding",
            "create",
            {
                "res_model": model,
                "res_id": document,
                "evidence": "Main board burnt; a new power module did not help.",
            },
        )
        assert _is_action(
            user.call("aftersales.unrepairable.finding", "action_record", [wizard])
        )
    assert world.read("stock.lot", repair_unit, "aftersales_replacement_due")


# Spare parts -----------------------------------------------------------------


@covers(
    ("aftersales.spare.request", "create"),
    ("aftersales.spare.request.line", "create"),
    ("aftersales.spare.request.line", "write"),
    ("aftersales.spare.request.line", "action_use_substitute"),
    ("aftersales.spare.request", "action_request"),
    ("aftersales.spare.request", "action_reserve"),
    ("aftersales.spare.request", "action_cancel"),
)
def test_spare_request(world):
    substitute = world.new_product("Relay R2")
    part = world.new_product(
        "Relay R1", aftersales_substitute_ids=[(6, 0, [substitute])]
    )
    world.stock(substitute, world.location("aftersales_spare_location_id"))
    dispatch = world.dispatch()
    engineer = world.engineer
    request = engineer.call(
        "aftersales.spare.request", "create", {"dispatch_id": dispatch}
    )
    line = engineer.call(
        "aftersales.spare.request.line",
        "create",
        {"request_id": request, "product_id": part},
    )
    assert engineer.call(
        "aftersales.spare.request.line", "write", [line], {"quantity": 1}
    )
    # The part is short in the spares: its substitute is there.
    assert (
        engineer.call("aftersales.spare.request.line", "action_use_substitute", [line])
        is True
    )
    assert (
        engineer.call("aftersales.spare.request", "action_request", [request]) is True
    )
    assert (
        world.warehouse_user.call(
            "aftersales.spare.request", "action_reserve", [request]
        )
        is True
    )
    assert engineer.call("aftersales.spare.request", "action_cancel", [request]) is True


# Spare purchase requisitions -------------------------------------------------


def _spare_requisition(world):
    """A spare request the spares location can't supply; the back office
    orders its missing part, and purchasing approves the requisition."""
    vendor = world.admin.call(
        "res.partner", "create", {"name": f"RPC Vendor {world.tag}"}
    )
    part = world.new_product(
        "Contactor", seller_ids=[(0, 0, {"partner_id": vendor, "price": 12})]
    )
    request = world.engineer.call(
        "aftersales.spare.request",
        "create",
        {
            "dispatch_id": world.dispatch(),
            "line_ids": [(0, 0, {"product_id": part, "quantity": 2})],
        },
    )
    world.engineer.call("aftersales.spare.request", "action_request", [request])
    action = world.back_office.call(
        "aftersales.spare.request", "action_order_missing_parts", [request]
    )
    requisition = action["res_id"]
    assert world.purchaser.call(
        "aftersales.spare.requisition", "validate_tier", [requisition]
    )
    return requisition


@covers(
    ("aftersales.spare.request", "action_order_missing_parts"),
    ("aftersales.spare.requisition", "write"),
    ("aftersales.spare.requisition", "action_create_purchase_orders"),
    ("aftersales.spare.requisition", "action_view_purchase_orders"),
)
def test_spare_requisition_ordered(world):
    requisition = _spare_requisition(world)
    assert world.purchaser.call(
        "aftersales.spare.requisition",
        "write",
        [requisition],
        {"note": "Urgent: the metro line waits."},
    )
    action = world.purchaser.call(
        "aftersales.spare.requisition", "action_create_purchase_orders", [requisition]
    )
    assert action["res_model"] == "purchase.order"
    action = world.purchaser.call(
        "aftersales.spare.requisition", "action_view_purchase_orders", [requisition]
    )
    assert action["res_id"]
    # Ordering twice is a user error, not a traceback.
    message = world.purchaser.refused(
        "aftersales.spare.requisition", "action_create_purchase_orders", [requisition]
    )
    assert "already ordered" in message


@covers(
    ("aftersales.spare.requisition", "action_cancel"),
    ("aftersales.spare.requisition", "action_draft"),
)
def test_spare_requisition_cancelled(world):
    requisition = _spare_requisition(world)
    user = world.back_office
    assert user.call("aftersales.spare.requisition", "action_cancel", [requisition])
    assert user.call("aftersales.spare.requisition", "action_draft", [requisition])


# Loaners and replacement notices ----------------------------------------------


@covers(
    ("aftersales.loaner", "create"),
    ("aftersales.loaner", "action_issue"),
    ("aftersales.loaner", "action_return"),
    ("aftersales.loaner", "action_test_failed"),
    ("aftersales.loaner", "action_test_passed"),
    ("aftersales.loaner", "action_cancel"),
    ("aftersales.replacement.notice", "create"),
)
def test_loaner(world):
    product = world.new_product("Cabinet (loaner)", tracking="serial")
    loaner_unit = world.new_lot(product, aftersales_is_loaner=True)
    world.stock(product, world.location("aftersales_loaner_location_id"), loaner_unit)
    user = world.back_office

    def owe(loaner_lot=False):
        return user.call(
            "aftersales.loaner",
            "create",
            {
                "ticket_id": world.ticket(),
                "partner_id": world.customer,
                "lot_id": world.new_lot(),
                "trigger": "long_repair",
                "due_at": world.moment(hours=24),
                "loaner_lot_id": loaner_lot,
            },
        )

    loaner = owe(loaner_unit)
    warehouse_user = world.warehouse_user
    for method in (
        "action_issue",
        "action_return",
        "action_test_failed",
        "action_test_passed",
    ):
        assert warehouse_user.call("aftersales.loaner", method, [loaner]) is True, (
            method
        )
    assert user.call("aftersales.loaner", "action_cancel", [owe()]) is True
    [faulty] = world.admin.call("aftersales.loaner", "read", [loaner], ["lot_id"])
    notice = user.call(
        "aftersales.replacement.notice",
        "create",
        {
            "ticket_id": world.ticket(),
            "partner_id": world.customer,
            "lot_id": faulty["lot_id"][0],
            "replacement_lot_id": loaner_unit,
        },
    )
    assert isinstance(notice, int)


# Scrap -----------------------------------------------------------------------


def _scrap_request(world):
    """A unit in the repair location, for which the engineer asks a scrap and
    its review."""
    product = world.new_product("Drive Board", tracking="serial")
    unit = world.new_lot(product)
    location = world.location("aftersales_repair_location_id")
    world.stock(product, location, unit)
    request = world.engineer.call(
        "aftersales.scrap.request",
        "create",
        {
            "product_id": product,
            "lot_id": unit,
            "location_id": location,
            "reason": "repair_failed",
        },
    )
    # What is asked is written before the review, which freezes it.
    assert world.engineer.call(
        "aftersales.scrap.request",
        "write",
        [request],
        {"reason_details": "Burnt twice; beyond repair."},
    )
    # base_tier_validation answers the reviews it created: their ids.
    reviews = world.engineer.call(
        "aftersales.scrap.request", "request_validation", [request]
    )
    assert reviews and all(isinstance(review, int) for review in reviews)
    return request


@covers(
    ("aftersales.scrap.request", "create"),
    ("aftersales.scrap.request", "write"),
    ("aftersales.scrap.request", "validate_tier"),
    ("aftersales.scrap.request", "action_scrap"),
)
def test_scrap_approved_and_carried_out(world):
    request = _scrap_request(world)
    assert world.appraiser.call("aftersales.scrap.request", "validate_tier", [request])
    assert world.read("aftersales.scrap.request", request, "state") == "approved"
    assert (
        world.warehouse_user.call("aftersales.scrap.request", "action_scrap", [request])
        is True
    )


@covers(
    ("aftersales.scrap.request", "reject_tier"),
    ("aftersales.scrap.request", "restart_validation"),
    ("aftersales.scrap.request", "action_cancel"),
    ("aftersales.scrap.request", "action_draft"),
)
def test_scrap_rejected(world):
    request = _scrap_request(world)
    assert world.appraiser.call("aftersales.scrap.request", "reject_tier", [request])
    assert world.read("aftersales.scrap.request", request, "validation_status") == (
        "rejected"
    )
    user = world.engineer
    assert user.call("aftersales.scrap.request", "restart_validation", [request])
    assert user.call("aftersales.scrap.request", "action_cancel", [request]) is True
    assert user.call("aftersales.scrap.request", "action_draft", [request]) is True


# Special service periods -----------------------------------------------------


def _service_period(world):
    """A period drafted by the back office for the customer's event: a unit
    under contract, the demo's engineer on standby, a kit of two fuses in
    stock; its review requested."""
    unit = world.delivered_unit()
    contract = world.running_contract(lot_ids=[(6, 0, [unit])])
    world.admin.call(
        "aftersales.followup.plan",
        "create",
        {"contract_id": contract, "engineer_id": world.engineer.uid},
    )
    fuse = world.new_product("Event Fuse")
    world.stock(fuse, world.location("aftersales_spare_location_id"), quantity=2)
    user = world.back_office
    period = user.call(
        "aftersales.service.period",
        "create",
        {
            "event": f"RPC annual meeting {world.tag}",
            "contract_id": contract,
            "date_start": world.moment(hours=48),
            "date_end": world.moment(hours=72),
            "lot_ids": [(6, 0, [unit])],
            "service_level_id": world.ref("aftersales_service.service_level_premium"),
            "engineer_ids": [(6, 0, [world.engineer.uid])],
        },
    )
    part = user.call(
        "aftersales.service.period.part",
        "create",
        {"period_id": period, "product_id": fuse, "quantity": 3},
    )
    # Three fuses wanted, two in stock: refused, saying how many are short.
    assert "1.0 short" in user.refused(
        "aftersales.service.period", "request_validation", [period]
    )
    assert user.call("aftersales.service.period.part", "write", [part], {"quantity": 2})
    assert user.call(
        "aftersales.service.period", "write", [period], {"note": "<p>Plan</p>"}
    )
    reviews = user.call("aftersales.service.period", "request_validation", [period])
    assert reviews and all(isinstance(review, int) for review in reviews)
    return period


@covers(
    ("aftersales.service.period", "create"),
    ("aftersales.service.period", "write"),
    ("aftersales.service.period.part", "create"),
    ("aftersales.service.period.part", "write"),
    ("aftersales.service.period", "request_validation"),
    ("aftersales.service.period", "validate_tier"),
    ("aftersales.service.period", "action_cancel"),
)
def test_service_period_approved_and_cancelled(world):
    period = _service_period(world)
    # The back office drafts; the service manager approves.
    world.back_office.refused("aftersales.service.period", "validate_tier", [period])
    assert world.manager.call("aftersales.service.period", "validate_tier", [period])
    assert world.read("aftersales.service.period", period, "state") == "approved"
    assert world.read("aftersales.service.period", period, "picking_id")
    assert (
        world.manager.call("aftersales.service.period", "action_cancel", [period])
        is True
    )


@covers(
    ("aftersales.service.period", "reject_tier"),
    ("aftersales.service.period", "restart_validation"),
    ("aftersales.service.period", "action_draft"),
)
def test_service_period_rejected(world):
    period = _service_period(world)
    assert world.manager.call("aftersales.service.period", "reject_tier", [period])
    user = world.back_office
    assert user.call("aftersales.service.period", "restart_validation", [period])
    assert user.call("aftersales.service.period", "action_cancel", [period]) is True
    assert user.call("aftersales.service.period", "action_draft", [period]) is True


# Warranties ------------------------------------------------------------------


@covers(
    ("aftersales.warranty", "create"),
    ("aftersales.warranty", "write"),
    ("aftersales.warranty", "record_acceptance"),
    ("aftersales.warranty.acceptance", "default_get"),
    ("aftersales.warranty.acceptance", "action_accept"),
    ("aftersales.fact.correction", "action_correct"),
)
def test_warranty_acceptance(world):
    user = world.back_office
    warranty = user.call(
        "aftersales.warranty",
        "create",
        {"lot_id": world.new_lot(), "duration": 1, "period": "year"},
    )
    assert user.call(
        "aftersales.warranty", "write", [warranty], {"partner_id": world.customer}
    )
    assert (
        user.call(
            "aftersales.warranty",
            "record_acceptance",
            [warranty],
            world.day(-2),
            "Li Na",
        )
        is True
    )
    [awaiting] = world.warranty_of(world.delivered_unit())
    values = user.call(
        "aftersales.warranty.acceptance",
        "default_get",
        ["warranty_ids", "acceptance_date", "accepted_by"],
        context={
            **EN,
            "active_model": "aftersales.warranty",
            "active_ids": [awaiting],
        },
    )
    assert values["warranty_ids"]
    wizard = user.call(
        "aftersales.warranty.acceptance",
        "create",
        {
            "warranty_ids": [(6, 0, [awaiting])],
            "acceptance_date": world.day(),
            "accepted_by": "Li Na",
        },
    )
    assert _is_action(
        user.call("aftersales.warranty.acceptance", "action_accept", [wizard])
    )
    context = {**EN, "default_res_model": "aftersales.warranty"}
    correction = world.manager.call(
        "aftersales.fact.correction",
        "create",
        {
            "res_model": "aftersales.warranty",
            "res_id": warranty,
            "field_name": "acceptance_date",
            "new_date": world.day(-1),
            "reason": "The certificate is dated a day later.",
        },
        context=context,
    )
    assert _is_action(
        world.manager.call(
            "aftersales.fact.correction",
            "action_correct",
            [correction],
            context=context,
        )
    )


# Units -----------------------------------------------------------------------


@covers(
    ("stock.lot", "action_open_warranty"),
    ("stock.lot", "action_aftersales_archive"),
    ("res.partner", "action_aftersales_archive"),
    ("stock.lot", "action_create_replacement"),
)
def test_unit_archive_and_replacement(world):
    # A product of its own: the replacement's delivery waits for its stock.
    unit = world.delivered_unit(True, world.new_unit_product("Workstation"))
    user = world.back_office
    assert _is_action(user.call("stock.lot", "action_open_warranty", [unit]))
    for model, record, part in (
        ("stock.lot", unit, "aftersales_request_count"),
        ("res.partner", world.customer, "aftersales_contract_count"),
    ):
        action = user.call(
            model,
            "action_aftersales_archive",
            [record],
            context={**EN, "aftersales_archive": part},
        )
        assert _is_action(action)
    # Repaired twice for one fault and failed again (W5); the repairs
    # themselves are another test's.
    world.admin.call("stock.lot", "write", [unit], {"aftersales_replacement_due": True})
    action = user.call("stock.lot", "action_create_replacement", [unit])
    assert action["res_model"] == "sale.order"


@covers(
    ("stock.lot", "action_add_meter_reading"),
    ("aftersales.meter.reading", "create"),
    ("aftersales.meter.reading", "write"),
)
def test_meter_readings(world):
    """M1: an engineer enters a unit's meter reading from the unit; a lower
    one than the last is refused unless the meter was replaced."""
    unit = world.delivered_unit(True)
    action = world.engineer.call("stock.lot", "action_add_meter_reading", [unit])
    assert action["res_model"] == "aftersales.meter.reading"
    assert action["context"]["default_lot_id"] == unit
    reading = {"lot_id": unit, "value": 100, "reading_date": str(world.today)}
    first = world.engineer.call(
        "aftersales.meter.reading", "create", reading, context=EN
    )
    # The back office corrects a typing error while the reading is on no
    # signed report.
    world.back_office.call("aftersales.meter.reading", "write", [first], {"value": 110})
    message = world.engineer.refused(
        "aftersales.meter.reading", "create", {**reading, "value": 50}, context=EN
    )
    assert "lower than the last one" in message
    world.engineer.call(
        "aftersales.meter.reading",
        "create",
        {**reading, "value": 5, "meter_replaced": True},
        context=EN,
    )


@covers(("ir.actions.report", "get_paperformat_by_xmlid"))
def test_paper_format_of_a_printed_form(world):
    """The paper format that Odoo's layout asks for once per printed form."""
    user = world.back_office
    paper = user.call(
        "ir.actions.report",
        "get_paperformat_by_xmlid",
        [],
        "aftersales_service.action_report_dispatch",
    )
    assert paper
    message = user.refused(
        "ir.actions.report",
        "get_paperformat_by_xmlid",
        [],
        "aftersales_service.no_such_form",
    )
    assert "no_such_form" in message


@covers(
    ("stock.lot", "action_open_availability"),
    ("aftersales.contract", "action_open_availability"),
    ("aftersales.availability", "create"),
)
def test_availability(world):
    """Q6: the unit's and the contract's availability over a period."""
    unit = world.delivered_unit(True)
    contract = world.running_contract(lot_ids=[(6, 0, [unit])], availability_target=99)
    world.ticket(unit, fault_impact="stopped")
    user = world.manager
    for model, record in (("stock.lot", unit), ("aftersales.contract", contract)):
        action = user.call(model, "action_open_availability", [record])
        assert action["res_model"] == "aftersales.availability"
    report = user.call(
        "aftersales.availability",
        "create",
        {"contract_id": contract, "date_from": world.day(-7)},
        context={**EN, "tz": world.tz},
    )
    lines = user.call(
        "aftersales.availability.line",
        "search_read",
        [("availability_id", "=", report)],
        ["kind", "availability", "target"],
    )
    assert {line["kind"] for line in lines} == {"contract", "unit"}
    assert all(line["target"] == 99 for line in lines)
    # An engineer doesn't get the report; a target over 100 % is refused.
    world.engineer.refused("aftersales.availability", "create", {})
    message = world.manager.refused(
        "aftersales.contract", "write", [contract], {"availability_target": 101}
    )
    assert "Availability Target" in message


# Off-site repairs ------------------------------------------------------------


@covers(
    ("helpdesk.ticket", "action_offsite_repair"),
    ("repair.order", "action_repair_done"),
    ("repair.order", "action_aftersales_test_failed"),
    ("repair.order", "action_aftersales_test_passed"),
    ("repair.order", "action_aftersales_ship_back"),
    ("stock.picking", "write"),
)
def test_offsite_repair(world):
    ticket = world.ticket(world.delivered_unit(accepted=True))
    # The back office doesn't read repair orders: the answer is True.
    assert world.back_office.call("helpdesk.ticket", "action_offsite_repair", [ticket])
    [repair] = world.admin.call(
        "repair.order", "search", [("aftersales_ticket_id", "=", ticket)]
    )
    # The repair centre (warehouse users) receives the unit and repairs it.
    [inbound] = world.admin.call(
        "repair.order", "read", [repair], ["aftersales_inbound_picking_id"]
    )
    user = world.warehouse_user
    # The carrier collects the unit: the customer is told.
    assert user.call(
        "stock.picking",
        "write",
        [inbound["aftersales_inbound_picking_id"][0]],
        {"aftersales_pickup_date": world.moment(hours=1), "aftersales_packed": True},
    )
    world.admin.call(
        "stock.picking",
        "button_validate",
        [inbound["aftersales_inbound_picking_id"][0]],
        context={"skip_sms": True},
    )
    world.admin.call("repair.order", "action_repair_start", [repair])
    assert user.call("repair.order", "action_repair_done", [repair]) is True
    for method in (
        "action_aftersales_test_failed",
        "action_aftersales_test_passed",
        "action_aftersales_ship_back",
    ):
        assert user.call("repair.order", method, [repair]) is True, method


@covers(("repair.order", "create"), ("repair.order", "write"))
def test_repair_order_records(world):
    user = world.warehouse_user
    repair = user.call(
        "repair.order",
        "create",
        {"product_id": world.product, "partner_id": world.customer},
    )
    assert user.call("repair.order", "write", [repair], {"internal_notes": "Bench 2"})


# Contracts and follow-up -------------------------------------------------------


@covers(
    ("aftersales.contract", "create"),
    ("aftersales.contract", "action_start"),
    ("aftersales.contract", "action_open_followup_plan"),
    ("aftersales.contract", "action_renew"),
    ("sale.order", "action_view_aftersales_contracts"),
    ("aftersales.contract", "action_cancel"),
    ("aftersales.contract", "action_reset_draft"),
)
def test_contract(world):
    user = world.account_manager

    def contract():
        return user.call(
            "aftersales.contract",
            "create",
            {
                "partner_id": world.customer,
                "service_level_id": world.level,
                "date_start": world.day(-30),
                "date_end": world.day(335),
                "amount": 12000,
                "product_id": world.ref("aftersales_service.product_service_contract"),
            },
        )

    running = contract()
    assert user.call("aftersales.contract", "action_start", [running]) is True
    assert _is_action(
        user.call("aftersales.contract", "action_open_followup_plan", [running])
    )
    assert _is_action(user.call("aftersales.contract", "action_renew", [running]))
    order = world.read("aftersales.contract", running, "renewal_order_id")[0]
    assert _is_action(
        user.call("sale.order", "action_view_aftersales_contracts", [order])
    )
    draft = contract()
    assert user.call("aftersales.contract", "action_cancel", [draft]) is True
    assert user.call("aftersales.contract", "action_reset_draft", [draft]) is True


@covers(("aftersales.warranty", "action_offer_extended_warranty"))
def test_extended_warranty_quotation(world):
    """The demo company quotes extended warranties with its product."""
    warranty = world.warranty_of(world.delivered_unit(accepted=True))
    user = world.account_manager
    action = user.call(
        "aftersales.warranty", "action_offer_extended_warranty", warranty
    )
    assert _is_action(action)
    assert action["res_model"] == "sale.order"
    # Quoted once: the second quotation is refused with a message.
    assert "already have an extended-warranty quotation" in user.refused(
        "aftersales.warranty", "action_offer_extended_warranty", warranty
    )


@covers(
    ("aftersales.followup.plan", "action_submit"),
    ("aftersales.followup.plan", "action_approve"),
    ("aftersales.followup.plan", "action_draft"),
    ("aftersales.inspection", "action_done"),
    ("aftersales.inspection", "action_cancel"),
    ("aftersales.inspection", "action_log_training"),
    ("aftersales.inspection.finding", "action_open_request"),
)
def test_followup(world):
    plan = world.admin.call(
        "aftersales.followup.plan",
        "create",
        {
            "contract_id": world.running_contract(),
            "engineer_id": world.engineer.uid,
            "monthly_calls": True,
        },
    )
    user = world.account_manager
    assert user.call("aftersales.followup.plan", "action_submit", [plan]) is True
    user.call("aftersales.followup.plan", "write", [plan], {"approved_by": "Zhang Wei"})
    assert user.call("aftersales.followup.plan", "action_approve", [plan]) is True

    def visit(n, kind="call"):
        return world.admin.call(
            "aftersales.inspection",
            "create",
            {
                "plan_id": plan,
                "period": f"rpc-{n}",
                "kind": kind,
                "scheduled_date": world.day(),
                "engineer_id": world.engineer.uid,
            },
        )

    engineer = world.engineer
    call = visit(1)
    engineer.call(
        "aftersales.inspection", "write", [call], {"customer_opinions": "All fine."}
    )
    assert _is_action(
        engineer.call("aftersales.inspection", "action_log_training", [call])
    )
    assert engineer.call("aftersales.inspection", "action_done", [call]) is True
    assert engineer.call("aftersales.inspection", "action_cancel", [visit(2)]) is True
    finding = engineer.call(
        "aftersales.inspection.finding",
        "create",
        {"inspection_id": visit(3, "inspection"), "description": "Fan noisy"},
    )
    assert _is_action(
        engineer.call("aftersales.inspection.finding", "action_open_request", [finding])
    )
    assert user.call("aftersales.followup.plan", "action_draft", [plan]) is True


@covers(
    ("aftersales.training.session", "create"),
    ("aftersales.training.session", "action_done"),
    ("aftersales.training.session", "action_cancel"),
)
def test_training(world):
    user = world.trainer

    def session():
        return user.call(
            "aftersales.training.session",
            "create",
            {
                "name": "Daily maintenance",
                "partner_id": world.customer,
                "trainer_id": user.uid,
                "date_start": world.moment(hours=-2),
                "date_end": world.moment(hours=-1),
                "attendee_ids": [(0, 0, {"partner_id": world.contact})],
            },
        )

    assert user.call("aftersales.training.session", "action_done", [session()]) is True
    assert (
        user.call("aftersales.training.session", "action_cancel", [session()]) is True
    )


@covers(
    ("aftersales.fault.analysis", "create"),
    ("aftersales.fault.analysis", "action_send"),
)
def test_fault_analysis(world):
    user = world.back_office
    analysis = user.call(
        "aftersales.fault.analysis",
        "create",
        {"partner_id": world.customer, "year": world.today.year, "quarter": "1"},
    )
    assert user.call("aftersales.fault.analysis", "action_send", [analysis]) is True


# Stock configuration ---------------------------------------------------------


@covers(
    ("stock.warehouse", "create"),
    ("stock.warehouse.orderpoint", "action_aftersales_update_spare_floors"),
    ("res.config.settings", "action_aftersales_update_spare_floors"),
)
def test_stock_configuration(world):
    # The administrator sets up warehouses, the spare floors and the settings.
    admin = world.administrator
    warehouse = admin.call(
        "stock.warehouse",
        "create",
        {"name": f"RPC Depot {world.tag}", "code": world.tag[:5]},
    )
    assert isinstance(warehouse, int)
    world.admin.call("stock.warehouse", "action_archive", [warehouse])
    assert _is_action(
        admin.call(
            "stock.warehouse.orderpoint", "action_aftersales_update_spare_floors"
        )
    )
    settings = admin.call("res.config.settings", "create", {})
    assert _is_action(
        admin.call(
            "res.config.settings", "action_aftersales_update_spare_floors", [settings]
        )
    )


@covers(
    ("resource.calendar", "write"),
    ("resource.calendar.attendance", "create"),
    ("resource.calendar.attendance", "write"),
    ("resource.calendar.attendance", "unlink"),
    ("resource.calendar.leaves", "create"),
    ("resource.calendar.leaves", "write"),
    ("resource.calendar.leaves", "unlink"),
)
def test_working_hours(world):
    # The administrator edits the working hours and holidays a level counts
    # on; the server's next deadline follows each change at once.
    admin = world.administrator
    calendar = world.admin.call(
        "resource.calendar",
        "create",
        {"name": f"RPC Hours {world.tag}", "tz": "UTC", "attendance_ids": []},
    )
    days = {
        day: admin.call(
            "resource.calendar.attendance",
            "create",
            {
                "name": f"Day {day}",
                "calendar_id": calendar,
                "dayofweek": str(day),
                "hour_from": 9,
                "hour_to": 17,
                "day_period": "morning",
            },
        )
        for day in range(5)
    }
    level = world.admin.call(
        "aftersales.service.level",
        "create",
        {
            "name": f"RPC Business {world.tag}",
            "around_the_clock": False,
            "calendar_id": calendar,
            "ack_hours": 4,
        },
    )

    def acknowledge_by():
        # Reported on Tuesday 2 March 2027 at 15:00 (UTC).
        request = world.ticket(
            service_level_id=level, reported_at="2027-03-02 15:00:00"
        )
        [values] = world.admin.call(
            "helpdesk.ticket", "read", [request], ["ack_deadline"]
        )
        return values["ack_deadline"]

    assert acknowledge_by() == "2027-03-03 11:00:00"
    holiday = admin.call(
        "resource.calendar.leaves",
        "create",
        {
            "name": f"RPC Holiday {world.tag}",
            "calendar_id": calendar,
            "date_from": "2027-03-03 00:00:00",
            "date_to": "2027-03-03 23:59:00",
        },
    )
    assert acknowledge_by() == "2027-03-04 11:00:00"
    assert admin.call(
        "resource.calendar.leaves",
        "write",
        [holiday],
        {"date_to": "2027-03-03 10:00:00"},
    )
    assert acknowledge_by() == "2027-03-03 12:00:00"
    assert admin.call("resource.calendar.leaves", "unlink", [holiday])
    assert admin.call(
        "resource.calendar.attendance", "write", [days[1]], {"hour_to": 16}
    )
    assert acknowledge_by() == "2027-03-03 12:00:00"
    assert admin.call("resource.calendar.attendance", "unlink", [days[4]])
    assert admin.call(
        "resource.calendar", "write", [calendar], {"name": f"RPC Days {world.tag}"}
    )
    spare = world.admin.call(
        "resource.calendar", "create", {"name": f"RPC Spare {world.tag}"}
    )
    assert admin.call("resource.calendar", "unlink", [spare])


@covers(("helpdesk.ticket.stage", "write"))
def test_request_stages(world):
    # The manager makes a stage wait for the customer, then not.
    [stage] = world.admin.call(
        "helpdesk.ticket.stage", "search", [("aftersales_pauses_clock", "=", False)]
    )[:1]
    manager = world.manager
    for pauses in (True, False):
        assert manager.call(
            "helpdesk.ticket.stage",
            "write",
            [stage],
            {"aftersales_pauses_clock": pauses},
        )


# Complaints (Q2) ------------------------------------------------------------------


@covers(
    ("helpdesk.ticket", "action_register_complaint"),
    ("aftersales.complaint", "create"),
    ("aftersales.complaint", "write"),
    ("aftersales.complaint", "action_answer"),
    ("aftersales.complaint", "action_resolve"),
    ("aftersales.complaint", "action_reopen"),
    ("aftersales.complaint", "action_confirm_settled"),
    ("aftersales.complaint", "action_close"),
)
def test_complaint(world):
    """The back office registers a complaint, the service manager (its
    owner) handles it, the back office records the customer's
    confirmation."""
    back_office, manager = world.back_office, world.manager
    action = back_office.call(
        "helpdesk.ticket", "action_register_complaint", [world.ticket()]
    )
    assert action["res_model"] == "aftersales.complaint"
    complaint = back_office.call(
        "aftersales.complaint",
        "create",
        {"partner_id": world.contact, "description": f"RPC late visit {world.tag}"},
    )
    assert "set by its actions" in back_office.refused(
        "aftersales.complaint", "write", [complaint], {"state": "closed"}
    )
    assert "handled by its owner" in back_office.refused(
        "aftersales.complaint", "action_answer", [complaint]
    )
    assert manager.call("aftersales.complaint", "action_answer", [complaint]) is True
    assert "Cause Found" in manager.refused(
        "aftersales.complaint", "action_resolve", [complaint]
    )
    assert manager.call(
        "aftersales.complaint",
        "write",
        [complaint],
        {
            "cause": "The engineer was not told of the request.",
            "corrective_action": "Visited the site the same day.",
        },
    )
    for method in ("action_resolve", "action_reopen", "action_resolve"):
        assert manager.call("aftersales.complaint", method, [complaint]) is True
    assert "has not confirmed" in manager.refused(
        "aftersales.complaint", "action_close", [complaint]
    )
    assert (
        back_office.call("aftersales.complaint", "action_confirm_settled", [complaint])
        is True
    )
    assert manager.call("aftersales.complaint", "action_close", [complaint]) is True


@covers(
    ("aftersales.project", "create"),
    ("aftersales.project", "write"),
    ("aftersales.project", "action_view_units"),
    ("aftersales.project.document", "write"),
    ("aftersales.project.document", "action_issue"),
    ("aftersales.project.document", "action_new_version"),
    ("aftersales.project.handover", "write"),
    ("aftersales.project.handover", "action_hand_over"),
)
def test_equipment_project(world):
    """The back office opens the project of a sales order, issues a drawing
    and its second version, and hands over the archive's documents."""
    back_office = world.back_office
    lot = world.delivered_unit()
    order = world.admin.call(
        "aftersales.warranty", "read", world.warranty_of(lot), ["sale_order_id"]
    )[0]["sale_order_id"][0]
    project = back_office.call(
        "aftersales.project",
        "create",
        {"title": f"RPC project {world.tag}", "sale_order_id": order},
    )
    assert back_office.call(
        "aftersales.project",
        "write",
        [project],
        {"trial_engineer_id": world.engineer.uid},
    )
    assert "stays with the order" in back_office.refused(
        "aftersales.project",
        "write",
        [project],
        {"sale_order_id": world.ref("aftersales_service.demo_sale_order_county")},
    )
    action = back_office.call("aftersales.project", "action_view_units", [project])
    assert action["domain"][0][2] == world.warranty_of(lot)
    drawing = back_office.call(
        "aftersales.project.document",
        "create",
        {"project_id": project, "name": "Wiring diagram", "version": "v1"},
    )
    assert "File" in back_office.refused(
        "aftersales.project.document", "action_issue", [drawing]
    )
    assert back_office.call(
        "aftersales.project.document",
        "write",
        [drawing],
        {"file": SIGNATURE, "file_name": "wiring.png", "received_by": "Wang Wei"},
    )
    assert back_office.call("aftersales.project.document", "action_issue", [drawing])
    assert "issued" in back_office.refused(
        "aftersales.project.document", "write", [drawing], {"version": "v9"}
    )
    action = back_office.call(
        "aftersales.project.document", "action_new_version", [drawing]
    )
    assert action["context"]["default_previous_id"] == drawing
    items = world.read("aftersales.project", project, "handover_ids")
    assert "File" in back_office.refused(
        "aftersales.project.handover", "action_hand_over", items[:1]
    )
    assert back_office.call(
        "aftersales.project.handover",
        "write",
        items[:1],
        {"file": SIGNATURE, "file_name": "as-built.png"},
    )
    assert back_office.call(
        "aftersales.project.handover", "action_hand_over", items[:1]
    )


# Installation and commissioning ----------------------------------------------


@covers(
    ("aftersales.installation", "write"),
    ("aftersales.installation", "action_schedule"),
    ("aftersales.installation", "action_open_commissioning"),
    ("aftersales.installation", "action_done"),
    ("aftersales.installation", "action_cancel"),
    ("aftersales.commissioning", "write"),
    ("aftersales.commissioning", "action_sign"),
    ("aftersales.commissioning", "action_test_again"),
    ("aftersales.commissioning.line", "create"),
    ("aftersales.commissioning.line", "write"),
)
def test_installation_and_commissioning(world):
    """The back office schedules the job; the engineer fills and signs the
    units' records, tests a failed unit again; the job is finished."""
    product = world.admin.call(
        "product.product",
        "create",
        {
            "name": f"RPC Commissioned Cabinet {world.tag}",
            "type": "consu",
            "is_storable": True,
            "tracking": "serial",
            "warranty_tracked": True,
            "warranty_duration": 2,
            "warranty_period": "year",
            "aftersales_commissioning_required": True,
            "aftersales_commissioning_item_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Voltage",
                        "kind": "range",
                        "min_value": 220,
                        "max_value": 240,
                        "measure_unit": "V",
                    },
                )
            ],
        },
    )
    units = [world.delivered_unit(product=product) for _ in range(2)]
    back_office, engineer = world.back_office, world.engineer
    job = back_office.call(
        "aftersales.installation",
        "create",
        {
            "partner_id": world.customer,
            "lot_ids": [(6, 0, units)],
            "engineer_ids": [(6, 0, [engineer.uid])],
            "planned_at": world.moment(hours=24),
        },
    )
    assert back_office.call("aftersales.installation", "action_schedule", [job]) is True
    # The engineers come a day later; the units the customer was told of stay.
    assert back_office.call(
        "aftersales.installation",
        "write",
        [job],
        {"planned_at": world.moment(hours=48)},
    )
    assert "no longer change" in back_office.refused(
        "aftersales.installation", "write", [job], {"lot_ids": [(6, 0, units[:1])]}
    )
    action = back_office.call(
        "aftersales.installation", "action_open_commissioning", [job]
    )
    assert action["res_model"] == "aftersales.commissioning"
    records = engineer.call(
        "aftersales.commissioning",
        "search_read",
        [("installation_id", "=", job)],
        ["lot_id", "line_ids"],
    )
    assert "is not a number" in engineer.refused(
        "aftersales.commissioning.line",
        "write",
        records[0]["line_ids"],
        {"measured_value": "about 230"},
    )
    assert engineer.refused(
        "aftersales.commissioning.line",
        "create",
        {"commissioning_id": records[0]["id"], "name": "Extra"},
    )
    failed = None
    for record, value in zip(records, ("231", "250"), strict=True):
        assert engineer.call(
            "aftersales.commissioning.line",
            "write",
            record["line_ids"],
            {"measured_value": value},
        )
        assert engineer.call(
            "aftersales.commissioning",
            "write",
            [record["id"]],
            {"signer_name": "Wang Wei", "signature": SIGNATURE},
        )
        assert engineer.call("aftersales.commissioning", "action_sign", [record["id"]])
        failed = record["id"]
    assert "not passed" in back_office.refused(
        "aftersales.installation", "action_done", [job]
    )
    action = engineer.call("aftersales.commissioning", "action_test_again", [failed])
    retest = action["res_id"]
    lines = world.read("aftersales.commissioning", retest, "line_ids")
    engineer.call(
        "aftersales.commissioning.line", "write", lines, {"measured_value": "230"}
    )
    engineer.call(
        "aftersales.commissioning",
        "write",
        [retest],
        {"signer_name": "Wang Wei", "signature": SIGNATURE},
    )
    assert engineer.call("aftersales.commissioning", "action_sign", [retest]) is True
    assert back_office.call("aftersales.installation", "action_done", [job]) is True
    other = back_office.call(
        "aftersales.installation", "create", {"partner_id": world.customer}
    )
    assert back_office.call("aftersales.installation", "action_cancel", [other]) is True


@covers(("stock.picking", "create"))
def test_pre_shipment_check(world):
    """The warehouse records the pre-shipment check; who and when are the
    server's to stamp."""
    user = world.warehouse_user
    [out_type] = world.admin.call(
        "stock.warehouse", "read", [world.main_warehouse["id"]], ["out_type_id"]
    )
    values = {
        "picking_type_id": out_type["out_type_id"][0],
        "partner_id": world.customer,
        "location_id": world.location("lot_stock_id"),
        "location_dest_id": world.ref("stock.stock_location_customers"),
    }
    assert "recorded with the" in user.refused(
        "stock.picking", "create", {**values, "aftersales_checked_by_id": user.uid}
    )
    picking = user.call(
        "stock.picking", "create", {**values, "aftersales_check_result": "pass"}
    )
    [checked] = world.admin.call(
        "stock.picking", "read", [picking], ["aftersales_checked_by_id"]
    )
    assert checked["aftersales_checked_by_id"][0] == user.uid


# Product change campaigns (M2) ----------------------------------------------


@covers(
    ("aftersales.unit.version", "create"),
    ("aftersales.unit.version", "write"),
    ("aftersales.campaign", "create"),
    ("aftersales.campaign", "write"),
    ("aftersales.campaign", "action_launch"),
    ("aftersales.campaign", "action_open_lines"),
    ("aftersales.campaign", "action_close"),
    ("aftersales.campaign.line", "write"),
    ("aftersales.campaign.line", "action_plan"),
    ("aftersales.campaign.line", "action_done"),
    ("aftersales.campaign.line", "action_decline"),
    ("stock.lot", "write"),
    ("stock.lot", "action_open_aftersales_versions"),
    ("stock.lot", "action_open_aftersales_campaigns"),
)
def test_product_change_campaign(world):
    """The back office records what two units run; the service manager
    launches a firmware campaign for them; the back office plans one, marks
    it done with its new version and records the other declined."""
    back_office, manager = world.back_office, world.manager
    product = world.new_unit_product("Campaign Cabinet")
    units = [world.delivered_unit(accepted=True, product=product) for __ in range(2)]
    for unit in units:
        back_office.call(
            "aftersales.unit.version", "create", {"lot_id": unit, "version": "3.0"}
        )
    [change] = back_office.call(
        "aftersales.unit.version", "search", [("lot_id", "=", units[0])]
    )
    assert back_office.call(
        "aftersales.unit.version", "write", [change], {"note": "As delivered"}
    )
    assert "kept as it happened" in back_office.refused(
        "aftersales.unit.version", "write", [change], {"version": "9"}
    )
    assert "installed version changes" in back_office.refused(
        "stock.lot", "write", [units[0]], {"aftersales_version": "9"}
    )
    assert _is_action(
        back_office.call("stock.lot", "action_open_aftersales_versions", [units[0]])
    )
    campaign = manager.call(
        "aftersales.campaign",
        "create",
        {
            "title": f"RPC firmware 3.1 {world.tag}",
            "kind": "firmware",
            "product_id": product,
            "version_condition": "3.0",
            "target_version": "3.1",
            "notice": "Firmware 3.1",
        },
    )
    assert "comes before the first" in manager.refused(
        "aftersales.campaign",
        "write",
        [campaign],
        {"serial_from": "Z", "serial_to": "A"},
    )
    # Only the service manager launches.
    back_office.refused("aftersales.campaign", "action_launch", [campaign])
    assert manager.call("aftersales.campaign", "action_launch", [campaign]) is True
    assert "can't change" in manager.refused(
        "aftersales.campaign", "write", [campaign], {"version_condition": "2"}
    )
    assert _is_action(
        manager.call("aftersales.campaign", "action_open_lines", [campaign])
    )
    lines = back_office.call(
        "aftersales.campaign.line", "search", [("campaign_id", "=", campaign)]
    )
    assert len(lines) == 2
    assert _is_action(
        back_office.call("stock.lot", "action_open_aftersales_campaigns", [units[0]])
    )
    first, second = lines
    assert back_office.call("aftersales.campaign.line", "action_plan", [first]) is True
    assert "version it now runs" in back_office.refused(
        "aftersales.campaign.line", "action_done", [first]
    )
    assert back_office.call(
        "aftersales.campaign.line", "write", [first], {"done_version": "3.1"}
    )
    assert back_office.call("aftersales.campaign.line", "action_done", [first]) is True
    assert "kept as recorded" in back_office.refused(
        "aftersales.campaign.line", "write", [first], {"done_version": "3.2"}
    )
    assert "Why Declined" in back_office.refused(
        "aftersales.campaign.line", "action_decline", [second]
    )
    assert back_office.call(
        "aftersales.campaign.line",
        "write",
        [second],
        {"decline_reason": "Replacing it next year"},
    )
    assert (
        back_office.call("aftersales.campaign.line", "action_decline", [second]) is True
    )
    assert manager.call("aftersales.campaign", "action_close", [campaign]) is True
