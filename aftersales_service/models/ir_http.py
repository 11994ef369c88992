from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        """The portal's pages show mail's chatter (a request's conversation),
        but only the website's mail module loads mail's words in the
        portal: without the website, the chatter's own words ("The
        conversation is empty.") stayed in English."""
        modules = super()._get_translation_frontend_modules_name()
        return modules if "mail" in modules else [*modules, "mail"]
