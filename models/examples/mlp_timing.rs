//! Times MLP training (the default recipe) on synthetic data:
//! `RAYON_NUM_THREADS=2 cargo run --release --example mlp_timing -- ROWS EPOCHS`.
//! Set RAYON_NUM_THREADS: without it candle asks the system for the core count at every
//! matrix product (reading /proc/cpuinfo), which triples the time of a step.
use finml_models::mlp::{fit, MlpParams, TrainingData};
use finml_models::progress::Silent;
use rand::{rngs::SmallRng, Rng, SeedableRng};
use std::time::Instant;

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let epochs: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let mut rng = SmallRng::seed_from_u64(1);
    let x: Vec<f32> = (0..rows * 20).map(|_| rng.gen_range(-2.0..2.0)).collect();
    let y: Vec<f32> = (0..rows)
        .map(|i| {
            let z: f32 = x[i * 20..i * 20 + 5].iter().sum::<f32>() - x[i * 20 + 7];
            if rng.gen::<f32>() < 1.0 / (1.0 + (-z).exp()) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let options = MlpParams {
        epochs,
        ..MlpParams::default()
    };
    let start = Instant::now();
    let fit = fit(
        TrainingData {
            x: &ndarray::Array2::from_shape_fn((y.len(), 20), |(i, j)| f64::from(x[20 * i + j])),
            y: y.clone(),
            classification: true,
            outputs: 1,
        },
        &options,
        42,
        &candle_core::Device::Cpu,
        &mut Silent,
    )
    .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{rows} rows x {epochs} epochs: {seconds:.2} s, {:.1} us/step, last loss {:.4}",
        seconds * 1e6 / ((rows as f64 / 32.0).ceil() * epochs as f64),
        fit.log.last().unwrap().train_loss
    );
}
