"""The Complaint activity type now belongs to the complaint record, not to the
request: its data is kept on upgrade (noupdate), so it is moved here, before
the add-on's data and the complaints' activities are loaded."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE mail_activity_type t SET res_model = 'aftersales.complaint'
             FROM ir_model_data d
            WHERE d.module = 'aftersales_service'
              AND d.name = 'mail_activity_type_complaint'
              AND d.model = 'mail.activity.type'
              AND t.id = d.res_id"""
    )
