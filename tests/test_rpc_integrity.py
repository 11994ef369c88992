"""What the screens never offer, sent over JSON-RPC by the demo's own users
the way a script or an integration would: each is refused with a message,
never a traceback, and nothing is written. Every call here is refused, so
the test database is left as it was."""

import math

import pytest
from conftest import OdooClient, RpcError

EN = {"context": {"lang": "en_US"}}


@pytest.fixture(scope="module")
def back_office(odoo_server):
    return OdooClient(odoo_server["url"], odoo_server["db"], "zhangmin", "zhangmin")


@pytest.fixture(scope="module")
def manager(odoo_server):
    return OdooClient(odoo_server["url"], odoo_server["db"], "sunli", "sunli")


def _one(client, model, domain):
    ids = client.call(model, "search", domain, limit=1)
    assert ids, f"the demo has a {model} matching {domain}"
    return ids


def test_workflow_facts_are_not_written(back_office, manager):
    warranty = _one(back_office, "aftersales.warranty", [("state", "=", "accepted")])
    before = back_office.call(
        "aftersales.warranty", "read", warranty, ["acceptance_date", "end_date"]
    )
    for client in (back_office, manager):
        for values in (
            {"acceptance_date": "2020-01-01"},
            {"end_date": "2099-12-31"},
            {"state": "awaiting"},
        ):
            with pytest.raises(RpcError, match="set by its actions"):
                client.call("aftersales.warranty", "write", warranty, values, **EN)
    after = back_office.call(
        "aftersales.warranty", "read", warranty, ["acceptance_date", "end_date"]
    )
    assert after == before
    dispatch = _one(manager, "aftersales.dispatch", [("state", "!=", "signed")])
    with pytest.raises(RpcError, match="set by its actions"):
        manager.call(
            "aftersales.dispatch", "write", dispatch, {"state": "signed"}, **EN
        )


def test_kept_records_are_not_deleted(manager):
    for model, domain in (
        ("aftersales.dispatch", [("state", "not in", ("draft", "cancelled"))]),
        ("aftersales.contract", [("state", "=", "running")]),
        ("aftersales.warranty", [("state", "=", "accepted")]),
    ):
        record = _one(manager, model, domain)
        with pytest.raises(RpcError, match="kept on file"):
            manager.call(model, "unlink", record, **EN)
        assert manager.call(model, "search_count", [("id", "in", record)]) == 1


def test_numbers_that_are_not_numbers(manager):
    level = _one(manager, "aftersales.service.level", [])
    for value in (math.nan, math.inf, 10**7):
        with pytest.raises(RpcError, match="Acknowledge Within"):
            manager.call(
                "aftersales.service.level", "write", level, {"ack_hours": value}, **EN
            )


def test_wrong_arguments_answer_a_message(back_office):
    awaiting = _one(back_office, "aftersales.warranty", [("state", "=", "awaiting")])
    with pytest.raises(RpcError, match="Accepted By"):
        back_office.call(
            "aftersales.warranty", "record_acceptance", awaiting, "2026-11-01", 5, **EN
        )
    with pytest.raises(RpcError, match="one Dispatch Order at a time"):
        back_office.call("aftersales.dispatch", "action_log_training", [], **EN)


def test_a_second_loaner_is_refused_with_a_message(manager):
    [loaner] = manager.call(
        "aftersales.loaner",
        "search_read",
        [("state", "!=", "cancelled")],
        ["ticket_id", "partner_id", "lot_id", "trigger"],
        limit=1,
    )
    with pytest.raises(RpcError, match="already has a loaner"):
        manager.call(
            "aftersales.loaner",
            "create",
            {
                "ticket_id": loaner["ticket_id"][0],
                "partner_id": loaner["partner_id"][0],
                "lot_id": loaner["lot_id"][0],
                "trigger": loaner["trigger"],
                "due_at": "2030-01-01 10:00:00",
            },
            **EN,
        )
