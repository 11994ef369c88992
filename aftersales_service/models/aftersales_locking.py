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


def claim_rows(records):
    """The part of ``records`` that this transaction now holds, for one batch
    of a scheduled action. Rows that another run holds, or changed since
    this transaction began, are left to that run; this run skips them, and
    the next run picks up whatever is still due. Two runs of the same job
    (two cron workers, a manual run, a job queue) share the work and never
    process a record twice.

    The claimed rows are also marked as changed by this transaction (a
    no-op update): a run whose snapshot is older is then refused them after
    this one commits, even when the batch itself writes nothing on them."""
    if not records:
        return records
    try:
        with records.env.cr.savepoint(flush=False):
            records.env.cr.execute(
                SQL(
                    """UPDATE %(table)s SET write_date = write_date
                        WHERE id IN (SELECT id FROM %(table)s WHERE id IN %(ids)s
                                     FOR NO KEY UPDATE SKIP LOCKED)
                    RETURNING id""",
                    table=SQL.identifier(records._table),
                    ids=tuple(records.ids),
                )
            )
            held = {row[0] for row in records.env.cr.fetchall()}
    except psycopg2.errors.SerializationFailure:
        return records.browse()
    return records.browse([record_id for record_id in records.ids if record_id in held])


def commit_batch(env):
    """Commit a finished batch of a scheduled action, so that a run that
    stops halfway keeps what it did; tests run in one transaction."""
    if not getattr(threading.current_thread(), "testing", False):
        env.cr.commit()  # pylint: disable=invalid-commit
