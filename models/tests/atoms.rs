//! The numbers' distinct values in one scan (`AtomTables`, the state of the aggregate
//! `fin_training_atoms`) against a `GROUP BY` of each number written out here: the same
//! atoms, rows and label sums (exact: counts and sums of 0/1 labels), whole or as parallel
//! parts merged; the bytes a part travels as read back equal; the budget refused with 54000;
//! bytes that are not a state refused, never misread.

use finml_models::error::ErrorKind;
use finml_models::summed::{Atom, AtomTables};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

const BUDGET: usize = 1 << 30;

/// Rows of three numbers: a column of few values with NULLs, NaN and both zeros; a column of
/// cents; a column of mostly distinct values.
fn rows(n: usize, seed: u64) -> Vec<(Vec<Option<f64>>, f64)> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let few = match rng.gen_range(0..10) {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(-0.0),
                3 => Some(0.0),
                k => Some(k as f64),
            };
            let cents = Some(rng.gen_range(0..5_000) as f64 / 100.0);
            let wide = match rng.gen_bool(0.01) {
                true => None,
                false => Some(rng.gen::<f64>() * 1e6),
            };
            (
                vec![few, cents, wide],
                f64::from(u8::from(rng.gen_bool(0.3))),
            )
        })
        .collect()
}

/// A GROUP BY of each number, as PostgreSQL groups float8: NaN is one value, −0 is 0, NULL
/// is its own group.
fn group_by(rows: &[(Vec<Option<f64>>, f64)], numbers: usize) -> Vec<BTreeMap<String, (u64, f64)>> {
    let mut groups = vec![BTreeMap::new(); numbers];
    for (row, label) in rows {
        for (k, value) in row.iter().enumerate() {
            let key = match value {
                None => "NULL".to_owned(),
                Some(v) if v.is_nan() => "NaN".to_owned(),
                Some(v) => format!("{:?}", v + 0.0),
            };
            let entry = groups[k].entry(key).or_insert((0u64, 0.0));
            entry.0 += 1;
            entry.1 += label;
        }
    }
    groups
}

fn keyed(atoms: Vec<Vec<(Atom, u64, f64)>>) -> Vec<BTreeMap<String, (u64, f64)>> {
    atoms
        .into_iter()
        .map(|number| {
            let mut keyed = BTreeMap::new();
            for (atom, rows, label_sum) in number {
                let key = match atom {
                    Atom::Null => "NULL".to_owned(),
                    Atom::Number(v) if v.is_nan() => "NaN".to_owned(),
                    Atom::Number(v) => format!("{v:?}"),
                    Atom::Level(level) => panic!("a level among a number's atoms: {level}"),
                };
                assert!(
                    keyed.insert(key, (rows, label_sum)).is_none(),
                    "an atom twice"
                );
            }
            keyed
        })
        .collect()
}

fn tables_of(rows: &[(Vec<Option<f64>>, f64)]) -> AtomTables {
    let mut tables = AtomTables::new(3, BUDGET).unwrap();
    for (row, label) in rows {
        tables.add_row(row, *label).unwrap();
    }
    tables
}

#[test]
fn one_scan_gives_each_numbers_group_by() {
    let rows = rows(20_000, 1);
    let atoms = tables_of(&rows).into_atoms().unwrap();
    let expected = group_by(&rows, 3);
    assert_eq!(keyed(atoms), expected);
    // Both zeros are one atom, as are the NaNs; a NULL atom only where there are NULLs.
    assert!(expected[0].contains_key("0.0") && !expected[0].contains_key("-0.0"));
    assert!(expected[0].contains_key("NaN") && expected[0].contains_key("NULL"));
    assert!(!expected[1].contains_key("NULL"));
}

#[test]
fn parallel_parts_merged_through_their_bytes_give_the_whole() {
    let rows = rows(30_000, 2);
    let whole = keyed(tables_of(&rows).into_atoms().unwrap());
    // Three workers' parts of unequal sizes, each sent as bytes and merged by the leader.
    let mut leader = AtomTables::new(3, BUDGET).unwrap();
    for part in [&rows[..1_000], &rows[1_000..21_000], &rows[21_000..]] {
        let bytes = tables_of(part).to_bytes().unwrap();
        assert_eq!(bytes.len(), tables_of(part).serialized_len());
        leader
            .merge(AtomTables::from_bytes(&bytes, BUDGET).unwrap())
            .unwrap();
    }
    assert_eq!(keyed(leader.into_atoms().unwrap()), whole);
}

#[test]
fn growth_past_the_budget_is_refused_with_54000() {
    let rows = rows(50_000, 3);
    // The mostly distinct column needs about 50,000 slots of 28 bytes: 1.4 MB.
    let mut tables = AtomTables::new(3, 1 << 20).unwrap();
    let refused = rows
        .iter()
        .find_map(|(row, label)| tables.add_row(row, *label).err())
        .expect("a 1 MB budget holds 50,000 distinct values");
    assert_eq!(refused.kind, ErrorKind::ResourceLimit);
    assert!(tables.bytes() <= 1 << 20, "held {} bytes", tables.bytes());
    drop(tables);
    // What a worker sends is held to the leader's budget as well.
    let bytes = tables_of(&rows).to_bytes().unwrap();
    let refused = AtomTables::from_bytes(&bytes, 1 << 20).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::ResourceLimit);
}

#[test]
fn every_live_state_of_the_backend_shares_one_budget() {
    // A query may hold many states at once (several calls, a hashed GROUP BY): the budget
    // is the thread's, so a second state gets only what the first leaves.
    let rows = rows(20_000, 6);
    let budget = 2 << 20;
    let mut first = AtomTables::new(3, budget).unwrap();
    for (row, label) in &rows {
        first.add_row(row, *label).unwrap();
    }
    let held = AtomTables::held_by_thread();
    assert_eq!(held, first.bytes());
    let mut second = AtomTables::new(3, budget).unwrap();
    let refused = rows
        .iter()
        .find_map(|(row, label)| second.add_row(row, *label).err())
        .expect("the second state fits beside the first");
    assert_eq!(refused.kind, ErrorKind::ResourceLimit);
    assert!(AtomTables::held_by_thread() <= budget);
    // Dropped, a state gives its bytes back.
    drop(first);
    assert_eq!(AtomTables::held_by_thread(), second.bytes());
    drop(second);
    assert_eq!(AtomTables::held_by_thread(), 0);
}

#[test]
fn bytes_that_are_not_a_state_are_refused() {
    let bytes = tables_of(&rows(100, 4)).to_bytes().unwrap();
    // Every truncation, and a byte more.
    for end in 0..bytes.len() {
        let refused = AtomTables::from_bytes(&bytes[..end], BUDGET).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::InvalidOption, "truncated at {end}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(AtomTables::from_bytes(&longer, BUDGET).is_err());
    // A count of values past the bytes, and of numbers past 100, before any allocation.
    let mut huge = bytes[..8].to_vec();
    huge.extend_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        AtomTables::from_bytes(&huge, BUDGET).unwrap_err().kind,
        ErrorKind::InvalidOption
    );
    let mut claims = bytes[..16].to_vec();
    claims.extend_from_slice(&[0u8; 16]);
    claims.extend_from_slice(&(u64::MAX / 2).to_le_bytes());
    assert_eq!(
        AtomTables::from_bytes(&claims, BUDGET).unwrap_err().kind,
        ErrorKind::InvalidOption
    );
    // A row of the wrong width, and tables of another width merged.
    let mut tables = AtomTables::new(3, BUDGET).unwrap();
    assert!(tables.add_row(&[Some(1.0)], 1.0).is_err());
    assert!(tables.merge(AtomTables::new(2, BUDGET).unwrap()).is_err());
    assert!(AtomTables::new(101, BUDGET).is_err());
}

#[test]
fn random_bytes_never_panic() {
    let cases: usize = std::env::var("FINML_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2_000);
    let mut rng = SmallRng::seed_from_u64(5);
    let seed = tables_of(&rows(50, 5)).to_bytes().unwrap();
    for _ in 0..cases {
        let mut bytes = seed.clone();
        for _ in 0..rng.gen_range(1..8) {
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..3) {
                0 => bytes[at] = rng.gen(),
                1 => bytes.truncate(at),
                _ => bytes.insert(at, rng.gen()),
            }
            if bytes.is_empty() {
                break;
            }
        }
        if let Ok(tables) = AtomTables::from_bytes(&bytes, 1 << 20) {
            assert!(tables.bytes() <= 1 << 20);
            let atoms = tables.into_atoms().unwrap();
            assert_eq!(atoms.len(), 3);
        }
    }
}
