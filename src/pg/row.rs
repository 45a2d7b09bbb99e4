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

/// The PD term structure of one composite datum over `horizon` periods (fin_pd_curve).
pub fn pd_curve_row(
    model: &Model,
    layouts: &RowLayouts,
    datum: pg_sys::Datum,
    horizon: i32,
) -> SqlResult<Vec<finml_models::survival::TermPoint>> {
    let horizon =
        finml_models::survival::check_horizon(i64::from(horizon), "horizon").map_err(report)?;
    with_row_values(model, layouts, datum, |values| {
        model.pd_curve(values, horizon).map_err(report)
    })
}

/// The PD of one composite datum over `horizon` periods (fin_pd).
pub fn pd_row(
    model: &Model,
    layouts: &RowLayouts,
    datum: pg_sys::Datum,
    horizon: i32,
) -> SqlResult<f64> {
    let horizon =
        finml_models::survival::check_horizon(i64::from(horizon), "horizon").map_err(report)?;
    with_row_values(model, layouts, datum, |values| {
        model.pd(values, horizon).map_err(report)
    })
}

/// Each class's probability of one composite datum (`model.class_names()`'s order).
pub fn predict_row_proba(
    model: &Model,
    layouts: &RowLayouts,
    datum: pg_sys::Datum,
) -> SqlResult<Vec<f64>> {
    with_row_values(model, layouts, datum, |values| {
        model.predict_proba(values).map_err(report)
    })
}

/// The most probable class of one composite datum.
pub fn predict_row_class(
    model: &Model,
    layouts: &RowLayouts,
    datum: pg_sys::Datum,
) -> SqlResult<String> {
    with_row_values(model, layouts, datum, |values| {
        model.predict_class(values).map_err(report)
    })
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
        check_feature_type(name, feature.transform.input(), kind_of(base), "of the row")?;
        attributes.push((*attno, base));
    }
    Ok(Layout { attributes })
}

/// What `fin_score_row` returns for one row: a value of the composite type
/// `finml.scored_row` (prediction, score, reasons, decision), built directly as a heap tuple
/// (pgrx's composite builder re-forms the tuple at every field, and a set-returning function
/// costs a memory context per call: both doubled batch scoring's time).
pub struct ScoredRow(pg_sys::Datum);

/// The fields of a `finml.scored_row`.
pub struct ScoredFields {
    pub prediction: f64,
    pub score: Option<i32>,
    pub reasons: Option<Vec<String>>,
    pub decision: Option<String>,
}

thread_local! {
    /// `finml.scored_row`'s type OID, with the catalog generation it was read in.
    static SCORED_ROW_TYPE: std::cell::Cell<Option<(u64, Oid)>> = const { std::cell::Cell::new(None) };
}

fn scored_row_type() -> SqlResult<Oid> {
    let generation = crate::pg::extension::generation();
    if let Some((seen, oid)) = SCORED_ROW_TYPE.with(std::cell::Cell::get) {
        if seen == generation {
            return Ok(oid);
        }
    }
    let oid = crate::pg::spi::select_one::<Oid>(
        "SELECT 'finml.scored_row'::pg_catalog.regtype::pg_catalog.oid",
        &[],
    )?
    .ok_or_else(|| {
        report(Error::new(
            ErrorKind::Internal,
            "type finml.scored_row is missing",
        ))
    })?;
    SCORED_ROW_TYPE.with(|t| t.set(Some((generation, oid))));
    Ok(oid)
}

impl ScoredRow {
    pub fn new(fields: ScoredFields) -> SqlResult<ScoredRow> {
        let type_oid = scored_row_type()?;
        let mut values = [pg_sys::Datum::from(0); 4];
        let mut nulls = [true; 4];
        values[0] = pg_sys::Datum::from(fields.prediction.to_bits());
        nulls[0] = false;
        let optional = [
            fields.score.and_then(IntoDatum::into_datum),
            fields.reasons.and_then(IntoDatum::into_datum),
            fields.decision.and_then(IntoDatum::into_datum),
        ];
        for (k, datum) in optional.into_iter().enumerate() {
            if let Some(datum) = datum {
                values[k + 1] = datum;
                nulls[k + 1] = false;
            }
        }
        // SAFETY: the descriptor is the type's own (four attributes: float8, int4, text[],
        // text, as catalog.sql declares them), released on every path by the guard; the
        // datums match it, and the copy lives in the caller's memory context.
        unsafe {
            let tupdesc = TupleDescGuard(pg_sys::lookup_rowtype_tupdesc(type_oid, -1));
            if (*tupdesc.0).natts != 4 {
                return Err(report(Error::new(
                    ErrorKind::Internal,
                    "type finml.scored_row does not have the four fields finml writes",
                )));
            }
            let tuple = pg_sys::heap_form_tuple(tupdesc.0, values.as_mut_ptr(), nulls.as_mut_ptr());
            Ok(ScoredRow(pg_sys::heap_copy_tuple_as_datum(
                tuple, tupdesc.0,
            )))
        }
    }
}

// SAFETY: the datum is a composite of the declared return type, allocated in the caller's
// memory context.
unsafe impl pgrx::callconv::BoxRet for ScoredRow {
    unsafe fn box_into<'fcx>(
        self,
        fcinfo: &mut pgrx::callconv::FcInfo<'fcx>,
    ) -> pgrx::datum::Datum<'fcx> {
        unsafe { fcinfo.return_raw_datum(self.0) }
    }
}

// SAFETY: maps onto the composite type catalog.sql creates.
unsafe impl pgrx::pgrx_sql_entity_graph::metadata::SqlTranslatable for ScoredRow {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(ScoredRow);
    const TYPE_ORIGIN: pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin =
        pgrx::pgrx_sql_entity_graph::metadata::TypeOrigin::External;
    const ARGUMENT_SQL: Result<
        pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef,
        pgrx::pgrx_sql_entity_graph::metadata::ArgumentError,
    > = Ok(pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef::literal("finml.scored_row"));
    const RETURN_SQL: Result<
        pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef,
        pgrx::pgrx_sql_entity_graph::metadata::ReturnsError,
    > = Ok(pgrx::pgrx_sql_entity_graph::metadata::ReturnsRef::One(
        pgrx::pgrx_sql_entity_graph::metadata::SqlMappingRef::literal("finml.scored_row"),
    ));
}
