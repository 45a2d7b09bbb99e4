//! `fin_predict`: apply the deployed version of a model to a row or to a float8[].
//! STABLE (it reads the catalog), STRICT (a NULL row predicts NULL), PARALLEL SAFE.

use crate::error::{sql_error, OrReport};
use crate::pg::catalog::with_deployed;
use crate::pg::row::predict_row;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyElement, PgSqlErrorCode};

/// Probability of the positive class (classification) or the predicted value (regression) for
/// one row; the row's columns are matched to the model's features by name.
#[pg_extern(stable, strict, parallel_safe, name = "fin_predict")]
fn fin_predict_row(model: &str, row: AnyElement) -> Result<f64, ErrorReport> {
    // SAFETY: plain catalog lookups of the argument's type.
    let is_row = unsafe { pg_sys::type_is_rowtype(row.oid()) };
    if !is_row {
        // numeric[] or int[] literals resolve here rather than to the float8[] form.
        if let Some(values) = unsafe { numeric_array(&row) } {
            return with_deployed(model, |m| m.model.predict_numeric(&values).or_report());
        }
        return Err(sql_error(
            PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
            "fin_predict expects a row or a float8[] of features",
            "write SELECT fin_predict('model', t) FROM t, or pass ARRAY[...]::float8[]",
        ));
    }
    with_deployed(model, |m| predict_row(&m.model, &m.layouts, row.datum()))
}

/// The same for a model whose features are all numeric, given in the model's feature order;
/// NULL elements are imputed as in training.
#[pg_extern(stable, strict, parallel_safe, name = "fin_predict")]
fn fin_predict_array(model: &str, features: Vec<Option<f64>>) -> Result<f64, ErrorReport> {
    with_deployed(model, |m| m.model.predict_numeric(&features).or_report())
}

/// Reads an array of any numeric element type as float8 values.
unsafe fn numeric_array(value: &AnyElement) -> Option<Vec<Option<f64>>> {
    let datum = value.datum();
    match value.oid() {
        pg_sys::FLOAT8ARRAYOID => Vec::<Option<f64>>::from_datum(datum, false),
        pg_sys::FLOAT4ARRAYOID => Vec::<Option<f32>>::from_datum(datum, false)
            .map(|v| v.into_iter().map(|x| x.map(f64::from)).collect()),
        pg_sys::INT4ARRAYOID => Vec::<Option<i32>>::from_datum(datum, false)
            .map(|v| v.into_iter().map(|x| x.map(f64::from)).collect()),
        pg_sys::INT8ARRAYOID => Vec::<Option<i64>>::from_datum(datum, false)
            .map(|v| v.into_iter().map(|x| x.map(|i| i as f64)).collect()),
        pg_sys::NUMERICARRAYOID => Vec::<Option<pgrx::AnyNumeric>>::from_datum(datum, false).map(|v| {
            v.into_iter().map(|x| x.map(|n| f64::try_from(n).unwrap_or(f64::NAN))).collect()
        }),
        _ => None,
    }
}
