//! Turning a composite value (`fin_predict('m', a) FROM applications a`) into the model's
//! inputs. Columns are matched by name, once per row type: the resolved attribute numbers
//! are kept in the cached model, so each call only reads datums.

use crate::error::{report, SqlResult};
use crate::pg::types::{check_feature_type, decode, kind_of};
use finml_models::{Error, ErrorKind, Model, RawValue};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use std::cell::RefCell;
use std::num::NonZeroUsize;

/// A row argument: any composite value, declared as SQL `record`.
///
/// `record` rather than `anyelement` keeps `fin_predict('m', ARRAY[1.0, 2.0])` unambiguous:
/// arrays are not composites, so PostgreSQL resolves them to the `float8[]` form, while
/// `fin_predict('m', t) FROM t` and `ROW(...)` values come here.
pub struct RecordArg(pub pg_sys::Datum);

impl FromDatum for RecordArg {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: Oid) -> Option<Self> {
        (!is_null).then_some(RecordArg(datum))
    }
}

// SAFETY: a record datum is passed by reference and read, never freed, during the call.
unsafe impl<'fcx> pgrx::callconv::ArgAbi<'fcx> for RecordArg {
    unsafe fn unbox_arg_unchecked(arg: pgrx::callconv::Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: forwarded from the caller's contract; the functions taking a row are STRICT.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }
}

// SAFETY: maps onto PostgreSQL's own `record` pseudo-type.
unsafe impl pgrx::pgrx_sql_entity_graph::metadata::SqlTranslatable for RecordArg {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(RecordArg);
    const TYPE_ORIGIN: pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
        pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
    const ARGUMENT_SQL: Result<
        pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef,
        pgrx::pgrx_sql_entity_graph::metadata::ArgumentError,
    > = Ok(pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef::literal("record"));
    const RETURN_SQL: Result<
        pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef,
        pgrx::pgrx_sql_entity_graph::metadata::ReturnsError,
    > = Ok(pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef::One(
        pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef::literal("record"),
    ));
}

/// Where each model feature sits in one row type.
#[derive(Debug)]
struct Layout {
    /// (attribute number, base type) per feature, in feature order.
    attributes: Vec<(NonZeroUsize, Oid)>,
}

/// Layouts by (row type oid, typmod); typically one or two per model.
#[derive(Default)]
pub struct RowLayouts {
    known: RefCell<Vec<((Oid, i32), Layout)>>,
    /// Reused buffers for deforming a row: its datums and NULL flags.
    deformed: RefCell<(Vec<pg_sys::Datum>, Vec<bool>)>,
}

/// Releases a tuple descriptor reference on every exit path.
struct TupleDescGuard(pg_sys::TupleDesc);

impl Drop for TupleDescGuard {
    fn drop(&mut self) {
        // SAFETY: the descriptor came from lookup_rowtype_tupdesc; this is ReleaseTupleDesc.
        unsafe {
            if (*self.0).tdrefcount >= 0 {
                pg_sys::DecrTupleDescRefCount(self.0);
            }
        }
    }
}

/// Applies `model` to one composite datum.
pub fn predict_row(model: &Model, layouts: &RowLayouts, datum: pg_sys::Datum) -> SqlResult<f64> {
    with_row_values(model, layouts, datum, |values| {
        model.predict(values).map_err(report)
    })
}

/// A feature value as text, for tables that show the row's values.
pub fn value_text(value: RawValue<'_>) -> Option<String> {
    match value {
        RawValue::Null => None,
        RawValue::Number(x) => Some(format!("{x}")),
        RawValue::Text(t) => Some(t.to_owned()),
    }
}

/// Decodes the model's features from one composite datum (in feature order) and passes them
/// to `f`; text values are borrowed from the row.
pub fn with_row_values<R>(
    model: &Model,
    layouts: &RowLayouts,
    datum: pg_sys::Datum,
    f: impl FnOnce(&[RawValue<'_>]) -> SqlResult<R>,
) -> SqlResult<R> {
    // SAFETY: the caller passes a non-NULL composite datum (the functions are STRICT); the
    // detoasted header, and the text values borrowed from it, live through this call.
    unsafe {
        let header = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as pg_sys::HeapTupleHeader;
        let type_id = pgrx::heap_tuple_header_get_type_id(header);
        let typmod = pgrx::heap_tuple_header_get_typmod(header);
        let tupdesc = TupleDescGuard(pg_sys::lookup_rowtype_tupdesc(type_id, typmod));
        let mut tuple = pg_sys::HeapTupleData {
            t_len: pgrx::heap_tuple_header_get_datum_length(header) as u32,
            t_data: header,
            ..Default::default()
        };
        let slot = layout_slot(model, layouts, (type_id, typmod), tupdesc.0)?;
        let known = layouts.known.borrow();
        let layout = &known[slot].1;
        // One pass over the tuple: fetching attributes one by one re-walks it from the start
        // whenever a NULL or a variable-width value precedes them.
        let mut deformed = layouts.deformed.borrow_mut();
        let (datums, nulls) = &mut *deformed;
        let natts = usize::try_from((*tupdesc.0).natts).unwrap_or(0);
        datums.resize(natts, pg_sys::Datum::from(0));
        nulls.resize(natts, true);
        pg_sys::heap_deform_tuple(
            &mut tuple,
            tupdesc.0,
            datums.as_mut_ptr(),
            nulls.as_mut_ptr(),
        );
        let mut values: Vec<RawValue<'_>> = Vec::with_capacity(layout.attributes.len());
        for &(attno, type_oid) in &layout.attributes {
            let i = attno.get() - 1;
            values.push(if nulls[i] {
                RawValue::Null
            } else {
                decode(datums[i], type_oid)
            });
        }
        drop(deformed);
        f(&values)
    }
}

/// Index in `layouts` of the layout for row type `key`, resolving it on first sight.
fn layout_slot(
    model: &Model,
    layouts: &RowLayouts,
    key: (Oid, i32),
    tupdesc: pg_sys::TupleDesc,
) -> SqlResult<usize> {
    if let Some(slot) = layouts.known.borrow().iter().position(|(k, _)| *k == key) {
        return Ok(slot);
    }
    let layout = resolve_layout(model, tupdesc)?;
    let mut known = layouts.known.borrow_mut();
    known.push((key, layout));
    Ok(known.len() - 1)
}

/// Matches the model's features to the attributes of a row type by name, checking types.
fn resolve_layout(model: &Model, tupdesc: pg_sys::TupleDesc) -> SqlResult<Layout> {
    // SAFETY: tupdesc is a valid, pinned descriptor for this row type.
    let columns: Vec<(String, Oid, NonZeroUsize)> = unsafe {
        let desc = pgrx::PgTupleDesc::from_pg_unchecked(tupdesc);
        let mut columns = Vec::new();
        for (i, att) in desc.iter().enumerate() {
            if !att.is_dropped() {
                if let Some(attno) = NonZeroUsize::new(i + 1) {
                    columns.push((att.name().to_owned(), att.type_oid().value(), attno));
                }
            }
        }
        columns
    };
    let mut attributes = Vec::with_capacity(model.n_features());
    for feature in &model.preprocessor.features {
        let name = feature.name.as_str();
        let Some((_, type_oid, attno)) = columns.iter().find(|(n, _, _)| n == name) else {
            return Err(report(
                Error::new(
                    ErrorKind::UnknownColumn,
                    format!("the row has no column \"{name}\", which the model needs"),
                )
                .with_hint(format!(
                    "pass a row with the model's feature columns: {}",
                    model.feature_names().collect::<Vec<_>>().join(", ")
                )),
            ));
        };
        // SAFETY: plain syscache lookup.
        let base = unsafe { pg_sys::getBaseType(*type_oid) };
        check_feature_type(
            name,
            feature.transform.takes_numbers(),
            kind_of(base),
            "of the row",
        )?;
        attributes.push((*attno, base));
    }
    Ok(Layout { attributes })
}
