use super::*;

#[test]
fn average_precision_matches_scikit_learn_with_and_without_ties() {
    // scikit-learn 1.9.1 average_precision_score: 0.9166666666666665 and, with tied
    // scores, 0.4666666666666667 (tolerance 1e-15).
    let ap = average_precision(
        &[0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
        &[true, true, false, true, false, false],
    );
    assert!((ap.unwrap() - 0.9166666666666665).abs() < 1e-15);
    let ap = average_precision(
        &[0.9, 0.9, 0.5, 0.5, 0.5, 0.1],
        &[true, false, true, false, false, true],
    );
    assert!((ap.unwrap() - 0.4666666666666667).abs() < 1e-15);
    assert_eq!(average_precision(&[0.5, 0.4], &[false, false]), None);
}

#[test]
fn top_share_and_cost_threshold_by_hand() {
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    let labels = [true, true, false, true, false, false];
    // Top 34%: ⌈2.04⌉ = 3 rows, 2 events: precision 2/3, recall 2/3.
    let (p, r) = at_top(&scores, &labels, 34.0).unwrap();
    assert!((p - 2.0 / 3.0).abs() < 1e-15 && (r - 2.0 / 3.0).abs() < 1e-15);
    // Ties join the flagged rows: top 1 of [0.9, 0.9, ...] flags both.
    let (p, _) = at_top(&[0.9, 0.9, 0.1], &[true, false, false], 1.0).unwrap();
    assert_eq!(p, 0.5);
    // Costs FP 1, FN 5: flag none 15; ≥0.9: 10; ≥0.8: 5; ≥0.7: 6; ≥0.6: 1; ≥0.5: 2; ≥0.4: 3.
    let (t, cost, c) = cost_threshold(&scores, &labels, 1.0, 5.0);
    assert_eq!((t, cost), (0.6, 1.0));
    assert_eq!((c.tp, c.fp, c.tn, c.fn_), (3, 1, 2, 0));
    // False alarms dear: FP 10, FN 1 → none 3; ≥0.9: 2; ≥0.8: 1; ≥0.7: 11; ...
    let (t, cost, _) = cost_threshold(&scores, &labels, 10.0, 1.0);
    assert_eq!((t, cost), (0.8, 1.0));
    // A tie in cost goes to the higher cutoff: none 1, ≥0.9 2, ≥0.1 1 → flag nothing.
    let (t, cost, _) = cost_threshold(&[0.9, 0.1], &[false, true], 1.0, 1.0);
    assert_eq!((t, cost), (f64::INFINITY, 1.0));
}

#[test]
fn gains_bands_by_hand_and_their_largest_ks_is_the_ks() {
    // Scores 0.9 (event), 0.8 (event), 0.7 (non), 0.6 (event), 0.5 (non), 0.4 (non):
    // 3 events, 3 non-events, overall rate 0.5. Two bands of three:
    //   band 1 = {0.9, 0.8, 0.7}: 2 events, rate 2/3, TPR 2/3, FPR 1/3, KS 1/3, lift 4/3;
    //   band 2 = {0.6, 0.5, 0.4}: 1 event, rate 1/3, TPR 1, FPR 1, KS 0, lift 2/3.
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    let labels = [true, true, false, true, false, false];
    let table = gains(&scores, &labels, 2).unwrap();
    assert_eq!(table.len(), 2);
    let b = &table[0];
    assert_eq!(
        (b.rows, b.events, b.min_score, b.max_score),
        (3, 2, Some(0.7), Some(0.9))
    );
    assert!((b.ks - 1.0 / 3.0).abs() < 1e-15 && (b.lift.unwrap() - 4.0 / 3.0).abs() < 1e-15);
    assert!((table[1].cum_events_share - 1.0).abs() < 1e-15 && table[1].ks.abs() < 1e-15);
    // One band per row reaches every ROC point: KS = max(TPR − FPR) = 2/3 after 0.8.
    let fine = gains(&scores, &labels, 6).unwrap();
    let best = fine.iter().map(|b| b.ks).fold(f64::MIN, f64::max);
    assert_eq!(best, ks(&scores, &labels).unwrap());
    // Ties stay together: four tied scores cannot be split into two bands of three.
    let tied = gains(&[0.5, 0.5, 0.5, 0.5, 0.1, 0.1], &labels, 2).unwrap();
    assert_eq!(tied.iter().map(|b| b.rows).collect::<Vec<_>>(), [4, 2]);
    // Given cutoffs, an empty band is kept with no event rate.
    let cut = gains_at(&scores, &labels, &[0.95, 0.65]).unwrap();
    assert_eq!(cut.iter().map(|b| b.rows).collect::<Vec<_>>(), [0, 3, 3]);
    assert_eq!(cut[0].event_rate, None);
    assert!(gains(&scores, &[true; 6], 2).is_none());
}

// Reference values: scikit-learn 1.9.1 on these arrays
// (roc_auc_score, roc_curve → max(tpr − fpr), accuracy/precision/recall/f1 on p >= 0.5,
// log_loss, brier_score_loss); tolerance 1e-12.
const Y: [bool; 10] = [
    false, false, true, true, false, true, false, true, true, false,
];
const P: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.5, 0.5, 0.2, 0.9, 0.65, 0.7];

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn classification_metrics_match_scikit_learn() {
    let m = classification_report(&P, &Y, 0.5);
    close(m["auc"], 0.78);
    close(m["gini"], 0.56);
    close(m["ks"], 0.4);
    close(m["accuracy"], 0.7);
    close(m["precision"], 0.6666666666666666);
    close(m["recall"], 0.8);
    close(m["f1"], 0.7272727272727273);
    close(m["log_loss"], 0.5238705963747021);
    close(m["brier"], 0.17950000000000002);
}

#[test]
fn regression_metrics_match_scikit_learn() {
    // sklearn: sqrt(mean_squared_error), mean_absolute_error, r2_score.
    let m = regression_report(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]);
    close(m["rmse"], 0.6123724356957945);
    close(m["mae"], 0.5);
    close(m["r2"], 0.9486081370449679);
}

#[test]
fn undefined_metrics_are_left_out() {
    let m = classification_report(&[0.2, 0.3], &[false, false], 0.5);
    assert!(!m.contains_key("auc") && !m.contains_key("precision"));
    assert!(m.contains_key("accuracy"));
}

#[test]
fn ks_by_hand() {
    // Scores (higher = riskier) and labels, sorted by score descending:
    //   score 0.9 0.8 0.7 0.6 0.5 0.4 0.3 0.2
    //   label  1   1   0   1   0   0   1   0      (4 events, 4 non-events)
    // Cumulative TPR after each:  .25 .50 .50 .75 .75 .75 1.0 1.0
    // Cumulative FPR after each:  0   0   .25 .25 .50 .75 .75 1.0
    // TPR − FPR:                  .25 .50 .25 .50 .25 0   .25 0   → KS = 0.5
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
    let labels = [true, true, false, true, false, false, true, false];
    close(ks(&scores, &labels).unwrap(), 0.5);
    // AUC: pairs (event, non-event) ranked correctly: 4+4+3+1 of 16 = 0.75; Gini 0.5.
    close(auc(&scores, &labels).unwrap(), 0.75);
}

#[test]
fn roc_curve_matches_scikit_learn() {
    // sklearn roc_curve(Y, P, drop_intermediate=False).
    let fpr = [0.0, 0.0, 0.0, 0.2, 0.2, 0.4, 0.6, 0.6, 0.8, 1.0];
    let tpr = [0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 0.8, 1.0, 1.0, 1.0];
    let thresholds = [f64::INFINITY, 0.9, 0.8, 0.7, 0.65, 0.5, 0.4, 0.35, 0.2, 0.1];
    let curve = roc_curve(&P, &Y, 100).unwrap();
    assert_eq!(curve.len(), 10);
    for (k, point) in curve.iter().enumerate() {
        assert_eq!(point.threshold, thresholds[k]);
        close(point.fpr, fpr[k]);
        close(point.tpr, tpr[k]);
    }
    // Precision at 0.5 is sklearn's precision_score at p >= 0.5 (above: 4 of 6).
    close(curve[5].precision.unwrap(), 0.6666666666666666);
    assert_eq!(curve[0].precision, None);
}

#[test]
fn roc_curve_thinning_keeps_both_ends() {
    let curve = roc_curve(&P, &Y, 4).unwrap();
    assert_eq!(curve.len(), 4);
    assert_eq!(curve[0].threshold, f64::INFINITY);
    assert_eq!((curve[3].tpr, curve[3].fpr), (1.0, 1.0));
    assert!(curve.windows(2).all(|w| w[0].threshold > w[1].threshold));
}

#[test]
fn calibration_matches_scikit_learn() {
    // sklearn calibration_curve(Y, P, n_bins, strategy="quantile") → (prob_true,
    // prob_pred); counts from np.bincount of its bin ids.
    let three = calibration(&P, &Y, 3);
    let expected = [
        (0.3333333333333333, 0.21666666666666667, 3),
        (0.3333333333333333, 0.4666666666666667, 3),
        (0.75, 0.7625, 4),
    ];
    assert_eq!(three.len(), 3);
    for (bin, (observed, predicted, count)) in three.iter().zip(expected) {
        close(bin.observed_rate, observed);
        close(bin.mean_predicted, predicted);
        assert_eq!(bin.count, count);
    }
    let five = calibration(&P, &Y, 5);
    let observed = [0.0, 0.5, 0.5, 0.5, 1.0];
    let predicted = [0.15, 0.375, 0.5, 0.675, 0.85];
    for (k, bin) in five.iter().enumerate() {
        assert_eq!((bin.bin, bin.count), (k + 1, 2));
        close(bin.observed_rate, observed[k]);
        close(bin.mean_predicted, predicted[k]);
    }
}

#[test]
fn calibration_with_tied_scores_matches_scikit_learn() {
    // Six distinct probabilities, as a scorecard gives: the groups are decided by where
    // numpy's percentile edges fall against the ties. sklearn calibration_curve(n_bins=10,
    // strategy="quantile") on these 40 rows (numpy default_rng(7)).
    let p = [
        0.6, 0.3, 0.45, 0.6, 0.3, 0.45, 0.6, 0.1, 0.05, 0.1, 0.1, 0.6, 0.6, 0.05, 0.2, 0.45, 0.05,
        0.45, 0.05, 0.2, 0.45, 0.1, 0.2, 0.1, 0.45, 0.1, 0.6, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3, 0.6,
        0.45, 0.45, 0.45, 0.3, 0.2, 0.6,
    ];
    let y = [
        1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        1, 0, 1, 1, 1, 1, 0, 1, 0, 1,
    ]
    .map(|v| v == 1);
    let groups = calibration(&p, &y, 10);
    let observed = [
        0.0,
        0.0,
        0.16666666666666666,
        0.7142857142857143,
        0.6666666666666666,
        1.0,
    ];
    let predicted = [0.05, 0.1, 0.2, 0.3, 0.45, 0.6];
    let counts = [4, 6, 6, 7, 9, 8];
    let bins = [1, 2, 3, 5, 6, 9];
    assert_eq!(groups.len(), 6);
    for (k, g) in groups.iter().enumerate() {
        assert_eq!((g.bin, g.count), (bins[k], counts[k]));
        close(g.observed_rate, observed[k]);
        close(g.mean_predicted, predicted[k]);
    }
}

#[test]
fn calibration_leaves_out_groups_that_ties_empty() {
    // Edges 0.2, 0.2, 0.2 for four groups: everything at 0.2 falls in the first.
    let bins = calibration(
        &[0.2, 0.2, 0.2, 0.2, 0.9],
        &[false, true, false, false, true],
        4,
    );
    assert_eq!(bins.iter().map(|b| b.bin).collect::<Vec<_>>(), [1, 4]);
    assert_eq!(bins[0].count, 4);
}

#[test]
fn hosmer_lemeshow_matches_its_formula_and_scipy() {
    // Reference: HL computed with numpy on calibration_curve's quantile groups, p-value
    // scipy.stats.chi2.sf(HL, groups − 2) (scipy 1.17.1).
    let hl = hosmer_lemeshow(&calibration(&P, &Y, 3)).unwrap();
    close(hl.statistic, 0.4583261634002368);
    assert_eq!(hl.degrees_of_freedom, 1);
    close(hl.p_value, 0.4984072835825153);
    let hl = hosmer_lemeshow(&calibration(&P, &Y, 5)).unwrap();
    close(hl.statistic, 1.118417965476789);
    assert_eq!(hl.degrees_of_freedom, 3);
    close(hl.p_value, 0.772629876815941);
    assert_eq!(hosmer_lemeshow(&calibration(&P, &Y, 2)), None);
}

#[test]
fn chi_square_survival_matches_scipy() {
    // scipy.stats.chi2.sf(x, k); relative tolerance 1e-10.
    for (x, k, expected) in [
        (0.5, 1.0, 0.47950012218695337),
        (3.2, 2.0, 0.2018965179946554),
        (10.0, 5.0, 0.07523524614651217),
        (25.0, 8.0, 0.001554557843011069),
        (1e-3, 3.0, 0.9999915920809419),
        (40.0, 3.0, 1.065509033425585e-08),
    ] {
        let got = chi_square_survival(x, k);
        assert!(
            ((got - expected) / expected).abs() < 1e-10,
            "chi2.sf({x}, {k}) = {expected}, got {got}"
        );
    }
}

#[test]
fn class_histogram_counts_each_class() {
    let h = class_histogram(&P, &Y, 4);
    // Bins [0, .25) [.25, .5) [.5, .75) [.75, 1]
    assert_eq!(h.negatives, [2, 1, 2, 0]);
    assert_eq!(h.positives, [0, 1, 2, 2]);
}

#[test]
fn auc_counts_ties_as_one_half() {
    close(auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5);
}
