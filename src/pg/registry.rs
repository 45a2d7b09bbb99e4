//! Changes to the model catalog: new versions, deployments and rollbacks, drops, grants and
//! the audit log. Each entry point checks the caller's rights, serializes changes to one model
//! with a transaction-level advisory lock, writes as the extension's owner, and records an
//! event in the same transaction (so a rolled-back change leaves no event either).
//!
//! Why an advisory lock and not row locks: a model's first version has no row to lock yet,
//! and two sessions training the same new name at once must get consecutive versions, not a
//! unique-key error. Why the owner's rights: the tables are private, so that no role can edit
//! another's model or deployment by hand; finml checks the caller's rights first, then writes.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::invalidate_models;
use crate::pg::catalog::{
    access_if_exists, caller_name, check_access, check_approved_for_deployment, deployed_version,
    no_such_model, no_such_version, version_exists, Access,
};
use crate::pg::cluster::role_text;
use crate::pg::extension::as_extension_owner;
use crate::pg::security::{caller, session_user, with_pinned_search_path};
use crate::pg::spi::{select_one, select_row};
use finml_models::monitor::PeriodRow;
use finml_models::progress::EpochLog;
use finml_models::tune::Trial;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

/// Runs one statement that changes the catalog, as the extension's owner; returns the first
/// column of its first row when it has a RETURNING clause.
pub fn write<T: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SqlResult<Option<T>> {
    as_extension_owner(|| {
        Spi::connect_mut(|client| {
            let rows = client.update(query, None, args).or_report()?;
            if rows.is_empty() {
                return Ok(None);
            }
            match rows.first().get_one::<T>() {
                // A statement without RETURNING has no result rows.
                Err(pgrx::spi::SpiError::NoTupleTable) => Ok(None),
                other => other.or_report(),
            }
        })
    })
}

/// Serializes changes to one model until the end of the transaction.
pub fn lock(name: &str) -> SqlResult<()> {
    with_pinned_search_path(|| {
        Spi::connect_mut(|client| {
            client
                .update(
                    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('finml.model:' || $1))",
                    None,
                    &[DatumWithOid::from(name)],
                )
                .or_report()
                .map(|_| ())
        })
    })
}

/// Appends to the audit log, in the current transaction.
pub fn record_event(
    action: &str,
    model: &str,
    version: Option<i32>,
    outcome: &str,
    detail: Option<&str>,
) -> SqlResult<()> {
    write::<bool>(
        "INSERT INTO finml.event_log (role, action, model, version, outcome, detail)
         VALUES (pg_catalog.pg_get_userbyid($1), $2, $3, $4, $5, $6)",
        &[
            DatumWithOid::from(caller()),
            DatumWithOid::from(action),
            DatumWithOid::from(model),
            DatumWithOid::from(version),
            DatumWithOid::from(outcome),
            DatumWithOid::from(detail),
        ],
    )
    .map(|_| ())
}

/// What is recorded for one trained (or imported) version.
pub struct NewVersion<'a> {
    pub name: &'a str,
    pub algorithm: &'a str,
    pub task: &'a str,
    pub relation: &'a str,
    /// `None` for an unsupervised model.
    pub target: Option<&'a str>,
    pub features: Vec<String>,
    pub requested_features: Option<Vec<String>>,
    pub options: Value,
    pub train_rows: i64,
    pub test_rows: i64,
    pub metrics: Value,
    pub coefficients: Value,
    pub model: Vec<u8>,
    /// A classifier's classes, in the order of its probabilities (`None` for other models).
    pub classes: Option<Vec<String>>,
    /// For imports: the original training time and role, and where it came from.
    pub trained: Option<(String, String)>,
    pub imported: Option<Value>,
    /// The deploy policy's choice, kept for the validator's approval when versions wait for
    /// one (finml.require_approval; the caller then deploys nothing).
    pub deploy_on_approval: bool,
}

/// Takes the lock on `name` and makes sure the caller may add versions to it: the owner (or
/// a member, or a superuser) of an existing model, or anyone for a new name, which the caller
/// then owns.
pub fn claim(name: &str) -> SqlResult<()> {
    lock(name)?;
    if check_may_add_versions(name)? {
        return Ok(());
    }
    // Owned by OID; a name dropped before continues its numbering (retired_names). Read
    // first, not in a subquery of the INSERT: Citus takes no subquery in an INSERT into a
    // reference table (model_owners is one on a cluster).
    let continued = as_extension_owner(|| {
        select_one::<i32>(
            "SELECT last_version FROM finml.retired_names WHERE name = $1",
            &[DatumWithOid::from(name)],
        )
    })?
    .unwrap_or(0);
    write::<bool>(
        "INSERT INTO finml.model_owners (name, owner, last_version)
         VALUES ($1, $2::pg_catalog.regrole, $3)",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(role_text(caller())?.as_str()),
            DatumWithOid::from(continued),
        ],
    )
    .map(|_| ())
}

/// Refuses (42501) a caller who may not add versions to an existing model `name`; returns
/// whether the model exists. Cheap: used before training as well as by [`claim`].
pub fn check_may_add_versions(name: &str) -> SqlResult<bool> {
    access_if_exists(name, Access::Manage)
}

/// Stores `v` as the next version of its model (after [`claim`]); returns the version number.
pub fn store_version(v: NewVersion<'_>) -> SqlResult<i32> {
    let version = write::<i32>(
        "UPDATE finml.model_owners SET last_version = last_version + 1 WHERE name = $1
         RETURNING last_version",
        &[DatumWithOid::from(v.name)],
    )?
    .ok_or_else(|| no_such_model(v.name))?;
    let (trained_at, trained_by) = v.trained.unzip();
    write::<bool>(
        "INSERT INTO finml.model_versions
           (name, version, algorithm, task, relation, target, features, options,
            train_rows, test_rows, metrics, coefficients, model, requested_features, imported,
            trained_at, trained_by, classes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 coalesce($16::timestamptz, now()),
                 coalesce($17::name, pg_catalog.pg_get_userbyid($18)), $19)",
        &[
            DatumWithOid::from(v.name),
            DatumWithOid::from(version),
            DatumWithOid::from(v.algorithm),
            DatumWithOid::from(v.task),
            DatumWithOid::from(v.relation),
            DatumWithOid::from(v.target),
            DatumWithOid::from(v.features),
            DatumWithOid::from(JsonB(v.options)),
            DatumWithOid::from(v.train_rows),
            DatumWithOid::from(v.test_rows),
            DatumWithOid::from(JsonB(v.metrics)),
            DatumWithOid::from(JsonB(v.coefficients)),
            DatumWithOid::from(v.model.as_slice()),
            DatumWithOid::from(v.requested_features),
            DatumWithOid::from(v.imported.map(JsonB)),
            DatumWithOid::from(trained_at),
            DatumWithOid::from(trained_by),
            DatumWithOid::from(caller()),
            DatumWithOid::from(v.classes),
        ],
    )?;
    let pending = gucs::require_approval();
    write::<bool>(
        "INSERT INTO finml.approvals
                (name, version, status, trained_by, trained_session_user, deploy_on_approval)
         VALUES ($1, $2, $3, pg_catalog.pg_get_userbyid($4), pg_catalog.pg_get_userbyid($5), $6)",
        &[
            DatumWithOid::from(v.name),
            DatumWithOid::from(version),
            DatumWithOid::from(if pending { "pending" } else { "unreviewed" }),
            DatumWithOid::from(caller()),
            DatumWithOid::from(session_user()),
            DatumWithOid::from(pending && v.deploy_on_approval),
        ],
    )?;
    Ok(version)
}

/// Makes `version` the deployed one and pushes it on the deployment history. The caller
/// holds the model's lock and its rights are checked.
pub fn set_deployment(name: &str, version: i32) -> SqlResult<()> {
    // Role names are passed, not pg_get_userbyid(oid): Citus may evaluate that on a worker,
    // where the OID is another role's (cluster.rs).
    let by = caller_name()?;
    let args = [
        DatumWithOid::from(name),
        DatumWithOid::from(version),
        DatumWithOid::from(by.as_str()),
    ];
    write::<bool>(
        "INSERT INTO finml.deployments (name, version, deployed_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
            SET version = EXCLUDED.version, deployed_at = EXCLUDED.deployed_at,
                deployed_by = EXCLUDED.deployed_by",
        &args,
    )?;
    write::<bool>(
        "INSERT INTO finml.deployment_history (name, seq, version, deployed_by)
         SELECT $1, coalesce(max(seq), 0) + 1, $2, $3
           FROM finml.deployment_history WHERE name = $1",
        &args,
    )?;
    invalidate_models()
}

/// `fin_deploy`: deploys `version`; returns the version deployed before.
pub fn deploy(name: &str, version: i32) -> SqlResult<Option<i32>> {
    check_access(name, Access::Manage)?;
    lock(name)?;
    if !version_exists(name, version)? {
        return Err(no_such_version(name, version));
    }
    check_approved_for_deployment(name, version)?;
    let previous = deployed_version(name)?;
    if previous == Some(version) {
        record_event(
            "deploy",
            name,
            Some(version),
            "unchanged",
            Some("already deployed"),
        )?;
        return Ok(previous);
    }
    set_deployment(name, version)?;
    let detail = previous.map(|p| format!("replaced version {p}"));
    record_event("deploy", name, Some(version), "deployed", detail.as_deref())?;
    Ok(previous)
}

/// `fin_rollback`: back to the version deployed before the current one (the latest
/// deployment not already rolled back, of another version that still exists). Returns
/// (deployed now, deployed before).
pub fn rollback(name: &str) -> SqlResult<(i32, i32)> {
    check_access(name, Access::Manage)?;
    lock(name)?;
    let Some(current) = deployed_version(name)? else {
        return Err(fail(
            ErrorKind::NotReady,
            format!("model \"{name}\" has no deployed version to roll back"),
            "deploy a version with fin_deploy(model, version)",
        ));
    };
    let target = as_extension_owner(|| {
        select_row(
            "SELECT h.seq, h.version FROM finml.deployment_history h
              WHERE h.name = $1 AND h.rolled_back_at IS NULL AND h.version <> $2
                AND EXISTS (SELECT 1 FROM finml.model_versions v
                             WHERE v.name = h.name AND v.version = h.version)
              ORDER BY h.seq DESC LIMIT 1",
            &[DatumWithOid::from(name), DatumWithOid::from(current)],
            |row| {
                Ok(row
                    .get::<i32>(1)
                    .or_report()?
                    .zip(row.get::<i32>(2).or_report()?))
            },
        )
    })?
    .flatten();
    if let Some((_, version)) = target {
        check_approved_for_deployment(name, version)?;
    }
    let Some((seq, version)) = target else {
        return Err(fail(
ErrorKind::NotReady,
            format!("model \"{name}\" has no earlier deployment to roll back to"),
            format!("version {current} is the only deployed version left; deploy another with fin_deploy(model, version)"),
        ));
    };
    write::<bool>(
        "UPDATE finml.deployment_history
            SET rolled_back_at = now(), rolled_back_by = pg_catalog.pg_get_userbyid($3)
          WHERE name = $1 AND seq > $2 AND rolled_back_at IS NULL",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(seq),
            DatumWithOid::from(caller()),
        ],
    )?;
    write::<bool>(
        "UPDATE finml.deployments SET version = $2, deployed_at = now(), deployed_by = $3
          WHERE name = $1",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(version),
            DatumWithOid::from(caller_name()?.as_str()),
        ],
    )?;
    invalidate_models()?;
    record_event(
        "rollback",
        name,
        Some(version),
        "deployed",
        Some(&format!("rolled back from version {current}")),
    )?;
    Ok((version, current))
}

/// `fin_drop_model`: one version (not the deployed one), or the whole model with its
/// deployments, history and grants. Returns the number of versions dropped.
pub fn drop_model(name: &str, version: Option<i32>) -> SqlResult<i64> {
    check_access(name, Access::Manage)?;
    lock(name)?;
    let dropped = match version {
        Some(version) => {
            if !version_exists(name, version)? {
                return Err(no_such_version(name, version));
            }
            if deployed_version(name)? == Some(version) {
                return Err(fail(
ErrorKind::InUse,
                    format!("version {version} of model \"{name}\" is deployed"),
                    "deploy another version (fin_deploy) or roll back (fin_rollback) first, or drop the whole model with fin_drop_model(model)",
                ));
            }
            let args = [DatumWithOid::from(name), DatumWithOid::from(version)];
            write::<bool>(
                "DELETE FROM finml.deployment_history WHERE name = $1 AND version = $2",
                &args,
            )?;
            for table in ["training_epochs", "tuning_trials"] {
                write::<bool>(
                    &format!("DELETE FROM finml.{table} WHERE model = $1 AND version = $2"),
                    &args,
                )?;
            }
            write::<bool>(
                "DELETE FROM finml.monitoring_log WHERE model = $1 AND version = $2",
                &args,
            )?;
            for table in ["approvals", "samples"] {
                write::<bool>(
                    &format!("DELETE FROM finml.{table} WHERE name = $1 AND version = $2"),
                    &args,
                )?;
            }
            write::<i64>(
                "WITH gone AS (DELETE FROM finml.model_versions WHERE name = $1 AND version = $2
                               RETURNING 1)
                 SELECT count(*) FROM gone",
                &args,
            )?
            .unwrap_or(0)
        }
        None => {
            let args = [DatumWithOid::from(name)];
            write::<bool>(
                "INSERT INTO finml.retired_names (name, last_version)
                 SELECT name, last_version FROM finml.model_owners WHERE name = $1
                 ON CONFLICT (name) DO UPDATE SET last_version = EXCLUDED.last_version",
                &args,
            )?;
            for table in [
                "deployments",
                "deployment_history",
                "model_grants",
                "model_owners",
                "approvals",
                "model_cards",
                "samples",
            ] {
                write::<bool>(&format!("DELETE FROM finml.{table} WHERE name = $1"), &args)?;
            }
            for table in ["training_epochs", "tuning_trials"] {
                write::<bool>(
                    &format!("DELETE FROM finml.{table} WHERE model = $1"),
                    &args,
                )?;
            }
            // A name trained again later is another model: it does not inherit this history.
            write::<bool>("DELETE FROM finml.monitoring_log WHERE model = $1", &args)?;
            write::<i64>(
                "WITH gone AS (DELETE FROM finml.model_versions WHERE name = $1 RETURNING 1)
                 SELECT count(*) FROM gone",
                &args,
            )?
            .unwrap_or(0)
        }
    };
    invalidate_models()?;
    let detail = format!("{dropped} version(s)");
    record_event("drop", name, version, "dropped", Some(&detail))?;
    Ok(dropped)
}

/// `fin_monitor(..., '{"store": true}')`: keeps each period's row in finml.monitoring_log,
/// replacing the row of an earlier run over the same model version, relation and period.
/// Only the model's owner keeps history (a reporting role computes without storing).
pub fn store_monitoring(
    name: &str,
    version: i32,
    relation: &str,
    rows: &[PeriodRow],
) -> SqlResult<()> {
    check_access(name, Access::Manage)?;
    lock(name)?;
    for row in rows {
        write::<bool>(
            "INSERT INTO finml.monitoring_log AS m
                    (model, version, relation, period, rows, labelled_rows, event_rate,
                     mean_predicted, auc, ks, gini, brier, hosmer_lemeshow_p, psi,
                     max_csi_feature, max_csi, status, run_at, run_by)
             VALUES ($1, $2, $3, coalesce($4, '(null)'), $5, $6, $7, $8, $9, $10,
                     $11, $12, $13, $14, $15, $16, $17, pg_catalog.now(),
                     pg_catalog.pg_get_userbyid($18))
             ON CONFLICT (model, version, relation, period) DO UPDATE SET
                 rows = EXCLUDED.rows, labelled_rows = EXCLUDED.labelled_rows,
                 event_rate = EXCLUDED.event_rate, mean_predicted = EXCLUDED.mean_predicted,
                 auc = EXCLUDED.auc, ks = EXCLUDED.ks, gini = EXCLUDED.gini,
                 brier = EXCLUDED.brier, hosmer_lemeshow_p = EXCLUDED.hosmer_lemeshow_p,
                 psi = EXCLUDED.psi, max_csi_feature = EXCLUDED.max_csi_feature,
                 max_csi = EXCLUDED.max_csi, status = EXCLUDED.status,
                 run_at = EXCLUDED.run_at, run_by = EXCLUDED.run_by",
            &[
                DatumWithOid::from(name),
                DatumWithOid::from(version),
                DatumWithOid::from(relation),
                DatumWithOid::from(row.period.as_deref()),
                DatumWithOid::from(row.rows as i64),
                DatumWithOid::from(row.labelled_rows as i64),
                DatumWithOid::from(row.event_rate),
                DatumWithOid::from(row.mean_predicted),
                DatumWithOid::from(row.auc),
                DatumWithOid::from(row.ks),
                DatumWithOid::from(row.gini),
                DatumWithOid::from(row.brier),
                DatumWithOid::from(row.hosmer_lemeshow_p),
                DatumWithOid::from(row.psi),
                DatumWithOid::from(row.max_csi_feature.as_deref()),
                DatumWithOid::from(row.max_csi),
                DatumWithOid::from(row.status),
                DatumWithOid::from(caller()),
            ],
        )?;
    }
    let detail = format!("{} period(s) of {relation}", rows.len());
    record_event("monitor", name, Some(version), "stored", Some(&detail))
}

/// Records an MLP training's epochs, or a self-training's rounds, for the new `version`.
pub fn record_training_log(name: &str, version: i32, log: &[EpochLog]) -> SqlResult<()> {
    for entry in log {
        write::<bool>(
            "INSERT INTO finml.training_epochs
                    (model, version, epoch, train_loss, valid_loss, seconds, rows_added)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                DatumWithOid::from(name),
                DatumWithOid::from(version),
                DatumWithOid::from(entry.epoch as i32),
                DatumWithOid::from(entry.train_loss),
                DatumWithOid::from(entry.valid_loss),
                DatumWithOid::from(entry.seconds),
                DatumWithOid::from(entry.rows_added.map(|n| n as i64)),
            ],
        )?;
    }
    Ok(())
}

/// Records a search's trials for the `version` it chose (fin_tune), read through the view
/// finml.trials.
/// `best` indexes the chosen trial; `metric` ranked them over `folds` folds.
pub fn record_trials(
    name: &str,
    version: i32,
    (metric, folds): (&str, usize),
    trials: &[Trial],
    best: usize,
) -> SqlResult<()> {
    for (k, trial) in trials.iter().enumerate() {
        write::<bool>(
            "INSERT INTO finml.tuning_trials
                    (model, version, trial, options, metric, folds, mean, std, seconds, chosen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                DatumWithOid::from(name),
                DatumWithOid::from(version),
                DatumWithOid::from(trial.trial as i32),
                DatumWithOid::from(JsonB(Value::Object(trial.options.clone()))),
                DatumWithOid::from(metric),
                DatumWithOid::from(folds as i32),
                DatumWithOid::from(trial.mean),
                DatumWithOid::from(trial.std),
                DatumWithOid::from(trial.seconds),
                DatumWithOid::from(k == best),
            ],
        )?;
    }
    Ok(())
}

/// The OID of role `role` (42704 when there is none); 'public' is OID 0, as in aclitem.
fn role_oid(role: &str) -> SqlResult<Oid> {
    if role == "public" {
        return Ok(pg_sys::InvalidOid);
    }
    select_one::<Oid>(
        "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1",
        &[DatumWithOid::from(role)],
    )?
    .ok_or_else(|| {
        fail(
            ErrorKind::NotFound,
            format!("role \"{role}\" does not exist"),
            "name an existing role, or 'public' for every role",
        )
    })
}

/// `fin_grant` / `fin_revoke`: allow or stop `role` (or 'public') using the model.
pub fn set_grant(name: &str, role: &str, granted: bool) -> SqlResult<()> {
    check_access(name, Access::Manage)?;
    let grantee = role_oid(role)?;
    lock(name)?;
    let changed = if granted {
        write::<bool>(
            "INSERT INTO finml.model_grants (name, grantee, granted_by)
             VALUES ($1, $2::pg_catalog.regrole, $3)
             ON CONFLICT (name, grantee) DO NOTHING RETURNING true",
            &[
                DatumWithOid::from(name),
                DatumWithOid::from(role_text(grantee)?.as_str()),
                DatumWithOid::from(caller_name()?.as_str()),
            ],
        )?
    } else {
        crate::pg::cluster::remove_grant(name, grantee)?.then_some(true)
    };
    if changed.is_none() {
        notice!(
            "role \"{role}\" {} model \"{name}\"",
            if granted {
                "may already use"
            } else {
                "had no grant on"
            }
        );
    }
    invalidate_models()?;
    let (action, outcome) = match (granted, changed.is_some()) {
        (true, true) => ("grant", "granted"),
        (false, true) => ("revoke", "revoked"),
        (true, false) => ("grant", "unchanged"),
        (false, false) => ("revoke", "unchanged"),
    };
    record_event(action, name, None, outcome, Some(&format!("role {role}")))?;
    Ok(())
}

/// `fin_set_owner`: gives the model to `role`, as `ALTER ... OWNER TO` does for PostgreSQL's
/// objects: the caller manages the model (a superuser manages orphaned ones) and has the
/// privileges of the new owner.
pub fn set_owner(name: &str, role: &str) -> SqlResult<()> {
    check_access(name, Access::Manage)?;
    if role == "public" {
        return Err(fail(
            ErrorKind::InvalidOption,
            "a model's owner must be a role, not public",
            "let every role use it with fin_grant(model, 'public')",
        ));
    }
    let owner = role_oid(role)?;
    let may_become = select_one::<bool>(
        "SELECT pg_catalog.pg_has_role($1, 'USAGE')",
        &[DatumWithOid::from(owner)],
    )?
    .unwrap_or(false);
    if !may_become {
        return Err(fail(
            ErrorKind::PermissionDenied,
            format!("must be able to act as role \"{role}\" to give it model \"{name}\""),
            "as for ALTER ... OWNER TO: be a member of the new owner role, or a superuser",
        ));
    }
    lock(name)?;
    // Read first: Citus takes no role-name function in the RETURNING of an UPDATE of a
    // reference table (model_owners is one on a cluster).
    let previous = as_extension_owner(|| {
        select_one::<String>(
            "SELECT owner::text FROM finml.model_owners WHERE name = $1",
            &[DatumWithOid::from(name)],
        )
    })?
    .unwrap_or_default();
    write::<bool>(
        "UPDATE finml.model_owners SET owner = $2::pg_catalog.regrole WHERE name = $1",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(role_text(owner)?.as_str()),
        ],
    )?;
    invalidate_models()?;
    record_event(
        "set_owner",
        name,
        None,
        "changed",
        Some(&format!("from {previous} to {role}")),
    )
}
