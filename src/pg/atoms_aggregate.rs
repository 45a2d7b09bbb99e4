//! The C-level functions of `fin_training_atoms(label float8, VARIADIC numbers "any")`
//! (declared in SQL by api/summed.rs): every numeric feature's distinct values, with their
//! rows and label sums, in one scan of the training rows, where a `GROUP BY` per number
//! scans them once each. The state is finml_models' [`AtomTables`], held in Rust's heap and
//! dropped with the aggregate's memory context; parallel workers send theirs as bytes
//! (`fin_training_atoms_serialize`), which the leader merges.
//!
//! A superuser (only a superuser may: PostgreSQL refuses anyone else an aggregate whose
//! state is `internal`) may build an aggregate of these functions and others: a state
//! pointer is used only when this backend made it (it is in [`LIVE_STATES`]), so a foreign
//! state is refused, never read.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::sums_aggregate::{column_kinds, columns_of, PASS_HINT};
use crate::pg::types::{aggregate_context, c_level_function};
use finml_models::summed::AtomTables;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::PgMemoryContexts;
use std::cell::RefCell;
use std::collections::HashSet;

thread_local! {
    /// The states this backend made and has not dropped.
    static LIVE_STATES: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
    /// A row's numbers, the buffer reused from row to row.
    static NUMBERS: RefCell<Vec<Option<f64>>> = const { RefCell::new(Vec::new()) };
}

/// An aggregate state: the tables, known live while it is in [`LIVE_STATES`].
struct LiveState {
    tables: AtomTables,
}

impl Drop for LiveState {
    fn drop(&mut self) {
        let address = self as *mut LiveState as usize;
        LIVE_STATES.with(|live| live.borrow_mut().remove(&address));
    }
}

/// `tables` as a state in `context`, dropped when the context is reset or deleted.
///
/// # Safety
/// `context` is a live memory context.
unsafe fn new_state(context: pg_sys::MemoryContext, tables: AtomTables) -> pg_sys::Datum {
    let state = PgMemoryContexts::For(context).leak_and_drop_on_delete(LiveState { tables });
    LIVE_STATES.with(|live| live.borrow_mut().insert(state as usize));
    pg_sys::Datum::from(state)
}

/// The state a datum points to, when this backend made it.
///
/// # Safety
/// No other reference to the state is alive.
unsafe fn state_of<'s>(datum: pg_sys::Datum) -> SqlResult<&'s mut LiveState> {
    let address = datum.value();
    let live = LIVE_STATES.with(|live| live.borrow().contains(&address));
    if !live || address == 0 {
        return Err(fail(
            ErrorKind::InvalidOption,
            "the state is not fin_training_atoms'",
            PASS_HINT,
        ));
    }
    Ok(&mut *(address as *mut LiveState))
}

/// The aggregate's memory context, when `function` is called by `fin_training_atoms`.
///
/// # Safety
/// `fcinfo` is a live call.
unsafe fn atoms_context(
    fcinfo: pg_sys::FunctionCallInfo,
    function: &str,
) -> SqlResult<pg_sys::MemoryContext> {
    aggregate_context(
        fcinfo,
        function,
        "fin_training_atoms",
        "fin_train runs the aggregate for you",
    )
}

fn arguments_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "fin_training_atoms takes a non-NULL label, then the numbers as float8 arguments",
        PASS_HINT,
    )
}

c_level_function!(
    /// fin_training_atoms_step(state internal, label float8, VARIADIC numbers "any"): one
    /// row into the numbers' distinct values. Not STRICT (a number may be NULL).
    fin_training_atoms_step,
    pg_finfo_fin_training_atoms_step,
    add_row
);

/// [`fin_training_atoms_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with a state, a label and the numbers.
unsafe fn add_row(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let context = atoms_context(fcinfo, "fin_training_atoms_step")?;
    let args = (*fcinfo).args.as_slice((*fcinfo).nargs.max(0) as usize);
    let [state, label, numbers @ ..] = args else {
        return Err(arguments_refused());
    };
    if label.isnull {
        return Err(arguments_refused());
    }
    let kinds = column_kinds(fcinfo, 2).map_err(|_| arguments_refused())?;
    if kinds.text.iter().take(numbers.len()).any(|&text| text) {
        return Err(arguments_refused());
    }
    let state = match state.isnull {
        true => new_state(
            context,
            AtomTables::new(numbers.len(), gucs::max_training_memory_bytes()).or_report()?,
        ),
        false => state.value,
    };
    let tables = &mut state_of(state)?.tables;
    let label = f64::from_bits(label.value.value() as u64);
    NUMBERS.with(|row| {
        let mut row = row.borrow_mut();
        // Every argument is a float8 (checked above): no text comes back.
        columns_of(numbers, kinds, &mut row);
        tables.add_row(&row, label).or_report()
    })?;
    Ok(state)
}

c_level_function!(
    /// fin_training_atoms_merge(a internal, b internal): a parallel worker's part `b`
    /// merged into `a`, the combine function. Not STRICT: the first part becomes a state of
    /// the aggregate's own memory context.
    fin_training_atoms_merge,
    pg_finfo_fin_training_atoms_merge,
    merge
);

/// [`fin_training_atoms_merge`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with two states, either NULL.
unsafe fn merge(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let context = atoms_context(fcinfo, "fin_training_atoms_merge")?;
    let args = (*fcinfo).args.as_slice(2);
    let (a, b) = (args[0], args[1]);
    if b.isnull {
        // No part (a worker without rows): the state as it was, NULL when there is none.
        (*fcinfo).isnull = a.isnull;
        return Ok(a.value);
    }
    // The part is taken, not copied: it lives in a shorter context than the state.
    let part = std::mem::replace(
        &mut state_of(b.value)?.tables,
        AtomTables::new(0, 0).or_report()?,
    );
    if a.isnull {
        return Ok(new_state(context, part));
    }
    state_of(a.value)?.tables.merge(part).or_report()?;
    Ok(a.value)
}

/// The most bytes one palloc gives (PostgreSQL's MaxAllocSize, a macro bindgen leaves out).
const MAX_ALLOC_SIZE: usize = 0x3fff_ffff;

/// A state's tables as a `bytea` (54000 past what one value holds).
///
/// # Safety
/// `datum` is a non-NULL state.
unsafe fn state_bytes(datum: pg_sys::Datum) -> SqlResult<pg_sys::Datum> {
    let tables = &state_of(datum)?.tables;
    let length = tables.serialized_len();
    if length >= MAX_ALLOC_SIZE - pg_sys::VARHDRSZ {
        return Err(fail(
            ErrorKind::ResourceLimit,
            format!(
                "the numbers' distinct values take {} MB, more than one value holds (1 GB)",
                length >> 20
            ),
            "train on fewer numeric features, or in memory (options.aggregate false)",
        ));
    }
    // Written straight into the bytea (the tables can be a large share of the budget).
    let total = length + pg_sys::VARHDRSZ;
    let value = pg_sys::palloc(total) as *mut pg_sys::varlena;
    pgrx::set_varsize_4b(value, total as i32);
    let data = std::slice::from_raw_parts_mut((value as *mut u8).add(pg_sys::VARHDRSZ), length);
    tables.write_bytes(data).or_report()?;
    Ok(pg_sys::Datum::from(value))
}

c_level_function!(
    /// fin_training_atoms_serialize(state internal) → bytea: a worker's part, sent to the
    /// leader. STRICT.
    fin_training_atoms_serialize,
    pg_finfo_fin_training_atoms_serialize,
    |fcinfo: pg_sys::FunctionCallInfo| state_bytes((*fcinfo).args.as_slice(1)[0].value)
);

c_level_function!(
    /// fin_training_atoms_deserialize(bytes bytea, internal) → internal: a worker's part as
    /// a state of the current memory context, which the combine function takes. STRICT.
    fin_training_atoms_deserialize,
    pg_finfo_fin_training_atoms_deserialize,
    deserialize
);

/// [`fin_training_atoms_deserialize`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with a non-NULL bytea.
unsafe fn deserialize(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    atoms_context(fcinfo, "fin_training_atoms_deserialize")?;
    let bytes = <&[u8]>::from_datum((*fcinfo).args.as_slice(2)[0].value, false)
        .ok_or_else(arguments_refused)?;
    let tables = AtomTables::from_bytes(bytes, gucs::max_training_memory_bytes()).or_report()?;
    Ok(new_state(pg_sys::CurrentMemoryContext, tables))
}

c_level_function!(
    /// fin_training_atoms_final(state internal) → bytea: the distinct values, as the
    /// training reads them (`AtomTables::from_bytes`). STRICT: no row, no result.
    fin_training_atoms_final,
    pg_finfo_fin_training_atoms_final,
    |fcinfo: pg_sys::FunctionCallInfo| state_bytes((*fcinfo).args.as_slice(1)[0].value)
);
