//! The differential-privacy accountant equals Opacus's RDP accountant within 1e-6 on the same
//! (σ, q, steps, δ): the spent ε and its order, one step's RDP at whole and fractional orders,
//! and the noise multiplier `get_noise_multiplier` finds for a target ε. Reference values:
//! tests/reference/opacus_rdp.py (Opacus's own analysis code, its test suite's cases among
//! them: opacus/tests/accountants_test.py's 7.32911117143 and 1.416).

use finml_models::privacy::{
    default_orders, epsilon_spent, noise_multiplier, step_rdp, steps_for_epochs, Steps,
};

const TOLERANCE: f64 = 1e-6;

fn spent(history: &[(f64, f64, u64)], delta: f64) -> (f64, f64) {
    let history: Vec<Steps> = history
        .iter()
        .map(|&(noise_multiplier, sample_rate, steps)| Steps {
            noise_multiplier,
            sample_rate,
            steps,
        })
        .collect();
    epsilon_spent(&history, delta, &default_orders()).unwrap()
}

fn assert_close(what: &str, ours: f64, opacus: f64) {
    assert!(
        (ours - opacus).abs() <= TOLERANCE * opacus.abs().max(1.0),
        "{what}: finml {ours}, Opacus {opacus}"
    );
}

#[test]
fn the_spent_epsilon_and_its_order_equal_opacus() {
    // (σ, q, steps, δ) → Opacus's (ε, order).
    type Case = ((f64, f64, u64, f64), (f64, f64));
    let cases: [Case; 7] = [
        (
            (1.5, 0.04, steps_for_epochs(90.0, 0.04), 1e-5),
            (7.3291111714386545, 3.9),
        ),
        ((1.0, 0.01, 1000, 1e-5), (2.1013652716430564, 7.8)),
        (
            (1.1, 256.0 / 60000.0, 3515, 1e-5),
            (1.281144275963647, 12.0),
        ),
        ((0.8, 0.1, 100, 1e-6), (13.897411368665754, 2.5)),
        ((2.0, 1.0, 10, 1e-5), (8.079406222420491, 3.9)),
        ((4.0, 0.001, 10000, 1e-5), (0.12326500866973675, 63.0)),
        ((1.0, 0.5, 1, 1e-5), (3.8935758781414105, 5.4)),
    ];
    for ((sigma, q, steps, delta), (epsilon, order)) in cases {
        let (ours, our_order) = spent(&[(sigma, q, steps)], delta);
        assert_close(
            &format!("ε at σ {sigma}, q {q}, {steps} steps"),
            ours,
            epsilon,
        );
        assert_eq!(our_order, order, "order at σ {sigma}, q {q}");
    }
    assert_eq!(steps_for_epochs(90.0, 0.04), 2250);
}

#[test]
fn a_history_of_two_phases_adds_their_rdp_before_converting() {
    let (epsilon, order) = spent(&[(1.0, 0.01, 500), (2.0, 0.02, 300)], 1e-5);
    assert_close("two phases", epsilon, 1.7981496170731097);
    assert_eq!(order, 8.2);
}

#[test]
fn no_noise_spends_an_infinite_epsilon() {
    let (epsilon, order) = spent(&[(0.0, 0.01, 10)], 1e-5);
    assert_eq!((epsilon, order), (f64::INFINITY, 1.1));
}

#[test]
fn one_steps_rdp_equals_opacus_at_whole_and_fractional_orders() {
    let at_q_001: [(f64, f64); 6] = [
        (1.5, 0.00012725374351154145),
        (2.0, 0.00017181342207453428),
        (2.5, 0.00021757533233085147),
        (10.0, 0.03827041889494864),
        (32.0, 11.246275937048072),
        (63.0, 26.820552875528232),
    ];
    let at_q_02: [(f64, f64); 3] = [
        (1.1, 0.07595345121299245),
        (3.7, 1.5985155505874957),
        (12.0, 10.489147510032494),
    ];
    for (q, sigma, orders) in [(0.01, 1.0, &at_q_001[..]), (0.2, 0.7, &at_q_02[..])] {
        for &(order, opacus) in orders {
            let ours = step_rdp(q, sigma, order).unwrap();
            assert!(
                (ours - opacus).abs() <= TOLERANCE * opacus,
                "q {q}, order {order}: finml {ours}, Opacus {opacus}"
            );
        }
    }
}

#[test]
fn the_noise_multiplier_for_a_target_epsilon_equals_opacus() {
    let by_epochs = noise_multiplier(8.0, 1e-5, 0.04, steps_for_epochs(90.0, 0.04), 0.01).unwrap();
    assert_eq!(by_epochs, 1.416015625);
    let by_steps = noise_multiplier(8.0, 1e-5, 0.04, 2000, 0.01).unwrap();
    assert_eq!(by_steps, 1.356201171875);
    // The noise found never spends more than the target.
    let (epsilon, _) = spent(&[(by_steps, 0.04, 2000)], 1e-5);
    assert!(epsilon <= 8.0 && epsilon > 8.0 - 0.01, "{epsilon}");
}

#[test]
fn a_budget_no_noise_can_meet_is_refused() {
    let error = noise_multiplier(1e-9, 1e-5, 1.0, 1_000_000, 0.01).unwrap_err();
    assert!(error.to_string().contains("too small"), "{error}");
}
