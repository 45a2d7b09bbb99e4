//! The development sample (pg/sample.rs): fin_verify_sample, and the aggregate that sums a
//! sample's fingerprint (pg/sample_aggregate.rs).

use crate::pg::relation::relation_name;
use crate::pg::sample::verify;
use crate::pg::sample_aggregate;
use pgrx::datum::Array;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::PgRelation;

/// Whether `relation` still holds exactly the rows `model` (a name: its deployed version, or
/// 'name@version') was trained and tested on, from the fingerprint stored at training; if
/// not, how many rows of the sample are gone and how many are new (a changed row is one of
/// each; NULL when too many differ to count: more than about 700). One pass over the relation,
/// read with the caller's rights.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_verify_sample(
    model: &str,
    relation: PgRelation,
) -> Result<
    TableIterator<
        'static,
        (
            name!(version, i32),
            name!(sample_rows, i64),
            name!(relation_rows, i64),
            name!(identical, bool),
            name!(rows_removed, Option<i64>),
            name!(rows_added, Option<i64>),
        ),
    >,
    ErrorReport,
> {
    let relation_name = relation_name(relation.oid())?;
    Ok(TableIterator::once(verify(model, &relation_name)?))
}

// fin_sample_sketch_step(state int8[], row_text text): one row into a sample's fingerprint,
// the transition of the aggregate below, declared here because pgrx cannot declare a function
// that returns its argument.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_sample_sketch_step(state int8[], row_text text)
RETURNS int8[] IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_sample_sketch_step';
"#,
    name = "fin_sample_sketch_step_function"
);

/// Two partial sketches of `fin_sample_sketch` combined: its combine function, with which
/// parallel workers each sum a part of the rows.
#[pg_extern(immutable, strict, parallel_safe)]
fn fin_sample_sketch_add(a: Array<'_, i64>, b: Array<'_, i64>) -> Result<Vec<i64>, ErrorReport> {
    sample_aggregate::combine(a, b)
}

pgrx::extension_sql!(
    r#"
CREATE AGGREGATE fin_sample_sketch(row_text text) (
    SFUNC = fin_sample_sketch_step,
    STYPE = int8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_sample_sketch_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_sample_sketch(text) IS
    'the order-independent fingerprint of rows given as their values'' text (an invertible Bloom lookup table: the row count, then each cell''s count, key XOR and check XOR), summed by fin_train and fin_verify_sample';
"#,
    name = "fin_sample_sketch_aggregate",
    requires = ["fin_sample_sketch_step_function", fin_sample_sketch_add]
);
