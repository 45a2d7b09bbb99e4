//! The C-level transition of `fin_sample_sketch(row_text)` (declared in SQL by api/sample.rs),
//! the aggregate pg/sample.rs sums a development sample's fingerprint with, and the work of its
//! combine function. The state is an int8[] of finml_models::sample::STATE_LEN words changed in
//! place (a copy of 24 KB per row would cost more than the row); a state a caller made up is
//! refused (22023).

use crate::error::{fail, ErrorKind, SqlResult};
use crate::pg::types::{aggregate_context, array_in, c_level_function};
use finml_models::sample::{add_to_state, combine_states, key_of, STATE_LEN};
use pgrx::array::RawArray;
use pgrx::datum::Array;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use std::ptr::NonNull;

const SKETCH_HINT: &str = "fin_verify_sample(model, relation) runs the aggregate for you";

c_level_function!(
    /// fin_sample_sketch_step(state int8[], row_text text): one row's key into the sketch, the
    /// transition of the aggregate `fin_sample_sketch(row_text)`. Declared in SQL in
    /// api/sample.rs (pgrx cannot declare a function that returns its argument).
    fin_sample_sketch_step,
    pg_finfo_fin_sample_sketch_step,
    add_row_in_place
);

/// [`fin_sample_sketch_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the two declared, non-NULL arguments (the function is STRICT).
unsafe fn add_row_in_place(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let context = aggregate_context(
        fcinfo,
        "fin_sample_sketch_step",
        "fin_sample_sketch",
        SKETCH_HINT,
    )?;
    let arg = |i: usize| (*fcinfo).args.as_slice(2)[i].value;
    let row_text = <&str>::from_datum(arg(1), false).unwrap_or_default();
    let state = pg_sys::pg_detoast_datum(arg(0).cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let mut state = RawArray::from_ptr(NonNull::new(state).ok_or_else(state_refused)?);
    if state.len() == 0 {
        // The first row: the initial '{}' becomes the empty sketch, allocated in the
        // aggregate's memory context, where later calls add to it.
        let zeros = vec![pg_sys::Datum::from(0i64); STATE_LEN];
        let fresh = array_in(context, &zeros, pg_sys::INT8OID);
        state = RawArray::from_ptr(fresh.ok_or_else(state_refused)?);
    } else if state.len() != STATE_LEN || state.any_nulls() || state.oid() != pg_sys::INT8OID {
        return Err(state_refused());
    }
    let words = &mut *(state.data::<u64>().as_ptr());
    add_to_state(words, key_of(row_text.as_bytes()));
    Ok(pg_sys::Datum::from(state.into_ptr().as_ptr()))
}

/// Two partial sketches of `fin_sample_sketch` combined: the work of its combine function
/// `fin_sample_sketch_add`, with which parallel workers each sum a part of the rows. Arrays of
/// another length are refused before they are copied.
pub fn combine(a: Array<'_, i64>, b: Array<'_, i64>) -> SqlResult<Vec<i64>> {
    let words = |s: &Array<'_, i64>| -> SqlResult<Vec<i64>> {
        if !s.is_empty() && s.len() != STATE_LEN {
            return Err(state_refused());
        }
        s.iter()
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(state_refused)
    };
    let (a, b) = (words(&a)?, words(&b)?);
    match (a.is_empty(), b.is_empty()) {
        // The initial state of a worker that read no row.
        (true, _) => Ok(b),
        (_, true) => Ok(a),
        _ => combine_states(&a, &b).ok_or_else(state_refused),
    }
}

fn state_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        format!("a sample sketch is an int8[] of {STATE_LEN} values without NULLs"),
        SKETCH_HINT,
    )
}
