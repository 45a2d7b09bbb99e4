//! The one list of algorithms. Adding one is a line here (its folder defines its entry);
//! every hint that names algorithms, every option key's owner and every stored tag is read
//! from this list.

use super::{isolation_forest, kmeans, linear, mlp, scorecard, Algorithm, Params};

/// Every algorithm this build trains, in the order error hints list them.
const ALGORITHMS: &[Algorithm] = &[
    linear::LOGISTIC,
    linear::LINEAR,
    scorecard::SCORECARD,
    mlp::MLP,
    kmeans::KMEANS,
    isolation_forest::ISOLATION_FOREST,
];

/// Every registered algorithm, in the registry's order.
pub fn all() -> impl Iterator<Item = Algorithm> {
    ALGORITHMS.iter().copied()
}

/// The algorithm of SQL name `name`.
pub fn find(name: &str) -> Option<Algorithm> {
    all().find(|a| a.as_str() == name)
}

/// "logistic, linear, scorecard, ...": every algorithm, for error hints.
pub fn names() -> String {
    all().map(Algorithm::as_str).collect::<Vec<_>>().join(", ")
}

/// The algorithms that learn without a target, quoted and joined with `conjunction`:
/// "'kmeans' or 'isolation_forest'".
pub fn unsupervised_names(conjunction: &str) -> String {
    quoted(all().filter(|a| a.unsupervised_task().is_some()), conjunction)
}

/// The algorithms whose default parameters self-train, quoted and joined with `conjunction`.
pub fn self_training_names(conjunction: &str) -> String {
    quoted(
        all().filter(|a| {
            a.params(&serde_json::Map::new())
                .is_ok_and(|p: Box<dyn Params>| p.self_trains())
        }),
        conjunction,
    )
}

/// "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
fn quoted(algorithms: impl Iterator<Item = Algorithm>, conjunction: &str) -> String {
    let names: Vec<String> = algorithms.map(|a| format!("'{}'", a.as_str())).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lists_read_as_english() {
        let mut names: Vec<&str> = all().map(Algorithm::as_str).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALGORITHMS.len());
        assert_eq!(unsupervised_names("or"), "'kmeans' or 'isolation_forest'");
        assert_eq!(self_training_names("or"), "'logistic' or 'mlp'");
        assert_eq!(
            quoted(all().take(3), "and"),
            "'logistic', 'linear' and 'scorecard'"
        );
    }
}
