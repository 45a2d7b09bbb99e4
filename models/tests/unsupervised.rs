//! k-means and the isolation forest against scikit-learn on the same data:
//! reference/credit_kmeans.py (the real credit data's numeric columns) and
//! reference/anomalies.py (generated, with known anomalies) print every number used here.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::estimator::kmeans::quality::{davies_bouldin, silhouette};
use finml_models::estimator::Estimator;
use finml_models::mlp::DeviceChoice;
use finml_models::options::TrainOptions;
use finml_models::{format, metrics, train, ErrorKind, Limits, Task};
use ndarray::Array2;
use serde_json::json;

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: DeviceChoice::Cpu,
    threads: 2,
};

const CREDIT_NUMERIC: [&str; 9] = [
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

/// scikit-learn's KMeans(4, n_init=10, random_state=0) inertia on the standardized columns.
const SKLEARN_INERTIA_K4: f64 = 28246.287933316016;
/// silhouette_score and davies_bouldin_score of the labelling Records=yes + 2·(Home=owner).
const SKLEARN_SILHOUETTE_FIXED: f64 = -0.0066024555917375775;
const SKLEARN_DAVIES_BOULDIN_FIXED: f64 = 10.564039175711592;
/// silhouette_score of KMeans(k, n_init=10, random_state=0), k = 2..6.
const SKLEARN_SILHOUETTE_BY_K: [f64; 5] = [
    0.1824152037272797,
    0.14745028959796183,
    0.15843766762569408,
    0.1613373674188781,
    0.16946074377814332,
];
/// PCA(9).explained_variance_ratio_ on the standardized columns.
const SKLEARN_PCA_RATIO: [f64; 9] = [
    0.23461042979931915,
    0.18994671307516048,
    0.13151878746831153,
    0.11325560733067924,
    0.1054128499321291,
    0.07812840781854778,
    0.0722624538637683,
    0.05189509083851804,
    0.022969659873566365,
];
/// roc_auc_score of IsolationForest(100, max_samples=256, random_state=0) on anomalies.csv.
const SKLEARN_FOREST_AUC: f64 = 0.9853198653198653;

fn read_csv(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect(path);
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn unlabelled(features: Vec<Feature>, rows: usize) -> Dataset {
    Dataset {
        features,
        target_name: String::new(),
        target: TargetColumn::Absent(rows),
        test_mask: None,
        times: None,
        weights: None,
    }
}

/// The credit data's numeric columns, and each row's (Records, Home).
fn credit() -> (Dataset, Vec<(String, String)>) {
    let (header, rows) = read_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    ));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let features = CREDIT_NUMERIC
        .iter()
        .map(|&name| {
            let mut c = NumericColumn::default();
            for r in &rows {
                let raw = &r[at(name)];
                c.push(name, (!raw.is_empty()).then(|| raw.parse().unwrap()))
                    .unwrap();
            }
            Feature {
                name: name.to_owned(),
                column: Column::Numeric(c),
            }
        })
        .collect();
    let groups = rows
        .iter()
        .map(|r| (r[at("Records")].clone(), r[at("Home")].clone()))
        .collect();
    (unlabelled(features, rows.len()), groups)
}

fn options(value: serde_json::Value) -> TrainOptions {
    TrainOptions::from_json(&value).unwrap()
}

fn kmeans_of<'a>(
    estimator: &'a (dyn Estimator + 'static),
) -> &'a finml_models::estimator::kmeans::KMeansModel {
    match estimator.downcast_ref() {
        Some(k) => k,
        None => panic!("not k-means: {estimator:?}"),
    }
}

#[test]
fn kmeans_reaches_scikit_learns_inertia_on_the_credit_data() {
    let (data, _) = credit();
    let outcome = train(
        &data,
        finml_models::registry::KMEANS,
        &options(json!({"k": 4, "n_init": 10})),
        LIMITS,
    )
    .unwrap();
    assert_eq!(outcome.model.task, Task::Clustering);
    assert_eq!(outcome.test_rows, 0);
    let inertia = outcome.metrics["inertia"];
    eprintln!("k-means k=4 inertia: finml {inertia}, scikit-learn {SKLEARN_INERTIA_K4}");
    // Both are local optima from random seeds: within 1% (the target), and never
    // more than 1% worse.
    assert!(
        inertia <= SKLEARN_INERTIA_K4 * 1.01,
        "finml {inertia}, scikit-learn {SKLEARN_INERTIA_K4}"
    );
    assert!(inertia >= SKLEARN_INERTIA_K4 * 0.99);
    let k = kmeans_of(&*outcome.model.estimator);
    assert_eq!(k.k(), 4);
    // Profiles cover every row, and are sorted by |z|.
    let rows: u64 = k.profiles.iter().map(|p| p.rows).sum();
    assert_eq!(rows as usize, data.n_rows());
    for p in &k.profiles {
        assert_eq!(p.terms.len(), CREDIT_NUMERIC.len());
        assert!(p.terms.windows(2).all(|w| w[0].z.abs() >= w[1].z.abs()));
    }
    // The report's projection: each component's share of the variance as scikit-learn's PCA
    // (fewer than 10,000 rows: the whole data), and a scatter of at most 500 rows.
    let projection = k.projection.as_ref().expect("a projection");
    assert_eq!(projection.explained_variance_ratio.len(), 9);
    for (ours, theirs) in projection
        .explained_variance_ratio
        .iter()
        .zip(SKLEARN_PCA_RATIO)
    {
        assert!(
            (ours - theirs).abs() < 1e-6,
            "finml {ours}, scikit-learn {theirs}"
        );
    }
    assert!(projection.points.len() <= 500 && projection.points.len() >= 400);
    assert!(projection.points.iter().all(|p| (1..=4).contains(&p.2)));
    // The cluster of a row is its nearest centre: the stored form predicts the same.
    let bytes = format::to_bytes(&outcome.model).unwrap();
    let back = format::from_bytes(&bytes).unwrap();
    let sample: Vec<usize> = (0..data.n_rows()).step_by(37).collect();
    assert_eq!(
        outcome.model.predict_rows(&data, &sample).unwrap(),
        back.predict_rows(&data, &sample).unwrap()
    );
}

#[test]
fn silhouette_and_davies_bouldin_equal_scikit_learns_on_the_same_clusters() {
    let (data, groups) = credit();
    let outcome = train(
        &data,
        finml_models::registry::KMEANS,
        &options(json!({"k": 2})),
        LIMITS,
    )
    .unwrap();
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    let x = outcome.model.preprocessor.design_matrix(&data, &rows);
    let labels: Vec<u32> = groups
        .iter()
        .map(|(records, home)| u32::from(records == "yes") + 2 * u32::from(home == "owner"))
        .collect();
    let mut centers = Array2::<f64>::zeros((4, x.ncols()));
    let mut sizes = [0.0; 4];
    for (i, &l) in labels.iter().enumerate() {
        let mut c = centers.row_mut(l as usize);
        c += &x.row(i);
        sizes[l as usize] += 1.0;
    }
    for (mut c, n) in centers.rows_mut().into_iter().zip(sizes) {
        c /= n;
    }
    let s = silhouette(x.view(), &labels, 4, 2);
    let db = davies_bouldin(x.view(), &labels, &centers);
    assert!((s - SKLEARN_SILHOUETTE_FIXED).abs() < 1e-9, "{s}");
    assert!((db - SKLEARN_DAVIES_BOULDIN_FIXED).abs() < 1e-9, "{db}");
}

#[test]
fn automatic_k_keeps_the_silhouette_of_each_k_and_picks_the_best() {
    let (data, _) = credit();
    let outcome = train(
        &data,
        finml_models::registry::KMEANS,
        &options(json!({"k": [2, 6], "n_init": 10})),
        LIMITS,
    )
    .unwrap();
    let k = kmeans_of(&*outcome.model.estimator);
    let ks: Vec<usize> = k.silhouette_by_k.iter().map(|(k, _)| *k).collect();
    assert_eq!(ks, vec![2, 3, 4, 5, 6]);
    for ((kk, ours), theirs) in k.silhouette_by_k.iter().zip(SKLEARN_SILHOUETTE_BY_K) {
        eprintln!("silhouette k = {kk}: finml {ours:.4}, scikit-learn {theirs:.4}");
        // Fewer than 10,000 rows: no sampling; the clusters are local optima of each run.
        assert!(
            (ours - theirs).abs() < 0.02,
            "k = {kk}: finml {ours}, scikit-learn {theirs}"
        );
    }
    let best = k
        .silhouette_by_k
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!(k.k(), best.0);
    assert_eq!(outcome.metrics["silhouette"], best.1);
    assert!(outcome.notes.iter().any(|n| n.contains("best silhouette")));
}

fn anomalies() -> (Dataset, Vec<bool>, Vec<f64>) {
    let (header, rows) = read_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/anomalies.csv"
    ));
    let features = header[..4]
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let mut c = NumericColumn::default();
            for r in &rows {
                c.push(name, Some(r[j].parse().unwrap())).unwrap();
            }
            Feature {
                name: name.clone(),
                column: Column::Numeric(c),
            }
        })
        .collect();
    let labels = rows.iter().map(|r| r[4] == "1").collect();
    let sk = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    (unlabelled(features, rows.len()), labels, sk)
}

/// Spearman's rank correlation (no ties in continuous scores).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (rank, &i) in order.iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let var: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
    cov / var
}

#[test]
fn isolation_forest_scores_agree_with_scikit_learn() {
    let (data, labels, sk) = anomalies();
    let outcome = train(
        &data,
        finml_models::registry::ISOLATION_FOREST,
        &options(json!({"contamination": 0.01})),
        LIMITS,
    )
    .unwrap();
    assert_eq!(outcome.model.task, Task::AnomalyDetection);
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    let scores = outcome.model.predict_rows(&data, &rows).unwrap();
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let rho = spearman(&scores, &sk);
    let auc = metrics::auc(&scores, &labels).unwrap();
    eprintln!("isolation forest: Spearman {rho:.4}; AUC finml {auc:.4}, scikit-learn {SKLEARN_FOREST_AUC:.4}");
    assert!(rho >= 0.9, "Spearman {rho}");
    assert!(
        (auc - SKLEARN_FOREST_AUC).abs() <= 0.02,
        "finml AUC {auc}, scikit-learn {SKLEARN_FOREST_AUC}"
    );
    // contamination 1%: about 1% of the training rows score above the threshold.
    let flagged = outcome.metrics["flagged_share"];
    assert!((flagged - 0.01).abs() < 0.002, "{flagged}");
    let bytes = format::to_bytes(&outcome.model).unwrap();
    assert_eq!(
        format::from_bytes(&bytes)
            .unwrap()
            .predict_rows(&data, &rows)
            .unwrap(),
        scores
    );
}

#[test]
fn a_categorical_only_forest_trains_and_bad_options_are_refused() {
    let mut c = CategoricalColumn::default();
    for i in 0..300 {
        c.push(Some(if i == 7 {
            "rare"
        } else if i % 2 == 0 {
            "a"
        } else {
            "b"
        }));
    }
    let data = unlabelled(
        vec![Feature {
            name: "kind".into(),
            column: Column::Categorical(c),
        }],
        300,
    );
    // A level of one row is the anomaly, which a model names only if min_level_rows lets it:
    // by default (10) the level is stored by no name and scores as the common ones.
    let forest = |o| {
        train(
            &data,
            finml_models::registry::ISOLATION_FOREST,
            &options(o),
            LIMITS,
        )
        .unwrap()
        .model
    };
    let scores = forest(json!({"min_level_rows": 1}))
        .predict_rows(&data, &[0, 7])
        .unwrap();
    assert!(
        scores[1] > scores[0],
        "the rare level is the anomaly: {scores:?}"
    );
    let folded = forest(json!({})).predict_rows(&data, &[0, 7, 8]).unwrap();
    assert!(
        folded[1] == folded[0] || folded[1] == folded[2],
        "{folded:?}"
    );

    let refused = |algorithm, o: serde_json::Value| {
        let e = TrainOptions::from_json(&o)
            .and_then(|o| train(&data, algorithm, &o, LIMITS))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{o}: {}", e.message);
        e.message
    };
    assert!(refused(finml_models::registry::KMEANS, json!({"k": 1})).contains("options.k"));
    assert!(refused(finml_models::registry::KMEANS, json!({"k": 301})).contains("k = 301"));
    assert!(refused(finml_models::registry::KMEANS, json!({"k": [5, 3]})).contains("options.k"));
    assert!(refused(finml_models::registry::KMEANS, json!({"n_init": 0})).contains("n_init"));
    assert!(
        refused(finml_models::registry::KMEANS, json!({"test_size": 0.2})).contains("test_size")
    );
    assert!(refused(
        finml_models::registry::ISOLATION_FOREST,
        json!({"n_trees": 0})
    )
    .contains("n_trees"));
    assert!(refused(
        finml_models::registry::ISOLATION_FOREST,
        json!({"contamination": 0.6})
    )
    .contains("contamination"));
    assert!(refused(
        finml_models::registry::ISOLATION_FOREST,
        json!({"sample_size": 1})
    )
    .contains("sample_size"));
    assert!(refused(finml_models::registry::ISOLATION_FOREST, json!({"k": 3})).contains("kmeans"));
    assert!(refused(
        finml_models::registry::KMEANS,
        json!({"deploy": "if_better"})
    )
    .contains("if_better"));
    assert!(refused(finml_models::registry::LOGISTIC, json!({})).contains("target"));
}
