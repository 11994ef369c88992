import os
from contextlib import suppress

from odoo import models
from odoo.modules.module import get_module_path
from odoo.tools import SQL, file_open
from odoo.tools.translate import (
    CodeTranslations,
    TranslationImporter,
    code_translations,
)

# Translations this add-on brings for the screens of a module it builds on:
# {module: folder of .po files named by language}.
COMPLEMENTS = {
    "helpdesk_mgmt": "i18n_helpdesk_mgmt",
    "base_tier_validation": "i18n_base_tier_validation",
}

_get_code_translations = CodeTranslations._get_code_translations


def _get_code_translations_with_complements(module_name, lang, filter_func):
    """The terms of a module's Python and JavaScript code are read from its
    own .po files, never from the database: for a complemented module, the
    add-on's .po file gives the terms that the module's own files lack."""
    translations = _get_code_translations(module_name, lang, filter_func)
    folder = COMPLEMENTS.get(module_name)
    if folder:
        with (
            suppress(FileNotFoundError),
            file_open(f"aftersales_service/{folder}/{lang}.po", "rb") as complement,
        ):
            translations = {
                **CodeTranslations._read_code_translations_file(
                    complement, filter_func
                ),
                **translations,
            }
    return translations


CodeTranslations._get_code_translations = staticmethod(
    _get_code_translations_with_complements
)
# Code terms a complemented module already loaded in this process are read
# again, with the complement.
for _cache in (
    code_translations.python_translations,
    code_translations.web_translations,
):
    for _key in [key for key in _cache if key[0] in COMPLEMENTS]:
        del _cache[_key]


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """Requests are helpdesk_mgmt tickets, and helpdesk_mgmt ships no
        Simplified Chinese; base_tier_validation, which approves scraps,
        translates less than half of its words: load the add-on's own
        translation of the words of those screens after the modules' files,
        whenever the language or either module is loaded. The add-on's
        operation types, and the selection labels its models inherit, are
        named in the languages loaded."""
        result = super()._load_module_terms(modules, langs, overwrite=overwrite)
        addon_path = get_module_path("aftersales_service")
        installed = self.search_count(
            [
                ("name", "=", "aftersales_service"),
                ("state", "in", ("installed", "to install", "to upgrade")),
            ]
        )
        if not (addon_path and installed):
            return result
        if "aftersales_service" in modules:
            self.env["stock.warehouse"].sudo().with_context(active_test=False).search(
                []
            )._aftersales_name_picking_types(langs, overwrite=overwrite)
        importer = TranslationImporter(self.env.cr, verbose=False)
        loaded = False
        for module, folder in COMPLEMENTS.items():
            if module not in modules and "aftersales_service" not in modules:
                continue
            for lang in langs:
                path = os.path.join(addon_path, folder, f"{lang}.po")
                if os.path.isfile(path):
                    importer.load_file(path, lang)
                    loaded = True
        if loaded:
            importer.save(overwrite=overwrite)
        self._aftersales_translate_inherited_selections(langs)
        return result

    def _aftersales_translate_inherited_selections(self, langs):
        """Odoo's modules translate the labels of a mixin's selection field
        (activity state, validation status) once per model of their own:
        the models of the add-on and of the modules it complements take the
        labels their mixins have, in each language where they have none."""
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("model", "=", "ir.model"),
                    ("module", "in", ["aftersales_service", *COMPLEMENTS]),
                ]
            )
        )
        names = (
            self.env["ir.model"].sudo().browse(data.mapped("res_id")).mapped("model")
        )
        pairs = [
            SQL("(%s, %s)", name, parent._name)
            for name in set(names)
            if name in self.env
            for parent in type(self.env[name]).__mro__
            if getattr(parent, "_name", name) not in (name, None)
        ]
        updated = 0
        for lang in langs if pairs else ():
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE ir_model_fields_selection target
                       SET name = target.name || jsonb_build_object(
                               %(lang)s, source.name->>%(lang)s
                           )
                      FROM (VALUES %(pairs)s) AS pairs(model, parent),
                           ir_model_fields target_field,
                           ir_model_fields source_field,
                           ir_model_fields_selection source
                     WHERE target_field.id = target.field_id
                       AND target_field.model = pairs.model
                       AND source_field.model = pairs.parent
                       AND source_field.name = target_field.name
                       AND source.field_id = source_field.id
                       AND source.value = target.value
                       AND source.name ? %(lang)s
                       AND NOT target.name ? %(lang)s
                    """,
                    lang=lang,
                    pairs=SQL(", ").join(pairs),
                )
            )
            updated += self.env.cr.rowcount
        if updated:
            self.env["ir.model.fields.selection"].invalidate_model(["name"])
            self.env.registry.clear_cache()
