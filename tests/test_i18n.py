"""The committed translation template matches the code, and zh_CN is
complete: our users read Chinese first."""

import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from conftest import odoo_test_db

import odoo

I18N = Path(__file__).resolve().parent.parent / "aftersales_service" / "i18n"
I18N_EXPORT = [sys.executable, "-m", "odoo", "i18n", "export"]
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d")


@pytest.fixture(scope="module")
def exported_pot(tmp_path_factory):
    """The template as Odoo exports it from the test database now."""
    target = tmp_path_factory.mktemp("i18n") / "aftersales_service.pot"
    subprocess.run(
        [
            *I18N_EXPORT,
            "-c",
            odoo.tools.config["config"],
            "-d",
            odoo_test_db(),
            "-o",
            str(target),
            "aftersales_service",
        ],
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(target))


def _ids(catalog):
    return {(entry.msgctxt, entry.msgid) for entry in catalog if not entry.obsolete}


def test_committed_pot_is_current(exported_pot):
    committed = polib.pofile(str(I18N / "aftersales_service.pot"))
    assert _ids(committed) == _ids(exported_pot), (
        "aftersales_service.pot is out of date: run "
        "'tools/i18n-update .var/odoo.conf aftersales_test'"
    )


def test_zh_cn_is_complete():
    pot = polib.pofile(str(I18N / "aftersales_service.pot"))
    po = polib.pofile(str(I18N / "zh_CN.po"))
    translated = {(e.msgctxt, e.msgid): e for e in po if e.msgstr and not e.fuzzy}
    missing = sorted(
        msgid for key in _ids(pot) if key not in translated for msgid in [key[1]]
    )
    assert not missing, f"zh_CN.po lacks {len(missing)} terms: {missing[:10]}"


def test_zh_cn_keeps_placeholders():
    po = polib.pofile(str(I18N / "zh_CN.po"))
    for entry in po:
        if entry.msgstr:
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
                PLACEHOLDER.findall(entry.msgstr)
            ), entry.msgid
