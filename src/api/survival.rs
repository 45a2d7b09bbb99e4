//! `fin_pd_curve` and `fin_pd`: a loan's PD term structure and its PD over a horizon, from
//! the deployed version of a survival model (fin_pd also from a two-class classifier, whose
//! probability is a 12-month PD). STABLE, STRICT, PARALLEL SAFE, as fin_predict.
//! `fin_ecl` and `fin_ecl_summary`: a relation of loans staged and provisioned (pg/ecl.rs).

use crate::error::required;
use crate::pg::cache::with_model;
use crate::pg::ecl;
use crate::pg::row::{pd_curve_row, pd_row, RecordArg};
use crate::pg::srf::MaterializedRows;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// Each period's hazard (the PD in that period of a loan that survived the previous ones),
/// cumulative PD and survival, for periods 1..horizon.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_pd_curve(
    model: &str,
    row: RecordArg,
    horizon: i32,
) -> Result<
    TableIterator<
        'static,
        (
            name!(period, i32),
            name!(hazard, f64),
            name!(cumulative_pd, f64),
            name!(survival, f64),
        ),
    >,
    ErrorReport,
> {
    let points = with_model(model, |m| {
        pd_curve_row(&m.model, &m.layouts, row.0, horizon)
    })?;
    Ok(TableIterator::new(points.into_iter().map(|p| {
        (
            i32::try_from(p.period).unwrap_or(i32::MAX),
            p.hazard,
            p.cumulative_pd,
            p.survival,
        )
    })))
}

/// The probability of default within `horizon` periods: 12 for the 12-month PD, the
/// remaining term for the lifetime PD.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_pd(model: &str, row: RecordArg, horizon: i32) -> Result<f64, ErrorReport> {
    with_model(model, |m| pd_row(&m.model, &m.layouts, row.0, horizon))
}

/// Every loan of `relation` staged and provisioned with a survival model (IFRS 9 / CECL):
/// its key, stage, 12-month and lifetime PD, EAD, 12-month and lifetime ECL, the stage's ECL
/// and the model version used. `options` names the loans' columns (README, "Expected credit
/// loss"). Its rows go straight into the executor's tuplestore (pg/srf.rs), hence the SQL
/// written out here. Not STRICT: a NULL argument is 22004.
#[pg_extern(sql = r#"
CREATE FUNCTION "fin_ecl"(
	"model" TEXT,
	"relation" regclass,
	"options" jsonb
) RETURNS TABLE (
	"loan" TEXT,
	"stage" INT,
	"pd_12m" double precision,
	"pd_lifetime" double precision,
	"ead" double precision,
	"ecl_12m" double precision,
	"ecl_lifetime" double precision,
	"ecl" double precision,
	"version" INT
)
STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_ecl_wrapper';
"#)]
fn fin_ecl(
    model: Option<&str>,
    relation: Option<PgRelation>,
    options: Option<JsonB>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<(), ErrorReport> {
    let (model, relation, options) = (
        required(model, "model")?,
        required(relation, "relation")?,
        required(options, "options")?,
    );
    // SAFETY: pgrx passes this call's fcinfo; the function returns a set of rows.
    let mut out = unsafe { MaterializedRows::begin(fcinfo)? };
    ecl::ecl(model, relation.oid(), &options.0, &mut out)
}

/// fin_ecl's loans summed by stage (then all of them, stage NULL): loans, exposure, ECL and
/// coverage (ECL over exposure), with the model version used.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_ecl_summary(
    model: &str,
    relation: PgRelation,
    options: JsonB,
) -> Result<
    TableIterator<
        'static,
        (
            name!(stage, Option<i32>),
            name!(loans, i64),
            name!(exposure, f64),
            name!(ecl, f64),
            name!(coverage, Option<f64>),
            name!(version, i32),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(ecl::summary(
        model,
        relation.oid(),
        &options.0,
    )?))
}
