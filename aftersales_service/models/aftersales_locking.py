import threading

import psycopg2

from odoo.exceptions import UserError
from odoo.tools import SQL


def lock_rows(records, message):
    """Take the database rows of ``records`` for the current transaction, or
    refuse at once with ``message`` when another transaction holds them or
    changed them since this one started. Two users acting on the same
    loaner, spare or scrap at the same moment: one goes on, the other is told
    to try again, and nothing is given out twice."""
    if not records:
        return
    try:
        with records.env.cr.savepoint(flush=False):
            records.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                )
            )
    except (
        psycopg2.errors.LockNotAvailable,
        psycopg2.errors.SerializationFailure,
    ) as error:
        raise UserError(message) from error


def commit_batch(env):
    """Commit a finished batch of a scheduled action, so that a run that
    stops halfway keeps what it did; tests run in one transaction."""
    if not getattr(threading.current_thread(), "testing", False):
        env.cr.commit()  # pylint: disable=invalid-commit
