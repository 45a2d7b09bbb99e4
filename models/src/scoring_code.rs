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

/// A text literal that reads as `text` whatever `standard_conforming_strings` is: the
/// generated SQL is run by other sessions and other servers, where that setting is theirs.
/// With it off, PostgreSQL reads backslashes in an ordinary '...' literal as escapes, so a
/// level such as `x\'); DROP TABLE t; --` would end the literal early and turn the rest into
/// SQL. An E'...' literal reads escapes under either setting, so a text with a backslash is
/// written as one, with each backslash doubled (and each quote doubled, as in every
/// literal); a text without one reads the same either way and stays an ordinary literal,
/// which keeps the scoring code of ordinary levels as it was. (U&'...' is no way out: it is
/// refused while the setting is off; dollar quoting needs a tag the text does not contain.)
pub fn text_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
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

/// Each calendar part's numeric term, computed as calendar.rs computes it: from the
/// instant's seconds since the epoch as float8 (what fin_predict reads for a date, a
/// timestamp or a timestamptz, so a timestamptz is taken in UTC), its day
/// `floor(seconds / 86400)` and the seconds into that day, by the same IEEE operations
/// (`calendar::day_and_seconds`). The civil parts are EXTRACT's of that day as a date,
/// `'1970-01-01'::date + day`: date arithmetic reaches every date PostgreSQL stores (to
/// 5874897), where a conversion through timestamp (`to_timestamp`) fails from year 294277.
/// The column's type is not in the model, so the expression must read date, timestamp and
/// timestamptz alike: EXTRACT(EPOCH) does, EXTRACT(HOUR) does not (a date has none).
fn date_terms(name: &str, d: &DateTransform, weights: &[f64]) -> String {
    let seconds = format!("EXTRACT(EPOCH FROM {name})::float8");
    let day = format!("pg_catalog.floor({seconds} / 86400.0::float8)");
    let date = format!("('1970-01-01'::pg_catalog.date + ({day})::pg_catalog.int4)");
    let of_day = format!("({seconds} - {day} * 86400.0::float8)");
    let terms: Vec<String> = d
        .parts
        .iter()
        .zip(weights)
        .map(|(p, &w)| {
            let part = match p.part {
                DatePart::DaysSince => {
                    format!("({seconds} - {}) / 86400.0::float8", float8(d.origin))
                }
                DatePart::Hour => format!("pg_catalog.floor({of_day} / 3600.0::float8)"),
                DatePart::Minute => format!(
                    "pg_catalog.floor({of_day} / 60.0::float8) - 60.0::float8 * pg_catalog.floor({of_day} / 3600.0::float8)"
                ),
                DatePart::Year
                | DatePart::Quarter
                | DatePart::Month
                | DatePart::Day
                | DatePart::Dow
                | DatePart::Doy => {
                    format!("EXTRACT({} FROM {date})", p.part.as_str().to_uppercase())
                }
            };
            numeric_term(&part, &p.scaling, w)
        })
        .collect();
    // One parenthesized sum, added to the linear predictor as one term: fin_predict sums a
    // date's parts first (Preprocessor::feature_terms), and floating-point addition is not
    // associative.
    format!("({})", terms.join("\n  + "))
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
            // A bin whose levels all left it (a redacted export) matches no value.
            for (k, bin_levels) in levels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
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
    use crate::preprocess::DatePartTransform;

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

    /// How PostgreSQL's lexer (scan.l) reads the string literal at the start of `sql`: its
    /// value and the SQL after it. An ordinary literal is read as an E'' one when
    /// `standard_conforming_strings` is off.
    fn read_literal(sql: &str, standard_conforming_strings: bool) -> (String, &str) {
        let (escapes, body) = match sql.strip_prefix("E'") {
            Some(body) => (true, body),
            None => (!standard_conforming_strings, &sql[1..]),
        };
        let mut value = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' if chars.peek().map(|&(_, n)| n) == Some('\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => return (value, &body[i + 1..]),
                '\\' if escapes => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                c => value.push(c),
            }
        }
        panic!("unterminated literal: {sql}");
    }

    const ATTACK: &str = r"x\'); DROP TABLE t; --";

    #[test]
    fn text_literals_read_the_same_whatever_standard_conforming_strings_is() {
        for text in [
            ATTACK,
            "plain",
            "O'Brien",
            r"back\slash",
            r"\\",
            r"ends with \",
            r"\'",
            "''",
            r"\n is not a newline",
            "ünïcödé \\ 'mixed'",
            "",
        ] {
            let literal = text_literal(text);
            for setting in [true, false] {
                let after = format!("{literal} THEN 1.0::float8");
                let (value, rest) = read_literal(&after, setting);
                assert_eq!(
                    value, text,
                    "{literal} with standard_conforming_strings {setting}"
                );
                assert_eq!(rest, " THEN 1.0::float8", "{literal}");
            }
        }
        assert_eq!(text_literal(ATTACK), r"E'x\\''); DROP TABLE t; --'");
        assert_eq!(
            text_literal("married"),
            "'married'",
            "ordinary levels are unchanged"
        );
        // The old form, quotes doubled only, is what the attack needed: with the setting off
        // its literal ends after `x'` and the rest is SQL.
        let old = format!("'{}'", ATTACK.replace('\'', "''"));
        let (value, rest) = read_literal(&old, false);
        assert_eq!(value, "x'");
        assert!(rest.starts_with("); DROP TABLE t;"), "{rest}");
    }

    #[test]
    fn crafted_levels_stay_inside_their_literals_in_the_scoring_code() {
        let levels = [ATTACK, r"back\slash", "O'Brien"];
        let categorical: CategoricalTransform = serde_json::from_value(serde_json::json!({
            "levels": levels, "missing_column": null, "reference": "plain"
        }))
        .unwrap();
        let term = categorical_term(&column("home"), &categorical, &[0.5, 0.25, -1.0]);
        let binning: Binning = serde_json::from_value(serde_json::json!({
            "input": "categorical",
            "levels": [[ATTACK, "O'Brien"], [r"back\slash"]],
            "bins": [
                {"rows": 10, "events": 2, "woe": 0.5, "iv": 0.01},
                {"rows": 10, "events": 5, "woe": -0.5, "iv": 0.01},
                {"rows": 0, "events": 0, "woe": 0.0, "iv": 0.0}
            ]
        }))
        .unwrap();
        let card = bin_case(&column("home"), &binning, |bin| float8(bin as f64));
        for (sql, setting) in [(&term, true), (&term, false), (&card, true), (&card, false)] {
            // Every literal, read as PostgreSQL reads it, is one of the levels, and what is
            // left outside the literals is the CASE's own SQL.
            let mut outside = String::new();
            let mut read = Vec::new();
            let mut rest = sql.as_str();
            while let Some(start) = rest.find(['\'', 'E']) {
                let literal = &rest[start..];
                if !(literal.starts_with('\'') || literal.starts_with("E'")) {
                    outside.push_str(&rest[..=start]);
                    rest = &rest[start + 1..];
                    continue;
                }
                outside.push_str(&rest[..start]);
                let (value, after) = read_literal(literal, setting);
                read.push(value);
                rest = after;
            }
            outside.push_str(rest);
            let mut expected: Vec<String> = levels.iter().map(|l| l.to_string()).collect();
            let mut got = read;
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "{sql}");
            assert!(!outside.contains("DROP"), "{outside}");
            assert!(!outside.contains(';'), "{outside}");
        }
    }

    #[test]
    fn date_parts_are_computed_from_the_date_not_through_timestamp() {
        let parts: Vec<DatePartTransform> = crate::calendar::ALL_PARTS
            .iter()
            .map(|&part| DatePartTransform {
                part,
                scaling: NumericTransform {
                    impute: 1.0,
                    mean: 0.5,
                    scale: 2.0,
                    keep_missing: false,
                },
            })
            .collect();
        let transform = DateTransform {
            origin: 86_400.0,
            parts,
        };
        let weights = vec![1.0; crate::calendar::ALL_PARTS.len()];
        let sql = date_terms(&column("opened"), &transform, &weights);
        // No conversion through timestamp, which ends in year 294276, and no time zone.
        assert!(
            !sql.contains("to_timestamp") && !sql.contains("TIME ZONE"),
            "{sql}"
        );
        let day = "pg_catalog.floor(EXTRACT(EPOCH FROM \"opened\")::float8 / 86400.0::float8)";
        let date = format!("('1970-01-01'::pg_catalog.date + ({day})::pg_catalog.int4)");
        for field in ["YEAR", "QUARTER", "MONTH", "DAY", "DOW", "DOY"] {
            assert!(
                sql.contains(&format!("EXTRACT({field} FROM {date})")),
                "{field}: {sql}"
            );
        }
        let of_day = format!("(EXTRACT(EPOCH FROM \"opened\")::float8 - {day} * 86400.0::float8)");
        assert!(sql.contains(&format!("pg_catalog.floor({of_day} / 3600.0::float8)")));
        assert!(sql.contains(&format!(
            "pg_catalog.floor({of_day} / 60.0::float8) - 60.0::float8 * pg_catalog.floor({of_day} / 3600.0::float8)"
        )));
        assert!(sql.contains(
            "(EXTRACT(EPOCH FROM \"opened\")::float8 - 86400.0::float8) / 86400.0::float8"
        ));
        assert_eq!(
            sql.matches("\n  + ").count(),
            crate::calendar::ALL_PARTS.len() - 1
        );
    }
}
