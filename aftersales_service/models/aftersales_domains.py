from odoo.fields import Domain


def bool_domain(domain, values):
    """The search domain of a computed boolean that is true on ``domain``,
    searched with Odoo's ``in`` operator: ``values`` holds True, False or
    both."""
    values = {bool(value) for value in values}
    if values == {True, False}:
        return Domain.TRUE
    if values == {True}:
        return Domain(domain)
    if values == {False}:
        return ~Domain(domain)
    return Domain.FALSE
