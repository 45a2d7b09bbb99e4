//! fin_ts_view's view: where its columns come from, how long its series are, and the view
//! itself, created with the caller's rights and finml's own name resolution (every function
//! and operator in the view is pg_catalog's or finml's, whatever the caller's search_path).

use crate::error::{OrReport, SqlResult};
use crate::pg::batch::{resolve_written, Written};
use crate::pg::relation::{columns_of, RelationColumn};
use crate::pg::security::with_pinned_search_path;
use crate::pg::spi::select_one;
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

/// Creates the view `name` (dropping a view of that name first: its columns may change; a
/// view that others depend on is PostgreSQL's own error), resolved with the caller's
/// search_path as CREATE VIEW would, over `select`; returns its schema-qualified name.
pub fn create_view(name: &str, select: &str) -> SqlResult<String> {
    let (qualified, exists) = resolve_written(name, Written::View)?;
    with_pinned_search_path(|| {
        Spi::connect_mut(|client| {
            if exists {
                client
                    .update(&format!("DROP VIEW {qualified}"), None, &[])
                    .or_report()?;
            }
            client
                .update(&format!("CREATE VIEW {qualified} AS {select}"), None, &[])
                .map(|_| ())
                .or_report()
        })
    })?;
    Ok(qualified)
}
