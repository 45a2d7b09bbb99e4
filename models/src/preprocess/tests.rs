use super::*;
use crate::data::{CategoricalColumn, Feature, NumericColumn, TargetColumn};
use crate::data::{Column, Dataset};
use crate::design::DesignRows;
use crate::error::ErrorKind;
use ndarray::{s, Array2};

fn dataset() -> Dataset {
    let mut x = NumericColumn::default();
    for v in [Some(1.0), None, Some(3.0), Some(10.0)] {
        x.push("x", v).unwrap();
    }
    let mut c = CategoricalColumn::default();
    for v in [Some("a"), Some("b"), Some("a"), None] {
        c.push(v);
    }
    Dataset {
        features: vec![
            Feature {
                name: "x".into(),
                column: Column::Numeric(x),
            },
            Feature {
                name: "c".into(),
                column: Column::Categorical(c),
            },
        ],
        target_name: "y".into(),
        target: TargetColumn::Boolean(vec![Some(true); 4]),
        test_mask: None,
        times: None,
        weights: None,
    }
}

#[test]
fn median_imputation_then_population_scaling() {
    let data = dataset();
    let p = Preprocessor::fit(
        &data,
        &[0, 1, 2, 3],
        &PreprocessOptions::plain(Impute::Median, 50),
    );
    let Transform::Numeric(n) = &p.features[0].transform else {
        panic!()
    };
    // median of {1, 3, 10} = 3; filled column {1, 3, 3, 10}: mean 4.25,
    // population variance (3.25² + 1.25² + 1.25² + 5.75²) / 4 = 46.75 / 4 = 11.6875.
    assert_eq!(n.impute, 3.0);
    assert!((n.mean - 4.25).abs() < 1e-12);
    assert!((n.scale - 11.6875f64.sqrt()).abs() < 1e-12);
}

#[test]
fn most_frequent_level_is_the_reference_and_nulls_get_a_column() {
    let data = dataset();
    let p = Preprocessor::fit(
        &data,
        &[0, 1, 2, 3],
        &PreprocessOptions::plain(Impute::Median, 50),
    );
    assert_eq!(p.term_names(), vec!["x", "c=b", "c=(missing)"]);
    let x = p.design_matrix(&data, &[0, 1, 3]);
    assert_eq!(x.row(0).to_vec()[1..], [0.0, 0.0]); // "a" is the reference
    assert_eq!(x.row(1).to_vec()[1..], [1.0, 0.0]);
    assert_eq!(x.row(2).to_vec()[1..], [0.0, 1.0]);
}

#[test]
fn row_path_matches_the_design_matrix_and_unseen_levels_are_the_reference() {
    let data = dataset();
    let p = Preprocessor::fit(
        &data,
        &[0, 1, 2, 3],
        &PreprocessOptions::plain(Impute::Mean, 50),
    );
    let w = [0.5, -1.0, 2.0];
    let x = p.design_matrix(&data, &[1]);
    let expected = 0.1 + x.row(0).dot(&ndarray::arr1(&w));
    let got = p
        .linear_predictor(0.1, &w, &[RawValue::Null, RawValue::Text("b")])
        .unwrap();
    assert!((got - expected).abs() < 1e-12);
    let unseen = p.linear_predictor(0.1, &w, &[RawValue::Number(1.0), RawValue::Text("zzz")]);
    let reference = p.linear_predictor(0.1, &w, &[RawValue::Number(1.0), RawValue::Text("a")]);
    assert_eq!(unseen.unwrap(), reference.unwrap());
}

#[test]
fn blocks_of_design_rows_equal_the_design_matrix() {
    // A reused block buffer must come out as the matrix would, indicators included.
    let data = dataset();
    let p = Preprocessor::fit(
        &data,
        &[0, 1, 2, 3],
        &PreprocessOptions::plain(Impute::Median, 10),
    );
    let rows = [3, 0, 2, 1, 3];
    let whole = p.design_matrix(&data, &rows);
    let mut block = Array2::<f64>::from_elem((2, p.width()), 7.0);
    let design = RowsDesign {
        preprocessor: &p,
        data: &data,
        rows: &rows,
    };
    for start in [0, 2] {
        design.fill(start, block.view_mut());
        assert_eq!(block, whole.slice(s![start..start + 2, ..]));
    }
}

#[test]
fn wrong_kinds_and_counts_are_errors_not_panics() {
    let data = dataset();
    let p = Preprocessor::fit(
        &data,
        &[0, 1, 2, 3],
        &PreprocessOptions::plain(Impute::Median, 50),
    );
    let w = [0.0; 3];
    let e = p
        .linear_predictor(0.0, &w, &[RawValue::Text("a"), RawValue::Null])
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongType);
    let e = p.linear_predictor(0.0, &w, &[RawValue::Null]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidData);
    let e = p.linear_predictor(0.0, &w, &[RawValue::Number(f64::INFINITY), RawValue::Null]);
    assert_eq!(e.unwrap_err().kind, ErrorKind::InvalidData);
}
