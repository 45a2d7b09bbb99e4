//! The one list of algorithms. Adding one is a line here (its folder defines its entry);
//! every hint that names algorithms, every option key's owner and every stored tag is read
//! from this list.

use super::{Algorithm, Params};
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};

pub use super::cox::algorithm::COX;
pub use super::gbdt::algorithm::GBDT;
pub use super::isolation_forest::algorithm::ISOLATION_FOREST;
pub use super::kmeans::algorithm::KMEANS;
pub use super::linear::algorithm::{LINEAR, LOGISTIC};
pub use super::mlp::algorithm::MLP;
pub use super::random_forest::algorithm::RANDOM_FOREST;
pub use super::scorecard::algorithm::SCORECARD;
pub use super::tree::algorithm::TREE;

/// Every algorithm this build trains, in the order error hints list them.
const ALGORITHMS: &[Algorithm] = &[
    LOGISTIC,         // estimator/linear/
    LINEAR,           // estimator/linear/
    SCORECARD,        // estimator/scorecard/
    MLP,              // estimator/mlp/
    GBDT,             // estimator/gbdt/
    RANDOM_FOREST,    // estimator/random_forest/
    TREE,             // estimator/tree/
    KMEANS,           // estimator/kmeans/
    ISOLATION_FOREST, // estimator/isolation_forest/
    COX,              // estimator/cox/
];

impl Algorithm {
    /// The registered algorithm of SQL name `name`; the error's hint lists them all.
    pub fn parse(name: &str) -> Result<Algorithm> {
        find(name).ok_or_else(|| {
            Error::invalid_option(format!("unknown algorithm \"{name}\""))
                .with_hint(format!("available algorithms: {}", names()))
        })
    }

    /// Rejects a key that this algorithm would ignore: one another algorithm owns, or one
    /// it refuses. `training_keys` are the options every algorithm reads.
    pub fn check_key(self, key: &str, training_keys: &[&str]) -> Result<()> {
        let (refused, why) = self.spec().refused();
        if refused.contains(&key) {
            return Err(Error::invalid_option(format!(
                "option \"{key}\" does not apply to algorithm \"{}\"",
                self.as_str()
            ))
            .with_hint(why.replace("{takes text}", &taking("text"))));
        }
        if training_keys.contains(&key) || self.keys().contains(&key) {
            return Ok(());
        }
        let owners = || all().filter(|a| a.keys().contains(&key));
        match owners().count() {
            0 => Err(Error::invalid_option(format!("unknown option \"{key}\""))
                .with_hint("README, \"fin_train\", lists every option")),
            1 => {
                let owner = quoted(owners(), "or");
                Err(Error::invalid_option(format!(
                    "option \"{key}\" applies to algorithm {} only",
                    owner.replace('\'', "\"")
                ))
                .with_hint(format!("use algorithm => {owner}, or remove the option")))
            }
            _ => Err(Error::invalid_option(format!(
                "option \"{key}\" applies to algorithms {} only, not \"{}\"",
                quoted(owners(), "and").replace('\'', "\""),
                self.as_str()
            ))
            .with_hint(format!(
                "use algorithm => {}, or remove the option",
                quoted(owners(), "or")
            ))),
        }
    }
}

/// A stored algorithm is its name; an unknown name is refused with the registered ones, in
/// the words serde used when the algorithm was an enum.
impl<'de> Deserialize<'de> for Algorithm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        find(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown variant `{name}`, expected one of {}",
                all()
                    .map(|a| format!("`{}`", a.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

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

/// "logistic, linear, scorecard, mlp": the algorithms that learn one outcome per row from a
/// target, which cross-validation, searches and backtests measure (not the survival ones).
pub fn supervised_names() -> String {
    all()
        .filter(|a| a.unsupervised_task().is_none() && !a.survival())
        .map(Algorithm::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The algorithms that learn without a target, quoted and joined with `conjunction`:
/// "'kmeans' or 'isolation_forest'".
pub fn unsupervised_names(conjunction: &str) -> String {
    quoted(
        all().filter(|a| a.unsupervised_task().is_some()),
        conjunction,
    )
}

/// The algorithms whose default parameters self-train, quoted and joined with `conjunction`.
pub fn self_training_names(conjunction: &str) -> String {
    quoted_by_defaults(|p| p.self_trains(), conjunction)
}

/// The algorithms that train targets of 3 or more classes, quoted and joined with
/// `conjunction`: "'logistic', 'mlp' or 'gbdt'".
pub fn multi_class_names(conjunction: &str) -> String {
    quoted_by_defaults(|p| p.trains_multi_class(), conjunction)
}

/// The algorithms whose default parameters `keep`, quoted and joined with `conjunction`.
fn quoted_by_defaults(keep: impl Fn(&dyn Params) -> bool, conjunction: &str) -> String {
    quoted(
        all().filter(|a| {
            a.params(&serde_json::Map::new())
                .is_ok_and(|p: Box<dyn Params>| keep(&*p))
        }),
        conjunction,
    )
}

/// "logistic, linear and mlp": the algorithms that take option `key` (none refuses it).
fn taking(key: &str) -> String {
    let names: Vec<&str> = all()
        .filter(|a| !a.spec().refused().0.contains(&key))
        .map(Algorithm::as_str)
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
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
    fn a_key_of_other_algorithms_names_each_of_them() {
        let shared = GBDT.check_key("privacy", &[]).unwrap_err();
        assert_eq!(
            shared.message,
            "option \"privacy\" applies to algorithms \"logistic\" and \"mlp\" only, not \"gbdt\""
        );
        assert_eq!(
            shared.hint.as_deref(),
            Some("use algorithm => 'logistic' or 'mlp', or remove the option")
        );
        let owned = LOGISTIC.check_key("hidden", &[]).unwrap_err();
        assert_eq!(
            owned.message,
            "option \"hidden\" applies to algorithm \"mlp\" only"
        );
    }

    #[test]
    fn names_are_unique_and_lists_read_as_english() {
        let mut names: Vec<&str> = all().map(Algorithm::as_str).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALGORITHMS.len());
        assert_eq!(unsupervised_names("or"), "'kmeans' or 'isolation_forest'");
        assert_eq!(self_training_names("or"), "'logistic' or 'mlp'");
        assert_eq!(
            taking("text"),
            "logistic, linear, mlp, gbdt, random_forest, tree and cox"
        );
        assert_eq!(
            quoted(all().take(3), "and"),
            "'logistic', 'linear' and 'scorecard'"
        );
    }
}
