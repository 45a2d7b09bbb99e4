//! What the catalog records about a model and its versions, read for the model report. The
//! caller's right to use the model has been checked.

use crate::error::{OrReport, SqlResult};
use crate::pg::catalog::{no_such_version, ModelRef};
use crate::pg::extension::as_extension_owner;
use crate::pg::spi::{select_all, select_one, select_row};
use finml_models::dp_sgd::PrivacySpent;
use finml_models::report::{ApprovalFacts, MonitoringFacts, ReportFacts, TrialFacts, VersionFacts};
use pgrx::datum::DatumWithOid;
use pgrx::JsonB;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Timestamps as the report prints them.
const TIME: &str = "'YYYY-MM-DD HH24:MI:SS \"UTC\"'";

/// The facts of the referenced version (the deployed one when none is named).
pub fn report_facts(model: ModelRef<'_>) -> SqlResult<ReportFacts> {
    let name = DatumWithOid::from(model.name);
    let version = DatumWithOid::from(model.version);
    let query = format!(
        "SELECT v.version, v.relation, to_char(v.trained_at AT TIME ZONE 'UTC', {TIME}),
                v.trained_by::text, o.owner::text, v.train_rows, v.test_rows, v.options::text,
                v.metrics::text, d.version,
                pg_catalog.current_setting('server_version'),
                to_char(pg_catalog.now() AT TIME ZONE 'UTC', {TIME})
           FROM finml.model_versions v
           JOIN finml.model_owners o ON o.name = v.name
           LEFT JOIN finml.deployments d ON d.name = v.name
          WHERE v.name = $1 AND v.version = coalesce($2, d.version)"
    );
    let facts = as_extension_owner(|| {
        select_row(&query, &[name, version], |row| {
            let metrics = row.get::<String>(9).or_report()?.unwrap_or_default();
            Ok(ReportFacts {
                name: model.name.to_owned(),
                version: row.get::<i32>(1).or_report()?.unwrap_or_default(),
                relation: row.get::<String>(2).or_report()?.unwrap_or_default(),
                trained_at: row.get::<String>(3).or_report()?.unwrap_or_default(),
                trained_by: row.get::<String>(4).or_report()?.unwrap_or_default(),
                owner: row.get::<String>(5).or_report()?.unwrap_or_default(),
                train_rows: row.get::<i64>(6).or_report()?.unwrap_or_default(),
                test_rows: row.get::<i64>(7).or_report()?.unwrap_or_default(),
                options: row.get::<String>(8).or_report()?.unwrap_or_default(),
                metrics: numeric_metrics(&metrics),
                privacy: PrivacySpent::of_metrics(&metrics),
                deployed_version: row.get::<i32>(10).or_report()?,
                postgres_version: row.get::<String>(11).or_report()?.unwrap_or_default(),
                generated_at: row.get::<String>(12).or_report()?.unwrap_or_default(),
                finml_version: env!("CARGO_PKG_VERSION").to_owned(),
                versions: Vec::new(),
                training_log: Vec::new(),
                monitoring: Vec::new(),
                trials: Vec::new(),
                card: Map::new(),
                approval: ApprovalFacts::default(),
            })
        })
    })?;
    let mut facts = facts.ok_or_else(|| no_such_version(model.name, model.version.unwrap_or(0)))?;
    facts.versions = versions(model.name)?;
    facts.training_log = training_log(model.name, facts.version)?;
    facts.monitoring = monitoring(model.name, facts.version)?;
    facts.trials = trials(model.name, facts.version)?;
    facts.card = stored_card(model.name)?.unwrap_or_default();
    facts.approval = approval(model.name, facts.version)?;
    Ok(facts)
}

/// What the privacy report reads of a version beside its model: its training rows and the DP
/// budget its training spent (rights already checked).
pub fn privacy_facts(name: &str, version: i32) -> SqlResult<(i64, Option<PrivacySpent>)> {
    let query = "SELECT train_rows, metrics::text FROM finml.model_versions
                  WHERE name = $1 AND version = $2";
    let args = [DatumWithOid::from(name), DatumWithOid::from(version)];
    let facts = as_extension_owner(|| {
        select_row(query, &args, |row| {
            let metrics = row.get::<String>(2).or_report()?.unwrap_or_default();
            Ok((
                row.get::<i64>(1).or_report()?.unwrap_or_default(),
                PrivacySpent::of_metrics(&metrics),
            ))
        })
    })?;
    facts.ok_or_else(|| no_such_version(name, version))
}

/// The model's card, if it has one (rights already checked).
pub fn stored_card(name: &str) -> SqlResult<Option<Map<String, Value>>> {
    let card = as_extension_owner(|| {
        select_one::<JsonB>(
            "SELECT card FROM finml.model_cards WHERE name = $1",
            &[DatumWithOid::from(name)],
        )
    })?;
    Ok(card.and_then(|c| match c.0 {
        Value::Object(map) => Some(map),
        _ => None,
    }))
}

/// The version's approval ('unreviewed' for a version stored before 0.13.0 had none).
fn approval(name: &str, version: i32) -> SqlResult<ApprovalFacts> {
    let query = format!(
        "SELECT status, decided_by::text, to_char(decided_at AT TIME ZONE 'UTC', {TIME}), comment
           FROM finml.approvals WHERE name = $1 AND version = $2"
    );
    let approval = as_extension_owner(|| {
        select_row(
            &query,
            &[DatumWithOid::from(name), DatumWithOid::from(version)],
            |row| {
                Ok(ApprovalFacts {
                    status: row.get::<String>(1).or_report()?.unwrap_or_default(),
                    decided_by: row.get::<String>(2).or_report()?,
                    decided_at: row.get::<String>(3).or_report()?,
                    comment: row.get::<String>(4).or_report()?,
                })
            },
        )
    })?;
    Ok(approval.unwrap_or_else(|| ApprovalFacts {
        status: "unreviewed".to_owned(),
        ..ApprovalFacts::default()
    }))
}

fn versions(name: &str) -> SqlResult<Vec<VersionFacts>> {
    let query = format!(
        "SELECT version, algorithm, to_char(trained_at AT TIME ZONE 'UTC', {TIME}),
                trained_by::text, train_rows, test_rows, metrics::text
           FROM finml.model_versions WHERE name = $1 ORDER BY version"
    );
    as_extension_owner(|| {
        select_all(&query, &[DatumWithOid::from(name)], |row| {
            Ok(VersionFacts {
                version: row.get::<i32>(1).or_report()?.unwrap_or_default(),
                algorithm: row.get::<String>(2).or_report()?.unwrap_or_default(),
                trained_at: row.get::<String>(3).or_report()?.unwrap_or_default(),
                trained_by: row.get::<String>(4).or_report()?.unwrap_or_default(),
                train_rows: row.get::<i64>(5).or_report()?.unwrap_or_default(),
                test_rows: row.get::<i64>(6).or_report()?.unwrap_or_default(),
                metrics: numeric_metrics(&row.get::<String>(7).or_report()?.unwrap_or_default()),
            })
        })
    })
}

fn training_log(name: &str, version: i32) -> SqlResult<Vec<(i32, f64, Option<f64>)>> {
    as_extension_owner(|| {
        select_all(
            "SELECT epoch, train_loss, valid_loss FROM finml.training_epochs
              WHERE model = $1 AND version = $2 ORDER BY epoch",
            &[DatumWithOid::from(name), DatumWithOid::from(version)],
            |row| {
                Ok((
                    row.get::<i32>(1).or_report()?.unwrap_or_default(),
                    row.get::<f64>(2).or_report()?.unwrap_or_default(),
                    row.get::<f64>(3).or_report()?,
                ))
            },
        )
    })
}

/// The trials of the search that chose one version (fin_tune), in trial order.
fn trials(name: &str, version: i32) -> SqlResult<Vec<TrialFacts>> {
    as_extension_owner(|| {
        select_all(
            "SELECT trial, options::text, metric, folds, mean, std, seconds, chosen
               FROM finml.tuning_trials WHERE model = $1 AND version = $2 ORDER BY trial",
            &[DatumWithOid::from(name), DatumWithOid::from(version)],
            |row| {
                Ok(TrialFacts {
                    trial: row.get::<i32>(1).or_report()?.unwrap_or_default(),
                    options: row.get::<String>(2).or_report()?.unwrap_or_default(),
                    metric: row.get::<String>(3).or_report()?.unwrap_or_default(),
                    folds: row.get::<i32>(4).or_report()?.unwrap_or_default(),
                    mean: row.get::<f64>(5).or_report()?.unwrap_or_default(),
                    std: row.get::<f64>(6).or_report()?.unwrap_or_default(),
                    seconds: row.get::<f64>(7).or_report()?.unwrap_or_default(),
                    chosen: row.get::<bool>(8).or_report()?.unwrap_or_default(),
                })
            },
        )
    })
}

/// The stored monitoring history of one version: per period, the latest run's row.
fn monitoring(name: &str, version: i32) -> SqlResult<Vec<MonitoringFacts>> {
    as_extension_owner(|| {
        select_all(
            "SELECT DISTINCT ON (period) period, relation, rows, event_rate, auc, psi,
                    max_csi_feature, max_csi, status
               FROM finml.monitoring_log
              WHERE model = $1 AND version = $2
              ORDER BY period, run_at DESC, relation",
            &[DatumWithOid::from(name), DatumWithOid::from(version)],
            |row| {
                Ok(MonitoringFacts {
                    period: row.get::<String>(1).or_report()?.unwrap_or_default(),
                    relation: row.get::<String>(2).or_report()?.unwrap_or_default(),
                    rows: row.get::<i64>(3).or_report()?.unwrap_or_default(),
                    event_rate: row.get::<f64>(4).or_report()?,
                    auc: row.get::<f64>(5).or_report()?,
                    psi: row.get::<f64>(6).or_report()?.unwrap_or_default(),
                    max_csi_feature: row.get::<String>(7).or_report()?,
                    max_csi: row.get::<f64>(8).or_report()?,
                    status: row.get::<String>(9).or_report()?.unwrap_or_default(),
                })
            },
        )
    })
}

/// The numbers of a stored metrics object (it also holds "evaluated_on").
fn numeric_metrics(json: &str) -> BTreeMap<String, f64> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_f64().map(|v| (k, v)))
        .collect()
}
