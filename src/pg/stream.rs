//! Streaming a read-only query's rows into a receiver of finml's own: each row's slot is
//! deformed once and handed to a Rust callback, without SPI's copy of every row.

use crate::error::{report, OrReport, SqlResult};
use crate::pg::security::with_pinned_search_path;
use crate::pg::types::{decode, ReadAs, ValueKind};
use finml_models::{Error, ErrorKind, RawValue};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// One row as the executor produced it, deformed once (one pass over the tuple, where
/// fetching attributes one at a time re-walks it from the start after a NULL or a
/// variable-width value); values by 1-based ordinal.
pub struct FetchedRow<'b> {
    datums: &'b [pg_sys::Datum],
    nulls: &'b [bool],
}

impl FetchedRow<'_> {
    /// The raw datum at `ordinal`, `None` for NULL.
    pub fn datum(&self, ordinal: usize) -> Option<pg_sys::Datum> {
        let i = ordinal.checked_sub(1)?;
        (!*self.nulls.get(i)?).then(|| self.datums[i])
    }

    /// The value at `ordinal`, selected as `kind` (with [`cast`]), through the one decoder
    /// (types::decode) that fin_predict's rows use too.
    pub fn value<'a>(&self, ordinal: usize, kind: ValueKind) -> RawValue<'a> {
        match self.datum(ordinal) {
            // SAFETY: a non-NULL value of the type the select list cast it to, valid while the
            // batch is (the caller's values do not outlive it).
            Some(datum) => unsafe { decode(datum, kind.read_as_oid()) },
            None => RawValue::Null,
        }
    }

    /// A boolean column at `ordinal` (a target, the out-of-time mask).
    pub fn boolean(&self, ordinal: usize) -> Option<bool> {
        // SAFETY: the select list casts the column to bool.
        self.datum(ordinal)
            .and_then(|d| unsafe { bool::from_datum(d, false) })
    }
}

/// Runs a read-only query through an SPI cursor, calling `on_row` for each row as the
/// executor produces it: a receiver of our own (a `DestReceiver`) takes each row's slot and
/// deforms it once, where SPI's receiver would copy every row into a tuple table first
/// (measured: a quarter of a million-row read, most of it faulting in fresh pages for the
/// copies). The executor checks for interrupts at every row.
pub fn stream_rows(
    query: &str,
    args: &[DatumWithOid<'_>],
    mut on_row: impl FnMut(&FetchedRow<'_>) -> SqlResult<()>,
) -> SqlResult<()> {
    // Pinned search_path: finml's casts and comparisons are pg_catalog's (the relation and
    // the split column's type are schema-qualified), whatever the caller's schemas hold.
    with_pinned_search_path(|| {
        Spi::connect(|client| -> SqlResult<()> {
            let name = client
                .try_open_cursor(query, args)
                .or_report()?
                .detach_into_name();
            let name = std::ffi::CString::new(name)
                .map_err(|_| report(Error::new(ErrorKind::Internal, "a cursor name with a NUL")))?;
            let mut receiver = RowReceiver {
                base: pg_sys::DestReceiver {
                    receiveSlot: Some(receive_row),
                    rStartup: Some(receiver_startup),
                    rShutdown: Some(receiver_done),
                    rDestroy: Some(receiver_done),
                    mydest: pg_sys::CommandDest::DestNone,
                },
                on_row: &mut on_row,
                failure: None,
            };
            // SAFETY: the portal was just opened by this SPI connection under that name; the
            // receiver outlives the fetch, which runs the whole query into it.
            unsafe {
                let portal = pg_sys::GetPortalByName(name.as_ptr());
                pg_sys::PortalRunFetch(
                    portal,
                    pg_sys::FetchDirection::FETCH_FORWARD,
                    std::ffi::c_long::MAX,
                    &mut receiver.base,
                );
                pg_sys::SPI_cursor_close(portal);
            }
            receiver.failure.map_or(Ok(()), Err)
        })
    })
}

/// A `DestReceiver` that hands each row to a Rust callback; the first error the callback
/// returns is kept and stops the executor.
#[repr(C)]
struct RowReceiver<'f> {
    /// First, so that a `*mut DestReceiver` is a `*mut RowReceiver`.
    base: pg_sys::DestReceiver,
    on_row: &'f mut dyn FnMut(&FetchedRow<'_>) -> SqlResult<()>,
    failure: Option<pgrx::pg_sys::panic::ErrorReport>,
}

#[pg_guard]
unsafe extern "C-unwind" fn receive_row(
    slot: *mut pg_sys::TupleTableSlot,
    receiver: *mut pg_sys::DestReceiver,
) -> bool {
    // SAFETY: the executor passes the receiver given to PortalRunFetch (a RowReceiver) and a
    // valid slot of the query's row type; its values live until the next row.
    unsafe {
        let receiver = &mut *(receiver as *mut RowReceiver<'_>);
        let natts = (*(*slot).tts_tupleDescriptor).natts;
        if i32::from((*slot).tts_nvalid) < natts {
            pg_sys::slot_getsomeattrs_int(slot, natts);
        }
        let width = usize::try_from(natts).unwrap_or(0);
        let row = FetchedRow {
            datums: std::slice::from_raw_parts((*slot).tts_values, width),
            nulls: std::slice::from_raw_parts((*slot).tts_isnull, width),
        };
        match (receiver.on_row)(&row) {
            Ok(()) => true,
            Err(failure) => {
                receiver.failure = Some(failure);
                false
            }
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn receiver_startup(
    _receiver: *mut pg_sys::DestReceiver,
    _operation: std::ffi::c_int,
    _typeinfo: pg_sys::TupleDesc,
) {
}

#[pg_guard]
unsafe extern "C-unwind" fn receiver_done(_receiver: *mut pg_sys::DestReceiver) {}
