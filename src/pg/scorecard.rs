//! Scorecards, the services of api/scorecard.rs: an applicant's score ([`score`], and
//! [`integer_score`], the one rounding every score goes through), the reason codes (a
//! scorecard's points lost, or any other supervised model's contributions), and the printed
//! scorecard.

use crate::error::{check_argument, fail, ErrorKind, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::row::{with_row_values, RecordArg};
use crate::pg::srf::{Cell, MaterializedRows};
use finml_models::error::with_article;
use finml_models::scorecard::Baseline;
use finml_models::Task;

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

/// fin_reason_codes: at most `n` reasons for one row, most important first. A scorecard's are
/// the characteristics on which it lost the most points against `baseline` ('best' when
/// NULL, or 'average'); any other supervised model's are the features whose contributions
/// (its explanation's, against the training average: `baseline` NULL or 'average') raised
/// its output the most, with a classifier's contribution as points lost at 20 points to
/// double the odds; of `class`'s score when named (Model::explain_class). Each reason is a row
/// of `out`: rank, feature, value, points (a scorecard's), points lost (a classifier's).
pub fn reason_codes(
    model: &str,
    row: RecordArg,
    (n, baseline, class): (i32, Option<&str>, Option<&str>),
    out: &mut MaterializedRows,
) -> SqlResult<()> {
    check_argument(
        "n",
        n,
        1,
        None,
        "regulations ask for up to four principal reasons: the default is 4",
    )?;
    let baseline = baseline
        .map(|b| Baseline::parse(b).or_report())
        .transpose()?;
    with_model(model, |m| {
        let name_of = |k: usize| m.model.preprocessor.features[k].name.as_str();
        if let (Some(name), Some(_)) = (class, m.model.points()) {
            // A scorecard's points are of its positive class.
            if m.model.class_index(name).or_report()? != 1 {
                return Err(fail(
                    ErrorKind::InvalidOption,
                    format!("a scorecard's reasons are the points it lost toward its positive class, not \"{name}\""),
                    "leave class NULL, or name the positive class",
                ));
            }
        }
        if m.model.points().is_some() {
            return with_row_values(&m.model, &m.layouts, row.0, |values| {
                let baseline = baseline.unwrap_or(Baseline::Best);
                let reasons = m.model.reasons(values, baseline, n as usize).or_report()?;
                for (k, r) in reasons.iter().enumerate() {
                    out.push(&[
                        Cell::Integer(k as i32 + 1),
                        Cell::Text(name_of(r.feature)),
                        Cell::Value(values[r.feature]),
                        Cell::Integer(r.points.round() as i32),
                        Cell::Integer(r.points_lost.round() as i32),
                    ])?;
                }
                Ok(())
            });
        }
        let algorithm = m.model.algorithm().as_str();
        if m.model.task.is_unsupervised() {
            return Err(fail(
                ErrorKind::WrongModelKind,
                format!(
                    "reason codes explain a supervised model's prediction; {} model learns without a target",
                    with_article(algorithm)
                ),
                "fin_clusters shows what sets each cluster apart; fin_reason_codes takes a scorecard or any model trained with a target",
            ));
        }
        if baseline == Some(Baseline::Best) {
            return Err(fail(
                ErrorKind::InvalidOption,
                format!("baseline 'best' is a scorecard's best points; {} model has no points", with_article(algorithm)),
                "its reasons are contributions against the training average: leave baseline NULL or write 'average'",
            ));
        }
        let classifier = m.model.task == Task::Classification;
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let reasons = m
                .model
                .class_reasons(values, n as usize, class)
                .or_report()?;
            for (k, r) in reasons.iter().enumerate() {
                let lost = if classifier {
                    Cell::Integer(integer_points(r.points_lost())?)
                } else {
                    Cell::Null
                };
                out.push(&[
                    Cell::Integer(k as i32 + 1),
                    Cell::Text(name_of(r.feature)),
                    Cell::Value(values[r.feature]),
                    Cell::Null,
                    lost,
                ])?;
            }
            Ok(())
        })
    })
}

/// A classifier's contribution in points, rounded to an integer; never a silently clamped one.
fn integer_points(points: f64) -> SqlResult<i32> {
    let rounded = points.round();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&rounded) {
        return Err(fail(
            ErrorKind::OutOfRange,
            format!("points lost {rounded} are out of range for integer"),
            "the contribution is too large to show as points: read it on the log-odds scale with fin_explain",
        ));
    }
    Ok(rounded as i32)
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
