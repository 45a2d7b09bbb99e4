//! A model as one SQL expression (`fin_model_sql`): the scoring code a decision engine, a
//! reporting database or a validator runs where finml is not installed.
//!
//! The expression repeats fin_predict's arithmetic operation for operation: each feature's
//! term is `weight × ((coalesce(x, imputed) − mean) / scale)`, an indicator's weight, or a
//! bin's `weight × WoE` (one product, computed here, as fin_predict computes it), added left
//! to right after the intercept. So the linear predictor is the same float8 as fin_predict's.
//! Every literal is written in Rust's shortest round-trip form and read as float8, which
//! parses it back to the same double.

use crate::binning::{Binning, Edges};
use crate::calendar::DatePart;
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::{
    CategoricalTransform, DateTransform, NumericTransform, Preprocessor, Transform,
};

/// A float8 literal that reads back as exactly `x` (finite: models hold no other numbers).
pub fn float8(x: f64) -> String {
    format!("{x:?}::float8")
}

/// A text literal (standard_conforming_strings: only quotes are doubled).
pub fn text_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A column reference, quoted as PostgreSQL quotes identifiers.
pub fn column(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The linear predictor `intercept + Σ terms` of a preprocessor's design, in feature order
/// (0A000 for a text feature: its hashing has no SQL form).
pub fn linear_predictor(
    preprocessor: &Preprocessor,
    intercept: f64,
    weights: &[f64],
) -> Result<String> {
    let mut sql = float8(intercept);
    let mut offset = 0;
    for feature in &preprocessor.features {
        let name = column(&feature.name);
        let width = feature.transform.width();
        let term =
            match &feature.transform {
                Transform::Numeric(n) => numeric_term(&name, n, weights[offset]),
                Transform::Categorical(c) => {
                    categorical_term(&name, c, &weights[offset..offset + width])
                }
                Transform::Binned(b) => {
                    let w = weights[offset];
                    bin_case(&name, b, |bin| float8(w * b.bins[bin].woe))
                }
                Transform::Date(d) => date_terms(&name, d, &weights[offset..offset + width]),
                Transform::Text(_) => return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "feature \"{}\" is hashed text, which has no SQL expression",
                        feature.name
                    ),
                )
                .with_hint(
                    "score it with fin_predict or fin_score_table, or export it with fin_export",
                )),
            };
        sql.push_str("\n  + ");
        sql.push_str(&term);
        offset += width;
    }
    Ok(sql)
}

/// Each calendar part's numeric term, the part computed from the instant in UTC as
/// calendar.rs computes it (a timestamptz is not read in the session's time zone).
fn date_terms(name: &str, d: &DateTransform, weights: &[f64]) -> String {
    let seconds = format!("EXTRACT(EPOCH FROM {name})::float8");
    let utc = format!("(pg_catalog.to_timestamp({seconds}) AT TIME ZONE 'UTC')");
    let terms: Vec<String> = d
        .parts
        .iter()
        .zip(weights)
        .map(|(p, &w)| {
            let part = match p.part {
                DatePart::DaysSince => {
                    format!("({seconds} - {}) / 86400.0::float8", float8(d.origin))
                }
                other => format!("EXTRACT({} FROM {utc})", other.as_str().to_uppercase()),
            };
            numeric_term(&part, &p.scaling, w)
        })
        .collect();
    terms.join("\n  + ")
}

/// The logistic link, with the linear predictor kept within ±700 so that exp neither
/// overflows nor underflows (PostgreSQL raises an error on both; σ(±700) is 1 or 0 to
/// within 1e-304).
pub fn logistic(linear_predictor: &str) -> String {
    format!(
        "1.0::float8 / (1.0::float8 + exp(-least(greatest(\n  {linear_predictor},\n  -700.0::float8), 700.0::float8)))"
    )
}

fn numeric_term(name: &str, n: &NumericTransform, weight: f64) -> String {
    format!(
        "{} * ((coalesce(({name})::float8, {}) - {}) / {})",
        float8(weight),
        float8(n.impute),
        float8(n.mean),
        float8(n.scale)
    )
}

/// The weight of the level's indicator; NULL takes the NULL level's, and the reference level
/// and levels unseen in training take none (0).
fn categorical_term(name: &str, c: &CategoricalTransform, weights: &[f64]) -> String {
    let mut sql = String::from("CASE");
    if let Some(column) = c.missing_column {
        sql.push_str(&format!(
            " WHEN {name} IS NULL THEN {}",
            float8(weights[column])
        ));
    }
    for (level, &w) in c.levels.iter().zip(weights) {
        sql.push_str(&format!(
            " WHEN ({name})::text = {} THEN {}",
            text_literal(level),
            float8(w)
        ));
    }
    sql.push_str(" ELSE 0.0::float8 END");
    sql
}

/// `CASE` over a binning's bins, `value(bin)` in each: NULL (and, for text, unseen levels) in
/// the NULL bin; numeric bin k holds `cuts[k-1] <= x < cuts[k]`.
pub fn bin_case(name: &str, binning: &Binning, value: impl Fn(usize) -> String) -> String {
    let missing = binning.missing_bin();
    let mut sql = format!("CASE WHEN {name} IS NULL THEN {}", value(missing));
    for (k, code) in binning.special.iter().enumerate() {
        sql.push_str(&format!(
            " WHEN ({name})::float8 = {} THEN {}",
            float8(*code),
            value(binning.value_bins() + k)
        ));
    }
    match &binning.edges {
        Edges::Numeric { cuts } => {
            for (k, cut) in cuts.iter().enumerate() {
                sql.push_str(&format!(
                    " WHEN ({name})::float8 < {} THEN {}",
                    float8(*cut),
                    value(k)
                ));
            }
            sql.push_str(&format!(" ELSE {} END", value(cuts.len())));
        }
        Edges::Categorical { levels } => {
            for (k, bin_levels) in levels.iter().enumerate() {
                let list: Vec<String> = bin_levels.iter().map(|l| text_literal(l)).collect();
                sql.push_str(&format!(
                    " WHEN ({name})::text IN ({}) THEN {}",
                    list.join(", "),
                    value(k)
                ));
            }
            sql.push_str(&format!(" ELSE {} END", value(missing)));
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back_exactly_and_quote_what_they_must() {
        for x in [0.1, -1e-300, 1.0 / 3.0, 6.02e23, -0.0] {
            let text = float8(x);
            let number = text.trim_end_matches("::float8");
            assert_eq!(
                number.parse::<f64>().unwrap().to_bits(),
                x.to_bits(),
                "{text}"
            );
        }
        assert_eq!(text_literal("O'Brien"), "'O''Brien'");
        assert_eq!(column("a\"b"), "\"a\"\"b\"");
    }
}
