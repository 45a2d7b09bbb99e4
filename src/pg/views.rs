//! fin_ts_view's view: where its columns come from, how long its series are, and the view
//! itself, created with the caller's rights and finml's own name resolution (every function
//! and operator in the view is pg_catalog's or finml's, whatever the caller's search_path).
//!
//! Regenerating a view keeps what others gave it. When the new columns extend the old ones
//! (same names and types, in order, new ones after) the view is replaced in place (CREATE OR
//! REPLACE VIEW), which keeps its owner, grants, comments, triggers and the views built on
//! it. Otherwise PostgreSQL cannot replace it, so it is dropped and created again with its
//! owner, options, grants and comments put back; when other objects depend on it, which a
//! drop would take with it, the call is refused and names them.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::batch::{resolve_written, Written};
use crate::pg::relation::{columns_of, RelationColumn};
use crate::pg::security::with_pinned_search_path;
use crate::pg::spi::{select_all, select_one, select_row};
use crate::pg::types::quote_ident;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;

/// The relation's columns and its name with its schema, both quoted.
pub fn source(relation: Oid) -> SqlResult<(Vec<RelationColumn>, String)> {
    let name = select_one::<String>(
        "SELECT pg_catalog.quote_ident(n.nspname::text) || '.' || pg_catalog.quote_ident(c.relname::text)
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = $1",
        &[DatumWithOid::from(relation)],
    )?
    .unwrap_or_default();
    Ok((columns_of(relation)?, name))
}

/// The number of rows of the longest series (per `partition` value, or the whole relation).
pub fn longest_series(relation: &str, partition: Option<&str>) -> SqlResult<i64> {
    let query = match partition {
        Some(p) => format!(
            "SELECT coalesce(pg_catalog.max(n), 0) FROM (SELECT pg_catalog.count(*) AS n FROM {relation} GROUP BY {}) s",
            quote_ident(p)
        ),
        None => format!("SELECT pg_catalog.count(*) FROM {relation}"),
    };
    Ok(select_one::<i64>(&query, &[])?.unwrap_or(0))
}

/// A (series, time) key that several rows share.
pub struct RepeatedKey {
    /// The series' value as text (NULL: None), without a partition None too.
    pub series: Option<String>,
    pub time: Option<String>,
    pub rows: i64,
}

/// The first key, in (series, time) order, that more than one row of `relation` has: the
/// view refuses such rows whenever it is read, and fin_ts_view refuses them up front.
pub fn first_repeated_key(
    relation: &str,
    partition: Option<&str>,
    time: &str,
) -> SqlResult<Option<RepeatedKey>> {
    let time = quote_ident(time);
    let (series, keys) = match partition {
        Some(p) => {
            let p = quote_ident(p);
            (format!("{p}::text"), format!("{p}, {time}"))
        }
        None => ("NULL::text".to_owned(), time.clone()),
    };
    select_row(
        &format!(
            "SELECT {series}, {time}::text, pg_catalog.count(*) FROM {relation}
              GROUP BY {keys} HAVING pg_catalog.count(*) > 1 ORDER BY {keys} LIMIT 1"
        ),
        &[],
        |row| {
            Ok(RepeatedKey {
                series: row.get::<String>(1).or_report()?,
                time: row.get::<String>(2).or_report()?,
                rows: row.get::<i64>(3).or_report()?.unwrap_or(0),
            })
        },
    )
}

/// Creates the view `name` over `select`, whose columns are named `columns`, resolved with
/// the caller's search_path as CREATE VIEW would; an existing view is replaced keeping its
/// grants and comments (see the module's comment). Returns its schema-qualified name.
pub fn create_view(name: &str, select: &str, columns: &[String]) -> SqlResult<String> {
    let (qualified, exists) = resolve_written(name, Written::View)?;
    if !exists {
        execute(&[format!("CREATE VIEW {qualified} AS {select}")])?;
        return Ok(qualified);
    }
    let view = select_one::<Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[DatumWithOid::from(qualified.as_str())],
    )?
    .ok_or_else(|| {
        fail(
            ErrorKind::Internal,
            format!("view {qualified} was found and then not"),
            "call fin_ts_view again",
        )
    })?;
    // CREATE OR REPLACE VIEW without WITH resets the view's options: a security_invoker or
    // security_barrier view would silently become a plain one.
    let with = view_options(view)?.map_or(String::new(), |o| format!(" WITH ({o})"));
    let old = view_columns(view)?;
    let new = select_columns(select, columns)?;
    let Some(change) = first_change(&old, &new) else {
        execute(&[format!(
            "CREATE OR REPLACE VIEW {qualified}{with} AS {select}"
        )])?;
        return Ok(qualified);
    };
    let dependents = dependents(view)?;
    if !dependents.is_empty() {
        return Err(fail(
            ErrorKind::InUse,
            format!(
                "view {qualified} cannot be regenerated: {change}, and {} depend{} on it",
                dependents.join(", "),
                if dependents.len() == 1 { "s" } else { "" }
            ),
            "replacing the view would drop them: drop them first and create them again after fin_ts_view (pg_get_viewdef shows a view's SQL), or give options under which the view's present columns come first, unchanged",
        ));
    }
    let kept = kept_statements(view, &qualified, &new)?;
    let mut statements = vec![
        format!("DROP VIEW {qualified}"),
        format!("CREATE VIEW {qualified}{with} AS {select}"),
    ];
    statements.extend(kept);
    execute(&statements)?;
    Ok(qualified)
}

/// Runs DDL statements as the caller, with the search_path pinned.
fn execute(statements: &[String]) -> SqlResult<()> {
    with_pinned_search_path(|| {
        Spi::connect_mut(|client| {
            for statement in statements {
                client.update(statement, None, &[]).or_report()?;
            }
            Ok(())
        })
    })
}

/// The view's options (`reloptions`) as a WITH list, each name and value quoted.
fn view_options(view: Oid) -> SqlResult<Option<String>> {
    select_one::<String>(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1))
                  || ' = ' || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)), ', ')
           FROM pg_catalog.pg_class c, pg_catalog.unnest(c.reloptions) AS o
          WHERE c.oid = $1",
        &[DatumWithOid::from(view)],
    )
}

/// The view's columns: name and type, in order.
fn view_columns(view: Oid) -> SqlResult<Vec<(String, Oid)>> {
    select_all(
        "SELECT attname::text, atttypid FROM pg_catalog.pg_attribute
          WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        &[DatumWithOid::from(view)],
        |row| {
            Ok((
                row.get::<String>(1).or_report()?.unwrap_or_default(),
                row.get::<Oid>(2).or_report()?.unwrap_or(pg_sys::InvalidOid),
            ))
        },
    )
}

/// The columns `select` returns: their names are `names` (the caller built the SELECT), their
/// types PostgreSQL's, read from the plan of the SELECT run for no row.
fn select_columns(select: &str, names: &[String]) -> SqlResult<Vec<(String, Oid)>> {
    let types = with_pinned_search_path(|| {
        Spi::connect(|client| {
            let table = client
                .select(
                    &format!("SELECT * FROM ({select}) AS fin_new LIMIT 0"),
                    None,
                    &[],
                )
                .or_report()?;
            let count = table.columns().or_report()?;
            (1..=count)
                .map(|i| table.column_type_oid(i).map(|t| t.value()).or_report())
                .collect::<SqlResult<Vec<Oid>>>()
        })
    })?;
    if types.len() != names.len() {
        return Err(fail(
            ErrorKind::Internal,
            format!(
                "fin_ts_view's SELECT has {} columns, not the {} it names",
                types.len(),
                names.len()
            ),
            "this is a defect in finml: report it with the fin_ts_view call",
        ));
    }
    Ok(names.iter().cloned().zip(types).collect())
}

/// What stops CREATE OR REPLACE VIEW from replacing `old` by `new` (PostgreSQL keeps each
/// existing column's name and type and lets new ones follow), or None.
fn first_change(old: &[(String, Oid)], new: &[(String, Oid)]) -> Option<String> {
    for (i, (name, type_oid)) in old.iter().enumerate() {
        match new.get(i) {
            None => return Some(format!("its column \"{name}\" would be gone")),
            Some((new_name, _)) if new_name != name => {
                return Some(format!(
                    "its column {} would be \"{new_name}\" instead of \"{name}\"",
                    i + 1
                ))
            }
            Some((_, new_type)) if new_type != type_oid => {
                return Some(format!("its column \"{name}\" would change type"))
            }
            Some(_) => {}
        }
    }
    None
}

/// The objects that depend on the view and that dropping it would drop or refuse to: views
/// and materialized views over it, its triggers and rules, functions whose bodies read it.
fn dependents(view: Oid) -> SqlResult<Vec<String>> {
    let names = select_all(
        "SELECT DISTINCT coalesce(
                  (SELECT CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                          || v.oid::pg_catalog.regclass::text
                     FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
                    WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                      AND r.oid = d.objid AND r.rulename = '_RETURN'),
                  pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)) AS what
           FROM pg_catalog.pg_depend d
          WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1
            AND d.deptype IN ('n', 'a')
            AND NOT EXISTS (SELECT FROM pg_catalog.pg_rewrite own
                             WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                               AND own.oid = d.objid AND own.ev_class = $1
                               AND own.rulename = '_RETURN')
          ORDER BY what",
        &[DatumWithOid::from(view)],
        |row| row.get::<String>(1).or_report(),
    )?;
    Ok(names.into_iter().flatten().collect())
}

/// The statements that give the re-created view its old owner, grants (of the view and of
/// columns it still has) and comments (likewise). Built by the server from the catalog:
/// role and column names through quote_ident, comments through quote_literal (E'' when they
/// hold a backslash, so they read the same whatever standard_conforming_strings is).
fn kept_statements(view: Oid, qualified: &str, new: &[(String, Oid)]) -> SqlResult<Vec<String>> {
    let args = || [DatumWithOid::from(view), DatumWithOid::from(qualified)];
    // The owner first: a member of the owning role may regenerate the view, and the grants
    // that follow are then recorded as the owner's.
    let mut statements: Vec<String> = select_one::<String>(
        "SELECT pg_catalog.format('ALTER VIEW %s OWNER TO %s', $2,
                                  pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner)::text))
           FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &args(),
    )?
    .into_iter()
    .collect();
    let grants_and_comments = select_all(
        "SELECT pg_catalog.format('GRANT %s%s ON %s TO %s%s', e.privilege_type,
                       CASE WHEN s.attname IS NULL THEN '' ELSE ' (' || pg_catalog.quote_ident(s.attname) || ')' END,
                       $2,
                       CASE WHEN e.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)::text) END,
                       CASE WHEN e.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                s.attname
           FROM (SELECT NULL::text AS attname, c.relacl AS acl, c.relowner AS owner
                   FROM pg_catalog.pg_class c WHERE c.oid = $1
                 UNION ALL
                 SELECT a.attname::text, a.attacl, c.relowner
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attacl IS NOT NULL) s,
                pg_catalog.aclexplode(s.acl) e
          WHERE e.grantee <> s.owner
         UNION ALL
         SELECT CASE WHEN d.objsubid = 0 THEN 'COMMENT ON VIEW ' || $2
                     ELSE 'COMMENT ON COLUMN ' || $2 || '.' || pg_catalog.quote_ident(a.attname::text) END
                || ' IS ' || pg_catalog.quote_literal(d.description),
                a.attname::text
           FROM pg_catalog.pg_description d
           LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid
          WHERE d.objoid = $1 AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass",
        &args(),
        |row| {
            Ok((
                row.get::<String>(1).or_report()?,
                row.get::<String>(2).or_report()?,
            ))
        },
    )?;
    for (statement, column) in grants_and_comments {
        // A column's grant or comment goes with the column when the new view lacks it.
        let kept = column.is_none_or(|c| new.iter().any(|(name, _)| *name == c));
        statements.extend(statement.filter(|_| kept));
    }
    Ok(statements)
}
