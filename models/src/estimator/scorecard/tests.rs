//! The scorecard's unit tests.

use super::*;
use crate::binning::Monotonic;
use crate::binning::{fit_numeric, BinningParams};

#[test]
fn scaling_by_hand() {
    // Factor = 20 / ln 2 = 28.85390081777927; Offset = 600 − 28.8539·ln 50
    // = 600 − 28.8539·3.912023005428146 = 487.1228762045055.
    let (factor, offset) = scaling(20.0, 600.0, 50.0);
    assert!((factor - 28.85390081777927).abs() < 1e-12);
    assert!((offset - 487.1228762045055).abs() < 1e-9);
    // Odds 50:1 score 600, doubled odds (100:1) score 620.
    assert!((offset + factor * 50f64.ln() - 600.0).abs() < 1e-9);
    assert!((offset + factor * 100f64.ln() - 620.0).abs() < 1e-9);
}

fn binning() -> Binning {
    // The hand-worked table of binning.rs: WoE 1.466337, 0.137201, −1.366876 and NULL 0.
    let (values, rows, y) = crate::binning::tests::small_table();
    let params = BinningParams {
        monotonic: Monotonic::Auto,
        max_bins: 3,
        min_bin_size: 0.15,
        min_bin_events: 1,
        min_level_rows: 1,
    };
    fit_numeric(&values, &rows, &y, params)
}

#[test]
fn points_by_hand() {
    // One characteristic, β₀ = −0.5, β = −1, pdo 20, base 600 at 50:1.
    // Points_i = −Factor·β·WoE_i + (Offset − Factor·β₀)/1
    //          = 28.8539·WoE_i + 487.1229 + 14.4270 = 28.8539·WoE_i + 501.5498
    //   bin 1: 28.8539·1.466337 + 501.5498 = 543.861 → 544
    //   bin 2: 28.8539·0.137201 + 501.5498 = 505.509 → 506
    //   bin 3: 28.8539·(−1.366876) + 501.5498 = 462.110 → 462
    //   NULL : 501.5498 → 502
    let b = binning();
    let options = ScorecardParams::default();
    let sc = Scorecard::new(&[&b], -0.5, &[-1.0], &options, vec![]);
    assert_eq!(sc.points, vec![vec![544.0, 506.0, 462.0, 502.0]]);
    // Unrounded, the points of an applicant are exactly the score formula.
    let raw = Scorecard::new(
        &[&b],
        -0.5,
        &[-1.0],
        &ScorecardParams {
            round: false,
            ..options
        },
        vec![],
    );
    let (factor, offset) = scaling(20.0, 600.0, 50.0);
    // ln(odds_good) = −(β₀ + β·WoE) with β₀ = −0.5, β = −1.
    let ln_odds_good = 0.5 + b.bins[0].woe;
    assert!((raw.score(&[0]) - (offset + factor * ln_odds_good)).abs() < 1e-9);
    // Average points: (20·544 + 20·506 + 20·462 + 0·502) / 60 = 504.
    assert!((sc.average_points[0] - 504.0).abs() < 1e-12);
    assert_eq!(sc.best_points(0, &b), 544.0);
}

#[test]
fn reasons_rank_points_lost_and_sum_to_the_gap() {
    let b = binning();
    let sc = Scorecard {
        points: vec![
            vec![544.0, 506.0, 462.0, 502.0],
            vec![30.0, 10.0, 20.0, 0.0],
        ],
        average_points: vec![504.0, 20.0],
        ..Scorecard::new(&[&b, &b], -0.5, &[-1.0, -1.0], &Default::default(), vec![])
    };
    let named = [("a", &b), ("b", &b)];
    // Applicant in bin 3 of "a" (462, 82 below 544) and bin 2 of "b" (10, 20 below 30).
    let r = reasons(&sc, &named, &[2, 1], Baseline::Best);
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].feature, r[0].points_lost), (0, 82.0));
    assert_eq!((r[1].feature, r[1].points_lost), (1, 20.0));
    // Points lost add up to the best attainable score minus the score.
    let best = sc.best_points(0, &b) + sc.best_points(1, &b);
    let lost: f64 = r.iter().map(|r| r.points_lost).sum();
    assert_eq!(best - sc.score(&[2, 1]), lost);
    // Against the average: 504 − 462 = 42 and 20 − 10 = 10.
    let r = reasons(&sc, &named, &[2, 1], Baseline::Average);
    assert_eq!((r[0].points_lost, r[1].points_lost), (42.0, 10.0));
    // An applicant with the best bins has no reasons.
    assert!(reasons(&sc, &named, &[0, 0], Baseline::Best).is_empty());
}

#[test]
fn psi_by_hand() {
    // Expected 50% / 30% / 20%; actual 40 / 40 / 20 of 100 rows:
    //   (0.4 − 0.5)·ln(0.4/0.5) = 0.0223144
    //   (0.4 − 0.3)·ln(0.4/0.3) = 0.0287682
    //   (0.2 − 0.2)·ln(1)       = 0
    //   PSI = 0.0510826 → stable
    let p = psi(&[0.5, 0.3, 0.2], &[40, 40, 20]);
    let expected = -0.1 * 0.8f64.ln() + 0.1 * (4.0f64 / 3.0).ln();
    assert!((p - expected).abs() < 1e-15);
    assert!((p - 0.0510826).abs() < 1e-7);
    assert_eq!(stability_status(p), "stable");
    // A population identical to the expected one has PSI 0, empty bins included.
    assert_eq!(psi(&[0.5, 0.5, 0.0], &[10, 10, 0]), 0.0);
    // Everything moved to the last bin: (0.0001−0.5)·ln(0.0001/0.5)·2 + (1−0.0001)·ln(1/0.0001)... large.
    assert_eq!(
        stability_status(psi(&[0.5, 0.3, 0.2], &[0, 0, 10])),
        "shifted"
    );
    assert_eq!(stability_status(0.1), "watch");
    assert_eq!(stability_status(0.25), "watch");
    assert_eq!(stability_status(0.2501), "shifted");
}

#[test]
fn score_bands_split_the_training_scores_in_tenths() {
    let b = binning();
    let mut sc = Scorecard::new(&[&b], -0.5, &[-1.0], &Default::default(), vec![]);
    let scores: Vec<f64> = (0..100).map(f64::from).collect();
    sc.set_score_bands(&scores);
    assert_eq!(
        sc.score_cuts,
        vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]
    );
    assert!(sc.score_shares.iter().all(|&s| (s - 0.1).abs() < 1e-12));
    // Few distinct scores: bands merge rather than stay empty.
    sc.set_score_bands(&[1.0, 1.0, 1.0, 2.0]);
    assert_eq!(sc.score_cuts, vec![2.0]);
    assert_eq!(sc.score_shares, vec![0.75, 0.25]);
}
