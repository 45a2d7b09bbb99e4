//! The aggregate behind training from sums (pg/summed.rs, finml_models::summed):
//! `fin_training_sums(pass, numbers, texts, label)` sums one pass over the rows it is given,
//! with `fin_training_sums_add` as its combine function, so that PostgreSQL's parallel
//! workers and Citus's workers each sum a part; `fin_training_output(pass, numbers, texts)`
//! is one row's output (a Newton pass's linear predictor for the metrics, a points pass's
//! score for the score bands); `fin_training_atoms(label, VARIADIC numbers)` is every
//! number's distinct values in one scan (a summed scorecard's bins). fin_train makes the
//! passes; a pass made up by a caller is refused (22023) or bounded (54000), never misread.
//! The C-level functions are pg/sums_aggregate.rs's and pg/atoms_aggregate.rs's; their SQL
//! declarations are here.

use crate::pg::sums_aggregate;
use pgrx::datum::Array;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

// fin_training_sums_step(cells float8[], pass text, numbers float8[], texts text[], label
// float8): the transition of `fin_training_sums`, declared here because pgrx cannot declare
// a function that returns its argument.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_training_sums_step(cells float8[], pass text, numbers float8[], texts text[], label float8)
RETURNS float8[] IMMUTABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_sums_step';
"#,
    name = "fin_training_sums_step_function"
);

/// Two partial states of `fin_training_sums` added: its combine function. An empty state
/// (a worker that had no rows) adds nothing.
#[pg_extern(immutable, strict, parallel_safe)]
fn fin_training_sums_add(a: Array<'_, f64>, b: Array<'_, f64>) -> Result<Vec<f64>, ErrorReport> {
    sums_aggregate::add_states(a, b)
}

pgrx::extension_sql!(
    r#"
CREATE AGGREGATE fin_training_sums(pass text, numbers float8[], texts text[], label float8) (
    SFUNC = fin_training_sums_step,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_training_sums_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_sums(text, float8[], text[], float8) IS
    'one pass of a training from sums (moments, median ranks, spread, Newton, normal equations, residuals) over rows given as their numeric and text features and label (a class as 1 or 0, or a regression''s target); parallel and Citus workers sum parts, added by fin_training_sums_add; fin_train makes the passes';
"#,
    name = "fin_training_sums_aggregate",
    requires = ["fin_training_sums_step_function", fin_training_sums_add]
);

// fin_training_output(pass text, numbers float8[], texts text[]): one row's output, C-level
// as the transition is, to read its numbers from the array in place.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_training_output(pass text, numbers float8[], texts text[])
RETURNS float8 IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_output';
"#,
    name = "fin_training_output_function"
);

// fin_training_column_sums(pass text, label float8, VARIADIC features "any"): the same sums
// as fin_training_sums, over a row's features given as its own arguments (float8 numbers,
// then texts): no array is built per row. PostgreSQL's parallel workers sum parts with the
// same combine function; Citus pushes down only an aggregate whose arguments' types are the
// declared ones, so a distributed table's passes use fin_training_sums.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_training_column_sums_step(cells float8[], pass text, label float8, VARIADIC features "any")
RETURNS float8[] IMMUTABLE PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_column_sums_step';
CREATE AGGREGATE fin_training_column_sums(pass text, label float8, VARIADIC features "any") (
    SFUNC = fin_training_column_sums_step,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_training_sums_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_column_sums(text, float8, VARIADIC "any") IS
    'one pass of a training from sums, as fin_training_sums, over rows given as their label and their features as arguments (float8 numbers, then texts); fin_train makes the passes';
CREATE FUNCTION fin_training_column_output(pass text, VARIADIC features "any")
RETURNS float8 IMMUTABLE PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_column_output';
"#,
    name = "fin_training_column_sums_aggregate",
    requires = [fin_training_sums_add]
);

// fin_training_atoms(label float8, VARIADIC numbers "any"): every number's distinct values
// with their rows and label sums, in one scan (a summed scorecard's bins), where a GROUP BY
// per number scans the rows once each. The state is Rust's (pg/atoms_aggregate.rs); parallel
// workers send theirs as bytea. The result is the same bytes, which fin_train reads. SSPACE
// says a state is large, so that a hashed GROUP BY of it is planned (and spills) as such.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_training_atoms_step(state internal, label float8, VARIADIC numbers "any")
RETURNS internal IMMUTABLE PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_step';
CREATE FUNCTION fin_training_atoms_merge(a internal, b internal)
RETURNS internal IMMUTABLE PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_merge';
CREATE FUNCTION fin_training_atoms_serialize(state internal)
RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_serialize';
CREATE FUNCTION fin_training_atoms_deserialize(bytes bytea, state internal)
RETURNS internal IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_deserialize';
CREATE FUNCTION fin_training_atoms_final(state internal)
RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_final';
CREATE AGGREGATE fin_training_atoms(label float8, VARIADIC numbers "any") (
    SFUNC = fin_training_atoms_step,
    STYPE = internal,
    COMBINEFUNC = fin_training_atoms_merge,
    SERIALFUNC = fin_training_atoms_serialize,
    DESERIALFUNC = fin_training_atoms_deserialize,
    FINALFUNC = fin_training_atoms_final,
    SSPACE = 1000000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_atoms(float8, VARIADIC "any") IS
    'every numeric feature''s distinct values with their rows and label sums, in one scan of the training rows (a summed scorecard''s bins); parallel workers send theirs as bytea; fin_train reads the result';
"#,
    name = "fin_training_atoms_aggregate"
);
