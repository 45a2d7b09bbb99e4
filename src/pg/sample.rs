//! The development sample's fingerprint (models::sample): summed over a relation's rows by
//! the aggregate fin_sample_sketch (pg/sample_aggregate.rs), stored with each version trained
//! from rows (finml.samples), and recomputed by `fin_verify_sample`.
//!
//! A row's key is 64 bits of the SHA-256 of the columns the version read (its features, then
//! its target) as one row's text, with the settings that change how values print pinned
//! (dates, intervals, time zone, float digits, bytea), so that the key depends on the values
//! only. The relation is read as the caller, like the training.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::catalog::{check_access, model_version, Access, ModelRef};
use crate::pg::extension::as_extension_owner;
use crate::pg::extension::extension_schema;
use crate::pg::registry::write;
use crate::pg::security::{save_setting, with_pinned_search_path};
use crate::pg::spi::{select_aggregate, select_row};
use crate::pg::types::quote_ident;
use finml_models::sample::{SampleDifference, SampleSketch};
use pgrx::datum::DatumWithOid;
use std::ffi::CStr;

/// The settings that change a value's text, and the values the fingerprint reads them with.
const PINNED_SETTINGS: [(&CStr, &CStr); 5] = [
    (c"DateStyle", c"ISO, YMD"),
    (c"IntervalStyle", c"postgres"),
    (c"TimeZone", c"UTC"),
    (c"extra_float_digits", c"1"),
    (c"bytea_output", c"hex"),
];

/// The fingerprint of `columns` over the rows of `relation_name` (a quoted name), read as
/// the caller in one pass: the aggregate fin_sample_sketch over each row's text.
pub fn sketch_of(relation_name: &str, columns: &[String]) -> SqlResult<SampleSketch> {
    let row = columns
        .iter()
        .map(|c| format!("t.{}", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let query = format!(
        "SELECT {}.fin_sample_sketch(ROW({row})::pg_catalog.text) FROM {relation_name} t",
        extension_schema()?
    );
    let state = with_pinned_search_path(|| {
        for (name, value) in PINNED_SETTINGS {
            // SAFETY: inside the GUC nest level with_pinned_search_path opened and closes.
            unsafe { save_setting(name, value) };
        }
        select_aggregate::<Vec<i64>>(&query, &[])
    })?
    .unwrap_or_default();
    if state.is_empty() {
        return Ok(SampleSketch::empty());
    }
    SampleSketch::from_state(&state).ok_or_else(|| {
        fail(
            ErrorKind::Internal,
            "fin_sample_sketch returned a state of another length",
            "",
        )
    })
}

/// Stores the fingerprint of the rows `version` was trained and tested on.
pub fn record(
    name: &str,
    version: i32,
    relation_name: &str,
    columns: Vec<String>,
) -> SqlResult<()> {
    let sketch = sketch_of(relation_name, &columns)?;
    write::<bool>(
        "INSERT INTO finml.samples (name, version, relation, columns, rows, sketch)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(version),
            DatumWithOid::from(relation_name),
            DatumWithOid::from(columns),
            DatumWithOid::from(sketch.rows),
            DatumWithOid::from(sketch.to_bytes().as_slice()),
        ],
    )
    .map(|_| ())
}

/// fin_verify_sample's row: version, sample rows, relation rows, identical, rows removed,
/// rows added.
pub type VerifiedSample = (i32, i64, i64, bool, Option<i64>, Option<i64>);

/// `fin_verify_sample`: whether `relation` holds exactly the rows the referenced version
/// (the deployed one for a bare name) was developed on, and if not, how many differ.
pub fn verify(model: &str, relation_name: &str) -> SqlResult<VerifiedSample> {
    let reference = ModelRef::parse(model).or_report()?;
    check_access(reference.name, Access::Use)?;
    let version = model_version(reference)?;
    let stored = as_extension_owner(|| {
        select_row(
            "SELECT columns, sketch FROM finml.samples WHERE name = $1 AND version = $2",
            &[
                DatumWithOid::from(reference.name),
                DatumWithOid::from(version),
            ],
            |row| {
                Ok(row
                    .get::<Vec<String>>(1)
                    .or_report()?
                    .zip(row.get::<Vec<u8>>(2).or_report()?))
            },
        )
    })?
    .flatten();
    let Some((columns, bytes)) = stored else {
        return Err(fail(
            ErrorKind::NotReady,
            format!(
                "version {version} of model \"{}\" has no development sample fingerprint",
                reference.name
            ),
            "versions trained from rows since finml 0.13.0 have one (not imported ones, nor those trained from sums on Citus): retrain it",
        ));
    };
    let then = SampleSketch::from_bytes(&bytes).ok_or_else(|| {
        fail(
            ErrorKind::CorruptModel,
            "the stored development sample fingerprint is corrupt",
            "retrain the model",
        )
    })?;
    let now = sketch_of(relation_name, &columns)?;
    let SampleDifference {
        identical,
        removed,
        added,
    } = then.compare(&now);
    Ok((version, then.rows, now.rows, identical, removed, added))
}
