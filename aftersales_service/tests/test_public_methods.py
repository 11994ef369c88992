"""The add-on's public methods, the ones an RPC client may call, are all
called over XML-RPC by the outside-client test ``tests/test_xmlrpc_methods.py``
(next to the add-on in its repository), which checks that each one answers
something XML-RPC carries. This test keeps that list complete: it walks the
add-on's model classes and compares what it finds with the methods that
test declares (``@covers(...)``)."""

import ast
import inspect
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import TransactionCase

PACKAGE = "odoo.addons.aftersales_service."
XMLRPC_TEST = Path(__file__).resolve().parents[2] / "tests" / "test_xmlrpc_methods.py"


def defined_public_methods(env):
    """{(model of the defining class, method): {models that have it}}: the
    methods the add-on's classes define (overrides of inherited ones
    included) that Odoo lets an RPC client call, field computations aside."""
    found = {}
    for name in env.registry:
        model = env[name]
        hooks = {
            getattr(field, attr)
            for field in model._fields.values()
            for attr in ("compute", "inverse", "search")
            if isinstance(getattr(field, attr, None), str)
        }
        for cls in type(model).__mro__:
            if not cls.__module__.startswith(PACKAGE):
                continue
            for method, value in vars(cls).items():
                if (
                    method.startswith("_")
                    or method in hooks
                    or not inspect.isfunction(value)
                ):
                    continue
                try:
                    get_public_method(model, method)
                except AccessError:  # @api.private, here or in a parent class
                    continue
                found.setdefault((cls._name, method), set()).add(name)
    return found


def covered_over_xmlrpc():
    """The (model, method) pairs the XML-RPC test declares it calls."""
    covered = set()
    for node in ast.walk(ast.parse(XMLRPC_TEST.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", None) == "covers"
                ):
                    covered.update(ast.literal_eval(arg) for arg in decorator.args)
    return covered


class TestPublicMethods(TransactionCase):
    def test_every_public_method_is_called_over_xmlrpc(self):
        if not XMLRPC_TEST.exists():
            self.skipTest(f"{XMLRPC_TEST} is not beside the add-on")
        defined = defined_public_methods(self.env)
        covered = covered_over_xmlrpc()
        # A method of a mixin is covered when it is called on any model
        # that has it.
        missing = sorted(
            (owner, method)
            for (owner, method), models in defined.items()
            if not any((model, method) in covered for model in models)
        )
        self.assertFalse(
            missing,
            f"public methods not called by {XMLRPC_TEST.name}: {missing}",
        )
        stale = sorted(
            (model, method)
            for model, method in covered
            if not any(
                model in models and method == name
                for (__, name), models in defined.items()
            )
        )
        self.assertFalse(
            stale,
            f"{XMLRPC_TEST.name} covers methods the add-on doesn't define: {stale}",
        )

    def test_the_walk_finds_overrides_and_mixins(self):
        defined = defined_public_methods(self.env)
        # An override of an inherited public method.
        self.assertIn(
            "aftersales.campaign",
            defined["aftersales.campaign", "write"],
        )
        # A mixin's override, on the models that inherit it.
        self.assertIn(
            "aftersales.scrap.request",
            defined["aftersales.approval.mixin", "write"],
        )
        # The approval buttons, shared by the documents that are approved.
        self.assertIn(
            "aftersales.scrap.request",
            defined["aftersales.approval.mixin", "validate_tier"],
        )
        # A mixin's method, on the models that inherit it.
        self.assertIn(
            "stock.lot",
            defined["aftersales.archive.mixin", "action_aftersales_archive"],
        )
        # Private ones are left out.
        self.assertNotIn(("aftersales.kpi", "init"), defined)
        self.assertFalse([key for key in defined if key[1].startswith("_")])
