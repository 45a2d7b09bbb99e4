//! Scorecards, the services of api/scorecard.rs: an applicant's score ([`score`], and
//! [`integer_score`], the one rounding every score goes through), the reason codes, and the
//! printed scorecard.

use crate::error::{check_argument, fail, ErrorKind, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::row::{value_text, with_row_values, RecordArg};
use finml_models::scorecard::Baseline;

/// fin_reason_codes's row: rank, feature, value, points, points lost.
pub type ReasonRow = (i32, String, Option<String>, i32, i32);
/// fin_scorecard's row: feature, bin, lower, upper, count, event rate, WoE, IV, points.
pub type BinRow = (
    String,
    String,
    Option<f64>,
    Option<f64>,
    i64,
    Option<f64>,
    f64,
    f64,
    i32,
);

/// fin_score: the applicant's total points on the scorecard `model` names.
pub fn score(model: &str, row: RecordArg) -> SqlResult<i32> {
    with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            integer_score(m.model.score(values).or_report()?)
        })
    })
}

/// A scorecard's total points rounded to an integer; never a silently clamped one.
pub fn integer_score(points: f64) -> SqlResult<i32> {
    let score = points.round();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&score) {
        return Err(fail(
            ErrorKind::OutOfRange,
            format!("score {score} is out of range for integer"),
            "retrain the scorecard with a smaller pdo or base_score",
        ));
    }
    Ok(score as i32)
}

/// fin_reason_codes: at most `n` characteristics on which the applicant lost the most points
/// against `baseline` ('best' or 'average').
pub fn reason_codes(
    model: &str,
    row: RecordArg,
    n: i32,
    baseline: &str,
) -> SqlResult<Vec<ReasonRow>> {
    check_argument(
        "n",
        n,
        1,
        None,
        "regulations ask for up to four principal reasons: the default is 4",
    )?;
    let baseline = Baseline::parse(baseline).or_report()?;
    with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let reasons = m.model.reasons(values, baseline, n as usize).or_report()?;
            let names: Vec<&str> = m.model.feature_names().collect();
            Ok(reasons
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    (
                        k as i32 + 1,
                        names[r.feature].to_owned(),
                        value_text(values[r.feature]),
                        r.points.round() as i32,
                        r.points_lost.round() as i32,
                    )
                })
                .collect::<Vec<_>>())
        })
    })
}

/// fin_scorecard: every bin of every characteristic, with its counts and points.
pub fn bins(model: &str) -> SqlResult<Vec<BinRow>> {
    with_model(model, |m| {
        let (card, binnings) = m.model.scorecard().or_report()?;
        let mut rows = Vec::new();
        for ((name, binning), points) in binnings.iter().zip(&card.points) {
            for (k, bin) in binning.bins.iter().enumerate() {
                let (lower, upper) = binning.bounds(k);
                rows.push((
                    (*name).to_owned(),
                    binning.label(k),
                    (!lower.is_nan()).then_some(lower),
                    (!upper.is_nan()).then_some(upper),
                    bin.rows as i64,
                    bin.event_rate(),
                    bin.woe,
                    bin.iv,
                    points[k].round() as i32,
                ));
            }
        }
        Ok(rows)
    })
}
