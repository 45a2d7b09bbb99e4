//! `fin_score_table`'s writing: resolve the target table as the caller names it, create it
//! when it is missing, and run one `INSERT … SELECT` that scores the source row by row
//! through `fin_predict`, or `fin_score_row` for a scorecard or reason codes (one call per
//! row). The executor streams the rows (constant memory), checks for cancellation at every
//! row, and writes with the caller's privileges in the caller's transaction: triggers,
//! constraints and indexes on an existing target apply as for any INSERT.

use crate::error::{fail, report, OrReport, SqlResult};
use crate::pg::extension::extension_schema;
use crate::pg::relation::RelationColumn;
use crate::pg::security::with_pinned_search_path;
use crate::pg::spi::{select_one, select_row};
use crate::pg::types::quote_ident;
use finml_models::{Error, ErrorKind};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;

/// What one batch-scoring run writes.
pub struct ScoreRun<'a> {
    /// The model reference pinned to one version ('name@3').
    pub pinned_model: &'a str,
    pub model_name: &'a str,
    pub version: i32,
    /// The source, schema-qualified.
    pub source: &'a str,
    pub key: &'a [RelationColumn],
    /// "probability" for a classifier, "prediction" for a regression.
    pub prediction_column: &'a str,
    /// A scorecard's run: a score column.
    pub score: bool,
    /// Reason codes per row (any supervised model; 0: no reasons column).
    pub reasons: usize,
    pub cutoff: Option<f64>,
    /// The positive and the other class's names, for the decision.
    pub classes: (String, String),
    /// A multi-class model's run: the most probable class and every class's probability
    /// instead of one prediction.
    pub multi_class: bool,
}

impl ScoreRun<'_> {
    /// True when each row's fields come from one call of fin_score_row (a score or reasons),
    /// false when fin_predict gives all there is.
    fn scores_rows(&self) -> bool {
        self.score || self.reasons > 0
    }

    /// The target's columns and their types, in order.
    fn columns(&self) -> Vec<(String, String)> {
        let mut columns: Vec<(String, String)> = self
            .key
            .iter()
            .map(|c| (c.name.clone(), c.type_name.clone()))
            .collect();
        // Qualified: a type (or a domain) of the same name on the caller's search_path must
        // not stand in for these (the statement runs with the search_path pinned too).
        if self.multi_class {
            columns.push(("class".to_owned(), "pg_catalog.text".to_owned()));
            columns.push(("probabilities".to_owned(), "pg_catalog.float8[]".to_owned()));
        } else {
            columns.push((
                self.prediction_column.to_owned(),
                "pg_catalog.float8".to_owned(),
            ));
        }
        if self.score {
            columns.push(("score".to_owned(), "pg_catalog.int4".to_owned()));
        }
        if self.reasons > 0 {
            columns.push(("reasons".to_owned(), "pg_catalog.text[]".to_owned()));
        }
        if self.cutoff.is_some() {
            columns.push(("decision".to_owned(), "pg_catalog.text".to_owned()));
        }
        columns.push(("model".to_owned(), "pg_catalog.text".to_owned()));
        columns.push(("version".to_owned(), "pg_catalog.int4".to_owned()));
        columns.push(("scored_at".to_owned(), "pg_catalog.timestamptz".to_owned()));
        columns
    }

    /// The key columns as the inner query selects them.
    fn key_list(&self) -> String {
        let keys: Vec<String> = self
            .key
            .iter()
            .map(|c| format!("source.{}", quote_ident(&c.name)))
            .collect();
        keys.join(", ")
    }

    /// What the SELECT list gives each target column, in [`Self::columns`]' order.
    fn values(&self) -> Vec<String> {
        let mut values: Vec<String> = self
            .key
            .iter()
            .map(|c| format!("s.{}", quote_ident(&c.name)))
            .collect();
        if self.multi_class {
            values.push("s.finml_class".to_owned());
            values.push("s.finml_probabilities".to_owned());
        } else if self.scores_rows() {
            values.push("(s.finml_scored).prediction".to_owned());
            if self.score {
                values.push("(s.finml_scored).score".to_owned());
            }
            if self.reasons > 0 {
                values.push("(s.finml_scored).reasons".to_owned());
            }
            if self.cutoff.is_some() {
                values.push("(s.finml_scored).decision".to_owned());
            }
        } else {
            values.push("s.finml_prediction".to_owned());
            if self.cutoff.is_some() {
                // batch::decision's rule: the positive class from the cutoff on.
                values.push(
                    "CASE WHEN s.finml_prediction OPERATOR(pg_catalog.>=) $5 THEN $6 ELSE $7 END"
                        .to_owned(),
                );
            }
        }
        values.extend(["$1".into(), "$2".into(), "pg_catalog.now()".into()]);
        values
    }
}

/// What finml writes: fin_score_table a table, fin_ts_view a view.
#[derive(Clone, Copy)]
pub enum Written {
    Table,
    View,
}

impl Written {
    fn noun(self) -> &'static str {
        match self {
            Written::Table => "table",
            Written::View => "view",
        }
    }

    fn wrong_kind_hint(self) -> &'static str {
        match self {
            Written::Table => {
                "fin_score_table writes to a table: name a new one, or an existing table"
            }
            Written::View => "fin_ts_view writes a view: name a new one, or an existing view",
        }
    }

    fn accepts(self, relkind: &str) -> bool {
        match self {
            Written::Table => matches!(relkind, "r" | "p"),
            Written::View => relkind == "v",
        }
    }
}

/// The schema-qualified name of `target` and whether it exists, resolved with the caller's
/// search_path as an INSERT or CREATE TABLE naming it would resolve it.
pub fn resolve_target(target: &str) -> SqlResult<(String, bool)> {
    resolve_written(target, Written::Table)
}

/// [`resolve_target`] for a relation of kind `written`: an existing relation of another
/// kind is 42809.
pub fn resolve_written(target: &str, written: Written) -> SqlResult<(String, bool)> {
    let invalid_target = |target: &str| invalid_target(target, written);
    let existing = with_callers_search_path::<Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[DatumWithOid::from(target)],
    )
    .map_err(|_| invalid_target(target))?;
    if let Some(oid) = existing {
        return Ok((qualified_relation(oid, written)?, true));
    }
    let parts = select_one::<Vec<String>>(
        "SELECT pg_catalog.parse_ident($1)",
        &[DatumWithOid::from(target)],
    )
    .map_err(|_| invalid_target(target))?
    .unwrap_or_default();
    let (schema, table) = match parts.as_slice() {
        [table] => {
            let schema = with_callers_search_path::<String>(
                "SELECT pg_catalog.current_schema()::text",
                &[],
            )?
            .ok_or_else(|| {
                fail(
                    ErrorKind::NotFound,
                    format!(
                        "no schema has been selected to create the {} in",
                        written.noun()
                    ),
                    "name it with its schema: 'reporting.scores'",
                )
            })?;
            (schema, table.clone())
        }
        [schema, table] => (schema.clone(), table.clone()),
        _ => return Err(invalid_target(target)),
    };
    Ok((
        format!("{}.{}", quote_ident(&schema), quote_ident(&table)),
        false,
    ))
}

/// A one-value query whose name resolution is the caller's (every function and operator in
/// it is schema-qualified): finml's other reads pin the search_path to pg_catalog.
fn with_callers_search_path<T: FromDatum + IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> SqlResult<Option<T>> {
    // search_path: the caller's, to resolve a target name as CREATE TABLE would; the
    // queries' functions are schema-qualified.
    Spi::connect(|client| {
        let rows = client.select(query, Some(1), args).or_report()?;
        if rows.is_empty() {
            return Ok(None);
        }
        rows.first().get_one::<T>().or_report()
    })
}

/// An existing relation's name with its schema, whatever the caller's search_path shows.
fn qualified_relation(oid: Oid, written: Written) -> SqlResult<String> {
    select_row(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = $1",
        &[DatumWithOid::from(oid)],
        |row| {
            let schema = row.get::<String>(1).or_report()?.unwrap_or_default();
            let table = row.get::<String>(2).or_report()?.unwrap_or_default();
            let kind = row.get::<String>(3).or_report()?.unwrap_or_default();
            if !written.accepts(&kind) {
                return Err(fail(
                    ErrorKind::WrongModelKind,
                    format!("\"{schema}.{table}\" is not a {}", written.noun()),
                    written.wrong_kind_hint(),
                ));
            }
            Ok(format!("{}.{}", quote_ident(&schema), quote_ident(&table)))
        },
    )?
    .ok_or_else(|| invalid_target(&oid.to_u32().to_string(), written))
}

fn invalid_target(target: &str, written: Written) -> pgrx::pg_sys::panic::ErrorReport {
    let noun = written.noun();
    report(
        Error::invalid_option(format!("invalid target {noun} name \"{target}\"")).with_hint(
            format!("name a {noun}, optionally with its schema: 'scores' or 'reporting.scores'"),
        ),
    )
}

/// Creates `target` when it does not exist, then appends one scored row per source row;
/// returns the number of rows written. Both statements run as the caller with the search_path
/// pinned (DESIGN.md, principle 2): the target and source are schema-qualified already, and
/// nothing in them may resolve to an object the caller's search_path plants.
pub fn score_into(run: &ScoreRun<'_>, target: &str, exists: bool) -> SqlResult<i64> {
    let columns = run.columns();
    let schema = extension_schema()?;
    with_pinned_search_path(|| {
        Spi::connect_mut(|client| {
            if !exists {
                let definition: Vec<String> = columns
                    .iter()
                    .map(|(name, type_name)| format!("{} {type_name}", quote_ident(name)))
                    .collect();
                client
                    .update(
                        &format!("CREATE TABLE {target} ({})", definition.join(", ")),
                        None,
                        &[],
                    )
                    .or_report()?;
            }
            let names: Vec<String> = columns.iter().map(|(n, _)| quote_ident(n)).collect();
            // A scorecard's row (prediction, score, reasons, decision), or another model's
            // with reasons, comes from one call of fin_score_row; a prediction alone is
            // fin_predict's, the cheaper call.
            let scored = if run.multi_class {
                format!(
                    "{schema}.fin_predict_class($3, source) AS finml_class, \
                     {schema}.fin_predict_proba($3, source) AS finml_probabilities"
                )
            } else if run.scores_rows() {
                format!("{schema}.fin_score_row($3, source, $4, $5) AS finml_scored")
            } else {
                format!("{schema}.fin_predict($3, source) AS finml_prediction")
            };
            // OFFSET 0 keeps the subquery whole where the result is used more than once (the
            // composite's fields, or a prediction and its decision); a prediction used once needs
            // no barrier (its scan costs a fifth of the run).
            let barrier = if run.scores_rows() || run.cutoff.is_some() {
                " OFFSET 0"
            } else {
                ""
            };
            let query = format!(
            "INSERT INTO {target} ({}) SELECT {} FROM (SELECT {}, {scored} FROM {} AS source{barrier}) AS s",
            names.join(", "),
            run.values().join(", "),
            run.key_list(),
            run.source,
        );
            let written = client
                .update(
                    &query,
                    None,
                    &[
                        DatumWithOid::from(run.model_name),
                        DatumWithOid::from(run.version),
                        DatumWithOid::from(run.pinned_model),
                        DatumWithOid::from(run.reasons as i32),
                        DatumWithOid::from(run.cutoff),
                        DatumWithOid::from(run.classes.0.as_str()),
                        DatumWithOid::from(run.classes.1.as_str()),
                    ],
                )
                .or_report()?;
            Ok(written.len() as i64)
        })
    })
}
