//! Making finml's catalog reach the workers of a Citus cluster (DESIGN.md, "Scale-out on
//! Citus"): the tables a row function reads become Citus reference tables, which Citus
//! writes on every node in the writing transaction (two-phase commit), so a committed train,
//! deploy, rollback, drop or grant is on every node and a rolled-back one on none.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::cache::invalidate_models;
use crate::pg::citus;
use crate::pg::extension::{as_extension_owner, extension};
use crate::pg::relation;
use crate::pg::security::save_setting;
use crate::pg::spi::{select_all, select_one};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;

/// The tables fin_predict and the other row functions read (rights, versions, deployments).
/// The rest of the catalog (history, audit log, training log, monitoring) is written and read
/// on the coordinator only and stays local there.
pub const READ_BY_ROW_FUNCTIONS: [&str; 4] = [
    "finml.model_owners",
    "finml.model_grants",
    "finml.model_versions",
    "finml.deployments",
];

/// Makes each table of [`READ_BY_ROW_FUNCTIONS`] a reference table (those that already are
/// stay). Returns each table with whether this call made it one.
pub fn distribute_catalog() -> SqlResult<Vec<(String, bool)>> {
    extension()?;
    let citus_installed = citus::is_loaded()
        && select_one::<bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')",
            &[],
        )?
        .unwrap_or(false);
    if !citus_installed {
        return Err(fail(
            ErrorKind::NotReady,
            "citus is not installed in this database",
            "on the coordinator: CREATE EXTENSION citus, add the workers with citus_add_node, \
             then SELECT fin_distribute_catalog()",
        ));
    }
    // SAFETY: plain read of the current user's superuser flag.
    if !unsafe { pgrx::pg_sys::superuser() } {
        return Err(fail(
            ErrorKind::PermissionDenied,
            "must be superuser to distribute finml's catalog",
            "a superuser runs SELECT fin_distribute_catalog() once, on the coordinator",
        ));
    }
    let mut made = Vec::with_capacity(READ_BY_ROW_FUNCTIONS.len());
    for table in READ_BY_ROW_FUNCTIONS {
        let already = relation::citus_placement(DatumWithOid::from(table))?.is_some();
        if !already {
            run(
                "SELECT create_reference_table($1::pg_catalog.regclass)",
                &[DatumWithOid::from(table)],
            )?;
            // The rows now live in the placements; the table's own copy is stale.
            run(
                "SELECT truncate_local_data_after_distributing_table($1::pg_catalog.regclass)",
                &[DatumWithOid::from(table)],
            )?;
        }
        made.push((table.to_owned(), !already));
    }
    rewrite_roles()?;
    restrict_catalog_readers()?;
    invalidate_models()?;
    Ok(made)
}

/// Makes finml's functions that read the catalog PARALLEL RESTRICTED on every node.
///
/// Citus reads a reference table inside a coordinated transaction, which a parallel worker
/// cannot commit ("cannot use 2PC in transactions involving multiple servers"): a parallel
/// plan over a large table or shard would fail as soon as a parallel worker loads a model.
/// On a cluster, the shards are the parallelism. (`ALTER EXTENSION finml UPDATE` recreates
/// the functions: run fin_distribute_catalog() again after it, as after citus_add_node.)
fn restrict_catalog_readers() -> SqlResult<()> {
    let readers = select_all(
        "SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text, p.prokind = 'a'
           FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                      AND d.objid = p.oid AND d.deptype = 'e'
           JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'finml'
          WHERE p.proparallel = 's'
            AND ('model' = ANY (p.proargnames) OR p.proname IN ('can_use', 'can_manage'))",
        &[],
        |row| {
            Ok((
                row.get::<String>(1).or_report()?.unwrap_or_default(),
                row.get::<bool>(2).or_report()?.unwrap_or(false),
            ))
        },
    )?;
    for (function, aggregate) in readers {
        // PostgreSQL judges an aggregate by its own marking, not its transition function's,
        // and has no ALTER AGGREGATE ... PARALLEL: the marking is set as ALTER FUNCTION
        // sets a function's.
        let restrict = if aggregate {
            format!(
                "UPDATE pg_catalog.pg_proc SET proparallel = 'r'
                  WHERE oid = '{}'::pg_catalog.regprocedure",
                function.replace('\'', "''")
            )
        } else {
            format!("ALTER FUNCTION {function} PARALLEL RESTRICTED")
        };
        run(&restrict, &[])?;
        run(
            "SELECT run_command_on_workers($1)",
            &[DatumWithOid::from(restrict.as_str())],
        )?;
    }
    Ok(())
}

/// Writes the owners and grants again, one row per statement, each role as [`role_text`],
/// so that each node holds its own OID of each role.
///
/// Role OIDs differ between nodes (Citus creates each role on each node). Citus copies a
/// table's rows to a new placement in binary, OID for OID (create_reference_table, and
/// citus_add_node for a new worker), which would leave a worker's owners and grants naming
/// whatever role has the coordinator's OID there. A one-row INSERT goes to the workers as
/// SQL, where a regrole constant is the role's name. An owner whose role was dropped is
/// written as no role (OID 0: orphaned, superusers only, as before).
fn rewrite_roles() -> SqlResult<()> {
    let owners = as_extension_owner(|| {
        select_all(
            "SELECT o.name, CASE WHEN r.oid IS NULL THEN '0' ELSE o.owner::text END,
                    o.created_at::text, o.last_version
               FROM finml.model_owners o
               LEFT JOIN pg_catalog.pg_roles r ON r.oid = o.owner::pg_catalog.oid",
            &[],
            |row| {
                Ok((
                    row.get::<String>(1).or_report()?.unwrap_or_default(),
                    row.get::<String>(2).or_report()?.unwrap_or_default(),
                    row.get::<String>(3).or_report()?.unwrap_or_default(),
                    row.get::<i32>(4).or_report()?.unwrap_or(0),
                ))
            },
        )
    })?;
    let grants = read_grants(None)?;
    run("DELETE FROM finml.model_owners", &[])?;
    run("DELETE FROM finml.model_grants", &[])?;
    for (name, owner, created_at, last_version) in owners {
        run(
            "INSERT INTO finml.model_owners (name, owner, created_at, last_version)
             VALUES ($1, $2::pg_catalog.regrole, $3::pg_catalog.timestamptz, $4)",
            &[
                DatumWithOid::from(name.as_str()),
                DatumWithOid::from(owner.as_str()),
                DatumWithOid::from(created_at.as_str()),
                DatumWithOid::from(last_version),
            ],
        )?;
    }
    insert_grants(&grants)
}

/// A role as regrole writes it (quoted where needed; '0' for PUBLIC or no role, which regrole
/// reads back as OID 0 on every node, where it does not read its own '-'), which is how finml
/// passes a role to a write of owners or grants: whether Citus evaluates `$n::regrole` on the
/// coordinator (and sends the constant, written as the name) or sends the text to each node,
/// each node stores its own OID of the role. An OID parameter would reach the workers as a
/// number, naming another role there.
pub fn role_text(role: Oid) -> SqlResult<String> {
    select_one::<String>(
        "SELECT CASE WHEN $1 = 0 THEN '0' ELSE $1::pg_catalog.oid::pg_catalog.regrole::pg_catalog.text END",
        // As int8: pgrx passes InvalidOid (PUBLIC's 0) as NULL.
        &[DatumWithOid::from(i64::from(role.to_u32()))],
    )
    .map(Option::unwrap_or_default)
}

/// Takes `grantee`'s grant on `model` away; returns whether it had one.
///
/// Not `DELETE ... WHERE grantee = oid`: on a cluster that DELETE runs on every node with the
/// coordinator's OID, which names another role (or none) on a worker, and Citus takes no
/// role-name function of a column in a DELETE. So the model's grants are deleted by name and
/// the others written again ([`rewrite_roles`] says why one row per statement).
pub fn remove_grant(model: &str, grantee: Oid) -> SqlResult<bool> {
    let (gone, kept): (Vec<Grant>, Vec<Grant>) = read_grants(Some(model))?
        .into_iter()
        .partition(|g| g.grantee == grantee);
    if gone.is_empty() {
        return Ok(false);
    }
    run(
        "DELETE FROM finml.model_grants WHERE name = $1",
        &[DatumWithOid::from(model)],
    )?;
    insert_grants(&kept)?;
    Ok(true)
}

/// A row of finml.model_grants, its times as text.
struct Grant {
    model: String,
    grantee: Oid,
    /// The grantee as regrole writes it, which each node reads as its own OID of the role.
    grantee_text: String,
    granted_by: String,
    granted_at: String,
}

/// The grants of `model` (of every model with `None`); a grant to a dropped role is left out
/// (it lets nobody in, and written again it would name no role: PUBLIC's OID).
fn read_grants(model: Option<&str>) -> SqlResult<Vec<Grant>> {
    as_extension_owner(|| {
        select_all(
            "SELECT g.name, g.grantee::pg_catalog.oid, g.granted_by::text, g.granted_at::text,
                    CASE WHEN g.grantee::pg_catalog.oid = 0 THEN '0' ELSE g.grantee::text END
               FROM finml.model_grants g
              WHERE ($1::text IS NULL OR g.name = $1)
                AND (g.grantee::pg_catalog.oid = 0::pg_catalog.oid
                     OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                                 WHERE r.oid = g.grantee::pg_catalog.oid))",
            &[DatumWithOid::from(model)],
            |row| {
                Ok(Grant {
                    model: row.get::<String>(1).or_report()?.unwrap_or_default(),
                    grantee: row.get::<Oid>(2).or_report()?.unwrap_or(Oid::INVALID),
                    granted_by: row.get::<String>(3).or_report()?.unwrap_or_default(),
                    granted_at: row.get::<String>(4).or_report()?.unwrap_or_default(),
                    grantee_text: row.get::<String>(5).or_report()?.unwrap_or_default(),
                })
            },
        )
    })
}

fn insert_grants(grants: &[Grant]) -> SqlResult<()> {
    for g in grants {
        run(
            "INSERT INTO finml.model_grants (name, grantee, granted_by, granted_at)
             VALUES ($1, $2::pg_catalog.regrole, $3, $4::pg_catalog.timestamptz)",
            &[
                DatumWithOid::from(g.model.as_str()),
                DatumWithOid::from(g.grantee_text.as_str()),
                DatumWithOid::from(g.granted_by.as_str()),
                DatumWithOid::from(g.granted_at.as_str()),
            ],
        )?;
    }
    Ok(())
}

/// One statement as the extension's owner, search_path pinned, without Citus's notices (its
/// "copying data" and a hint to do what [`distribute_catalog`] does next).
fn run(query: &str, args: &[DatumWithOid<'_>]) -> SqlResult<()> {
    as_extension_owner(|| {
        // SAFETY: at the GUC nest level as_extension_owner opened, which restores it.
        unsafe { save_setting(c"client_min_messages", c"warning") };
        Spi::connect_mut(|client| client.update(query, None, args).or_report().map(|_| ()))
    })
}
