import logging

import psycopg2

from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def lock_rows(records, message):
    """Take the database rows of ``records`` for the current transaction, or
    refuse at once with ``message`` when another transaction holds them or
    changed them since this one started. Two users acting on the same
    loaner, spare or scrap at the same moment: one goes on, the other is told
    to try again, and nothing is given out twice.

    The refusal is a normal outcome of the race, not a bad query: it is not
    logged as an error (``log_exceptions=False``), and the savepoint keeps
    the transaction usable for the message."""
    if not records:
        return
    try:
        with records.env.cr.savepoint(flush=False):
            records.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                ),
                log_exceptions=False,
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
    this one commits, even when the batch itself writes nothing on them.
    A row refused that way is the race working as meant: it is not logged
    as an error (``log_exceptions=False``). The refusal is for the whole
    statement, so a batch refused is claimed again row by row: the rows
    nobody changed are still this run's, whatever the other run's batches
    were (after a restart, two runs' batches need not line up)."""
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
                ),
                log_exceptions=False,
            )
            held = {row[0] for row in records.env.cr.fetchall()}
    except psycopg2.errors.SerializationFailure:
        if len(records) == 1:
            return records.browse()
        return records.browse().union(*(claim_rows(record) for record in records))
    return records.browse([record_id for record_id in records.ids if record_id in held])


def commit_progress(env, processed, remaining):
    """Commit a finished batch of a scheduled action with its progress, when
    the scheduler runs it, so that a run that stops halfway keeps what it
    did. Called from anywhere else (a button, a test, demo data being
    loaded) the work stays in the caller's transaction. Returns whether the
    run may go on: the scheduler gives each run a time budget, and what is
    left is done at the next run, which it starts at once."""
    if not env.context.get("ir_cron_progress_id"):
        return True
    return env["ir.cron"]._commit_progress(processed, remaining=remaining) > 0


def run_in_batches(model, domain, process, batch_size, order="id"):
    """The loop of every scheduled action of the add-on.

    The records of ``model`` that ``domain`` selects when the run starts are
    listed once, in ``order``, and taken ``batch_size`` at a time. Each batch
    is selected again (what another run did meanwhile drops out) and claimed
    (``claim_rows``): rows another run holds are left to it. Listing the due
    rows once keeps a batch's cost to its own rows: a search that left out
    the rows already seen would read them again at every batch.

    ``process(records)`` runs on the claimed rows in a savepoint; when it
    fails, it runs record by record, each in a savepoint of its own, so that
    one bad record does not hold back the others (it is logged and waits for
    the next run). Each batch is then committed with its progress
    (``commit_progress``). A record is taken at most once per run, whether
    or not ``process`` changed what selects it.

    The rows another run held are still due at the end if that run stopped
    before committing them (a worker killed, a time-out): they are then
    reported as remaining, so that the scheduler runs the action again at
    once. Returns the records that failed."""
    due = model.search(domain, order=order).ids
    skipped, failed = [], model.browse()
    for start in range(0, len(due), batch_size):
        chunk = due[start : start + batch_size]
        batch = model.search([*domain, ("id", "in", chunk)], order=order)
        claimed = claim_rows(batch)
        skipped += (batch - claimed).ids
        failed_now = _process_in_savepoints(claimed, process)
        failed |= failed_now
        remaining = len(due) - start - len(chunk)
        if not commit_progress(model.env, len(claimed - failed_now), remaining):
            break
    else:
        left = skipped and model.search_count([*domain, ("id", "in", skipped)])
        commit_progress(model.env, 0, left or 0)
    return failed


def _process_in_savepoints(records, process):
    """Run ``process`` on ``records`` in a savepoint, then, if it failed,
    record by record; return the records it failed on."""
    if not records:
        return records
    try:
        with records.env.cr.savepoint():
            process(records)
    except Exception:
        if len(records) == 1:
            _logger.exception(
                "%s: scheduled processing failed; it is tried again at the next run",
                records.display_name,
            )
            return records
        return records.browse().union(
            *(_process_in_savepoints(record, process) for record in records)
        )
    return records.browse()
