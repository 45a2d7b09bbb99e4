use super::*;

fn c(rows: u64, events: u64) -> Counts {
    Counts {
        rows,
        events,
        bad_weight: events as f64,
        good_weight: (rows - events) as f64,
        weighted: false,
    }
}

fn params(max_bins: usize, min_bin_size: f64, monotonic: Monotonic) -> BinningParams {
    BinningParams {
        monotonic,
        max_bins,
        min_bin_size,
        min_bin_events: 1,
        min_level_rows: 1,
    }
}

#[test]
fn woe_and_iv_by_hand() {
    // G = 80 goods, B = 20 bads. Bin with 30 goods and 10 bads:
    // good share 30/80 = 0.375, bad share 10/20 = 0.5,
    // WoE = ln(0.375 / 0.5) = ln 0.75 = −0.2876820724517809,
    // IV  = (0.375 − 0.5) · (−0.2876820724517809) = 0.03596025905647261.
    let (woe, iv) = woe_iv(c(40, 10), c(100, 20));
    assert!((woe - 0.75f64.ln()).abs() < 1e-15);
    assert!((woe + 0.2876820724517809).abs() < 1e-15);
    assert!((iv - 0.03596025905647261).abs() < 1e-15);
    // A bin without bads has no finite WoE: neutral.
    assert_eq!(woe_iv(c(5, 0), c(100, 20)), (0.0, 0.0));
}

#[test]
fn special_codes_get_their_own_bins_between_the_value_bins_and_null() {
    // The small table plus ten rows of -9999 with 9 events: without the code they would
    // be the lowest values; with it they are one bin of 10 rows, 9 events.
    let (mut values, mut rows, mut y) = small_table();
    for r in 0..10 {
        values.push(-9999.0);
        rows.push(values.len() - 1);
        y.push(r < 9);
    }
    let controls = NumericControls {
        special: &[-9999.0, -8888.0],
        cuts: None,
        memory: None,
    };
    let b = fit_numeric_with(
        &values,
        &rows,
        RowLabels {
            y: &y,
            weights: None,
        },
        params(3, 0.15, Monotonic::Auto),
        controls,
    )
    .unwrap();
    let value_bins = b.value_bins();
    assert_eq!(b.bins.len(), value_bins + 3);
    assert_eq!(b.bin_of_number(-9999.0), value_bins);
    assert_eq!(b.bin_of_number(-8888.0), value_bins + 1);
    assert_eq!(b.bin_of_number(f64::NAN), value_bins + 2);
    assert_eq!(
        b.bin_of_number(-9998.0),
        0,
        "not a code: the lowest value bin"
    );
    let special = &b.bins[value_bins];
    assert_eq!((special.rows, special.events), (10, 9));
    // WoE by hand: the table has 34 goods and 26 bads, plus the code's 1 and 9: goods 1 of
    // 35, bads 9 of 35 → ln((1/35)/(9/35)) = ln(1/9).
    assert!((special.woe - (1.0f64 / 9.0).ln()).abs() < 1e-12);
    assert_eq!(
        b.bins[value_bins + 1].rows,
        0,
        "a code without training rows: neutral"
    );
    assert_eq!(b.label(value_bins), "special -9999");
    assert!(b.bounds(value_bins).0.is_nan());
    assert!(b.validate().is_ok());
    // The value bins are the ones the table gets without the code.
    let plain = fit_numeric(
        &small_table().0,
        &small_table().1,
        &small_table().2,
        params(3, 0.15, Monotonic::Auto),
    );
    assert_eq!(b.edges, plain.edges);
}

#[test]
fn fixed_cut_points_are_kept_and_checked_against_the_trend() {
    let (values, rows, y) = small_table();
    let controls = |cuts: &'static [f64]| NumericControls {
        special: &[],
        cuts: Some(cuts),
        memory: None,
    };
    // Cuts at 2.5 and 4.5: bins {1, 2} 3 events, {3, 4} 8, {5, 6} 15 of 20: ascending.
    let b = fit_numeric_with(
        &values,
        &rows,
        RowLabels {
            y: &y,
            weights: None,
        },
        params(8, 0.05, Monotonic::Auto),
        controls(&[2.5, 4.5]),
    )
    .unwrap();
    assert_eq!(
        b.edges,
        Edges::Numeric {
            cuts: vec![2.5, 4.5]
        }
    );
    let counts: Vec<(u64, u64)> = b.bins.iter().map(|bin| (bin.rows, bin.events)).collect();
    assert_eq!(counts, [(20, 3), (20, 8), (20, 15), (0, 0)]);
    // Descending asked, ascending found: refused, naming the rates.
    let e = fit_numeric_with(
        &values,
        &rows,
        RowLabels {
            y: &y,
            weights: None,
        },
        params(8, 0.05, Monotonic::Descending),
        controls(&[2.5, 4.5]),
    )
    .unwrap_err();
    assert_eq!(e.kind, crate::error::ErrorKind::InvalidOption);
    assert!(
        e.message.contains("0.1500, 0.4000, 0.7500"),
        "{}",
        e.message
    );
    // "none" accepts any shape.
    assert!(fit_numeric_with(
        &values,
        &rows,
        RowLabels {
            y: &y,
            weights: None
        },
        params(8, 0.05, Monotonic::None),
        controls(&[2.5, 4.5])
    )
    .is_ok());
}

#[test]
fn every_optimized_bin_holds_min_bin_events() {
    let (values, rows, y) = small_table();
    let mut p = params(8, 0.05, Monotonic::Auto);
    p.min_bin_events = 6;
    let b = fit_numeric(&values, &rows, &y, p);
    let value_bins = &b.bins[..b.value_bins()];
    assert!(
        value_bins.iter().all(|bin| bin.events >= 6),
        "{value_bins:?}"
    );
    assert!(value_bins.len() >= 2, "still binned: {value_bins:?}");
    p.min_bin_events = 1;
    assert!(fit_numeric(&values, &rows, &y, p).bins.len() > b.bins.len());
}

#[test]
fn a_row_of_weight_two_counts_as_two_rows() {
    // Weight 2 on the rows of value 6 bins like the table with those ten rows twice:
    // the same cuts, WoE and IV (frequency weights); the bins still count rows.
    let (values, rows, y) = small_table();
    let weights: Vec<f64> = values
        .iter()
        .map(|&v| if v == 6.0 { 2.0 } else { 1.0 })
        .collect();
    let labels = RowLabels {
        y: &y,
        weights: Some(&weights),
    };
    let p = params(4, 0.05, Monotonic::Auto);
    let weighted = fit_numeric_with(&values, &rows, labels, p, NumericControls::default()).unwrap();
    let (mut values2, mut rows2, mut y2) = (values.clone(), rows.clone(), y.clone());
    for k in 0..values.len() {
        if values[k] == 6.0 {
            values2.push(6.0);
            rows2.push(values2.len() - 1);
            y2.push(y[k]);
        }
    }
    let duplicated = fit_numeric(&values2, &rows2, &y2, p);
    assert_eq!(weighted.edges, duplicated.edges);
    for (a, b) in weighted.bins.iter().zip(&duplicated.bins) {
        assert!((a.woe - b.woe).abs() < 1e-12 && (a.iv - b.iv).abs() < 1e-12);
    }
    assert_eq!(weighted.bins.iter().map(|b| b.rows).sum::<u64>(), 60);
    // Class weights cancel in WoE: every event weighing 3 changes no bin.
    let class: Vec<f64> = y.iter().map(|&e| if e { 3.0 } else { 1.0 }).collect();
    let labels = RowLabels {
        y: &y,
        weights: Some(&class),
    };
    let balanced = fit_numeric_with(&values, &rows, labels, p, NumericControls::default()).unwrap();
    let plain = fit_numeric(&values, &rows, &y, p);
    assert_eq!(balanced.edges, plain.edges);
    for (a, b) in balanced.bins.iter().zip(&plain.bins) {
        assert!((a.woe - b.woe).abs() < 1e-12);
    }
}

/// Ten rows per value 1..=6; events per value 1, 2, 3, 5, 7, 8 (26 of 60).
pub(crate) fn small_table() -> (Vec<f64>, Vec<usize>, Vec<bool>) {
    let events = [1, 2, 3, 5, 7, 8];
    let mut values = Vec::new();
    let mut y = Vec::new();
    for (k, &e) in events.iter().enumerate() {
        for r in 0..10 {
            values.push((k + 1) as f64);
            y.push(r < e);
        }
    }
    let rows = (0..values.len()).collect();
    (values, rows, y)
}

#[test]
fn numeric_binning_by_hand() {
    // Event rates per value rise: 0.1 0.2 0.3 0.5 0.7 0.8, so every contiguous grouping is
    // ascending. G = 34 goods, B = 26 bads. min_bin_size 0.15 → bins of ≥ ceil(9) rows, so
    // each value is its own pre-bin. The two-bin groupings (cut after value k):
    //   k  goods/bads left | right      IV
    //   1   9/1  | 25/25               0.497110
    //   2  17/3  | 17/23               0.783416
    //   3  24/6  | 10/20               0.987970   ← best of two bins
    //   4  29/11 |  5/15               0.888965
    //   5  32/18 |  2/8                0.488196
    // e.g. k = 3: WoE_left = ln((24/34)/(6/26)) = 1.118030, WoE_right = ln((10/34)/(20/26))
    // = −0.961411, IV = (24/34 − 6/26)·1.118030 + (10/34 − 20/26)·(−0.961411) = 0.987970.
    // The best three bins are {1,2} {3,4} {5,6}:
    //   {1,2}: 17/3,  WoE = ln((17/34)/(3/26))  =  1.466337, IV_i = 0.563976
    //   {3,4}: 12/8,  WoE = ln((12/34)/(8/26))  =  0.137201, IV_i = 0.006208
    //   {5,6}:  5/15, WoE = ln((5/34)/(15/26))  = −1.366876, IV_i = 0.587571
    //   IV = 1.157755
    let (values, rows, y) = small_table();
    let two = fit_numeric(&values, &rows, &y, params(2, 0.15, Monotonic::Auto));
    assert_eq!(two.edges, Edges::Numeric { cuts: vec![3.5] });
    assert!(
        (two.iv() - 0.9879699632415511).abs() < 1e-12,
        "{}",
        two.iv()
    );

    let b = fit_numeric(&values, &rows, &y, params(3, 0.15, Monotonic::Auto));
    assert_eq!(
        b.edges,
        Edges::Numeric {
            cuts: vec![2.5, 4.5]
        }
    );
    let woes: Vec<f64> = b.bins.iter().map(|b| b.woe).collect();
    let expected = [
        1.466337068793427,
        0.13720112151348496,
        -1.366876275262789,
        0.0,
    ];
    for (w, e) in woes.iter().zip(expected) {
        assert!((w - e).abs() < 1e-12, "{woes:?}");
    }
    assert!((b.iv() - 1.1577552407807288).abs() < 1e-12, "{}", b.iv());
    assert_eq!(b.label(0), "(-inf, 2.5)");
    assert_eq!(b.label(1), "[2.5, 4.5)");
    assert_eq!(b.label(3), "(missing)");
    assert_eq!(b.bin_of_number(2.5), 1);
    assert_eq!(b.bin_of_number(f64::NAN), 3);
    assert_eq!(b.bin_of_number(1e9), 2);

    // With min_bin_size 0.3 (≥ 18 rows) the pre-binning's first split is the largest Gini
    // decrease (rows·2p(1−p) summed): whole 29.467; cut after 2: 5.1 + 19.55 (gain 4.82),
    // after 3: 9.6 + 13.33 (gain 6.53), after 4: 15.95 + 7.5 (gain 6.02). Halves of 30 rows
    // cannot split again, so two bins remain whatever max_bins allows.
    let coarse = fit_numeric(&values, &rows, &y, params(8, 0.3, Monotonic::Auto));
    assert_eq!(coarse.edges, Edges::Numeric { cuts: vec![3.5] });
}

#[test]
fn monotonic_constraint_is_respected() {
    // Event rates 0.5 0.1 0.5 0.9 per value: not monotonic. With descending required the
    // optimum must have falling rates; with ascending rising ones.
    let events = [5, 1, 5, 9];
    let mut values = Vec::new();
    let mut y = Vec::new();
    for (k, &e) in events.iter().enumerate() {
        for r in 0..10 {
            values.push(k as f64);
            y.push(r < e);
        }
    }
    let rows: Vec<usize> = (0..values.len()).collect();
    for (direction, rising) in [(Monotonic::Ascending, true), (Monotonic::Descending, false)] {
        let b = fit_numeric(&values, &rows, &y, params(4, 0.1, direction));
        let rates: Vec<f64> = b.bins[..b.missing_bin()]
            .iter()
            .filter_map(Bin::event_rate)
            .collect();
        assert!(
            rates.windows(2).all(|w| (w[0] < w[1]) == rising),
            "{direction:?}: {rates:?}"
        );
    }
    // Without the constraint every value keeps its own bin (splitting never lowers IV).
    let b = fit_numeric(&values, &rows, &y, params(4, 0.1, Monotonic::None));
    assert_eq!(b.bins.len(), 5);
}

#[test]
fn nulls_get_their_own_bin_and_sizes_are_enforced() {
    let (mut values, rows, y) = small_table();
    values[0] = f64::NAN; // an event (first row of value 1)
    values[15] = f64::NAN; // a non-event (sixth row of value 2)
    let b = fit_numeric(&values, &rows, &y, params(8, 0.25, Monotonic::Auto));
    let missing = &b.bins[b.missing_bin()];
    assert_eq!((missing.rows, missing.events), (2, 1));
    let min_rows = (0.25f64 * 58.0).ceil() as u64;
    assert!(b.bins[..b.missing_bin()].iter().all(|b| b.rows >= min_rows));
    assert_eq!(b.bins.iter().map(|b| b.rows).sum::<u64>(), 60);
}

#[test]
fn categorical_levels_are_grouped_by_event_rate() {
    // Levels a..d with event rates 0.6, 0.1, 0.55, 0.15 (20 rows each) and a rare level
    // "r" (2 rows, 1 event). Two bins: the low-rate levels {b, d} and the high ones.
    let spec = [
        ("a", 20, 12),
        ("b", 20, 2),
        ("c", 20, 11),
        ("d", 20, 3),
        ("r", 2, 1),
    ];
    let mut column = crate::data::CategoricalColumn::default();
    let mut y = Vec::new();
    for (level, n, e) in spec {
        for r in 0..n {
            column.push(Some(level));
            y.push(r < e);
        }
    }
    column.push(None);
    y.push(false);
    let rows: Vec<usize> = (0..y.len()).collect();
    let b = fit_categorical(
        &column.codes,
        &column.levels,
        &rows,
        &y,
        params(2, 0.1, Monotonic::Auto),
    );
    let Edges::Categorical { levels } = &b.edges else {
        panic!()
    };
    assert_eq!(levels, &vec![vec!["b", "d"], vec!["a", "c", "r"]]);
    assert_eq!(b.bin_of_level(Some("c")), 1);
    assert_eq!(b.bin_of_level(Some("never seen")), b.missing_bin());
    assert_eq!(b.bins[b.missing_bin()].rows, 1);
}

#[test]
fn too_few_events_give_one_bin() {
    let values: Vec<f64> = (0..50).map(f64::from).collect();
    let y: Vec<bool> = (0..50).map(|i| i == 7).collect();
    let rows: Vec<usize> = (0..50).collect();
    let b = fit_numeric(&values, &rows, &y, params(8, 0.05, Monotonic::Auto));
    assert_eq!(b.bins.len(), 2);
    assert_eq!(b.iv(), 0.0);
}
