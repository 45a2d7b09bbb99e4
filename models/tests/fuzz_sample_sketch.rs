//! Fuzzing the development sample's stored fingerprint (`SampleSketch::from_bytes`, what
//! fin_verify_sample reads from finml.samples, which a superuser can edit by hand): a real
//! sketch with words replaced by extreme values, copied between cells, bytes flipped, or the
//! whole cut short or lengthened. Reading never panics, and comparing an accepted sketch with
//! the real one (both ways) never panics, ends, and never reports identical for a sketch that
//! differs.
//!
//! FINML_FUZZ_CASES sets the number of cases (default 256).

use finml_models::sample::{add_to_state, check_of, SampleSketch, STATE_LEN};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn cases() -> u32 {
    std::env::var("FINML_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The sketch of 2,000 rows, as the aggregate sums it.
fn real() -> SampleSketch {
    let mut state = vec![0u64; STATE_LEN];
    (0..2000u64).for_each(|i| add_to_state(&mut state, check_of(i)));
    SampleSketch::from_state(&state.iter().map(|&w| w as i64).collect::<Vec<_>>()).unwrap()
}

#[derive(Debug, Clone)]
enum Edit {
    /// A word (row count, or a cell's count, key or check) set to a value.
    Word(usize, i64),
    /// A cell's three words copied over another's.
    CopyCell(usize, usize),
    Flip(usize, u8),
    Truncate(usize),
    Extend(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let word = prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(-1i64),
        Just(0),
        Just(1),
        any::<i64>()
    ];
    prop_oneof![
        (0..STATE_LEN, word).prop_map(|(i, v)| Edit::Word(i, v)),
        (0..STATE_LEN / 3, 0..STATE_LEN / 3).prop_map(|(a, b)| Edit::CopyCell(a, b)),
        (0..1 + 8 * STATE_LEN, any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (0..1 + 8 * STATE_LEN).prop_map(Edit::Truncate),
        (1usize..64).prop_map(Edit::Extend),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let word_at = |i: usize| 1 + 8 * i;
    match *edit {
        Edit::Word(i, v) => {
            if let Some(word) = bytes.get_mut(word_at(i)..word_at(i) + 8) {
                word.copy_from_slice(&v.to_le_bytes());
            }
        }
        Edit::CopyCell(a, b) => {
            let (from, to) = (word_at(1 + 3 * a), word_at(1 + 3 * b));
            if let Some(cell) = bytes.get(from..from + 24).map(<[u8]>::to_vec) {
                if let Some(target) = bytes.get_mut(to..to + 24) {
                    target.copy_from_slice(&cell);
                }
            }
        }
        Edit::Flip(i, b) => {
            if let Some(byte) = bytes.get_mut(i) {
                *byte ^= b | 1;
            }
        }
        Edit::Truncate(n) => bytes.truncate(n),
        Edit::Extend(n) => bytes.extend(std::iter::repeat_n(7u8, n)),
    }
}

#[test]
fn edited_fingerprints_never_panic_and_never_pass_for_the_real_one() {
    let real = real();
    let stored = real.to_bytes();
    let accepted = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(edit(), 1..4), |edits| {
            let mut bytes = stored.clone();
            edits.iter().for_each(|e| apply(&mut bytes, e));
            if let Some(edited) = SampleSketch::from_bytes(&bytes) {
                accepted.set(accepted.get() + 1);
                for difference in [edited.compare(&real), real.compare(&edited)] {
                    if difference.identical {
                        prop_assert_eq!(&edited, &real);
                    }
                    if let (Some(removed), Some(added)) = (difference.removed, difference.added) {
                        prop_assert!(removed >= 0 && added >= 0);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_sample_sketch: {} edited fingerprints, {} read",
        cases(),
        accepted.get()
    );
}
