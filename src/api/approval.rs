//! Four-eyes approval and model cards (pg/approval.rs, pg/card.rs).

use crate::error::required;
use crate::pg::approval::{decide, Decided, Verdict};
use crate::pg::card::describe;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;

/// The row of fin_approve and fin_reject: model, version, status, deployed, deployed version.
fn decision_row(
    model: &str,
    version: i32,
    decided: Decided,
) -> (String, i32, String, bool, Option<i32>) {
    (
        model.to_owned(),
        version,
        decided.status.to_owned(),
        decided.deployed,
        decided.deployed_version,
    )
}

/// A validator's approval of `version` of `model` (a member of finml.validator_role who did
/// not develop it), with the evidence in `comment`. A version pending under
/// finml.require_approval whose deploy policy chose it is deployed now.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_approve(
    model: Option<&str>,
    version: Option<i32>,
    comment: Option<&str>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(status, String),
            name!(deployed, bool),
            name!(deployed_version, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let version = required(version, "version")?;
    let decided = decide(
        model,
        version,
        required(comment, "comment")?,
        Verdict::Approve,
    )?;
    Ok(TableIterator::once(decision_row(model, version, decided)))
}

/// A validator's rejection of `version` of `model`: it is not deployed under
/// finml.require_approval until approved.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_reject(
    model: Option<&str>,
    version: Option<i32>,
    comment: Option<&str>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(status, String),
            name!(deployed, bool),
            name!(deployed_version, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let version = required(version, "version")?;
    let decided = decide(
        model,
        version,
        required(comment, "comment")?,
        Verdict::Reject,
    )?;
    Ok(TableIterator::once(decision_row(model, version, decided)))
}

/// Merges `card` into the model card of `model` (purpose, intended_use, owner_team,
/// risk_tier, limitations, validation_status, retired_at; other keys kept; a key set to null
/// removed); returns the card as stored.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_describe(model: Option<&str>, card: Option<JsonB>) -> Result<JsonB, ErrorReport> {
    let model = required(model, "model")?;
    let card = required(card, "card")?;
    Ok(JsonB(describe(model, &card.0)?))
}
