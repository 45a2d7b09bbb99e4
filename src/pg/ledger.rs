//! The tamper-evident ledger of finml.event_log. An event is written without its place in
//! the ledger; a deferred constraint trigger (api/ledger.rs) seals it at commit: under the
//! ledger's lock, it reads the last sealed event on a snapshot taken after the lock (so in
//! REPEATABLE READ too it sees every event committed before), and gives the new one the next
//! `seq` and `hash` = SHA-256 over the previous event's hash and its own content
//! (finml.event_hash in sql/catalog.sql). The lock (the row of finml.ledger_lock) is held from
//! the seal to the commit only, so trainings in other sessions, and the background worker that
//! records a failure (pg/audit.rs), never wait for a transaction that is still working.
//!
//! `fin_verify_log` recomputes the chain: an event edited by hand no longer matches its hash,
//! a deleted one leaves a gap in `seq` and breaks the next event's hash.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::extension::as_extension_owner;
use crate::pg::security::{with_pinned_search_path, with_snapshot_taken_now};
use crate::pg::spi::{select_all, select_row};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// The ledger's lock: its one row, locked (not changed: no serialization failure in REPEATABLE
/// READ) until the end of the transaction. Only the table's owner may lock it.
const LOCK_LEDGER: &str = "SELECT one FROM finml.ledger_lock FOR UPDATE";

/// Seals the event at `row` (a row of finml.event_log written by this transaction), unless it
/// was written with its place already (a restore: pg_dump keeps `seq` and `hash`).
pub fn seal(row: pg_sys::ItemPointerData) -> SqlResult<()> {
    as_extension_owner(|| {
        run(LOCK_LEDGER, &[])?;
        let head = with_snapshot_taken_now(last_sealed_event)?;
        let (seq, previous) = head.map_or((1, Vec::new()), |(seq, hash)| (seq + 1, hash));
        run(
            "UPDATE finml.event_log e
                SET seq = $1,
                    hash = finml.event_hash($2, $1, e.at, e.role, e.action, e.model, e.version,
                                            e.outcome, e.detail)
              WHERE e.ctid = $3 AND e.seq IS NULL",
            &[
                DatumWithOid::from(seq),
                DatumWithOid::from(previous.as_slice()),
                DatumWithOid::from(row),
            ],
        )
    })
}

/// The `seq` and `hash` of the last sealed event, read on the active snapshot. pgrx's
/// `select` runs read-write in a transaction that has written (this one has: its events),
/// and read-write SPI takes the transaction's snapshot in REPEATABLE READ, which would miss
/// the events committed since and fork the chain; read-only SPI reads the active snapshot,
/// the one [`with_snapshot_taken_now`] pushed after the lock.
fn last_sealed_event() -> SqlResult<Option<(i64, Vec<u8>)>> {
    let query =
        c"SELECT seq, hash FROM finml.event_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1";
    with_pinned_search_path(|| {
        Spi::connect(|_client| {
            // SAFETY: SPI is connected (Spi::connect); the row is read, and its values
            // copied into Rust, before SPI_finish frees the tuple table.
            unsafe {
                // search_path: pinned by the with_pinned_search_path around this connection.
                if pg_sys::SPI_execute(query.as_ptr(), true, 1) != pg_sys::SPI_OK_SELECT as i32 {
                    return Err(fail(
                        ErrorKind::Internal,
                        "the ledger's last event could not be read",
                        "report this as a finml bug",
                    ));
                }
                let table = pg_sys::SPI_tuptable;
                if pg_sys::SPI_processed == 0 || table.is_null() {
                    return Ok(None);
                }
                let row = *(*table).vals;
                let columns = (*table).tupdesc;
                let mut null = false;
                let seq = pg_sys::SPI_getbinval(row, columns, 1, &mut null);
                let seq = i64::from_datum(seq, null);
                let hash = pg_sys::SPI_getbinval(row, columns, 2, &mut null);
                let hash = Vec::<u8>::from_datum(hash, null);
                Ok(seq.zip(hash))
            }
        })
    })
}

fn run(statement: &str, args: &[DatumWithOid<'_>]) -> SqlResult<()> {
    with_pinned_search_path(|| {
        Spi::connect_mut(|client| client.update(statement, None, args).map(|_| ()))
    })
    .or_report()
}

/// What breaks the chain first, in `seq` order: the event whose hash is not the one its
/// content and the previous event's hash give, or that does not follow the previous one
/// (`seq` not one more: an event before it was deleted). `None`: intact.
const FIRST_BREAK: &str = "
SELECT seq FROM (
  SELECT e.seq, e.hash,
         finml.event_hash(lag(e.hash) OVER w, e.seq, e.at, e.role, e.action, e.model,
                          e.version, e.outcome, e.detail) AS expected,
         coalesce(lag(e.seq) OVER w, 0) + 1 AS expected_seq
    FROM finml.event_log e
   WHERE e.seq IS NOT NULL
  WINDOW w AS (ORDER BY e.seq)) chain
 WHERE hash IS DISTINCT FROM expected OR seq <> expected_seq
 ORDER BY seq LIMIT 1";

/// fin_verify_log: the `seq` of the first event where the ledger's chain breaks, 0 for an
/// event outside the ledger (written by hand with the sealing trigger disabled), `None`
/// when intact. This transaction's own events are sealed at its commit and are not checked.
pub fn verify() -> SqlResult<Option<i64>> {
    as_extension_owner(|| {
        with_snapshot_taken_now(|| {
            let unsealed = select_all(
                "SELECT xmin::text::bigint FROM finml.event_log WHERE seq IS NULL",
                &[],
                |r| Ok(r.get::<i64>(1).or_report()?.unwrap_or(0)),
            )?;
            // SAFETY: a lookup of this transaction's own (sub)transaction ids.
            let outside = unsealed.into_iter().any(|xid| unsafe {
                !pg_sys::TransactionIdIsCurrentTransactionId(pg_sys::TransactionId::from(
                    xid as u32,
                ))
            });
            if outside {
                return Ok(Some(0));
            }
            Ok(select_row(FIRST_BREAK, &[], |r| r.get::<i64>(1).or_report())?.flatten())
        })
    })
}
