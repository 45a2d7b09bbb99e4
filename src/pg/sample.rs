//! The development sample's fingerprint (models::sample): summed over a relation's rows by
//! one SQL aggregate, stored with each version trained from rows (finml.samples), and
//! recomputed by `fin_verify_sample`.
//!
//! A row's key is 64 bits of the SHA-256 of the columns the version read (its features, then
//! its target) as one row's text, with the settings that change how values print pinned
//! (dates, intervals, time zone, float digits, bytea), so that the key depends on the values
//! only. The relation is read as the caller, like the training.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::catalog::{check_access, model_version, Access, ModelRef};
use crate::pg::extension::as_extension_owner;
use crate::pg::registry::write;
use crate::pg::security::{save_setting, with_pinned_search_path};
use crate::pg::spi::{select_all, select_row};
use crate::pg::types::quote_ident;
use finml_models::sample::{
    Cell, SampleDifference, SampleSketch, CELLS_PER_TABLE, INDEX_BITS, TABLES,
};
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
/// the caller in one pass.
pub fn sketch_of(relation_name: &str, columns: &[String]) -> SqlResult<SampleSketch> {
    let row = columns
        .iter()
        .map(|c| format!("t.{}", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let hex64 = |bytes: &str| {
        format!(
            "('x' OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr({bytes}, 1, 8), \
             'hex'))::pg_catalog.bit(64)::pg_catalog.int8"
        )
    };
    let key = hex64(&format!(
        "pg_catalog.sha256(pg_catalog.convert_to(ROW({row})::pg_catalog.text, 'UTF8'))"
    ));
    let check = hex64("pg_catalog.sha256(pg_catalog.int8send(r.k))");
    let mask = (1i64 << INDEX_BITS) - 1;
    let query = format!(
        "SELECT (s.t * {CELLS_PER_TABLE} + ((r.k >> ({INDEX_BITS} * s.t)) & {mask}) % {CELLS_PER_TABLE})::int4,
                count(*), pg_catalog.bit_xor(r.k), pg_catalog.bit_xor({check})
           FROM (SELECT {key} AS k FROM {relation_name} t) r,
                pg_catalog.generate_series(0, {}) AS s(t)
          GROUP BY 1",
        TABLES - 1
    );
    let cells = with_pinned_search_path(|| {
        for (name, value) in PINNED_SETTINGS {
            // SAFETY: inside the GUC nest level with_pinned_search_path opened and closes.
            unsafe { save_setting(name, value) };
        }
        select_all(&query, &[], |row| {
            let index = row.get::<i32>(1).or_report()?.unwrap_or(-1);
            let cell = Cell {
                count: row.get::<i64>(2).or_report()?.unwrap_or(0),
                keys: row.get::<i64>(3).or_report()?.unwrap_or(0) as u64,
                checks: row.get::<i64>(4).or_report()?.unwrap_or(0) as u64,
            };
            Ok((index, cell))
        })
    })?;
    let mut sketch = SampleSketch::empty();
    for (index, cell) in cells {
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| sketch.cells.get_mut(i))
            .ok_or_else(|| fail(ErrorKind::Internal, "a fingerprint cell out of range", ""))?;
        *slot = cell;
        if (index as usize) < CELLS_PER_TABLE {
            sketch.rows += cell.count;
        }
    }
    Ok(sketch)
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
