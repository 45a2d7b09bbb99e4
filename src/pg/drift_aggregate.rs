//! The C-level transition of the aggregate behind fin_psi and fin_monitor's drift,
//! `fin_drift_counts(model, numbers, texts)` (declared in SQL by api/monitor.rs), the work of
//! its combine function ([`add_counts`]), and the one reading of its counts ([`cells_of`]):
//! bounded and refused (22023) when a caller made them up, copied fallibly.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::relation;
use crate::pg::types::{aggregate_context, array_in, c_level_function, reserve_row_values};
use finml_models::error::try_vec;
use finml_models::monitor::{add_cells, add_to_cells, DriftCounts};
use pgrx::array::RawArray;
use pgrx::datum::Array;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use std::ptr::NonNull;

c_level_function!(
    /// fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[]): one row
    /// into fin_psi's counts, the transition of the aggregate `fin_drift_counts(model, numbers,
    /// texts)` (a row's features as relation::feature_arrays reads them). The counts are the
    /// state (finml_models::monitor::DriftCounts's cells), added to in place as `array_append`
    /// does inside an aggregate: a copy of every cell per row would cost more than the row.
    /// Declared in SQL in api/monitor.rs (pgrx cannot declare a function that returns its
    /// argument).
    fin_drift_counts_step,
    pg_finfo_fin_drift_counts_step,
    count_row_in_place
);

/// [`fin_drift_counts_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the four declared, non-NULL arguments (the function is STRICT).
unsafe fn count_row_in_place(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let aggregate_context = aggregate_context(
        fcinfo,
        "fin_drift_counts_step",
        "fin_drift_counts",
        "fin_psi(model, relation) runs the aggregate for you",
    )?;
    let arg = |i: usize| (*fcinfo).args.as_slice(4)[i].value;
    let model = <&str>::from_datum(arg(1), false).unwrap_or_default();
    let numbers_array = Array::<f64>::from_datum(arg(2), false);
    let mut numbers: Vec<Option<f64>> = Vec::new();
    if let Some(array) = &numbers_array {
        reserve_row_values(&mut numbers, array.len(), DRIFT_HINT)?;
        numbers.extend(array.iter());
    }
    let texts_array = Array::<&str>::from_datum(arg(3), false);
    let mut texts: Vec<Option<&str>> = Vec::new();
    if let Some(array) = &texts_array {
        reserve_row_values(&mut texts, array.len(), DRIFT_HINT)?;
        texts.extend(array.iter());
    }
    let state = pg_sys::pg_detoast_datum(arg(0).cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let mut state = RawArray::from_ptr(NonNull::new(state).ok_or_else(cells_refused)?);
    with_model(model, |m| {
        let values = relation::values_from_arrays(&m.model, &numbers, &texts)?;
        if state.len() == 0 {
            // The first row: the initial '{}' becomes the model's zero counts, allocated in the
            // aggregate's memory context, where later calls add to them.
            let cells = DriftCounts::new(&m.model).or_report()?;
            let zeros = vec![pg_sys::Datum::from(0i64); cells.cells().len()];
            let fresh = array_in(aggregate_context, &zeros, pg_sys::INT8OID);
            state = RawArray::from_ptr(fresh.ok_or_else(cells_refused)?);
        } else if state.any_nulls() || state.oid() != pg_sys::INT8OID {
            return Err(cells_refused());
        }
        // int8 cells, never negative (made above or by the combine function): read as u64.
        let cells = &mut *(state.data::<u64>().as_ptr());
        // A multi-class model's output is its most probable class (drift.rs).
        add_to_cells(&m.model, cells, &values, || {
            m.model.monitored_prediction(&values)
        })
        .or_report()?;
        Ok(pg_sys::Datum::from(state.into_ptr().as_ptr()))
    })
}

/// Two partial counts of `fin_drift_counts` added: the work of its combine function
/// `fin_drift_counts_add`, with which PostgreSQL's parallel workers and Citus's workers each
/// count a part of the rows.
pub fn add_counts(a: Array<'_, i64>, b: Array<'_, i64>) -> SqlResult<Vec<i64>> {
    let sum = add_cells(cells_of(a.len(), a.iter())?, &cells_of(b.len(), b.iter())?).or_report()?;
    Ok(sum.into_iter().map(|c| c as i64).collect())
}

/// The most cells a drift state holds (a model's buckets: ten and a NULL bucket per number,
/// a hundred levels and a rest per category); a longer array is a state a caller made up,
/// refused before it is copied.
const MAX_DRIFT_CELLS: usize = 1 << 23;

const DRIFT_HINT: &str =
    "pass the state fin_drift_counts made; fin_psi(model, relation) does this for you";

fn cells_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "drift counts hold a NULL or negative count",
        "pass the state fin_drift_counts made; fin_psi(model, relation) does this for you",
    )
}

/// Counts as the aggregate's state holds them; 22023 for a NULL or negative one, or more
/// than [`MAX_DRIFT_CELLS`] (a state a caller made up); the copy is allocated fallibly.
pub fn cells_of(len: usize, counts: impl Iterator<Item = Option<i64>>) -> SqlResult<Vec<u64>> {
    if len > MAX_DRIFT_CELLS {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "drift counts of {len} cells are more than any model's ({MAX_DRIFT_CELLS} at most)"
            ),
            DRIFT_HINT,
        ));
    }
    let mut cells = try_vec(len, "drift counts").or_report()?;
    for cell in counts {
        cells.push(
            cell.and_then(|c| u64::try_from(c).ok())
                .ok_or_else(cells_refused)?,
        );
    }
    Ok(cells)
}
