//! Times the logistic fit on synthetic data of a given size: `cargo run --release -p
//! finml-models --example fit_timing -- ROWS COLS`.
use finml_models::linear::fit_logistic;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (rows, cols) = (
        args.first().copied().unwrap_or(700_000),
        args.get(1).copied().unwrap_or(24),
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let x = Array2::from_shape_fn((rows, cols), |_| rng.gen::<f64>() * 2.0 - 1.0);
    let y: Vec<bool> = (0..rows)
        .map(|i| {
            let eta: f64 = -1.0
                + x.row(i)
                    .iter()
                    .enumerate()
                    .map(|(j, v)| v * (j as f64 / cols as f64))
                    .sum::<f64>();
            rng.gen::<f64>() < 1.0 / (1.0 + (-eta).exp())
        })
        .collect();
    let start = Instant::now();
    let fit = fit_logistic(&x, &y, 1.0, 100).expect("fit");
    println!(
        "{rows} x {cols}: fit in {:.3} s, intercept {:.4}",
        start.elapsed().as_secs_f64(),
        fit.intercept
    );
}
