//! fin_ecl and fin_ecl_summary: every loan of a relation staged and provisioned with a
//! survival model (finml_models::ecl decides every number); the loans are read as fin_predict
//! reads a row, with their terms (EAD, LGD, rate, remaining term, ...) beside them.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::relation::{self, RelationColumn};
use crate::pg::row::with_row_values;
use crate::pg::srf::{Cell, MaterializedRows};
use crate::pg::types::{quote_ident, ValueKind};
use finml_models::ecl::{EclOptions, LoanEcl, LoanTerms, StageTotals};
use finml_models::RawValue;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// The select list's extra values of a loan, in [`Terms`]'s order.
struct Terms {
    columns: Vec<(String, ValueKind)>,
    /// Each term's position among `columns`.
    ead: usize,
    lgd: Option<usize>,
    eir: Option<usize>,
    remaining_term: usize,
    origination_pd: Option<usize>,
    days_past_due: Option<usize>,
    in_default: Option<usize>,
    key: Vec<usize>,
}

impl Terms {
    fn new(relation: Oid, relation_name: &str, options: &EclOptions) -> SqlResult<Terms> {
        let columns = relation::columns_of(relation)?;
        let mut terms = Terms {
            columns: Vec::new(),
            ead: 0,
            lgd: None,
            eir: None,
            remaining_term: 0,
            origination_pd: None,
            days_past_due: None,
            in_default: None,
            key: Vec::new(),
        };
        let mut add = |name: &str, option: &str, kind: ValueKind| -> SqlResult<usize> {
            let column = find(&columns, relation_name, name, option)?;
            if column.kind != Some(kind) && kind != ValueKind::Text {
                return Err(fail(
                    ErrorKind::WrongType,
                    format!(
                        "options.{option} names column \"{name}\" of type {}",
                        column.type_name
                    ),
                    if kind == ValueKind::Boolean {
                        "options.in_default names a boolean column"
                    } else {
                        "name a numeric column, or cast it in a view"
                    },
                ));
            }
            let expression = if kind == ValueKind::Text {
                // The key as its own text: a bigint or numeric account number read through
                // float8 would be rounded past 2^53.
                format!(
                    "({}.{})::text",
                    relation::SCANNED_ROW,
                    quote_ident(&column.name)
                )
            } else {
                relation::scanned_column(column, kind).0
            };
            terms.columns.push((expression, kind));
            Ok(terms.columns.len() - 1)
        };
        let ead = add(&options.ead, "ead", ValueKind::Numeric)?;
        let remaining_term = add(
            &options.remaining_term,
            "remaining_term",
            ValueKind::Numeric,
        )?;
        let mut optional = |name: Option<&str>, option: &str, kind: ValueKind| {
            name.map(|n| add(n, option, kind)).transpose()
        };
        let lgd = optional(options.lgd.column(), "lgd", ValueKind::Numeric)?;
        let eir = optional(options.eir.column(), "eir", ValueKind::Numeric)?;
        let origination_pd = optional(
            options.origination_pd.as_deref(),
            "origination_pd",
            ValueKind::Numeric,
        )?;
        let days_past_due = optional(
            options.days_past_due.as_deref(),
            "days_past_due",
            ValueKind::Numeric,
        )?;
        let in_default = optional(
            options.in_default.as_deref(),
            "in_default",
            ValueKind::Boolean,
        )?;
        let key_names = match &options.key {
            Some(name) => vec![name.clone()],
            None => relation::primary_key_of(relation)?,
        };
        if key_names.is_empty() {
            return Err(fail(
                ErrorKind::InvalidOption,
                format!("{relation_name} has no primary key to name the loans by"),
                r#"name the loan's identifying column with options.key ("key": "loan_id")"#,
            ));
        }
        let mut key = Vec::with_capacity(key_names.len());
        for name in &key_names {
            key.push(add(name, "key", ValueKind::Text)?);
        }
        Ok(Terms {
            ead,
            lgd,
            eir,
            remaining_term,
            origination_pd,
            days_past_due,
            in_default,
            key,
            ..terms
        })
    }

    fn of(&self, values: &[RawValue<'_>]) -> LoanTerms {
        let number = |k: Option<usize>| {
            k.and_then(|k| match values[k] {
                RawValue::Number(v) => Some(v),
                _ => None,
            })
        };
        LoanTerms {
            ead: number(Some(self.ead)),
            lgd: number(self.lgd),
            eir: number(self.eir),
            remaining_term: number(Some(self.remaining_term)),
            origination_pd: number(self.origination_pd),
            days_past_due: number(self.days_past_due),
            in_default: self.in_default.and_then(|k| match values[k] {
                RawValue::Text(t) => Some(t == "true"),
                _ => None,
            }),
        }
    }

    /// The loan's key: its key columns' texts joined by '|'.
    fn key_of(&self, values: &[RawValue<'_>], key: &mut String) {
        key.clear();
        for (n, &k) in self.key.iter().enumerate() {
            if n > 0 {
                key.push('|');
            }
            match values[k] {
                RawValue::Text(t) => key.push_str(t),
                RawValue::Number(v) => key.push_str(&v.to_string()),
                RawValue::Null => {}
            }
        }
    }
}

fn find<'c>(
    columns: &'c [RelationColumn],
    relation_name: &str,
    name: &str,
    option: &str,
) -> SqlResult<&'c RelationColumn> {
    columns.iter().find(|c| c.name == name).ok_or_else(|| {
        fail(
            ErrorKind::UnknownColumn,
            format!(
                "options.{option} names column \"{name}\", which {relation_name} does not have"
            ),
            "name a column of the loans' relation, or add it in a view",
        )
    })
}

/// Every loan's ECL, handed to `on_loan` with its key and the version used; returns the
/// version (also for a relation without loans).
fn each_loan(
    model: &str,
    relation: Oid,
    options: &Value,
    mut on_loan: impl FnMut(&str, &LoanEcl, i32) -> SqlResult<()>,
) -> SqlResult<i32> {
    let relation_name = relation::relation_name(relation)?;
    with_model(model, |m| {
        let options = EclOptions::parse(options, &m.model).or_report()?;
        relation::check_feature_columns(relation, &relation_name, &m.model)?;
        let terms = Terms::new(relation, &relation_name, &options)?;
        let (mut key, mut survival) = (String::new(), Vec::new());
        relation::scan_rows_with(&relation_name, &terms.columns, |datum, extra| {
            let loan_terms = terms.of(extra);
            terms.key_of(extra, &mut key);
            let loan = with_row_values(&m.model, &m.layouts, datum, |values| {
                options
                    .loan(&m.model, values, &loan_terms, &key, &mut survival)
                    .or_report()
            })?;
            on_loan(&key, &loan, m.version)
        })?;
        Ok(m.version)
    })
}

/// fin_ecl: one row per loan into `out`.
pub fn ecl(
    model: &str,
    relation: Oid,
    options: &Value,
    out: &mut MaterializedRows,
) -> SqlResult<()> {
    each_loan(model, relation, options, |key, loan, version| {
        out.push(&[
            Cell::Text(key),
            Cell::Integer(i32::from(loan.stage)),
            Cell::Float(loan.pd_12m),
            Cell::Float(loan.pd_lifetime),
            Cell::Float(loan.ead),
            Cell::Float(loan.ecl_12m),
            Cell::Float(loan.ecl_lifetime),
            Cell::Float(loan.ecl),
            Cell::Integer(version),
        ])
    })?;
    Ok(())
}

/// fin_ecl_summary's row: stage (NULL: all), loans, exposure, ECL, coverage, version.
pub type StageRow = (Option<i32>, i64, f64, f64, Option<f64>, i32);

/// fin_ecl_summary: the loans, exposure, ECL and coverage of each stage, then of all.
pub fn summary(model: &str, relation: Oid, options: &Value) -> SqlResult<Vec<StageRow>> {
    let mut stages = [StageTotals::default(); 3];
    let used = each_loan(model, relation, options, |_, loan, _| {
        stages[usize::from(loan.stage) - 1].add(loan);
        Ok(())
    })?;
    let mut total = StageTotals::default();
    let mut rows = Vec::with_capacity(4);
    for (k, stage) in stages.iter().enumerate() {
        total.loans += stage.loans;
        total.exposure += stage.exposure;
        total.ecl += stage.ecl;
        rows.push((
            Some(k as i32 + 1),
            stage.loans as i64,
            stage.exposure,
            stage.ecl,
            stage.coverage(),
            used,
        ));
    }
    rows.push((
        None,
        total.loans as i64,
        total.exposure,
        total.ecl,
        total.coverage(),
        used,
    ));
    if !(total.exposure.is_finite() && total.ecl.is_finite()) {
        return Err(fail(
            ErrorKind::OutOfRange,
            "the book's total exposure or ECL overflows double precision",
            "check the EAD column for values that are not amounts (1e308)",
        ));
    }
    Ok(rows)
}
