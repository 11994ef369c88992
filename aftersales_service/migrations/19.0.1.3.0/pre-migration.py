"""B4: warranties delivered before the product's start basis existed keep
their start: the acceptance. The columns are filled here, before the
add-on's models load, so Odoo neither recomputes them nor starts a warranty
from another date."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """ALTER TABLE aftersales_warranty
               ADD COLUMN IF NOT EXISTS start_basis varchar,
               ADD COLUMN IF NOT EXISTS start_date date"""
    )
    cr.execute(
        """UPDATE aftersales_warranty
              SET start_basis = 'acceptance',
                  start_date = CASE WHEN state = 'awaiting' THEN NULL
                                    ELSE acceptance_date END
            WHERE start_basis IS NULL"""
    )
