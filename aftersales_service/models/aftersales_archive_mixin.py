from odoo import _, models
from odoo.exceptions import UserError


class AftersalesArchiveMixin(models.AbstractModel):
    """A service archive (用户维修档案) reached through smart buttons: each
    count field of ``_aftersales_archive()`` counts, and opens, the records
    of one kind about this record."""

    _name = "aftersales.archive.mixin"
    _description = "After-Sales Archive"

    def _aftersales_archive(self):
        """{count field: (model, domain)}; the domain's first leaf is the field
        that points at this record (or at its ``_aftersales_archive_key``)."""
        return {}

    def _aftersales_archive_key(self, field):
        """What the records counted in ``field`` point at: this record."""
        self.ensure_one()
        return self

    def _compute_aftersales_archive_counts(self):
        # One grouped query per kind of record, for all the records at once.
        for field, (model, domain) in self._aftersales_archive().items():
            counts = {}
            # Each role counts what it may read (a warehouse user sees the
            # loaners, not the contracts).
            if self.env[model].has_access("read"):
                groups = self.env[model]._read_group(
                    domain, [domain[0][0]], ["__count"]
                )
                counts = dict(groups)
            for record in self:
                record[field] = counts.get(record._aftersales_archive_key(field), 0)

    def action_aftersales_archive(self):
        """Open the records behind one of the archive's smart buttons."""
        self.ensure_one()
        field = self.env.context.get("aftersales_archive")
        archive = self._aftersales_archive()
        if field not in archive:
            raise UserError(_("Unknown part of the service archive."))
        model, domain = archive[field]
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "name": _(
                "%(record)s: %(what)s",
                record=self.display_name,
                what=self._fields[field].get_description(self.env)["string"],
            ),
            "domain": domain,
            "view_mode": "list,form",
        }
