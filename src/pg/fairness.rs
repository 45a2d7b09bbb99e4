//! Fair-lending tests, the service of api/fairness.rs (`fin_fairness`): the model's decisions
//! on the labelled rows of a relation compared across the groups of its protected columns
//! (models::fairness). The relation is read with the caller's rights, so the protected
//! attributes may live in a table or view that only a fairness role reads.

use crate::error::{fail, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::with_model;
use crate::pg::relation::{self, RelationColumn};
use crate::pg::scoring::{self, Scoring};
use crate::pg::types::ValueKind;
use finml_models::fairness::{
    positive_class_of, FairnessOptions, FairnessSample, GroupFairness, ProtectedColumn,
    MAX_ATTRIBUTES,
};
use finml_models::ErrorKind;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_fairness's row, in its columns' order.
pub type FairnessRow = (
    String,
    Option<String>,
    bool,
    i64,
    i64,
    f64,
    Option<f64>,
    Option<bool>,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

/// fin_fairness: every protected attribute's groups, the model scored on each labelled row.
pub fn fairness(
    model: &str,
    relation: Oid,
    protected: &[Option<String>],
    options: &Value,
) -> SqlResult<Vec<FairnessRow>> {
    let relation_name = relation::relation_name(relation)?;
    let columns = relation::columns_of(relation)?;
    let protected = protected_columns(protected, &columns, &relation_name)?;
    let attributes: Vec<ProtectedColumn> = protected.iter().map(|(a, _)| a.clone()).collect();
    let options = FairnessOptions::parse(options, &attributes).or_report()?;
    let on_workers = scoring::on_workers(relation)?;
    let report = with_model(model, |m| {
        let positive = positive_class_of(&m.model).or_report()?;
        let target = relation::target_column(relation, &relation_name, &m.model)?;
        let budget = gucs::max_training_memory_bytes();
        let mut sample = FairnessSample::new(positive, &attributes, options, budget).or_report()?;
        let mut extra = vec![relation::scanned_column(&target.0, target.1)];
        extra.extend(
            protected
                .iter()
                .map(|(_, column)| relation::scanned_column(column, read_as(column))),
        );
        scoring::score_rows(
            on_workers,
            model,
            m,
            &relation_name,
            &extra,
            "predictions",
            |row, values| {
                let score = match row {
                    Scoring::Predicted(p) => p,
                    Scoring::Features(features) => m.model.predict(features).or_report()?,
                };
                sample.add(score, values[0], &values[1..]).or_report()
            },
        )?;
        sample.report().or_report()
    })?;
    Ok(report.into_iter().map(row).collect())
}

/// A protected column is read as a number (to be banded) or as text (a boolean as
/// "true"/"false", an enum by its label).
fn read_as(column: &RelationColumn) -> ValueKind {
    match column.kind {
        Some(ValueKind::Numeric) => ValueKind::Numeric,
        _ => ValueKind::Text,
    }
}

/// The protected columns, each once, of a type whose values are groups: 22004 for a NULL
/// name, 22023 for none, too many or a repeat, 42703 for a column that is not there, 42804
/// for a date.
fn protected_columns(
    names: &[Option<String>],
    columns: &[RelationColumn],
    relation_name: &str,
) -> SqlResult<Vec<(ProtectedColumn, RelationColumn)>> {
    let hint = "name the protected columns of the relation: ARRAY['age', 'marital']";
    if names.is_empty() || names.len() > MAX_ATTRIBUTES {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "fin_fairness tests 1 to {MAX_ATTRIBUTES} protected attributes, got {}",
                names.len()
            ),
            hint,
        ));
    }
    let mut protected: Vec<(ProtectedColumn, RelationColumn)> = Vec::new();
    for name in names {
        let Some(name) = name else {
            return Err(fail(
                ErrorKind::NullArgument,
                "a protected attribute is NULL",
                hint,
            ));
        };
        if protected.iter().any(|(p, _)| &p.name == name) {
            return Err(fail(
                ErrorKind::InvalidOption,
                format!("protected attribute \"{name}\" is named twice"),
                hint,
            ));
        }
        let Some(column) = columns.iter().find(|c| &c.name == name) else {
            return Err(fail(
                ErrorKind::UnknownColumn,
                format!("column \"{name}\" does not exist in {relation_name}"),
                "test a view that joins the protected attributes to the rows (they may live in a table only a fairness role reads)",
            ));
        };
        if column.kind == Some(ValueKind::Date) {
            return Err(fail(
                ErrorKind::WrongType,
                format!(
                    "protected attribute \"{name}\" is of type {}",
                    column.type_name
                ),
                "a protected attribute is text, boolean or a number (banded by options.bands): derive it in a view, e.g. extract(year from age(birth_date)) AS age",
            ));
        }
        protected.push((
            ProtectedColumn {
                name: name.clone(),
                numeric: column.kind == Some(ValueKind::Numeric),
            },
            column.clone(),
        ));
    }
    Ok(protected)
}

fn row(g: GroupFairness) -> FairnessRow {
    (
        g.attribute,
        g.group,
        g.is_reference,
        g.rows as i64,
        g.events as i64,
        g.approval_rate,
        g.adverse_impact_ratio,
        g.adverse_impact,
        g.parity_difference,
        g.true_positive_rate,
        g.false_positive_rate,
        g.equal_opportunity_difference,
        g.average_odds_difference,
        g.auc,
        g.mean_predicted,
        g.observed_rate,
        g.standardized_mean_difference,
        g.summary.demographic_parity_difference,
        g.summary.demographic_parity_ratio,
        g.summary.equalized_odds_difference,
        g.summary.equalized_odds_ratio,
    )
}
