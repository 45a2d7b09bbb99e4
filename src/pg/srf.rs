//! Set-returning functions called once per input row (fin_explain, fin_reason_codes) write
//! their rows straight into the executor's tuplestore, in one call (materialize mode).
//! pgrx's value-per-call protocol builds the result's tuple descriptor from the catalog on
//! every call and forms each row twice; that was a fifth of fin_explain's time (issue 38).

use crate::error::{fail, ErrorKind, SqlResult};
use finml_models::data::write_number;
use finml_models::RawValue;
use pgrx::pg_sys;

/// PostgreSQL's largest value (MaxAllocSize).
const MAX_TEXT_BYTES: usize = 0x3fff_ffff;

/// One column's value in a row written by [`MaterializedRows::push`].
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    Text(&'a str),
    /// A feature's value as text: a number as Rust's shortest round-trip text (`1.5`, `720`),
    /// NULL as NULL.
    Value(RawValue<'a>),
    Integer(i32),
    Float(f64),
}

/// The rows of one call of a set-returning function, written into the executor's tuplestore.
pub struct MaterializedRows {
    store: *mut pg_sys::Tuplestorestate,
    descriptor: pg_sys::TupleDesc,
    columns: usize,
    datums: Vec<pg_sys::Datum>,
    nulls: Vec<bool>,
    /// One reused text value (varlena header included) per column: the tuplestore copies the
    /// row, so nothing is allocated per value.
    texts: Vec<Vec<u8>>,
}

impl MaterializedRows {
    /// Sets up `fcinfo`'s call to return its rows in materialize mode, with the result type
    /// the executor expects (or the function's declared one where it expects none).
    ///
    /// # Safety
    /// `fcinfo` is the current call's, of a function declared to return a set of rows.
    pub unsafe fn begin(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<Self> {
        // SAFETY: the caller passes the current call's fcinfo; InitMaterializedSRF raises an
        // ERROR (never returns) where the caller cannot take a materialized set.
        unsafe {
            let info = (*fcinfo).resultinfo as *mut pg_sys::ReturnSetInfo;
            let expects_a_type = !info.is_null()
                && (*info).type_ == pg_sys::NodeTag::T_ReturnSetInfo
                && !(*info).expectedDesc.is_null();
            let flags = if expects_a_type {
                pg_sys::MAT_SRF_USE_EXPECTED_DESC
            } else {
                0
            };
            pg_sys::InitMaterializedSRF(fcinfo, flags);
            let store = (*info).setResult;
            let descriptor = (*info).setDesc;
            let columns = usize::try_from((*descriptor).natts).unwrap_or(0);
            Ok(MaterializedRows {
                store,
                descriptor,
                columns,
                datums: vec![pg_sys::Datum::from(0usize); columns],
                nulls: vec![false; columns],
                texts: vec![Vec::new(); columns],
            })
        }
    }

    /// Appends one row; `row` has one cell per declared column.
    pub fn push(&mut self, row: &[Cell<'_>]) -> SqlResult<()> {
        if row.len() != self.columns {
            return Err(fail(
                ErrorKind::Internal,
                format!(
                    "a set-returning function built {} columns for a result of {}",
                    row.len(),
                    self.columns
                ),
                "reinstall finml: its SQL declarations do not match its library",
            ));
        }
        for (k, cell) in row.iter().enumerate() {
            let (datum, null) = match *cell {
                Cell::Null | Cell::Value(RawValue::Null) => (pg_sys::Datum::from(0usize), true),
                Cell::Text(text) | Cell::Value(RawValue::Text(text)) => (
                    text_datum(&mut self.texts[k], |b| b.extend_from_slice(text.as_bytes()))?,
                    false,
                ),
                Cell::Value(RawValue::Number(x)) => (
                    text_datum(&mut self.texts[k], |b| write_number(b, x))?,
                    false,
                ),
                Cell::Integer(n) => (pg_sys::Datum::from(n), false),
                Cell::Float(x) => (pg_sys::Datum::from(x.to_bits()), false),
            };
            self.datums[k] = datum;
            self.nulls[k] = null;
        }
        // SAFETY: the store and descriptor come from InitMaterializedSRF for this call; the
        // datums match the descriptor's columns (text, integer, float8 as declared) and the
        // text values live in `self.texts` until the store has copied the row.
        unsafe {
            pg_sys::tuplestore_putvalues(
                self.store,
                self.descriptor,
                self.datums.as_mut_ptr(),
                self.nulls.as_mut_ptr(),
            );
        }
        Ok(())
    }
}

/// A text value built in `buffer` by `write`: a 4-byte varlena header, then the bytes.
fn text_datum(buffer: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) -> SqlResult<pg_sys::Datum> {
    buffer.clear();
    buffer.extend_from_slice(&[0; 4]);
    write(buffer);
    let length = u32::try_from(buffer.len())
        .ok()
        .filter(|&n| n as usize <= MAX_TEXT_BYTES)
        .ok_or_else(|| {
            fail(
                ErrorKind::OutOfRange,
                "a text value is too long to return",
                "no text value may exceed 1 GB",
            )
        })?;
    // SET_VARSIZE_4B, written byte by byte (the buffer need not be aligned).
    let header = if cfg!(target_endian = "big") {
        length & 0x3fff_ffff
    } else {
        length << 2
    };
    buffer[..4].copy_from_slice(&header.to_ne_bytes());
    Ok(pg_sys::Datum::from(buffer.as_ptr()))
}
