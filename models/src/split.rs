//! Train/test splits: random, stratified by class, or out-of-time (a mask from the caller).
//! Test sizes round up, as scikit-learn's `train_test_split` does.

use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Row indices of the two parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

fn test_count(n: usize, test_size: f64) -> usize {
    (test_size * n as f64).ceil() as usize
}

/// A seeded random split of `rows`.
pub fn random(rows: &[usize], test_size: f64, seed: u64) -> Split {
    let mut shuffled = rows.to_vec();
    shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let n_test = test_count(rows.len(), test_size);
    let train = shuffled.split_off(n_test);
    finish(train, shuffled)
}

/// A seeded split that keeps each class's share: `classes[i]` is the class of `rows[i]`.
pub fn stratified(rows: &[usize], classes: &[bool], test_size: f64, seed: u64) -> Split {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in [false, true] {
        let mut members: Vec<usize> = rows
            .iter()
            .zip(classes)
            .filter(|(_, &c)| c == class)
            .map(|(&r, _)| r)
            .collect();
        members.shuffle(&mut rng);
        let n_test = test_count(members.len(), test_size);
        train.extend_from_slice(&members[n_test..]);
        test.extend_from_slice(&members[..n_test]);
    }
    finish(train, test)
}

/// The rows whose `is_test` flag is set form the test part.
pub fn by_mask(rows: &[usize], is_test: &[bool]) -> Split {
    let (test, train): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&r| is_test[r]);
    finish(train, test)
}

fn finish(mut train: Vec<usize>, mut test: Vec<usize>) -> Split {
    // Sorted indices keep memory access sequential when the design matrix is built.
    train.sort_unstable();
    test.sort_unstable();
    Split { train, test }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_keeps_class_shares_and_is_reproducible() {
        let rows: Vec<usize> = (0..100).collect();
        let classes: Vec<bool> = rows.iter().map(|&r| r % 4 == 0).collect(); // 25 positives
        let a = stratified(&rows, &classes, 0.3, 42);
        let b = stratified(&rows, &classes, 0.3, 42);
        assert_eq!(a, b);
        assert_eq!(a.test.len(), 8 + 23); // ceil(0.3·25) + ceil(0.3·75)
        assert_eq!(a.test.iter().filter(|&&r| classes[r]).count(), 8);
        let c = stratified(&rows, &classes, 0.3, 7);
        assert_ne!(a, c);
    }

    #[test]
    fn zero_test_size_keeps_every_row_for_training() {
        let rows: Vec<usize> = (0..10).collect();
        let s = random(&rows, 0.0, 1);
        assert_eq!(s.train.len(), 10);
        assert!(s.test.is_empty());
    }
}
