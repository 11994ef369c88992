"""A user who logs in to the web client sees the After-Sales menu, in
English, and in Chinese once their language is Simplified Chinese."""

import json
import uuid

import pytest
from odoo_harness import web_session


def _app_menus(opener, url):
    with opener.open(f"{url}/web/webclient/load_menus", timeout=60) as answer:
        menus = json.load(answer)
    return {
        menus[str(i)]["xmlid"]: menus[str(i)]["name"] for i in menus["root"]["children"]
    }


@pytest.fixture(scope="module")
def chinese_manager(admin):
    """A service manager whose language is Simplified Chinese."""
    lang = admin.call(
        "res.lang", "search", [("code", "=", "zh_CN"), ("active", "in", [True, False])]
    )
    installer = admin.call(
        "base.language.install",
        "create",
        {"lang_ids": [(6, 0, lang)], "overwrite": True},
    )
    admin.call("base.language.install", "lang_install", [installer])
    login = f"zh-manager-{uuid.uuid4().hex[:6]}"
    group = admin.call(
        "ir.model.data",
        "check_object_reference",
        "aftersales_service",
        "group_aftersales_manager",
    )[1]
    admin.call(
        "res.users",
        "create",
        {
            "name": "王经理",
            "login": login,
            "password": "zh-Manager-2026",
            "lang": "zh_CN",
            "group_ids": [(4, group)],
        },
    )
    return login, "zh-Manager-2026"


def test_admin_sees_after_sales_in_english(odoo_server):
    url = odoo_server["url"]
    opener = web_session(url, odoo_server["db"], "admin", "admin")
    menus = _app_menus(opener, url)
    assert menus["aftersales_service.menu_aftersales_root"] == "After-Sales"


def test_chinese_user_sees_after_sales_in_chinese(odoo_server, chinese_manager):
    url = odoo_server["url"]
    opener = web_session(url, odoo_server["db"], *chinese_manager)
    menus = _app_menus(opener, url)
    assert menus["aftersales_service.menu_aftersales_root"] == "售后服务"
