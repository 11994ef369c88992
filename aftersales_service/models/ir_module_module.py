import os

from odoo import models
from odoo.modules.module import get_module_path
from odoo.tools.translate import TranslationImporter

# Translations this add-on brings for the screens of a module it builds on:
# {module: folder of .po files named by language}.
COMPLEMENTS = {"helpdesk_mgmt": "i18n_helpdesk_mgmt"}


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(
        self, modules, langs, overwrite=False, imported_module=False
    ):
        """Requests are helpdesk_mgmt tickets, and helpdesk_mgmt ships no
        Simplified Chinese: load the add-on's own translation of the words
        of those screens after the modules' files, whenever the language or
        either module is loaded."""
        result = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        addon_path = get_module_path("aftersales_service")
        installed = self.search_count(
            [
                ("name", "=", "aftersales_service"),
                ("state", "in", ("installed", "to install", "to upgrade")),
            ]
        )
        if not (addon_path and installed):
            return result
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
        return result
