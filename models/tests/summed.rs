//! Logistic regression trained from sums (models/src/summed.rs), as the aggregate
//! fin_training_sums runs it on parallel workers and Citus shards: the real credit data
//! (examples/credit/credit_data.csv) summed in three parts gives the model that training in
//! memory gives on the same rows. Tolerances: coefficients and their standard errors 1e-9
//! relative (the bound; only the order of additions differs), medians and
//! categorical encodings identical.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::estimator::{Estimator, Predictor};
use finml_models::options::TrainOptions;
use finml_models::preprocess::{Impute, Input, Transform};
use finml_models::registry::{LINEAR, LOGISTIC, SCORECARD};
use finml_models::scorecard::algorithm::ScorecardEstimator;
use finml_models::summed::{combine_cells, order_key, Atom, SummedRows, SumsPass};
use finml_models::train::summed::SummedTraining;
use finml_models::train::TrainOutcome;
use finml_models::{train, Algorithm, Error, ErrorKind, Limits};
use serde_json::json;

const NUMERIC: [&str; 9] = [
    "Seniority",
    "Time",
    "Age",
    "Expenses",
    "Income",
    "Assets",
    "Debt",
    "Amount",
    "Price",
];

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 1,
};

fn load_credit() -> Dataset {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    );
    let text = std::fs::read_to_string(path).expect("examples/credit/credit_data.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut target = CategoricalColumn::default();
    let mut features: Vec<Feature> = header[1..]
        .iter()
        .map(|&name| Feature {
            name: name.to_owned(),
            column: if NUMERIC.contains(&name) {
                Column::Numeric(NumericColumn::default())
            } else {
                Column::Categorical(CategoricalColumn::default())
            },
        })
        .collect();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        target.push(Some(fields[0]));
        for (f, raw) in features.iter_mut().zip(&fields[1..]) {
            let value = (!raw.is_empty()).then_some(*raw);
            match &mut f.column {
                Column::Numeric(c) => c.push(&f.name, value.map(|v| v.parse().unwrap())).unwrap(),
                Column::Categorical(c) => c.push(value),
            }
        }
    }
    // A continuous feature without ties, NULL in every ninth row and one more (an even count
    // of values): its median is the mean of two distinct middle values, which the credit
    // data's integer columns' medians are not.
    let mut ratio = NumericColumn::default();
    let column = |name: &str| match features.iter().find(|f| f.name == name).map(|f| &f.column) {
        Some(Column::Numeric(c)) => c.values.clone(),
        _ => unreachable!("a numeric credit column"),
    };
    let (amount, price) = (column("Amount"), column("Price"));
    for i in 0..amount.len() {
        let value = (i % 9 != 0 && i != 1)
            .then(|| amount[i] / price[i] + i as f64 * 1e-7)
            .filter(|v| v.is_finite());
        ratio.push("Ratio", value).unwrap();
    }
    features.push(Feature {
        name: "Ratio".into(),
        column: Column::Numeric(ratio),
    });
    Dataset {
        features,
        target_name: "Status".into(),
        target: TargetColumn::Text(target),
        test_mask: None,
        times: None,
        weights: None,
    }
}

/// The training rows in memory (those with a target), summed in three parts added by the
/// combine function (as three shards would be). `positive`: the class of a text target;
/// `None` for a numeric target (a regression).
struct InMemory<'a> {
    data: &'a Dataset,
    positive: Option<&'a str>,
    /// The passes summed, in order, as `SumsPass::described` names them.
    passes: Vec<String>,
}

impl InMemory<'_> {
    fn rows(&self) -> Vec<usize> {
        (0..self.data.n_rows())
            .filter(|&i| !self.data.target.is_null(i))
            .collect()
    }

    fn arrays(&self, i: usize) -> (Vec<Option<f64>>, Vec<Option<&str>>, f64) {
        self.arrays_of(i, None)
    }

    /// Row `i`'s arrays of the features of `pass`'s preprocessor (every feature without one).
    fn arrays_of(
        &self,
        i: usize,
        pass: Option<&SumsPass>,
    ) -> (Vec<Option<f64>>, Vec<Option<&str>>, f64) {
        let (mut numbers, mut texts) = (Vec::new(), Vec::new());
        let features: Vec<&Feature> = match pass.and_then(SumsPass::preprocessor) {
            Some(p) => p
                .features
                .iter()
                .map(|f| self.data.feature(&f.name).unwrap())
                .collect(),
            None => self.data.features.iter().collect(),
        };
        for f in features {
            match &f.column {
                Column::Numeric(c) => numbers.push(Some(c.values[i]).filter(|v| !v.is_nan())),
                Column::Categorical(c) => texts.push(c.level(i)),
            }
        }
        let label = match (&self.data.target, self.positive) {
            (TargetColumn::Text(target), Some(positive)) => {
                f64::from(u8::from(target.level(i) == Some(positive)))
            }
            (TargetColumn::Numeric(target), None) => target.values[i],
            _ => unreachable!("a text target with its positive class, or a numeric target"),
        };
        (numbers, texts, label)
    }
}

impl SummedRows for InMemory<'_> {
    fn sums(&mut self, pass: &SumsPass) -> Result<Vec<f64>, Error> {
        self.passes.push(pass.described());
        let rows = self.rows();
        let n = rows.len();
        let mut total = pass.zero_cells();
        for part in [&rows[..n / 3], &rows[n / 3..n / 3 + 1], &rows[n / 3 + 1..]] {
            let mut cells = pass.zero_cells();
            for &i in part {
                let (numbers, texts, label) = self.arrays_of(i, Some(pass));
                pass.add_row(&mut cells, &numbers, &texts, label)?;
            }
            combine_cells(&mut total, &cells)?;
        }
        Ok(total)
    }

    fn atoms(&mut self, feature: &str) -> Result<Vec<(Atom, u64, f64)>, Error> {
        let column = &self.data.feature(feature).unwrap().column;
        let mut atoms: std::collections::BTreeMap<(u8, u64, String), (Atom, u64, f64)> =
            Default::default();
        for i in self.rows() {
            let (_, _, label) = self.arrays(i);
            let (key, atom) = match column {
                Column::Numeric(c) if c.values[i].is_nan() => ((0, 0, String::new()), Atom::Null),
                Column::Numeric(c) => (
                    (1, order_key(c.values[i]), String::new()),
                    Atom::Number(c.values[i]),
                ),
                Column::Categorical(c) => match c.level(i) {
                    None => ((0, 0, String::new()), Atom::Null),
                    Some(level) => ((2, 0, level.to_owned()), Atom::Level(level.to_owned())),
                },
            };
            let entry = atoms.entry(key).or_insert((atom, 0, 0.0));
            entry.1 += 1;
            entry.2 += label;
        }
        Ok(atoms.into_values().collect())
    }

    fn training_outputs(&mut self, pass: &SumsPass) -> Result<Vec<f64>, Error> {
        let pass = SumsPass::parse(&serde_json::to_string(pass).unwrap())?;
        self.rows()
            .into_iter()
            .map(|i| {
                let (numbers, texts, _) = self.arrays_of(i, Some(&pass));
                pass.output(&numbers, &texts)
            })
            .collect()
    }

    fn outputs(&mut self, pass: &SumsPass) -> Result<(Vec<f64>, Vec<f64>), Error> {
        let outputs = self.training_outputs(pass)?;
        let labels = self.rows().into_iter().map(|i| self.arrays(i).2).collect();
        Ok((outputs, labels))
    }

    fn drift_sample(&mut self) -> Result<Dataset, Error> {
        let rows = self.rows();
        let mut sample = self.data.clone();
        for f in &mut sample.features {
            f.column = match &f.column {
                Column::Numeric(c) => {
                    let mut kept = NumericColumn::default();
                    rows.iter().for_each(|&i| {
                        kept.push(&f.name, Some(c.values[i]).filter(|v| !v.is_nan()))
                            .unwrap()
                    });
                    Column::Numeric(kept)
                }
                Column::Categorical(c) => {
                    let mut kept = CategoricalColumn::default();
                    rows.iter().for_each(|&i| kept.push(c.level(i)));
                    Column::Categorical(kept)
                }
            };
        }
        sample.target = TargetColumn::Absent(rows.len());
        Ok(sample)
    }
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn summed_logistic_equals_training_in_memory_on_the_credit_data() {
    let data = load_credit();
    for (options, first_passes) in [
        // Medians: the moments ride along the first byte's ranks pass, the spread along the
        // second's; neither has a pass of its own.
        (
            json!({"positive": "bad", "test_size": 0}),
            ["ranks (with the moments)", "ranks (with the spread)"],
        ),
        (
            json!({"positive": "bad", "test_size": 0, "impute": "mean", "l2": 0.1, "max_categories": 3}),
            ["moments", "spread"],
        ),
    ] {
        let options = TrainOptions::from_json(&options).unwrap();
        let memory = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
        let classes = Some(("bad".into(), "good".into()));
        let (summed, passes) = train_summed(&data, classes, &options, LOGISTIC, Some("bad"));
        assert_eq!(passes[..2], first_passes, "{passes:?}");
        assert!(
            passes[2..]
                .iter()
                .all(|p| !p.contains("moments") && !p.contains("spread")),
            "{passes:?}"
        );
        assert_same(&summed, &memory, &options);
    }
}

/// Linear regression of the credit data's Price (NULL in every 13th row: both leave it out)
/// on the other columns, Status among them: the normal equations and residuals summed in
/// parts give the fit, standard errors and metrics of the normal equations in memory.
#[test]
fn summed_linear_regression_equals_training_in_memory_on_the_credit_data() {
    let mut data = load_credit();
    let at = data
        .features
        .iter()
        .position(|f| f.name == "Price")
        .unwrap();
    let Column::Numeric(mut price) = data.features.remove(at).column else {
        unreachable!("Price is numeric")
    };
    // Every 13th price unknown: rows both trainings leave out.
    price
        .values
        .iter_mut()
        .step_by(13)
        .for_each(|v| *v = f64::NAN);
    let TargetColumn::Text(status) =
        std::mem::replace(&mut data.target, TargetColumn::Numeric(price))
    else {
        unreachable!("Status is text")
    };
    data.features.push(Feature {
        name: "Status".into(),
        column: Column::Categorical(status),
    });
    data.target_name = "Price".into();
    assert!(
        (0..data.n_rows()).any(|i| data.target.is_null(i)),
        "some rows without a price"
    );
    for options in [
        json!({"test_size": 0}),
        json!({"test_size": 0, "l2": 2.5, "impute": "zero"}),
    ] {
        let options = TrainOptions::from_json(&options).unwrap();
        let memory = train(&data, finml_models::registry::LINEAR, &options, LIMITS).unwrap();
        let (summed, _) = train_summed(&data, None, &options, LINEAR, None);
        assert_same(&summed, &memory, &options);
    }
}

/// A scorecard (optbinning's binning, then logistic regression on WoE values, tested
/// against optbinning in credit.rs) from each feature's atoms and Newton passes: the same
/// bins, points, score bands and coefficients as in memory, with the trend, special codes
/// and fixed cut points a modeller sets, and features left out by IV or sign.
#[test]
fn summed_scorecard_equals_training_in_memory_on_the_credit_data() {
    let data = load_credit();
    for options in [
        json!({"positive": "bad", "test_size": 0}),
        json!({"positive": "bad", "test_size": 0, "max_bins": 4, "min_iv": 0.05,
               "monotonic": {"Age": "descending"}, "special_codes": {"Assets": [0]},
               "user_splits": {"Seniority": [2, 5, 10]}}),
    ] {
        let options = TrainOptions::from_json(&options).unwrap();
        let memory = train(&data, finml_models::registry::SCORECARD, &options, LIMITS).unwrap();
        let classes = Some(("bad".into(), "good".into()));
        let (summed, _) = train_summed(&data, classes, &options, SCORECARD, Some("bad"));
        let (Some(s), Some(m)) = (
            summed.model.estimator.downcast_ref::<ScorecardEstimator>(),
            memory.model.estimator.downcast_ref::<ScorecardEstimator>(),
        ) else {
            panic!("two scorecards")
        };
        assert_eq!(summed.notes, memory.notes, "the features left out");
        for (fs, fm) in summed
            .model
            .preprocessor
            .features
            .iter()
            .zip(&memory.model.preprocessor.features)
        {
            let (Transform::Binned(bs), Transform::Binned(bm)) = (&fs.transform, &fm.transform)
            else {
                panic!("binned features")
            };
            assert_eq!(fs.name, fm.name);
            assert_eq!(
                (&bs.edges, &bs.bins, &bs.special),
                (&bm.edges, &bm.bins, &bm.special),
                "the bins of {}",
                fm.name
            );
        }
        assert_eq!(
            s.points.score_shares, m.points.score_shares,
            "the score bands' shares"
        );
        assert_eq!(s.points.score_cuts.len(), m.points.score_cuts.len());
        for (cs, cm) in s.points.score_cuts.iter().zip(&m.points.score_cuts) {
            assert!(close(*cs, *cm, 1e-9), "score cut {cs} vs {cm}");
        }
        for (ps, pm) in s
            .points
            .points
            .iter()
            .flatten()
            .zip(m.points.points.iter().flatten())
        {
            assert!(close(*ps, *pm, 1e-9), "points {ps} vs {pm}");
        }
        assert_same(&summed, &memory, &options);
    }
}

fn train_summed(
    data: &Dataset,
    classes: Option<(String, String)>,
    options: &TrainOptions,
    algorithm: Algorithm,
    positive: Option<&str>,
) -> (TrainOutcome, Vec<String>) {
    try_train_summed(data, classes, options, algorithm, positive).unwrap()
}

fn try_train_summed(
    data: &Dataset,
    classes: Option<(String, String)>,
    options: &TrainOptions,
    algorithm: Algorithm,
    positive: Option<&str>,
) -> finml_models::Result<(TrainOutcome, Vec<String>)> {
    let features: Vec<(String, Input)> = data
        .features
        .iter()
        .map(|f| {
            let input = match f.column {
                Column::Numeric(_) => Input::Number,
                Column::Categorical(_) => Input::Text,
            };
            (f.name.clone(), input)
        })
        .collect();
    let training = options.clone().for_algorithm(algorithm).unwrap();
    let mut rows = InMemory {
        data,
        positive,
        passes: Vec::new(),
    };
    let outcome = SummedTraining {
        features: &features,
        target: &data.target_name,
        classes,
        options,
        params: &*training.params,
        evaluated_on: "train",
    }
    .train(&mut rows)?;
    Ok((outcome, rows.passes))
}

/// A categorical feature with a distinct value in every row is refused from sums as in
/// memory (22023), unless allow_identifier.
#[test]
fn an_identifier_is_refused_from_sums_too() {
    let mut data = load_credit();
    let mut reference = CategoricalColumn::default();
    for i in 0..data.n_rows() {
        reference.push(Some(&format!("CUST-{}", i * 7919)));
    }
    data.features.push(Feature {
        name: "customer_ref".into(),
        column: Column::Categorical(reference),
    });
    let classes = Some(("bad".to_owned(), "good".to_owned()));
    for algorithm in [LOGISTIC, SCORECARD] {
        let options = TrainOptions::from_json(&json!({"positive": "bad", "test_size": 0})).unwrap();
        let e = try_train_summed(&data, classes.clone(), &options, algorithm, Some("bad"))
            .expect_err("refused");
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{}", algorithm.as_str());
        assert!(
            e.message
                .contains("\"customer_ref\" looks like an identifier"),
            "{}",
            e.message
        );
        let in_memory = train(&data, algorithm, &options, LIMITS).unwrap_err();
        assert_eq!(in_memory.message, e.message);
    }
    let allowed = TrainOptions::from_json(
        &json!({"positive": "bad", "test_size": 0, "allow_identifier": true}),
    )
    .unwrap();
    assert!(try_train_summed(&data, classes, &allowed, LOGISTIC, Some("bad")).is_ok());
}

/// The summed model equals the one trained in memory: rows, preprocessing (medians and
/// levels identical), coefficients and standard errors (1e-9 relative), metrics (1e-9),
/// explanations' reference (1e-9).
fn assert_same(summed: &TrainOutcome, memory: &TrainOutcome, options: &TrainOptions) {
    assert_eq!(summed.train_rows, memory.train_rows);
    for (s, m) in summed
        .model
        .preprocessor
        .features
        .iter()
        .zip(&memory.model.preprocessor.features)
    {
        let name = &m.name;
        match (&s.transform, &m.transform) {
            (Transform::Numeric(s), Transform::Numeric(m)) => {
                // A median is exact; a mean is a sum in another order.
                match options.impute {
                    Impute::Median => assert_eq!(s.impute, m.impute, "the median of {name}"),
                    _ => assert!(close(s.impute, m.impute, 1e-12), "the mean of {name}"),
                }
                assert!(close(s.mean, m.mean, 1e-12), "the mean of {name}");
                assert!(close(s.scale, m.scale, 1e-12), "the scale of {name}");
            }
            (Transform::Categorical(s), Transform::Categorical(m)) => {
                assert_eq!(
                    (&s.levels, s.missing_column, &s.reference),
                    (&m.levels, m.missing_column, &m.reference),
                    "the levels of {name}"
                );
            }
            // Compared bin for bin by the scorecard's test.
            (Transform::Binned(_), Transform::Binned(_)) => {}
            _ => panic!("feature {name} is transformed differently"),
        }
    }
    let linear = |e: &(dyn Estimator + 'static)| match e.predictor() {
        Predictor::Linear(l) => Some(l.clone()),
        Predictor::Trees(..) | Predictor::Design(_) | Predictor::Classes(_) => None,
    };
    let (Some(s), Some(m)) = (
        linear(&*summed.model.estimator),
        linear(&*memory.model.estimator),
    ) else {
        panic!("two linear models")
    };
    assert_eq!(s.coefficients.len(), m.coefficients.len());
    for (s, m) in s.coefficients.iter().zip(&m.coefficients) {
        assert_eq!(s.term, m.term);
        assert!(
            close(s.estimate, m.estimate, 1e-9),
            "{}: {} vs {}",
            s.term,
            s.estimate,
            m.estimate
        );
        assert!(
            close(s.std_error.unwrap(), m.std_error.unwrap(), 1e-9),
            "{}",
            s.term
        );
    }
    for (name, value) in &memory.metrics {
        assert!(
            close(summed.metrics[name], *value, 1e-9),
            "{name}: {} vs {value}",
            summed.metrics[name]
        );
    }
    let (s, m) = (
        summed.model.reference.as_ref().unwrap(),
        memory.model.reference.as_ref().unwrap(),
    );
    for (a, b) in s
        .mean_terms
        .iter()
        .zip(&m.mean_terms)
        .chain(s.term_sd.iter().zip(&m.term_sd))
    {
        assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{a} vs {b}");
    }
    assert_eq!(summed.model.drift.is_some(), memory.model.drift.is_some());
}
