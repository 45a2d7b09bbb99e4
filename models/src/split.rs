//! Train/test splits: random, stratified by class, or out-of-time (a mask from the caller).
//!
//! With the same seed, the random and stratified splits select exactly the rows that
//! scikit-learn's `train_test_split(X, y, test_size=t, random_state=seed[, stratify=y])`
//! selects (rows in relation order, classes ordered negative then positive as for a 0/1
//! target), so an analyst can reproduce finml's test metrics in Python row for row. That
//! needs numpy's legacy `RandomState` (MT19937 with its bounded-integer shuffle), below.

/// numpy's legacy `RandomState(seed)`: MT19937 seeded by `init_genrand`, with the
/// `random_interval` rejection sampler that `RandomState.shuffle` and `.permutation` use.
struct NumpyRandomState {
    state: [u32; 624],
    pos: usize,
}

impl NumpyRandomState {
    fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        NumpyRandomState { state, pos: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.twist();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        for i in 0..624 {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
            let mut next = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.state[i] = next;
        }
        self.pos = 0;
    }

    /// A uniform integer in `[0, max]` by masking and rejection (numpy's `random_interval`).
    fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `RandomState.permutation(n)`: a Fisher–Yates shuffle of `0..n` from the end.
    /// u32 positions: half the bytes of `usize` ones on the training's largest lists
    /// (a row count past u32 never fits the memory budget).
    fn permutation(&mut self, n: usize) -> Vec<u32> {
        let mut values: Vec<u32> = (0..n as u32).collect();
        self.shuffle(&mut values);
        values
    }

    /// `RandomState.shuffle(values)` of a one-dimensional array.
    fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            let j = self.interval(i as u32) as usize;
            values.swap(i, j);
        }
    }
}

/// Row indices of the two parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Test rows out of `n`, rounded up (scikit-learn's `_validate_shuffle_split`).
fn test_count(n: usize, test_size: f64) -> usize {
    (test_size * n as f64).ceil() as usize
}

/// numpy takes seeds in [0, 2³²); larger ones are folded in so any u64 works.
fn numpy_seed(seed: u64) -> u32 {
    (seed ^ (seed >> 32)) as u32
}

/// A seeded random split of `rows` (scikit-learn's `ShuffleSplit`).
pub fn random(rows: &[usize], test_size: f64, seed: u64) -> Split {
    let n_test = test_count(rows.len(), test_size);
    let permutation = NumpyRandomState::new(numpy_seed(seed)).permutation(rows.len());
    let test = permutation[..n_test]
        .iter()
        .map(|&k| rows[k as usize])
        .collect();
    let train = permutation[n_test..]
        .iter()
        .map(|&k| rows[k as usize])
        .collect();
    finish(train, test)
}

/// A seeded split that keeps each class's share (scikit-learn's `StratifiedShuffleSplit`):
/// `classes[i]` is the class code of `rows[i]` (0 and 1 for a two-class target, negative
/// first; the sorted classes' indices for more).
pub fn stratified(rows: &[usize], classes: &[u32], test_size: f64, seed: u64) -> Split {
    let n_test = test_count(rows.len(), test_size);
    let n_train = rows.len() - n_test;
    let n_classes = classes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (&row, &class) in rows.iter().zip(classes) {
        members[class as usize].push(row);
    }
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    let train_counts = approximate_mode(&counts, n_train);
    let remaining: Vec<usize> = counts
        .iter()
        .zip(&train_counts)
        .map(|(c, t)| c - t)
        .collect();
    let test_counts = approximate_mode(&remaining, n_test);
    let mut rng = NumpyRandomState::new(numpy_seed(seed));
    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for class in 0..n_classes {
        let permutation = rng.permutation(counts[class]);
        let (trained, rest) = permutation.split_at(train_counts[class]);
        let member = |&k: &u32| members[class][k as usize];
        train.extend(trained.iter().map(member));
        test.extend(rest[..test_counts[class]].iter().map(member));
    }
    finish(train, test)
}

/// How many of `total` draws each class gets so that the shares match the class counts:
/// floors first, then the remaining draws to the largest remainders (scikit-learn's
/// `_approximate_mode`; an exact tie goes to the first class, where scikit-learn would draw
/// at random).
fn approximate_mode(counts: &[usize], total: usize) -> Vec<usize> {
    let n: usize = counts.iter().sum();
    if n == 0 {
        return vec![0; counts.len()];
    }
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 * total as f64 / n as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut left = total.saturating_sub(floored.iter().sum());
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Largest remainder first; a stable sort keeps ties in class order.
    order.sort_by(|&a, &b| {
        let remainder = |k: usize| continuous[k] - floored[k] as f64;
        remainder(b).total_cmp(&remainder(a))
    });
    for &class in &order {
        if left > 0 && floored[class] < counts[class] {
            floored[class] += 1;
            left -= 1;
        }
    }
    floored
}

/// The fold (0-based) of each of `n` rows in order: scikit-learn's
/// `KFold(n_splits=folds, shuffle=True, random_state=seed)`, whose fold f tests the f-th
/// slice of a shuffled `0..n` (the first `n % folds` slices one longer).
pub fn kfold(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let order = NumpyRandomState::new(numpy_seed(seed)).permutation(n);
    let mut fold_of = vec![0; n];
    let mut start = 0;
    for fold in 0..folds {
        let size = n / folds + usize::from(fold < n % folds);
        for &row in &order[start..start + size] {
            fold_of[row as usize] = fold;
        }
        start += size;
    }
    fold_of
}

/// The fold (0-based) of each row whose class is `classes[i]`: scikit-learn's
/// `StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)`. Classes are numbered
/// by first appearance; each fold's count of a class is dealt round-robin over the rows
/// sorted by class, and each class's fold labels are shuffled, class by class, and handed to
/// its rows in order.
pub fn stratified_kfold(classes: &[u32], folds: usize, seed: u64) -> Vec<usize> {
    let mut code_of = std::collections::HashMap::new();
    let encoded: Vec<usize> = classes
        .iter()
        .map(|c| {
            let next = code_of.len();
            *code_of.entry(*c).or_insert(next)
        })
        .collect();
    let n_classes = code_of.len();
    let mut counts = vec![0usize; n_classes];
    for &k in &encoded {
        counts[k] += 1;
    }
    // allocation[k][f]: rows of class k in fold f, dealing the class-sorted rows f, f + folds, ...
    let mut allocation = vec![vec![0usize; folds]; n_classes];
    let mut position = 0;
    for (k, &count) in counts.iter().enumerate() {
        for p in position..position + count {
            allocation[k][p % folds] += 1;
        }
        position += count;
    }
    let mut rng = NumpyRandomState::new(numpy_seed(seed));
    let mut fold_of = vec![0; classes.len()];
    for (k, per_fold) in allocation.iter().enumerate() {
        let mut labels: Vec<usize> = per_fold
            .iter()
            .enumerate()
            .flat_map(|(f, &n)| std::iter::repeat_n(f, n))
            .collect();
        rng.shuffle(&mut labels);
        let members = encoded.iter().enumerate().filter(|&(_, &c)| c == k);
        for ((row, _), fold) in members.zip(labels) {
            fold_of[row] = fold;
        }
    }
    fold_of
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
        let classes: Vec<u32> = rows.iter().map(|&r| u32::from(r % 4 == 0)).collect(); // 25 positives
        let a = stratified(&rows, &classes, 0.3, 42);
        let b = stratified(&rows, &classes, 0.3, 42);
        assert_eq!(a, b);
        assert_eq!(a.test.len(), 30); // ceil(0.3·100)
                                      // 70 training rows: 70·25/100 = 17.5 positives and 52.5 negatives, the tie going to
                                      // the first class (negatives: 53); the test part takes the rest of each class.
        assert_eq!(a.test.iter().filter(|&&r| classes[r] == 1).count(), 8);
        let c = stratified(&rows, &classes, 0.3, 7);
        assert_ne!(a, c);
    }

    #[test]
    fn mt19937_matches_numpy() {
        // numpy 2.x: np.random.RandomState(42).randint(0, 2**32, dtype=np.uint64)[:3] draws
        // raw 32-bit outputs 1608637542, 3421126067, 4083286876 (MT19937 init_genrand(42)).
        let mut rng = NumpyRandomState::new(42);
        assert_eq!(
            [rng.next_u32(), rng.next_u32(), rng.next_u32()],
            [1608637542, 3421126067, 4083286876]
        );
        // np.random.RandomState(42).permutation(10)
        let mut rng = NumpyRandomState::new(42);
        assert_eq!(rng.permutation(10), vec![8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    }

    #[test]
    fn zero_test_size_keeps_every_row_for_training() {
        let rows: Vec<usize> = (0..10).collect();
        let s = random(&rows, 0.0, 1);
        assert_eq!(s.train.len(), 10);
        assert!(s.test.is_empty());
    }
}
