//! The C-level functions of the aggregate behind training from sums (pg/summed.rs,
//! finml_models::summed), declared in SQL by api/summed.rs: the transition
//! `fin_training_sums_step`, which adds one row to a pass's cells in place, the combine
//! function's work ([`add_states`]), and `fin_training_output`, one row's output; their twins
//! `fin_training_column_sums_step` and `fin_training_column_output`, which take a row's
//! features as arguments of their own. A pass made up by a caller is refused (22023) or
//! bounded (54000), never misread.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::types::{aggregate_context, array_in, c_level_function, reserve_row_values};
use finml_models::error::try_vec;
use finml_models::summed::{combine_cells, SumsPass, MAX_CELLS};
use pgrx::array::RawArray;
use pgrx::datum::Array;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

thread_local! {
    /// The last pass parsed, with its text.
    static LAST_PASS: RefCell<Option<(String, Rc<Pass>)>> = const { RefCell::new(None) };
}

/// A pass as parsed, with the identity its states carry in their first cell.
struct Pass {
    pass: SumsPass,
    identity: f64,
}

/// The pass `text` describes, parsed once per query: every row of a pass's query carries the
/// same text, so a row costs a comparison with the last pass's text (the text is not copied:
/// finml's databases are UTF-8, where pgrx reads a text in place). Comparing the text, not
/// keeping the parsed pass in the call site's `fn_extra`, also serves a pass that changes from
/// row to row, and Citus's `worker_partial_agg`, which sets up the transition's call anew
/// for every row.
///
/// # Safety
/// `text` is a non-NULL `text` datum.
unsafe fn pass_of(text: pg_sys::Datum) -> SqlResult<Rc<Pass>> {
    let text = <&str>::from_datum(text, false).unwrap_or_default();
    let cached = LAST_PASS.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|(cached, _)| cached == text)
            .map(|(_, pass)| Rc::clone(pass))
    });
    if let Some(pass) = cached {
        return Ok(pass);
    }
    let parsed = SumsPass::parse(text).or_report()?;
    let pass = Rc::new(Pass {
        identity: parsed.identity(text),
        pass: parsed,
    });
    LAST_PASS.with(|last| *last.borrow_mut() = Some((text.to_owned(), Rc::clone(&pass))));
    Ok(pass)
}

/// A `float8[]` argument's elements: read from the array's data when it has no NULL (the hot
/// path: no per-element decoding), else element by element.
///
/// # Safety
/// `datum` is a non-NULL `float8[]` datum.
unsafe fn numbers_of(datum: pg_sys::Datum, into: &mut Vec<Option<f64>>) -> SqlResult<()> {
    into.clear();
    let detoasted = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let mut raw = RawArray::from_ptr(NonNull::new(detoasted).ok_or_else(arrays_refused)?);
    if raw.oid() != pg_sys::FLOAT8OID {
        return Err(arrays_refused());
    }
    reserve_row_values(into, raw.len(), PASS_HINT)?;
    if raw.any_nulls() {
        into.extend(
            Array::<f64>::from_datum(datum, false)
                .ok_or_else(arrays_refused)?
                .iter(),
        );
    } else {
        // float8 has no invalid bit pattern: the data area is the elements, in order.
        into.extend((*raw.data::<f64>().as_ptr()).iter().map(|&v| Some(v)));
    }
    Ok(())
}

/// A `text[]` argument's elements, borrowed from the array.
fn texts_of<'b, 'a: 'b>(array: Option<&'b Array<'a, &'a str>>) -> SqlResult<Vec<Option<&'b str>>> {
    let mut texts = Vec::new();
    if let Some(array) = array {
        reserve_row_values(&mut texts, array.len(), PASS_HINT)?;
        texts.extend(array.iter());
    }
    Ok(texts)
}

pub(crate) const PASS_HINT: &str = "fin_train makes these passes; they are not for direct use";

fn arrays_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "the feature arrays are not a float8[] and a text[]",
        "fin_train makes these passes; they are not for direct use",
    )
}

c_level_function!(
    /// fin_training_sums_step(cells float8[], pass text, numbers float8[], texts text[], label
    /// float8): one row into a pass's cells, the transition of `fin_training_sums`. The cells are
    /// the state, added to in place (as fin_drift_counts_step does): a copy per row would cost
    /// more than the row. Declared in SQL in api/summed.rs (pgrx cannot declare a function that
    /// returns its argument).
    fin_training_sums_step,
    pg_finfo_fin_training_sums_step,
    add_row_in_place
);

/// [`fin_training_sums_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the five declared, non-NULL arguments (the function is STRICT).
unsafe fn add_row_in_place(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let context = aggregate_context(
        fcinfo,
        "fin_training_sums_step",
        "fin_training_sums",
        "fin_train runs the aggregate for you",
    )?;
    let arg = |i: usize| (*fcinfo).args.as_slice(5)[i].value;
    let pass = pass_of(arg(1))?;
    let texts_array = if pass.pass.reads_texts() {
        Array::<&str>::from_datum(arg(3), false)
    } else {
        None
    };
    let texts = texts_of(texts_array.as_ref())?;
    let label = f64::from_datum(arg(4), false).unwrap_or(f64::NAN);
    NUMBERS.with(|numbers| {
        let mut numbers = numbers.borrow_mut();
        numbers_of(arg(2), &mut numbers)?;
        add_to_state(context, arg(0), &pass, &numbers, &texts, label)
    })
}

thread_local! {
    /// A row's numbers, the buffer reused from row to row.
    static NUMBERS: RefCell<Vec<Option<f64>>> = const { RefCell::new(Vec::new()) };
}

/// Adds a row to the state `state` of `pass` in place (the initial `'{}'` becomes the pass's
/// zero cells, allocated in the aggregate's `context`) and returns it.
///
/// # Safety
/// `state` is a non-NULL `float8[]` datum, the aggregate's state; `context` its memory
/// context.
unsafe fn add_to_state(
    context: pg_sys::MemoryContext,
    state: pg_sys::Datum,
    pass: &Pass,
    numbers: &[Option<f64>],
    texts: &[Option<&str>],
    label: f64,
) -> SqlResult<pg_sys::Datum> {
    let state = pg_sys::pg_detoast_datum(state.cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let mut state = RawArray::from_ptr(NonNull::new(state).ok_or_else(state_refused)?);
    if state.len() == 0 {
        // The first row: the initial '{}' becomes the pass's zero cells (float8 is passed by
        // value: a datum is its bits), allocated in the aggregate's memory context, where
        // later calls add to them.
        let zeros = pass.pass.zero_state(pass.identity).or_report()?;
        let mut datums = try_vec(zeros.len(), "a training state").or_report()?;
        datums.extend(
            zeros
                .iter()
                .map(|v| pg_sys::Datum::from(v.to_bits() as i64)),
        );
        drop(zeros);
        let fresh = array_in(context, &datums, pg_sys::FLOAT8OID);
        state = RawArray::from_ptr(fresh.ok_or_else(state_refused)?);
    } else if state.any_nulls() || state.oid() != pg_sys::FLOAT8OID || state.len() > MAX_CELLS + 1 {
        return Err(state_refused());
    }
    let cells = &mut *(state.data::<f64>().as_ptr());
    pass.pass.check_state(cells, pass.identity).or_report()?;
    pass.pass
        .add_row(cells, numbers, texts, label)
        .or_report()?;
    Ok(pg_sys::Datum::from(state.into_ptr().as_ptr()))
}

c_level_function!(
    /// fin_training_column_sums_step(cells float8[], pass text, label float8, VARIADIC
    /// features "any"): one row into a pass's cells, the transition of
    /// `fin_training_column_sums`, which takes a row's features as its own arguments (its
    /// float8 ones are the numbers, its text ones the texts, each in order) where
    /// `fin_training_sums` takes them as two arrays: no array is built per row. Not STRICT
    /// (a feature may be NULL); declared in SQL in api/summed.rs.
    fin_training_column_sums_step,
    pg_finfo_fin_training_column_sums_step,
    add_columns_in_place
);

/// [`fin_training_column_sums_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the state, a pass, a label and the features.
unsafe fn add_columns_in_place(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let context = aggregate_context(
        fcinfo,
        "fin_training_column_sums_step",
        "fin_training_column_sums",
        "fin_train runs the aggregate for you",
    )?;
    let args = (*fcinfo).args.as_slice((*fcinfo).nargs.max(0) as usize);
    let [state, pass, label, features @ ..] = args else {
        return Err(columns_refused());
    };
    if state.isnull || pass.isnull || label.isnull {
        return Err(columns_refused());
    }
    let pass = pass_of(pass.value)?;
    let label = f64::from_datum(label.value, false).unwrap_or(f64::NAN);
    let kinds = column_kinds(fcinfo, 3)?;
    NUMBERS.with(|numbers| {
        let mut numbers = numbers.borrow_mut();
        let texts = columns_of(features, kinds, &mut numbers);
        add_to_state(context, state.value, &pass, &numbers, &texts, label)
    })
}

/// Which feature arguments of a call are texts (else float8): what the types of its
/// expressions say, found at a call site's first row and kept in its `fn_extra` for the rest.
#[repr(C)]
pub(crate) struct ColumnKinds {
    count: usize,
    pub(crate) text: [bool; pg_sys::FUNC_MAX_ARGS as usize],
}

/// The kinds of the arguments from `first` on of the call `fcinfo`: each a float8 or a text
/// expression (22023 for any other, and for features given as one VARIADIC array).
///
/// # Safety
/// `fcinfo` is a live call with its `flinfo`.
pub(crate) unsafe fn column_kinds<'f>(
    fcinfo: pg_sys::FunctionCallInfo,
    first: usize,
) -> SqlResult<&'f ColumnKinds> {
    let flinfo = (*fcinfo).flinfo;
    let count = ((*fcinfo).nargs.max(0) as usize).saturating_sub(first);
    let cached = (*flinfo).fn_extra as *const ColumnKinds;
    if !cached.is_null() && (*cached).count == count {
        return Ok(&*cached);
    }
    if pg_sys::get_fn_expr_variadic(flinfo) {
        return Err(columns_refused());
    }
    let kinds =
        pg_sys::MemoryContextAllocZero((*flinfo).fn_mcxt, std::mem::size_of::<ColumnKinds>())
            as *mut ColumnKinds;
    (*kinds).count = count;
    for k in 0..count.min(pg_sys::FUNC_MAX_ARGS as usize) {
        (*kinds).text[k] = match pg_sys::get_fn_expr_argtype(flinfo, (first + k) as i32) {
            pg_sys::FLOAT8OID => false,
            pg_sys::TEXTOID => true,
            _ => return Err(columns_refused()),
        };
    }
    (*flinfo).fn_extra = kinds.cast();
    Ok(&*kinds)
}

/// The features of a row given as arguments: its numbers into `numbers`, its texts returned
/// (borrowed from the arguments).
///
/// # Safety
/// `features` are the call's arguments whose kinds `kinds` holds.
pub(crate) unsafe fn columns_of<'a>(
    features: &'a [pg_sys::NullableDatum],
    kinds: &ColumnKinds,
    numbers: &mut Vec<Option<f64>>,
) -> Vec<Option<&'a str>> {
    numbers.clear();
    let mut texts = Vec::new();
    for (feature, &text) in features.iter().zip(&kinds.text) {
        let value = (!feature.isnull).then_some(feature.value);
        match text {
            true => texts.push(value.and_then(|v| <&str>::from_datum(v, false))),
            false => numbers.push(value.map(|v| f64::from_bits(v.value() as u64))),
        }
    }
    texts
}

fn columns_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "a training pass takes a non-NULL pass and label, then its features as float8 and text arguments",
        PASS_HINT,
    )
}

fn state_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "the training sums' state holds a NULL or is not float8[]",
        "fin_train makes these passes; they are not for direct use",
    )
}

/// Two partial states of `fin_training_sums` added: the work of its combine function
/// `fin_training_sums_add`. An empty state (a worker that had no rows) adds nothing.
pub fn add_states(a: Array<'_, f64>, b: Array<'_, f64>) -> SqlResult<Vec<f64>> {
    // A state is at most MAX_CELLS cells and its kind: longer arrays (a caller's two 960 MB
    // arrays) are refused before they are copied.
    let cells = |array: Array<'_, f64>| {
        if array.len() > MAX_CELLS + 1 {
            return Err(fail(
                ErrorKind::InvalidOption,
                format!(
                    "a training sums' state of {} cells is longer than any pass's ({} at most)",
                    array.len(),
                    MAX_CELLS + 1
                ),
                "fin_train makes these passes; they are not for direct use",
            ));
        }
        let mut cells = try_vec(array.len(), "a training state").or_report()?;
        for cell in array.iter() {
            cells.push(cell.ok_or_else(state_refused)?);
        }
        Ok(cells)
    };
    let (mut a, b) = (cells(a)?, cells(b)?);
    if a.is_empty() {
        return Ok(b);
    }
    if !b.is_empty() {
        combine_cells(&mut a, &b).or_report()?;
    }
    Ok(a)
}

c_level_function!(
    /// fin_training_output(pass text, numbers float8[], texts text[]): a Newton pass's linear
    /// predictor (log-odds, or a regression's value), or a points pass's score, for one row given
    /// as its numeric and text features: the outputs a summed training measures its metrics and
    /// score bands on. C-level, as the transition is, to read its numbers from the array in place
    /// (`numbers_of`). Declared in SQL in api/summed.rs.
    fin_training_output,
    pg_finfo_fin_training_output,
    |fcinfo| output_of_row(fcinfo).map(|output| pg_sys::Datum::from(output.to_bits() as i64))
);

/// [`fin_training_output`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the three declared, non-NULL arguments (the function is STRICT).
unsafe fn output_of_row(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<f64> {
    let arg = |i: usize| (*fcinfo).args.as_slice(3)[i].value;
    let pass = pass_of(arg(0))?;
    let mut numbers = Vec::new();
    numbers_of(arg(1), &mut numbers)?;
    let texts_array = Array::<&str>::from_datum(arg(2), false);
    let texts = texts_of(texts_array.as_ref())?;
    finite_output(pass.pass.output(&numbers, &texts).or_report()?)
}

c_level_function!(
    /// fin_training_column_output(pass text, VARIADIC features "any"): one row's output, as
    /// `fin_training_output` gives it, of a row given as its features (float8 numbers and
    /// texts, each in order), as `fin_training_column_sums` takes them. Declared in SQL in
    /// api/summed.rs.
    fin_training_column_output,
    pg_finfo_fin_training_column_output,
    |fcinfo| output_of_columns(fcinfo).map(|output| pg_sys::Datum::from(output.to_bits() as i64))
);

/// [`fin_training_column_output`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with a pass and the features.
unsafe fn output_of_columns(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<f64> {
    let args = (*fcinfo).args.as_slice((*fcinfo).nargs.max(0) as usize);
    let [pass, features @ ..] = args else {
        return Err(columns_refused());
    };
    if pass.isnull {
        return Err(columns_refused());
    }
    let pass = pass_of(pass.value)?;
    let kinds = column_kinds(fcinfo, 1)?;
    let output = NUMBERS.with(|numbers| {
        let mut numbers = numbers.borrow_mut();
        let texts = columns_of(features, kinds, &mut numbers);
        pass.pass.output(&numbers, &texts).or_report()
    })?;
    finite_output(output)
}

/// A row's output, refused (22000) when it is not finite.
fn finite_output(output: f64) -> SqlResult<f64> {
    if !output.is_finite() {
        return Err(fail(
            ErrorKind::InvalidData,
            format!("a row's output is not a finite number ({output})"),
            "rescale features whose values are near the limits of double precision",
        ));
    }
    Ok(output)
}
