//! Hashed TF-IDF features of a text column (`"text"` in the training options): the
//! vocabulary-free hashing trick with IDF weights fitted on the training rows, equal to
//! scikit-learn's
//!
//!   HashingVectorizer(n_features=max_features, ngram_range=ngram, alternate_sign=False,
//!                     norm=None)  →  TfidfTransformer(norm, sublinear_tf, smooth_idf=True)
//!
//! - tokens: the text lowercased, then every maximal run of two or more word characters
//!   (scikit-learn's default token pattern `(?u)\b\w\w+\b`); word n-grams join tokens with
//!   one space, unigrams first;
//! - column: MurmurHash3 (x86, 32-bit, seed 0) of the n-gram's UTF-8 bytes as a signed
//!   integer h, column |h| mod max_features;
//! - tf: the n-gram count per column (1 + ln(count) with sublinear_tf);
//! - idf: ln((1 + n) / (1 + df)) + 1 over the n training rows, df the rows with the column;
//! - the row tf × idf, divided by its Euclidean norm (unless norm is "none").
//!
//! A NULL text is an empty document. Word characters are Rust's alphanumerics and `_`, which
//! are Python's `\w` for every script without combining vowel signs (Latin, Greek, Cyrillic,
//! CJK, Arabic); Devanagari or Thai text can split differently.

mod word_chars;

use crate::data::SparseCounts;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The widest hashed space: the design holds it densely.
pub const MAX_FEATURES_LIMIT: usize = 65_536;
/// The longest n-gram.
pub const MAX_NGRAM: usize = 5;

/// How a text column becomes features (validated `"text"` options of one column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSpec {
    pub max_features: usize,
    /// Shortest and longest word n-gram.
    pub ngram: (usize, usize),
    pub sublinear_tf: bool,
    /// Divide each row by its Euclidean norm (scikit-learn's norm="l2", the default).
    pub l2_norm: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    max_features: Option<usize>,
    ngram: Option<Vec<usize>>,
    sublinear_tf: Option<bool>,
    norm: Option<String>,
}

const SPEC_HINT: &str = r#"e.g. "text": {"memo": {"max_features": 1024, "ngram": [1, 2], "sublinear_tf": false, "norm": "l2"}}"#;

impl TextSpec {
    pub fn parse(column: &str, value: &Value) -> Result<TextSpec> {
        let raw: RawSpec = serde_json::from_value(value.clone()).map_err(|e| {
            Error::invalid_option(format!("invalid text options of \"{column}\": {e}"))
                .with_hint(SPEC_HINT)
        })?;
        let max_features = raw.max_features.unwrap_or(1024);
        if let Some(problem) = max_features_problem(column, max_features) {
            return Err(Error::invalid_option(problem).with_hint(
                "each hashed column is a design column: 1024 to 16384 suit most memos",
            ));
        }
        let ngram = match raw.ngram.as_deref() {
            None => (1, 1),
            Some(&[low, high]) if ngram_problem(column, (low, high)).is_none() => (low, high),
            Some(other) => {
                return Err(Error::invalid_option(ngram_message(column, other))
                    .with_hint("[1, 1] hashes words, [1, 2] words and pairs of words"))
            }
        };
        let l2_norm = match raw.norm.as_deref() {
            None | Some("l2") => true,
            Some("none") => false,
            Some(other) => {
                return Err(Error::invalid_option(format!(
                    "text norm of \"{column}\" must be \"l2\" or \"none\", got \"{other}\""
                ))
                .with_hint(SPEC_HINT))
            }
        };
        Ok(TextSpec {
            max_features,
            ngram,
            sublinear_tf: raw.sublinear_tf.unwrap_or(false),
            l2_norm,
        })
    }

    /// What training would have refused in these settings (a stored model's may have been
    /// edited by hand): prediction hashes every n-gram up to `ngram.1` words, so an unbounded
    /// one costs time quadratic in the text's length, and `max_features` is the feature's
    /// design width.
    pub fn problem(&self, column: &str) -> Option<String> {
        max_features_problem(column, self.max_features)
            .or_else(|| ngram_problem(column, self.ngram))
    }

    /// Identifies the settings that [`TextSpec::counts`] depends on, for caching them
    /// per level ([`crate::data::CategoricalColumn::derived_levels`]).
    pub fn counts_key(&self) -> u64 {
        let (low, high) = self.ngram;
        ((self.max_features as u64) << 16) | ((low as u64) << 8) | high as u64
    }

    /// The n-gram count of each hashed column of a text, by column.
    pub fn counts(&self, text: &str) -> SparseCounts {
        let mut columns = Vec::new();
        for_each_ngram(text, self.ngram, |ngram| {
            columns.push(column_of(ngram, self.max_features) as u32)
        });
        columns.sort_unstable();
        let mut counts = SparseCounts::new();
        for c in columns {
            match counts.last_mut() {
                Some((last, count)) if *last == c => *count += 1,
                _ => counts.push((c, 1)),
            }
        }
        counts
    }
}

fn max_features_problem(column: &str, max_features: usize) -> Option<String> {
    (!(1..=MAX_FEATURES_LIMIT).contains(&max_features)).then(|| {
        format!(
            "text max_features of \"{column}\" must be in 1..{MAX_FEATURES_LIMIT}, got {max_features}"
        )
    })
}

fn ngram_problem(column: &str, (low, high): (usize, usize)) -> Option<String> {
    (!(1 <= low && low <= high && high <= MAX_NGRAM)).then(|| ngram_message(column, &[low, high]))
}

fn ngram_message(column: &str, got: &[usize]) -> String {
    format!(
        "text ngram of \"{column}\" must be [shortest, longest] with 1 <= shortest <= longest <= {MAX_NGRAM}, got {got:?}"
    )
}

/// A fitted text feature: its settings and the IDF weight of each hashed column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextTransform {
    #[serde(flatten)]
    pub spec: TextSpec,
    pub idf: Vec<f64>,
}

impl TextTransform {
    /// Fits the IDF weights on the training texts (`None`: NULL, an empty document).
    pub fn fit<'a>(spec: TextSpec, texts: impl Iterator<Item = Option<&'a str>>) -> TextTransform {
        let counts: Vec<SparseCounts> = texts.map(|t| spec.counts(t.unwrap_or(""))).collect();
        TextTransform::fit_counts(spec, counts.iter())
    }

    /// Fits the IDF weights on the training texts' counts ([`TextSpec::counts`]; an empty
    /// one for NULL).
    pub fn fit_counts(
        spec: TextSpec,
        documents: impl Iterator<Item = impl AsRef<[(u32, u32)]>>,
    ) -> TextTransform {
        let mut document_frequency = vec![0usize; spec.max_features];
        let mut n = 0usize;
        for (i, counts) in documents.enumerate() {
            crate::interrupt::check_every(i, 4096);
            n += 1;
            // Each column appears once in a document's counts.
            for &(c, _) in counts.as_ref() {
                document_frequency[c as usize] += 1;
            }
        }
        let n = n as f64;
        let idf = document_frequency
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + df as f64)).ln() + 1.0)
            .collect();
        TextTransform { spec, idf }
    }

    pub fn width(&self) -> usize {
        self.spec.max_features
    }

    /// The row's non-zero TF-IDF values as (column, value), by column.
    pub fn transform(&self, text: Option<&str>) -> Vec<(usize, f64)> {
        self.weigh(&self.spec.counts(text.unwrap_or("")))
    }

    /// TF-IDF values of a text's counts (see [`TextSpec::counts`]), normalized.
    pub fn weigh(&self, counts: &[(u32, u32)]) -> Vec<(usize, f64)> {
        let mut row: Vec<(usize, f64)> = counts
            .iter()
            .map(|&(c, count)| {
                let count = f64::from(count);
                let tf = if self.spec.sublinear_tf {
                    1.0 + count.ln()
                } else {
                    count
                };
                (c as usize, tf * self.idf[c as usize])
            })
            .collect();
        if self.spec.l2_norm {
            let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|(_, v)| *v /= norm);
            }
        }
        row
    }

    /// The text's distinct n-grams with their columns, for naming what a column stands for
    /// in one row (the hashing trick keeps no vocabulary).
    pub fn ngrams_of(&self, text: &str) -> Vec<(String, usize)> {
        let mut ngrams: Vec<(String, usize)> = Vec::new();
        for_each_ngram(text, self.spec.ngram, |ngram| {
            if !ngrams.iter().any(|(g, _)| g == ngram) {
                ngrams.push((ngram.to_owned(), column_of(ngram, self.spec.max_features)));
            }
        });
        ngrams
    }

    /// The first setting prediction cannot use ([`TextSpec::problem`]), or IDF weights that
    /// are not one per hashed column (the design reads the weight of every column it hashes
    /// to).
    pub fn problem(&self, column: &str) -> Option<String> {
        self.spec.problem(column).or_else(|| {
            (self.idf.len() != self.spec.max_features).then(|| {
                format!(
                    "text feature \"{column}\" has {} idf weights for max_features {}",
                    self.idf.len(),
                    self.spec.max_features
                )
            })
        })
    }

    /// The first IDF weight that is not a finite number >= 1, or a width that disagrees.
    pub fn is_invalid(&self) -> bool {
        self.idf.len() != self.spec.max_features
            || self.idf.iter().any(|w| !(w.is_finite() && *w >= 1.0))
    }
}

/// Whether `c` is one of Python's word characters (`re`'s `\w` on `str`: alphanumeric by
/// `str.isalnum()`, or `_`), from the table of the Python that scikit-learn's references ran
/// on (`word_chars.rs`). Rust's `char::is_alphanumeric` differs from it in 2,000-odd code
/// points (combining vowel signs are alphabetic in Rust, not in Python).
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    let code = u32::from(c);
    word_chars::WORD_RANGES
        .binary_search_by(|&(low, high)| {
            if high < code {
                std::cmp::Ordering::Less
            } else if low > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// scikit-learn's default analyzer: lowercase, tokens of two or more word characters.
pub fn tokens(text: &str) -> Vec<String> {
    // Separators first: a character that is not a word character in Python separates
    // whatever its lowercase (Rust's newer Unicode lowercases a few capitals that Python's did
    // not know into letters it knows: U+A7CB to ɤ). Then the whole text is lowercased, so
    // that a final sigma is ς as in Python.
    let separated: std::borrow::Cow<'_, str> = if text.is_ascii() {
        text.into()
    } else {
        text.chars()
            .map(|c| if is_word_char(c) { c } else { ' ' })
            .collect::<String>()
            .into()
    };
    let lower = separated.to_lowercase();
    lower
        .split(|c: char| !is_word_char(c))
        .filter(|t| t.chars().nth(1).is_some())
        .map(str::to_owned)
        .collect()
}

/// Calls `on_ngram` for every word n-gram of `text`, shortest n first, in text order.
fn for_each_ngram(text: &str, (low, high): (usize, usize), mut on_ngram: impl FnMut(&str)) {
    let words = tokens(text);
    let mut joined = String::new();
    for n in low..=high.min(words.len()) {
        for window in words.windows(n) {
            joined.clear();
            for (k, word) in window.iter().enumerate() {
                if k > 0 {
                    joined.push(' ');
                }
                joined.push_str(word);
            }
            on_ngram(&joined);
        }
    }
}

/// The hashed column of an n-gram, as scikit-learn's FeatureHasher computes it.
fn column_of(ngram: &str, width: usize) -> usize {
    let h = murmur3_32(ngram.as_bytes(), 0) as i32;
    // |i32::MIN| does not fit an i32: scikit-learn defines its column as 2^31 mod width.
    (h.unsigned_abs() as usize) % width
}

/// MurmurHash3_x86_32 (Austin Appleby's reference, public domain).
pub fn murmur3_32(bytes: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = bytes.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k |= u32::from(b) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn murmur3_matches_scikit_learns_murmurhash3_32() {
        // sklearn.utils.murmurhash3_32(s, seed=0) (signed), scikit-learn 1.9.1: every tail
        // length (0-3 bytes after the 4-byte blocks) and a multi-byte character.
        for (text, expected) in [
            ("", 0i32),
            ("foo", -156908512),
            ("abc", -1277324294),
            ("abcd", 1139631978),
            ("abcde", -392455434),
            ("hello", 613153351),
            ("hello world", 1586663183),
            ("late payment", -1297149928),
            ("ça va", -1257795937),
        ] {
            assert_eq!(murmur3_32(text.as_bytes(), 0) as i32, expected, "{text}");
        }
    }

    #[test]
    fn tokens_are_lowercased_runs_of_two_word_characters() {
        assert_eq!(
            tokens("Late PAYMENT: fee_2 a b ça-va 42"),
            ["late", "payment", "fee_2", "ça", "va", "42"]
        );
        let mut grams = Vec::new();
        for_each_ngram("a late late fee", (1, 2), |g| grams.push(g.to_owned()));
        assert_eq!(
            grams,
            ["late", "late", "fee", "late late", "late fee"],
            "one-letter words are dropped before the n-grams are formed"
        );
    }

    #[test]
    fn spec_defaults_and_errors() {
        let spec = TextSpec::parse("memo", &json!({})).unwrap();
        assert_eq!(
            (spec.max_features, spec.ngram, spec.l2_norm),
            (1024, (1, 1), true)
        );
        for bad in [
            json!({"max_features": 0}),
            json!({"max_features": 100000}),
            json!({"ngram": [2, 1]}),
            json!({"ngram": [1]}),
            json!({"norm": "l1"}),
            json!({"vocabulary": 3}),
            json!([1, 2]),
        ] {
            assert!(TextSpec::parse("memo", &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn idf_and_l2_rows_follow_the_formulas() {
        let spec = TextSpec::parse("memo", &json!({"max_features": 1_048_576 / 16})).unwrap();
        let texts = [Some("fee fee late"), None, Some("late")];
        let t = TextTransform::fit(spec, texts.into_iter());
        let fee = column_of("fee", t.width());
        let late = column_of("late", t.width());
        let idf = |df: f64| ((1.0 + 3.0) / (1.0 + df)).ln() + 1.0;
        assert!((t.idf[fee] - idf(1.0)).abs() < 1e-15);
        assert!((t.idf[late] - idf(2.0)).abs() < 1e-15);
        let row = t.transform(Some("fee fee late"));
        let (a, b) = (2.0 * idf(1.0), idf(2.0));
        let norm = (a * a + b * b).sqrt();
        let value = |c: usize| row.iter().find(|(k, _)| *k == c).unwrap().1;
        assert!((value(fee) - a / norm).abs() < 1e-15);
        assert!((value(late) - b / norm).abs() < 1e-15);
        assert!(t.transform(None).is_empty());
        assert!(!t.is_invalid());
    }
}
