//! Batch scoring (`fin_score_table`): its options, and the decision at a cutoff.

use crate::error::{Error, Result};
use serde::Deserialize;
use serde_json::Value;

/// Reason codes written per row for a scorecard when the options do not say.
pub const DEFAULT_REASONS: usize = 4;
/// Reason codes written per row for any other model when the options do not say: none, since
/// each one explains its row (TreeSHAP over every tree of a forest, integrated gradients
/// through a network), which costs far more than the prediction.
pub const DEFAULT_REASONS_WITHOUT_POINTS: usize = 0;

/// What a batch-scoring run writes besides each row's prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTableOptions {
    /// The source columns copied to identify each row; `None`: the source's primary key.
    pub key: Option<Vec<String>>,
    /// Probability at or above which a row is decided as the positive class.
    pub cutoff: Option<f64>,
    /// Reason codes per row (0: no reasons column); `None`: the model's default
    /// ([`ScoreTableOptions::reasons_for`]).
    pub reasons: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    key: Option<KeyColumns>,
    cutoff: Option<f64>,
    reasons: Option<u32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyColumns {
    One(String),
    Many(Vec<String>),
}

pub const SCORE_TABLE_KEYS: &str = "key (a column or an array of columns; default: the source's primary key), cutoff (a probability: adds a decision column), reasons (reason codes per row, 0 to 20; default 4 for a scorecard, 0 for other models, whose reasons explain each row and cost more time than the prediction)";

impl ScoreTableOptions {
    pub fn parse(options: &Value) -> Result<ScoreTableOptions> {
        let invalid = |why: String| {
            Error::invalid_option(format!("invalid fin_score_table options: {why}"))
                .with_hint(format!("the options are: {SCORE_TABLE_KEYS}"))
        };
        let raw: Raw =
            serde_json::from_value(options.clone()).map_err(|e| invalid(e.to_string()))?;
        let key = raw.key.map(|k| match k {
            KeyColumns::One(c) => vec![c],
            KeyColumns::Many(cs) => cs,
        });
        if key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.iter().any(String::is_empty))
        {
            return Err(invalid("key names no column".into()));
        }
        if let Some(c) = raw.cutoff {
            if !(0.0..=1.0).contains(&c) {
                return Err(invalid(format!("cutoff must be a probability, got {c}")));
            }
        }
        let reasons = raw.reasons.map(|n| n as usize);
        if let Some(reasons) = reasons.filter(|&n| n > 20) {
            return Err(invalid(format!("reasons must be 0 to 20, got {reasons}")));
        }
        Ok(ScoreTableOptions {
            key,
            cutoff: raw.cutoff,
            reasons,
        })
    }

    /// The reason codes per row for a model with points (a scorecard) or without.
    pub fn reasons_for(&self, has_points: bool) -> usize {
        self.reasons.unwrap_or_else(|| default_reasons(has_points))
    }
}

/// Reason codes per row when the caller does not say: a scorecard's 4, another model's 0.
pub fn default_reasons(has_points: bool) -> usize {
    if has_points {
        DEFAULT_REASONS
    } else {
        DEFAULT_REASONS_WITHOUT_POINTS
    }
}

/// The class decided at `cutoff`: the positive one when the probability reaches it.
pub fn decision<'a>(
    probability: f64,
    cutoff: f64,
    positive: &'a str,
    negative: &'a str,
) -> &'a str {
    if probability >= cutoff {
        positive
    } else {
        negative
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    #[test]
    fn options_take_one_key_or_several_and_reject_what_they_do_not_know() {
        let o = ScoreTableOptions::parse(&json!({})).unwrap();
        assert_eq!(
            (o.reasons_for(true), o.reasons_for(false)),
            (DEFAULT_REASONS, DEFAULT_REASONS_WITHOUT_POINTS)
        );
        assert_eq!((o.key, o.cutoff, o.reasons), (None, None, None));
        let o =
            ScoreTableOptions::parse(&json!({"key": "id", "cutoff": 0.2, "reasons": 0})).unwrap();
        assert_eq!((o.reasons_for(true), o.reasons_for(false)), (0, 0));
        assert_eq!(
            (o.key, o.cutoff, o.reasons),
            (Some(vec!["id".into()]), Some(0.2), Some(0))
        );
        let o = ScoreTableOptions::parse(&json!({"reasons": 3})).unwrap();
        assert_eq!((o.reasons_for(true), o.reasons_for(false)), (3, 3));
        let o = ScoreTableOptions::parse(&json!({"key": ["branch", "id"]})).unwrap();
        assert_eq!(o.key.unwrap(), ["branch", "id"]);
        for bad in [
            json!({"keys": "id"}),
            json!({"key": []}),
            json!({"cutoff": 1.5}),
            json!({"cutoff": "high"}),
            json!({"reasons": 21}),
            json!({"reasons": -1}),
            json!([1]),
        ] {
            let e = ScoreTableOptions::parse(&bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        }
    }

    #[test]
    fn the_decision_is_positive_from_the_cutoff_on() {
        assert_eq!(decision(0.2, 0.2, "bad", "good"), "bad");
        assert_eq!(decision(0.1999, 0.2, "bad", "good"), "good");
    }
}
