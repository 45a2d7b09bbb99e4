//! Turning a composite value (`fin_predict('m', a) FROM applications a`) into the model's
//! inputs. Columns are matched by name, once per row type: the resolved attribute numbers
//! are kept in the cached model, so each call only reads datums.

use crate::error::{report, SqlResult};
use crate::pg::relation::bool_text;
use crate::pg::types::{kind_of, ValueKind};
use finml_models::{Error, ErrorKind, Model, RawValue};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::AnyNumeric;
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
#[derive(Debug, Clone)]
struct Layout {
    /// (attribute number, base type) per feature, in feature order.
    attributes: Vec<(NonZeroUsize, Oid)>,
}

/// Layouts by (row type oid, typmod); typically one or two per model.
#[derive(Default)]
pub struct RowLayouts {
    known: RefCell<Vec<((Oid, i32), Layout)>>,
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

/// Applies `model` to one composite datum of type `type_oid`.
pub fn predict_row(model: &Model, layouts: &RowLayouts, datum: pg_sys::Datum) -> SqlResult<f64> {
    // SAFETY: the caller checked that the datum is a non-NULL composite; the header is
    // detoasted into the current memory context and lives through this call.
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

        let layout = layout_for(model, layouts, (type_id, typmod), tupdesc.0)?;
        // Text values borrow from the tuple; keep their owners alive while predicting.
        let mut texts: Vec<String> = Vec::new();
        let mut numbers: Vec<Option<f64>> = Vec::with_capacity(layout.attributes.len());
        let mut text_slot: Vec<Option<usize>> = Vec::with_capacity(layout.attributes.len());
        for &(attno, type_oid) in &layout.attributes {
            let value = pgrx::heap_getattr_raw(&mut tuple, attno, tupdesc.0);
            let (number, text) = match value {
                None => (None, None),
                Some(d) => decode(d, type_oid)?,
            };
            numbers.push(number);
            text_slot.push(text.map(|t| {
                texts.push(t);
                texts.len() - 1
            }));
        }
        let raw: Vec<RawValue<'_>> = numbers
            .iter()
            .zip(&text_slot)
            .map(|(n, t)| match (n, t) {
                (Some(v), _) => RawValue::Number(*v),
                (None, Some(i)) => RawValue::Text(&texts[*i]),
                (None, None) => RawValue::Null,
            })
            .collect();
        model.predict(&raw).map_err(report)
    }
}

/// Reads one datum of base type `type_oid` as a number or a text.
unsafe fn decode(datum: pg_sys::Datum, type_oid: Oid) -> SqlResult<(Option<f64>, Option<String>)> {
    Ok(match type_oid {
        pg_sys::FLOAT8OID => (f64::from_datum(datum, false), None),
        pg_sys::FLOAT4OID => (f32::from_datum(datum, false).map(f64::from), None),
        pg_sys::INT4OID => (i32::from_datum(datum, false).map(f64::from), None),
        pg_sys::INT8OID => (i64::from_datum(datum, false).map(|v| v as f64), None),
        pg_sys::INT2OID => (i16::from_datum(datum, false).map(f64::from), None),
        pg_sys::NUMERICOID => {
            let n = AnyNumeric::from_datum(datum, false);
            // NaN and ±Infinity numerics become non-finite floats, which predict rejects.
            (n.map(|n| f64::try_from(n).unwrap_or(f64::NAN)), None)
        }
        pg_sys::BOOLOID => (
            None,
            bool::from_datum(datum, false).map(|b| bool_text(b).to_owned()),
        ),
        // char(n) pads with blanks; training read it through ::text, which strips them.
        pg_sys::BPCHAROID => (
            None,
            String::from_datum(datum, false).map(|s| s.trim_end_matches(' ').to_owned()),
        ),
        _ => (None, String::from_datum(datum, false)),
    })
}

fn layout_for(
    model: &Model,
    layouts: &RowLayouts,
    key: (Oid, i32),
    tupdesc: pg_sys::TupleDesc,
) -> SqlResult<Layout> {
    if let Some((_, layout)) = layouts.known.borrow().iter().find(|(k, _)| *k == key) {
        return Ok(layout.clone());
    }
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
    let numeric_model_features: Vec<bool> = model
        .preprocessor
        .features
        .iter()
        .map(|f| matches!(f.transform, finml_models::preprocess::Transform::Numeric(_)))
        .collect();
    let mut attributes = Vec::with_capacity(model.n_features());
    for (name, &numeric) in model.feature_names().zip(&numeric_model_features) {
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
        let fits = match kind_of(base) {
            Some(ValueKind::Numeric) => numeric,
            Some(ValueKind::Text | ValueKind::Boolean) => !numeric,
            None => false,
        };
        if !fits {
            let expected = if numeric {
                "a numeric"
            } else {
                "a text or boolean"
            };
            return Err(report(
                Error::new(
                    ErrorKind::WrongType,
                    format!("column \"{name}\" of the row has the wrong type for the model"),
                )
                .with_hint(format!(
                    "the model was trained on {expected} \"{name}\"; cast the column"
                )),
            ));
        }
        attributes.push((*attno, base));
    }
    let layout = Layout { attributes };
    layouts.known.borrow_mut().push((key, layout.clone()));
    Ok(layout)
}
