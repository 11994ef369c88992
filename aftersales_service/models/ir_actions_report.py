import functools
import subprocess

from lxml import etree, html

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools.misc import find_in_path

from ..report.pdf_text import copyable_chinese


@functools.cache
def _wkhtmltopdf_converts_one_document():
    """Whether wkhtmltopdf is built on an unpatched Qt (Debian's package):
    such a build converts one HTML document per run and refuses several."""
    try:
        version = subprocess.run(
            [find_in_path("wkhtmltopdf"), "--version"],
            capture_output=True,
            check=False,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return b"patched qt" not in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def get_paperformat_by_xmlid(self, xml_id):
        """The paper format of the report ``xml_id``, as Odoo's layout asks
        for it once per printed form: for the add-on's forms without a query
        per form (Odoo's env.ref checks that the report exists each time; the
        report being printed does, and its XML id look-up is cached)."""
        if not (xml_id or "").startswith("aftersales_service."):
            return super().get_paperformat_by_xmlid(xml_id)
        model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(
            xml_id, raise_if_not_found=False
        )
        if model != self._name:
            raise UserError(_("There is no printed form %(form)s.", form=xml_id))
        return self.browse(res_id).get_paperformat()

    def _run_wkhtmltopdf(self, bodies, report_ref=False, **kwargs):
        """Print several of the add-on's forms at once (dispatch orders,
        visit reports...) with an unpatched wkhtmltopdf too: their pages go
        into one document, each form starting a new page. The forms' text
        copies and searches as the Chinese they show (pdf_text)."""
        ours = bool(report_ref) and self._get_report(report_ref).model.startswith(
            "aftersales."
        )
        if ours and len(bodies) > 1 and _wkhtmltopdf_converts_one_document():
            bodies = [_one_document(bodies)]
        pdf = super()._run_wkhtmltopdf(bodies, report_ref=report_ref, **kwargs)
        return copyable_chinese(pdf) if ours else pdf


def _one_document(bodies):
    """The HTML bodies of several records as one document: the first one's
    head, then each one's body content on new pages."""
    document = html.fromstring(bodies[0])
    body = document.find("body")
    for other in bodies[1:]:
        body.append(etree.Element("div", style="page-break-before: always;"))
        body.extend(html.fromstring(other).find("body"))
    return etree.tostring(document, method="html", encoding="unicode")
