//! Metrics of a multi-class classifier from its class probabilities (`p`: n rows × k
//! classes, row after row) and each row's class code `y` (below k), as scikit-learn defines
//! them: `accuracy_score`, `f1_score(average="macro" | "weighted")` of the most probable class
//! (the first of equals, as numpy's argmax; a class never predicted has F1 0; the macro mean
//! over the classes that occur, actual or predicted), `log_loss`
//! (probabilities clipped at 1e-15), and `roc_auc_score(multi_class="ovr", average="macro" |
//! "weighted")`: each class's AUC against the rest, averaged, or weighted by its rows.

use super::ranking::auc;
use std::collections::BTreeMap;

/// The most probable class of one row's probabilities (the first of equals).
pub fn most_probable(p: &[f64]) -> usize {
    let mut best = 0;
    for (c, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = c;
        }
    }
    best
}

/// The k×k confusion counts: row the actual class, column the most probable one.
pub fn multiclass_confusion(p: &[f64], y: &[u32], k: usize) -> Vec<Vec<u64>> {
    let mut counts = vec![vec![0u64; k]; k];
    for (row, &actual) in p.chunks(k).zip(y) {
        counts[actual as usize][most_probable(row)] += 1;
    }
    counts
}

/// accuracy, f1_macro, f1_weighted, log_loss, auc (one-vs-rest macro), auc_weighted, rows
/// and classes. The AUCs are left out when a class has no rows (or every row) here.
pub fn multiclass_report(p: &[f64], y: &[u32], k: usize) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let n = y.len();
    if n == 0 || k == 0 {
        return m;
    }
    let confusion = multiclass_confusion(p, y, k);
    let support: Vec<u64> = confusion.iter().map(|row| row.iter().sum()).collect();
    let predicted: Vec<u64> = (0..k)
        .map(|c| confusion.iter().map(|row| row[c]).sum())
        .collect();
    let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
    let f1: Vec<f64> = (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let denominator = (support[c] + predicted[c]) as f64;
            if denominator > 0.0 {
                2.0 * tp / denominator
            } else {
                0.0
            }
        })
        .collect();
    m.insert("accuracy".into(), correct as f64 / n as f64);
    // scikit-learn averages over the classes that occur, actual or predicted.
    let occurring: Vec<usize> = (0..k).filter(|&c| support[c] + predicted[c] > 0).collect();
    m.insert(
        "f1_macro".into(),
        occurring.iter().map(|&c| f1[c]).sum::<f64>() / occurring.len().max(1) as f64,
    );
    m.insert(
        "f1_weighted".into(),
        f1.iter()
            .zip(&support)
            .map(|(f, &s)| f * s as f64)
            .sum::<f64>()
            / n as f64,
    );
    let eps = 1e-15;
    let log_loss: f64 = p
        .chunks(k)
        .zip(y)
        .map(|(row, &c)| -row[c as usize].clamp(eps, 1.0 - eps).ln())
        .sum::<f64>()
        / n as f64;
    m.insert("log_loss".into(), log_loss);
    let aucs: Option<Vec<f64>> = (0..k)
        .map(|c| {
            let scores: Vec<f64> = p.chunks(k).map(|row| row[c]).collect();
            let labels: Vec<bool> = y.iter().map(|&v| v as usize == c).collect();
            auc(&scores, &labels)
        })
        .collect();
    if let Some(aucs) = aucs {
        m.insert("auc".into(), aucs.iter().sum::<f64>() / k as f64);
        m.insert(
            "auc_weighted".into(),
            aucs.iter()
                .zip(&support)
                .map(|(a, &s)| a * s as f64)
                .sum::<f64>()
                / n as f64,
        );
    }
    m.insert("rows".into(), n as f64);
    m.insert("classes".into(), k as f64);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scikit-learn 1.9.1 on these 6 rows of 3 classes: accuracy_score 0.6666667,
    /// f1_score macro 0.6555556 (per class 0.5, 0.8, 0.6666667) and weighted 0.6555556,
    /// log_loss 0.7465698, roc_auc_score ovr macro and weighted 0.9166667 (tolerance 1e-6).
    #[test]
    fn matches_scikit_learn_on_a_small_case() {
        let p = [
            0.7, 0.2, 0.1, //
            0.3, 0.4, 0.3, //
            0.2, 0.5, 0.3, //
            0.1, 0.3, 0.6, //
            0.5, 0.2, 0.3, //
            0.2, 0.6, 0.2,
        ];
        let y = [0, 0, 1, 2, 2, 1];
        let m = multiclass_report(&p, &y, 3);
        let close = |name: &str, expected: f64| {
            assert!(
                (m[name] - expected).abs() < 1e-6,
                "{name}: {} vs {expected}",
                m[name]
            );
        };
        close("accuracy", 0.6666666666666666);
        close("f1_macro", 0.6555555555555556);
        close("f1_weighted", 0.6555555555555556);
        close("log_loss", 0.7465698301137551);
        close("auc", 0.9166666666666666);
        close("auc_weighted", 0.9166666666666666);
        assert_eq!(
            multiclass_confusion(&p, &y, 3),
            vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]]
        );
    }
}
