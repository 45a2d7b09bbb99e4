//! Four-eyes approval (SR 11-7's effective challenge, kept by the database). Under
//! `finml.require_approval` no version is deployed until a member of `finml.validator_role`
//! other than its developer approves it: a training, retraining (pg_cron's too) or import
//! stores its version as 'pending' with what its deploy policy chose (pg/registry.rs,
//! pg/training.rs), fin_deploy and fin_rollback refuse a version not approved
//! (catalog::check_approved_for_deployment), and `fin_approve` of a pending version deploys it
//! when its policy said so.
//!
//! The developer is both the role that trained the version and the session's login role then
//! (a developer who SET ROLE to a team role is still the developer); an approver who is either,
//! as current or session role, is refused (42501). Every decision is an event, and so is every
//! refusal: a refused approval or deployment is recorded by a background worker, so that the
//! evidence survives the rollback of the refused statement.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::audit::with_durable_refusal_event;
use crate::pg::catalog::{
    caller_name, check_access, deployed_version, no_such_version, role_name, validate_model_name,
    Access,
};
use crate::pg::extension::as_extension_owner;
use crate::pg::registry::{self, lock, record_event, set_deployment, write};
use crate::pg::security::session_user;
use crate::pg::spi::{select_one, select_row};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;

/// The most bytes of a validator's comment.
const MAX_COMMENT_BYTES: usize = 10_000;

/// A validator's decision on one version.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    fn status(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Reject => "rejected",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Verdict::Approve => "an approval",
            Verdict::Reject => "a rejection",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }
}

/// What a decision did: the status now, whether it deployed the version, the deployed version.
pub struct Decided {
    pub status: &'static str,
    pub deployed: bool,
    pub deployed_version: Option<i32>,
}

/// The version's approval row as the decision needs it.
struct Pending {
    status: String,
    trained_by: String,
    trained_session_user: String,
    deploy_on_approval: bool,
}

/// `fin_approve` / `fin_reject`: records the validator's verdict on `version` of `name` and,
/// for the approval of a pending version its policy would deploy, deploys it (unless a later
/// version is deployed by then).
pub fn decide(name: &str, version: i32, comment: &str, verdict: Verdict) -> SqlResult<Decided> {
    validate_model_name(name)?;
    if comment.trim().is_empty() || comment.len() > MAX_COMMENT_BYTES {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "{} needs a comment of 1 to {MAX_COMMENT_BYTES} bytes",
                verdict.noun()
            ),
            "say what was validated and on what evidence: the comment is the approval's record",
        ));
    }
    check_validator()?;
    lock(name)?;
    let pending = approval_row(name, version)?;
    let me = caller_name()?;
    let my_session = role_name(session_user())?;
    let developers = [&pending.trained_by, &pending.trained_session_user];
    let is_developer = developers.iter().any(|d| **d == me || **d == my_session);
    if is_developer && !gucs::allow_self_approval() {
        return with_durable_refusal_event(verdict.action(), (name, Some(version)), || {
            Err(fail(
                ErrorKind::PermissionDenied,
                format!(
                    "role \"{me}\" developed version {version} of model \"{name}\" and may not {} it",
                    verdict.action()
                ),
                "four eyes: another member of the validator role decides (a superuser may allow self-approval with finml.allow_self_approval)",
            ))
        });
    }
    let status = verdict.status();
    if pending.status == status {
        notice!("version {version} of model \"{name}\" is already {status}");
        record_event(
            verdict.action(),
            name,
            Some(version),
            "unchanged",
            Some(comment),
        )?;
        return Ok(Decided {
            status,
            deployed: false,
            deployed_version: deployed_version(name)?,
        });
    }
    write::<bool>(
        "UPDATE finml.approvals
            SET status = $3, decided_by = $4, decided_at = pg_catalog.now(), comment = $5,
                deploy_on_approval = false
          WHERE name = $1 AND version = $2",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(version),
            DatumWithOid::from(status),
            DatumWithOid::from(me.as_str()),
            DatumWithOid::from(comment),
        ],
    )?;
    let detail = if is_developer {
        format!("{comment} (self-approved: finml.allow_self_approval)")
    } else {
        comment.to_owned()
    };
    record_event(verdict.action(), name, Some(version), status, Some(&detail))?;
    let deployed = verdict == Verdict::Approve
        && pending.status == "pending"
        && pending.deploy_on_approval
        && deploy_approved(name, version, &me)?;
    Ok(Decided {
        status,
        deployed,
        deployed_version: deployed_version(name)?,
    })
}

/// Deploys an approved pending version whose policy said to deploy it, unless a later
/// version is deployed by then; returns whether it did.
fn deploy_approved(name: &str, version: i32, validator: &str) -> SqlResult<bool> {
    let current = deployed_version(name)?;
    if current.is_some_and(|v| v >= version) {
        let detail = format!(
            "approved, not deployed: version {} is deployed",
            current.unwrap_or_default()
        );
        record_event("deploy", name, Some(version), "not deployed", Some(&detail))?;
        return Ok(false);
    }
    set_deployment(name, version)?;
    let mut detail = format!("on approval by {validator}");
    if let Some(previous) = current {
        detail.push_str(&format!(", replaced version {previous}"));
    }
    record_event("deploy", name, Some(version), "deployed", Some(&detail))?;
    Ok(true)
}

/// Refuses (42704) when the validator role does not exist and (42501) a caller who is not
/// a member of it.
fn check_validator() -> SqlResult<()> {
    let validators = gucs::validator_role();
    let member = select_one::<bool>(
        "SELECT pg_catalog.pg_has_role(r.oid, 'USAGE')
           FROM pg_catalog.pg_roles r WHERE r.rolname = $1",
        &[DatumWithOid::from(validators.as_str())],
    )?;
    match member {
        None => Err(fail(
            ErrorKind::NotFound,
            format!("the validator role \"{validators}\" (finml.validator_role) does not exist"),
            format!("a DBA creates it: CREATE ROLE {validators} NOLOGIN; GRANT {validators} TO <each validator>"),
        )),
        Some(false) => Err(fail(
            ErrorKind::PermissionDenied,
            format!("only members of \"{validators}\" approve or reject model versions"),
            format!("a DBA grants the role to validators: GRANT {validators} TO <role>"),
        )),
        Some(true) => Ok(()),
    }
}

/// The approval row of `version` (42704 when the version does not exist).
fn approval_row(name: &str, version: i32) -> SqlResult<Pending> {
    let row = as_extension_owner(|| {
        select_row(
            "SELECT status, trained_by::text, trained_session_user::text, deploy_on_approval
               FROM finml.approvals WHERE name = $1 AND version = $2",
            &[DatumWithOid::from(name), DatumWithOid::from(version)],
            |row| {
                Ok(Pending {
                    status: row.get::<String>(1).or_report()?.unwrap_or_default(),
                    trained_by: row.get::<String>(2).or_report()?.unwrap_or_default(),
                    trained_session_user: row.get::<String>(3).or_report()?.unwrap_or_default(),
                    deploy_on_approval: row.get::<bool>(4).or_report()?.unwrap_or(false),
                })
            },
        )
    })?;
    row.ok_or_else(|| no_such_version(name, version))
}

/// `fin_deploy`: as registry::deploy, with a refusal under finml.require_approval recorded
/// as an event that outlives the statement (the caller's rights checked first: a role that
/// may not deploy the model records nothing).
pub fn deploy(name: &str, version: i32) -> SqlResult<Option<i32>> {
    if !gucs::require_approval() {
        return registry::deploy(name, version);
    }
    check_access(name, Access::Manage)?;
    with_durable_refusal_event("deploy", (name, Some(version)), || {
        registry::deploy(name, version)
    })
}

/// `fin_rollback`: as registry::rollback, with a refusal under finml.require_approval
/// recorded as [`deploy`]'s is.
pub fn rollback(name: &str) -> SqlResult<(i32, i32)> {
    if !gucs::require_approval() {
        return registry::rollback(name);
    }
    check_access(name, Access::Manage)?;
    let current = deployed_version(name)?;
    with_durable_refusal_event("rollback", (name, current), || registry::rollback(name))
}
