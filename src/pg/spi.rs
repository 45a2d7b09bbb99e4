//! Read-only SPI queries, each run with the search_path pinned to pg_catalog (see
//! security.rs): the helpers every catalog read goes through.

use crate::error::{OrReport, SqlResult};
use crate::pg::security::with_pinned_search_path;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiHeapTupleData, SpiTupleTable};

/// The first column of the first row of a read-only query; `None` when it returns no row.
///
/// pgrx's `Spi::get_one*` helpers open a read-write connection, which assigns a transaction
/// id: that is an ERROR in a parallel worker, where `fin_predict` (PARALLEL SAFE) runs.
pub fn select_one<T: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SqlResult<Option<T>> {
    Ok(select_row(query, args, |row| row.get_one::<T>().or_report())?.flatten())
}

/// `read` applied to the first row of a read-only query (read-only for the reason above);
/// `None` when it returns no row.
pub fn select_row<R>(
    query: &str,
    args: &[DatumWithOid<'_>],
    read: impl FnOnce(&SpiTupleTable<'_>) -> SqlResult<R>,
) -> SqlResult<Option<R>> {
    first_row(query, args, Some(1), read)
}

/// The first column of the one row a read-only aggregate query returns (`None` for no row),
/// run without a row limit: PostgreSQL gives a limited SPI run no parallel workers.
pub fn select_aggregate<T: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SqlResult<Option<T>> {
    Ok(first_row(query, args, None, |row| row.get_one::<T>().or_report())?.flatten())
}

/// `read` applied to the first row of a read-only query run with the row limit `limit`.
fn first_row<R>(
    query: &str,
    args: &[DatumWithOid<'_>],
    limit: Option<i64>,
    read: impl FnOnce(&SpiTupleTable<'_>) -> SqlResult<R>,
) -> SqlResult<Option<R>> {
    with_pinned_search_path(|| {
        Spi::connect(|client| {
            let rows = client.select(query, limit, args).or_report()?;
            if rows.is_empty() {
                return Ok(None);
            }
            read(&rows.first()).map(Some)
        })
    })
}

/// `read` applied to every row of a read-only query (read-only for the reason above).
pub fn select_all<R>(
    query: &str,
    args: &[DatumWithOid<'_>],
    mut read: impl FnMut(&SpiHeapTupleData<'_>) -> SqlResult<R>,
) -> SqlResult<Vec<R>> {
    with_pinned_search_path(|| {
        Spi::connect(|client| {
            let rows = client.select(query, None, args).or_report()?;
            rows.map(|row| read(&row)).collect()
        })
    })
}
