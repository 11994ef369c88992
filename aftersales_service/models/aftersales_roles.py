from odoo.exceptions import UserError


def check_role(env, group, message):
    """Refuse with ``message`` unless the user is in ``group`` (the
    system itself, running demo data or scheduled actions, may act)."""
    if not (env.su or env.user.has_group(group)):
        raise UserError(message)
