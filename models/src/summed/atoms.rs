//! Every numeric feature's distinct values in one pass over the rows: the state of the
//! aggregate `fin_training_atoms` (pg/atoms_aggregate.rs), a hash table per number of each
//! distinct value's rows and label sum, which PostgreSQL's parallel workers fill for their
//! part of the rows and the leader merges. The atoms are those of a `GROUP BY` of each
//! number: NULL is one atom, NaN one, and −0 is 0.
//!
//! The state's bytes (serialized between processes, and the final result) come from finml,
//! but are read as untrusted: [`AtomTables::from_bytes`] checks every length before it
//! allocates.

use super::rows::Atom;
use crate::error::{try_vec, Error, ErrorKind, Result};
use crate::interrupt;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

/// The most numbers one state holds (a call takes at most 100 arguments).
pub const MAX_ATOM_NUMBERS: usize = 100;

/// A distinct value's rows and label sum.
type Tally = (u64, f64);

/// Bytes a table holds per slot of its capacity: the key and its tally, plus the control
/// byte, in buckets one eighth larger than the capacity (hashbrown's load factor).
const SLOT_BYTES: usize = (std::mem::size_of::<(u64, Tally)>() + 1) * 8 / 7;

/// Bytes one atom takes in the serialized state: its value's bits, rows and label sum.
const SERIALIZED_ATOM_BYTES: usize = 24;

/// Atoms merged or read between checks for a cancel (a few milliseconds' work).
const CHECK_EVERY: usize = 1 << 16;

/// The serialized state's first bytes: its format.
const MAGIC: &[u8; 8] = b"finatom1";

thread_local! {
    /// The bytes every live [`AtomTables`] of this thread holds: the budget is the
    /// backend's, not one state's (a query may hold many states at once: several calls, a
    /// hashed GROUP BY, partitions).
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// One number's distinct values.
#[derive(Debug, Default, Clone)]
struct AtomTable {
    nulls: Tally,
    values: HashMap<u64, Tally, MixedBits>,
}

/// The distinct values of each of a pass's numbers, with their rows and label sums.
#[derive(Debug)]
pub struct AtomTables {
    tables: Vec<AtomTable>,
    /// The most bytes this thread's tables may hold together (finml.max_training_memory).
    budget: usize,
    /// The bytes of these tables counted in [`HELD`].
    charged: usize,
}

impl Drop for AtomTables {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(self.charged)));
    }
}

impl AtomTables {
    /// Empty tables for `numbers` numbers (at most [`MAX_ATOM_NUMBERS`]), held within
    /// `budget` bytes.
    pub fn new(numbers: usize, budget: usize) -> Result<AtomTables> {
        if numbers > MAX_ATOM_NUMBERS {
            return Err(state_refused(format!(
                "{numbers} numbers, more than {MAX_ATOM_NUMBERS}"
            )));
        }
        Ok(AtomTables {
            tables: vec![AtomTable::default(); numbers],
            budget,
            charged: 0,
        })
    }

    /// The bytes every live table of this thread holds now.
    pub fn held_by_thread() -> usize {
        HELD.with(Cell::get)
    }

    /// The bytes these tables hold now.
    pub fn bytes(&self) -> usize {
        self.tables
            .iter()
            .map(|t| t.values.capacity().saturating_mul(SLOT_BYTES))
            .fold(0usize, usize::saturating_add)
    }

    /// One row: its numbers (one per table) and label. 54000 when a table would grow past
    /// the budget.
    pub fn add_row(&mut self, numbers: &[Option<f64>], label: f64) -> Result<()> {
        if numbers.len() != self.tables.len() {
            return Err(state_refused(format!(
                "a row of {} numbers into tables of {}",
                numbers.len(),
                self.tables.len()
            )));
        }
        for (k, &number) in numbers.iter().enumerate() {
            match number {
                None => add_tally(&mut self.tables[k].nulls, (1, label)),
                Some(value) => self.add_value(k, value_key(value), (1, label))?,
            }
        }
        Ok(())
    }

    /// Adds `tally` to value `key` of table `k`, growing the table within the budget.
    fn add_value(&mut self, k: usize, key: u64, tally: Tally) -> Result<()> {
        let table = &self.tables[k];
        if table.values.len() == table.values.capacity() && !table.values.contains_key(&key) {
            self.grow(k)?;
        }
        add_tally(self.tables[k].values.entry(key).or_insert((0, 0.0)), tally);
        Ok(())
    }

    /// Doubles table `k`'s capacity, after checking that the budget holds it with every
    /// other live table of this thread: while it moves, the old table and the new are held
    /// at once.
    fn grow(&mut self, k: usize) -> Result<()> {
        let capacity = self.tables[k].values.capacity();
        let more = capacity.max(16);
        let moving = capacity.saturating_add(more).saturating_mul(SLOT_BYTES);
        let after = Self::held_by_thread().saturating_add(moving);
        if after > self.budget {
            let atoms: usize = self.tables.iter().map(|t| t.values.len()).sum();
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "the numbers' distinct values exceed finml.max_training_memory ({} MB) after {atoms} of them",
                    self.budget >> 20
                ),
            )
            .with_hint("raise finml.max_training_memory: a summed scorecard holds each number's distinct values"));
        }
        self.tables[k].values.try_reserve(more).map_err(|_| {
            Error::new(
                ErrorKind::OutOfMemory,
                format!("out of memory for {more} more distinct values"),
            )
            .with_hint("free memory on the server, then try again")
        })?;
        let bytes = self.bytes();
        HELD.with(|held| {
            held.set(
                held.get()
                    .saturating_sub(self.charged)
                    .saturating_add(bytes),
            )
        });
        self.charged = bytes;
        Ok(())
    }

    /// Adds `other`'s atoms (a parallel worker's part) to these, within the budget.
    pub fn merge(&mut self, mut other: AtomTables) -> Result<()> {
        if other.tables.len() != self.tables.len() {
            return Err(state_refused(format!(
                "tables of {} numbers merged into tables of {}",
                other.tables.len(),
                self.tables.len()
            )));
        }
        for (k, table) in std::mem::take(&mut other.tables).into_iter().enumerate() {
            add_tally(&mut self.tables[k].nulls, table.nulls);
            for (i, (key, tally)) in table.values.into_iter().enumerate() {
                interrupt::check_every(i, CHECK_EVERY);
                self.add_value(k, key, tally)?;
            }
        }
        Ok(())
    }

    /// The bytes [`AtomTables::to_bytes`] will give.
    pub fn serialized_len(&self) -> usize {
        self.tables
            .iter()
            .map(|t| {
                t.values
                    .len()
                    .saturating_mul(SERIALIZED_ATOM_BYTES)
                    .saturating_add(24)
            })
            .fold(MAGIC.len() + 8, usize::saturating_add)
    }

    /// The tables as bytes: the format, the count of tables, then each table's NULL rows and
    /// label sum, its count of values, and each value's bits, rows and label sum
    /// (little-endian).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = try_vec(self.serialized_len(), "the distinct values' bytes")?;
        bytes.resize(self.serialized_len(), 0);
        self.write_bytes(&mut bytes)?;
        Ok(bytes)
    }

    /// Writes [`AtomTables::to_bytes`]'s bytes into `out`, which is
    /// [`AtomTables::serialized_len`] long (a value allocated by the caller: no copy).
    pub fn write_bytes(&self, out: &mut [u8]) -> Result<()> {
        if out.len() != self.serialized_len() {
            return Err(Error::new(
                ErrorKind::Internal,
                "the distinct values' bytes do not fit their buffer",
            ));
        }
        let mut at = 0;
        let mut put = |word: [u8; 8]| {
            out[at..at + 8].copy_from_slice(&word);
            at += 8;
        };
        put(*MAGIC);
        put((self.tables.len() as u64).to_le_bytes());
        for table in &self.tables {
            put(table.nulls.0.to_le_bytes());
            put(table.nulls.1.to_le_bytes());
            put((table.values.len() as u64).to_le_bytes());
            for (key, (rows, label_sum)) in &table.values {
                put(key.to_le_bytes());
                put(rows.to_le_bytes());
                put(label_sum.to_le_bytes());
            }
        }
        Ok(())
    }

    /// Tables from [`AtomTables::to_bytes`]'s bytes, held within `budget`; 22023 for bytes
    /// that are not such tables.
    pub fn from_bytes(bytes: &[u8], budget: usize) -> Result<AtomTables> {
        let mut reader = Reader { bytes };
        if reader.take(MAGIC.len())? != MAGIC {
            return Err(state_refused(
                "bytes that are not finml's distinct values".into(),
            ));
        }
        let numbers = reader.count(MAX_ATOM_NUMBERS)?;
        let mut tables = AtomTables::new(numbers, budget)?;
        for k in 0..numbers {
            let nulls = (reader.u64()?, reader.f64()?);
            tables.tables[k].nulls = nulls;
            let values = reader.count(reader.bytes.len() / SERIALIZED_ATOM_BYTES)?;
            for i in 0..values {
                interrupt::check_every(i, CHECK_EVERY);
                let key = value_key(f64::from_bits(reader.u64()?));
                let tally = (reader.u64()?, reader.f64()?);
                tables.add_value(k, key, tally)?;
            }
        }
        if !reader.bytes.is_empty() {
            return Err(state_refused(format!(
                "{} bytes after the last table",
                reader.bytes.len()
            )));
        }
        Ok(tables)
    }

    /// Each number's atoms, NULL first when it has rows, then its values in no order.
    pub fn into_atoms(mut self) -> Result<Vec<Vec<(Atom, u64, f64)>>> {
        let mut all = try_vec(self.tables.len(), "the numbers' distinct values")?;
        for table in std::mem::take(&mut self.tables) {
            let mut atoms = try_vec(table.values.len() + 1, "a number's distinct values")?;
            if table.nulls.0 > 0 {
                atoms.push((Atom::Null, table.nulls.0, table.nulls.1));
            }
            atoms.extend(table.values.into_iter().map(|(key, (rows, label_sum))| {
                (Atom::Number(f64::from_bits(key)), rows, label_sum)
            }));
            all.push(atoms);
        }
        Ok(all)
    }
}

/// The key of a value: its bits, with every NaN one key and −0 the key of 0, as a `GROUP BY`
/// of float8 groups them.
fn value_key(value: f64) -> u64 {
    if value.is_nan() {
        f64::NAN.to_bits()
    } else if value == 0.0 {
        0
    } else {
        value.to_bits()
    }
}

fn add_tally(into: &mut Tally, tally: Tally) {
    into.0 = into.0.saturating_add(tally.0);
    into.1 += tally.1;
}

fn state_refused(why: String) -> Error {
    Error::invalid_option(format!("a distinct values' state is not valid: {why}"))
        .with_hint("fin_train makes these passes; they are not for direct use")
}

/// Reads the serialized state, refusing what runs past its end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(state_refused("bytes end within a table".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u64(&mut self) -> Result<u64> {
        let mut word = [0u8; 8];
        word.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(word))
    }

    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }

    /// A count, refused above `most`.
    fn count(&mut self, most: usize) -> Result<usize> {
        let count = self.u64()?;
        match usize::try_from(count) {
            Ok(count) if count <= most => Ok(count),
            _ => Err(state_refused(format!(
                "a count of {count}, more than {most}"
            ))),
        }
    }
}

/// Hashes a value's bits with splitmix64's finalizer: the bits of near values (a column of
/// cents) differ in few places, which this spreads over the whole word, at a fraction of
/// SipHash's cost.
#[derive(Debug, Default, Clone, Copy)]
struct MixedBits;

impl BuildHasher for MixedBits {
    type Hasher = BitsHasher;

    fn build_hasher(&self) -> BitsHasher {
        BitsHasher(0)
    }
}

#[derive(Debug, Default)]
struct BitsHasher(u64);

impl Hasher for BitsHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}
