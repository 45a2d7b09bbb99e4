//! The development sample's fingerprint: an invertible Bloom lookup table (Goodrich and
//! Mitzenmacher, 2011) over the hashes of the rows a version was trained and tested on.
//!
//! Why this shape: the fingerprint must not depend on the order the rows are read in (a table
//! rewritten by VACUUM FULL or restored holds the same sample), it must be computed in one pass
//! by the database (pg/sample.rs sums it with SQL aggregates), and when the relation no longer
//! holds the sample it must say how many rows differ, not only that something did. Each row's
//! key (64 bits of the SHA-256 of its values as text) is added to one cell of each of three
//! tables: the cell counts the rows and XORs their keys and their keys' checks. Subtracting the
//! relation's table from the stored one leaves the rows in one and not the other; cells holding
//! a single such row are peeled off one by one, which recovers every differing row while they
//! number up to about 2/3 of the cells (770 of 1,023); beyond that the difference is reported
//! as undecoded, with the change in row count as its lower bound.

use sha2::{Digest, Sha256};

/// Cells in each of the three tables.
pub const CELLS_PER_TABLE: usize = 341;
/// Tables: a row is in one cell of each.
pub const TABLES: usize = 3;
/// Bits of the key that pick a row's cell in one table.
pub const INDEX_BITS: u32 = 21;
/// The stored form's first byte.
const FORMAT: u8 = 1;

/// One cell: how many rows it holds (negative after a subtraction), and the XOR of their keys
/// and of their keys' checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: i64,
    pub keys: u64,
    pub checks: u64,
}

/// The fingerprint of a multiset of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSketch {
    pub rows: i64,
    pub cells: Vec<Cell>,
}

/// How the relation's rows compare with the stored sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleDifference {
    /// The relation holds exactly the sample's rows (as a multiset).
    pub identical: bool,
    /// Rows of the sample no longer in the relation (a changed row is one removed and one
    /// added); `None` when the difference is too large to decode.
    pub removed: Option<i64>,
    /// Rows in the relation that were not in the sample.
    pub added: Option<i64>,
}

/// The cell of `key` in each table.
pub fn cell_indices(key: u64) -> [usize; TABLES] {
    let mask = (1u64 << INDEX_BITS) - 1;
    std::array::from_fn(|table| {
        let bits = (key >> (INDEX_BITS * table as u32)) & mask;
        table * CELLS_PER_TABLE + (bits as usize) % CELLS_PER_TABLE
    })
}

/// The aggregate's state (pg/sample_aggregate.rs) as int8s: the row count, then each cell's
/// count, key XOR and check XOR.
pub const STATE_LEN: usize = 1 + 3 * TABLES * CELLS_PER_TABLE;

/// A row's key: the first 8 bytes (big-endian) of the SHA-256 of its values' text.
pub fn key_of(row_text: &[u8]) -> u64 {
    let digest = Sha256::digest(row_text);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Adds one row's key to an aggregate state of [`STATE_LEN`] words.
pub fn add_to_state(state: &mut [u64], key: u64) {
    let check = check_of(key);
    state[0] = state[0].wrapping_add(1);
    for index in cell_indices(key) {
        let at = 1 + 3 * index;
        state[at] = state[at].wrapping_add(1);
        state[at + 1] ^= key;
        state[at + 2] ^= check;
    }
}

/// Two partial states of the aggregate combined (counts added, keys and checks XORed):
/// parallel workers each sum a part of the rows. `None` unless both are states.
pub fn combine_states(a: &[i64], b: &[i64]) -> Option<Vec<i64>> {
    if a.len() != STATE_LEN || b.len() != STATE_LEN {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .enumerate()
            .map(|(i, (x, y))| match i == 0 || (i - 1) % 3 == 0 {
                true => x.wrapping_add(*y),
                false => x ^ y,
            })
            .collect(),
    )
}

/// The key's check: the first 8 bytes of the SHA-256 of its 8 big-endian bytes (what
/// PostgreSQL's `sha256(int8send(key))` gives).
pub fn check_of(key: u64) -> u64 {
    key_of(&key.to_be_bytes())
}

impl SampleSketch {
    /// An empty sketch (no rows).
    pub fn empty() -> SampleSketch {
        SampleSketch {
            rows: 0,
            cells: vec![Cell::default(); TABLES * CELLS_PER_TABLE],
        }
    }

    /// The sketch an aggregate state holds; `None` for anything else (a made-up array).
    pub fn from_state(state: &[i64]) -> Option<SampleSketch> {
        if state.len() != STATE_LEN || state[0] < 0 {
            return None;
        }
        Some(SampleSketch {
            rows: state[0],
            cells: state[1..]
                .chunks_exact(3)
                .map(|c| Cell {
                    count: c[0],
                    keys: c[1] as u64,
                    checks: c[2] as u64,
                })
                .collect(),
        })
    }

    /// The sketch as the aggregate's state: the row count, then each cell's count, key XOR
    /// and check XOR.
    pub fn to_state(&self) -> Vec<i64> {
        let cells = self
            .cells
            .iter()
            .flat_map(|c| [c.count, c.keys as i64, c.checks as i64]);
        std::iter::once(self.rows).chain(cells).collect()
    }

    /// The stored form: a format byte, then the state's words (little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let state = self.to_state();
        let mut bytes = Vec::with_capacity(1 + 8 * state.len());
        bytes.push(FORMAT);
        state
            .iter()
            .for_each(|w| bytes.extend_from_slice(&w.to_le_bytes()));
        bytes
    }

    /// Reads the stored form; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<SampleSketch> {
        let (&format, words) = bytes.split_first()?;
        if format != FORMAT || words.len() != 8 * STATE_LEN {
            return None;
        }
        let state: Vec<i64> = words
            .chunks_exact(8)
            .map(|w| i64::from_le_bytes(w.try_into().unwrap_or_default()))
            .collect();
        SampleSketch::from_state(&state)
    }

    /// Compares the relation's rows (`now`) with this stored sample.
    pub fn compare(&self, now: &SampleSketch) -> SampleDifference {
        let mut difference: Vec<Cell> = self
            .cells
            .iter()
            .zip(&now.cells)
            .map(|(then, now)| Cell {
                count: then.count.wrapping_sub(now.count),
                keys: then.keys ^ now.keys,
                checks: then.checks ^ now.checks,
            })
            .collect();
        if self.rows == now.rows && difference.iter().all(|c| *c == Cell::default()) {
            return SampleDifference {
                identical: true,
                removed: Some(0),
                added: Some(0),
            };
        }
        let decoded = peel(&mut difference);
        SampleDifference {
            identical: false,
            removed: decoded.map(|(removed, _)| removed),
            added: decoded.map(|(_, added)| added),
        }
    }
}

/// Whether `cell` (at `index`) holds exactly one row: its count is ±1, its check matches its
/// key, and the key belongs in this cell.
fn is_pure(cell: &Cell, index: usize) -> bool {
    (cell.count == 1 || cell.count == -1)
        && check_of(cell.keys) == cell.checks
        && cell_indices(cell.keys).contains(&index)
}

/// Peels the single-row cells of a difference (stored minus now) until none is left; returns
/// (rows only in the stored sample, rows only in the relation) when every cell empties.
///
/// At most one peel per cell: a real difference decodes in fewer (each peeled row empties a
/// cell for good), and a made-up sketch (a hand-edited catalog) can hold a key that peels back
/// and forth between its cells for ever; past the bound the difference is undecoded.
fn peel(cells: &mut [Cell]) -> Option<(i64, i64)> {
    let (mut removed, mut added) = (0i64, 0i64);
    let mut queue: Vec<usize> = (0..cells.len())
        .filter(|&i| is_pure(&cells[i], i))
        .collect();
    let mut peels = 0;
    while let Some(index) = queue.pop() {
        if !is_pure(&cells[index], index) {
            continue;
        }
        peels += 1;
        if peels > cells.len() {
            return None;
        }
        let Cell { count, keys, .. } = cells[index];
        if count > 0 {
            removed += 1;
        } else {
            added += 1;
        }
        let check = check_of(keys);
        for other in cell_indices(keys) {
            let cell = &mut cells[other];
            cell.count = cell.count.wrapping_sub(count);
            cell.keys ^= keys;
            cell.checks ^= check;
            if is_pure(cell, other) {
                queue.push(other);
            }
        }
    }
    cells
        .iter()
        .all(|c| *c == Cell::default())
        .then_some((removed, added))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys as the database makes them: 64 bits of a SHA-256.
    fn key(i: u64) -> u64 {
        check_of(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn sketch(keys: impl IntoIterator<Item = u64>) -> SampleSketch {
        let mut state = vec![0u64; STATE_LEN];
        keys.into_iter().for_each(|k| add_to_state(&mut state, k));
        SampleSketch::from_state(&state.iter().map(|&w| w as i64).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_same_rows_in_any_order_are_identical() {
        let stored = sketch((0..5000).map(key));
        let shuffled = sketch((0..5000).rev().map(key));
        assert_eq!(stored, shuffled);
        let d = stored.compare(&shuffled);
        assert!(d.identical);
        assert_eq!((d.removed, d.added), (Some(0), Some(0)));
    }

    #[test]
    fn changed_removed_and_added_rows_are_counted_exactly() {
        let stored = sketch((0..10_000).map(key));
        // 40 rows changed (old key out, new key in), 25 deleted, 10 inserted.
        let now = sketch(
            (0..10_000)
                .filter(|i| !(100..165).contains(i))
                .map(key)
                .chain((1_000_000..1_000_050).map(key)),
        );
        let d = stored.compare(&now);
        assert!(!d.identical);
        assert_eq!((d.removed, d.added), (Some(65), Some(50)));
    }

    #[test]
    fn a_duplicated_row_counts() {
        let stored = sketch((0..1000).map(key));
        let now = sketch((0..1000).map(key).chain([key(7)]));
        let d = stored.compare(&now);
        assert_eq!((d.identical, d.removed, d.added), (false, Some(0), Some(1)));
    }

    #[test]
    fn a_difference_too_large_is_undecoded_not_wrong() {
        let stored = sketch((0..3000).map(key));
        let now = sketch((2000..5000).map(key));
        let d = stored.compare(&now);
        assert!(!d.identical);
        assert_eq!((d.removed, d.added), (None, None));
    }

    #[test]
    fn decodes_up_to_hundreds_of_rows() {
        let stored = sketch((0..20_000).map(key));
        let now = sketch((300..20_000).map(key));
        assert_eq!(stored.compare(&now).removed, Some(300));
    }

    #[test]
    fn the_stored_form_round_trips_and_refuses_anything_else() {
        let s = sketch((0..100).map(key));
        let bytes = s.to_bytes();
        assert_eq!(SampleSketch::from_bytes(&bytes), Some(s));
        assert_eq!(SampleSketch::from_bytes(&bytes[1..]), None);
        let mut other = bytes.clone();
        other[0] = 9;
        assert_eq!(SampleSketch::from_bytes(&other), None);
        assert_eq!(SampleSketch::from_bytes(&[]), None);
    }

    #[test]
    fn aggregate_states_combine_into_the_sketch_of_all_rows() {
        let (mut a, mut b) = (vec![0u64; STATE_LEN], vec![0u64; STATE_LEN]);
        (0..700).for_each(|i| add_to_state(&mut a, key(i)));
        (700..1000).for_each(|i| add_to_state(&mut b, key(i)));
        let signed = |s: &[u64]| s.iter().map(|&w| w as i64).collect::<Vec<i64>>();
        let combined = combine_states(&signed(&a), &signed(&b)).unwrap();
        assert_eq!(
            SampleSketch::from_state(&combined).unwrap(),
            sketch((0..1000).map(key))
        );
        assert_eq!(combine_states(&combined[1..], &combined), None);
        assert_eq!(SampleSketch::from_state(&combined[1..]), None);
        assert_eq!(key_of(b"abc"), 0xba78_16bf_8f01_cfea);
    }

    #[test]
    fn a_made_up_sketch_whose_key_peels_back_and_forth_is_undecoded() {
        // One key, +1 in its first cell only: peeled there, it leaves -1 in its other two,
        // which peel it back into the first, and so on.
        let k = key(1);
        let mut state = vec![0i64; STATE_LEN];
        let first = 1 + 3 * cell_indices(k)[0];
        state[first..first + 3].copy_from_slice(&[1, k as i64, check_of(k) as i64]);
        let made_up = SampleSketch::from_state(&state).unwrap();
        let d = made_up.compare(&SampleSketch::empty());
        assert_eq!((d.identical, d.removed, d.added), (false, None, None));
        // Extreme counts wrap, as the database's int8 state does, instead of overflowing.
        state[first] = i64::MIN;
        let extreme = SampleSketch::from_state(&state).unwrap();
        assert!(!extreme.compare(&SampleSketch::empty()).identical);
        assert!(!SampleSketch::empty().compare(&extreme).identical);
    }

    #[test]
    fn indices_fall_in_their_own_table() {
        for i in 0..1000 {
            let cells = cell_indices(key(i));
            for (table, cell) in cells.iter().enumerate() {
                assert!((table * CELLS_PER_TABLE..(table + 1) * CELLS_PER_TABLE).contains(cell));
            }
        }
        // Sign-extending shifts (PostgreSQL's bigint >>) pick the same bits below bit 63.
        assert_eq!(
            cell_indices(u64::MAX)[2],
            2 * CELLS_PER_TABLE + ((1 << 21) - 1) % 341
        );
    }
}
