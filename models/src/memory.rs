//! What `finml.max_training_memory` counts of a supervised training beside its dataset and
//! its fit's own buffers: the lists it keeps from its target to its end (the labelled rows,
//! the map from a row to its label, the labels, the split's two parts), what the split holds
//! while it deals the rows, and what the evaluation holds. Each phase is checked before it
//! allocates; the training's claim is the most any phase holds, data included, stored as
//! `metrics.memory_mb` (DESIGN.md, the memory budget).

use crate::error::{Error, ErrorKind, Result};

const ROW_INDEX: usize = std::mem::size_of::<usize>();
const U32: usize = std::mem::size_of::<u32>();
const F64: usize = std::mem::size_of::<f64>();

/// Bytes of a ranking metric's curve point (threshold, rates, precision).
const CURVE_POINT: usize = 40;

/// Bytes a supervised training keeps from its split to its end, for `rows_read` rows of which
/// `labelled` have a target whose labels take `label_bytes` each: the labelled rows, the map
/// from every row read to its label, the labels, and the training and test rows.
pub fn supervised_lists(rows_read: usize, labelled: usize, label_bytes: usize) -> usize {
    labelled
        .saturating_mul(2 * ROW_INDEX + label_bytes)
        .saturating_add(rows_read.saturating_mul(ROW_INDEX))
}

/// Bytes a training without a target keeps beside its data: its rows' list.
pub fn unsupervised_rows(rows: usize) -> usize {
    rows.saturating_mul(ROW_INDEX)
}

/// Bytes the stratified split holds while it deals `labelled` rows beside its two parts: a
/// class code and a class member each, and the largest class's permutation (u32).
pub fn split_bytes(labelled: usize) -> usize {
    labelled.saturating_mul(U32 + ROW_INDEX + U32)
}

/// Bytes the training rows' labels (`label_bytes` each) and weights take while the fit runs.
pub fn fit_labels_bytes(train: usize, label_bytes: usize, weighted: bool) -> usize {
    let weight = if weighted { F64 } else { 0 };
    train.saturating_mul(label_bytes + weight)
}

/// Bytes the evaluation of `evaluated` rows holds at its peak: their `outputs` outputs, truth
/// and probability each, and a ranking metric's order and curve point per row.
pub fn evaluation_bytes(evaluated: usize, outputs: usize) -> usize {
    let per_row = F64 * outputs.max(1) + 1 + F64 + ROW_INDEX + CURVE_POINT;
    evaluated.saturating_mul(per_row)
}

/// Bytes per row read that a training surely holds beside its data at its peak, whatever
/// its fit: a supervised one's lists and the larger of its split's and its evaluation's (two
/// classes, `test_size` of the rows evaluated, all of them without a test part; a search's
/// folds, `None`: its split's only); one without a target, its rows' list. The read counts
/// them with each row, so that a budget too small stops it before it reads past it.
pub fn floor_per_row(supervised: bool, test_size: Option<f64>) -> usize {
    if !supervised {
        return unsupervised_rows(1);
    }
    let evaluated = match test_size {
        Some(share) if share > 0.0 => share.min(1.0),
        Some(_) => 1.0,
        None => 0.0,
    };
    let evaluation = (evaluation_bytes(1, 1) as f64 * evaluated).ceil() as usize;
    supervised_lists(1, 1, 1) + split_bytes(1).max(evaluation)
}

/// 54000 unless the `phase` of a training, holding `bytes` with its data, fits `budget`.
pub fn check_phase(bytes: usize, budget: usize, phase: &str) -> Result<usize> {
    if bytes <= budget {
        return Ok(bytes);
    }
    Err(Error::new(
        ErrorKind::ResourceLimit,
        format!(
            "{phase} holds {:.1} MB with the data, more than finml.max_training_memory ({:.1} MB)",
            bytes as f64 / 1048576.0,
            budget as f64 / 1048576.0
        ),
    )
    .with_hint("raise finml.max_training_memory, or train on a sample"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_count_every_list_per_row() {
        // 1M rows, all labelled, two classes, 30% evaluated: 25 + 16 bytes a row, then 65 a
        // evaluated row (formulas above written out).
        assert_eq!(supervised_lists(1_000_000, 1_000_000, 1), 25_000_000);
        assert_eq!(split_bytes(1_000_000), 16_000_000);
        assert_eq!(evaluation_bytes(300_000, 1), 300_000 * 65);
        assert_eq!(fit_labels_bytes(10, 1, true), 90);
        assert!(check_phase(10, 9, "the split").is_err());
        assert_eq!(check_phase(9, 9, "the split").unwrap(), 9);
        assert_eq!(supervised_lists(usize::MAX, usize::MAX, 8), usize::MAX);
        // 25 + max(16, 65 × 0.3 = 19.5 → 20); without a test part every row is evaluated.
        assert_eq!(floor_per_row(true, Some(0.3)), 45);
        assert_eq!(floor_per_row(true, Some(0.0)), 90);
        assert_eq!(floor_per_row(true, None), 41);
        assert_eq!(floor_per_row(false, Some(0.3)), 8);
    }
}
