-- Multi-class targets: a 7-grade rating of the credit applicants (grades A to G from an ordinal
-- logit of their records, seniority, income, loan-to-value, debt and age plus noise:
-- models/tests/reference/credit_grades.py), multinomial logistic regression on the split
-- (id - 1) % 10 >= 7. Reference: scikit-learn 1.9.1's LogisticRegression(C=1) on the same rows
-- and preprocessing (credit_grades.json): test accuracy 0.4367, F1 macro 0.3216 and weighted
-- 0.3808, log loss 1.4326, one-vs-rest AUC macro 0.7750 and weighted 0.7983 (4 decimals), and
-- the test confusion matrix, rows the actual grade A to G:
--   192 7 12 10 8 2 3 | 62 16 19 21 16 3 8 | 34 5 19 34 23 12 27 | 25 2 20 32 18 12 39 |
--   12 2 7 34 31 21 75 | 2 2 4 16 17 20 99 | 1 0 2 16 9 11 273
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_risk.sql
\getenv suite FINML_SUITE
\set VERBOSITY default
CREATE TEMP TABLE grade_of (id serial PRIMARY KEY, grade text NOT NULL);
\set file :suite '/data/credit_grades.csv'
\set copy_cmd '\\copy grade_of (grade) FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
CREATE TEMP VIEW graded AS
  SELECT a.*, g.grade, (a.id - 1) % 10 AS fold FROM applications a JOIN grade_of g USING (id);
CREATE TEMP VIEW graded_test AS SELECT * FROM graded WHERE fold >= 7;
SELECT grade, count(*) FROM grade_of GROUP BY grade ORDER BY grade;

-- Training: 7 classes, multinomial logistic regression; scikit-learn's test metrics.
SELECT model, version, algorithm, task, train_rows, test_rows
  FROM fin_train('grades', 'graded', 'grade', 'logistic',
                 options => '{"exclude": ["id", "status"], "split": {"column": "fold", "test_from": "7"}}');
SELECT key AS metric, round(value::numeric, 4) AS value
  FROM finml.models, jsonb_each_text(metrics)
 WHERE name = 'grades' AND key IN ('accuracy', 'f1_macro', 'f1_weighted', 'log_loss', 'auc', 'auc_weighted', 'classes')
 ORDER BY key;
SELECT classes FROM finml.models WHERE name = 'grades';

-- Prediction: the probabilities in the order of finml.models.classes (summing to 1), the most
-- probable class; fin_predict has no one number to give (42809).
SELECT id, array_length(p, 1) AS classes, abs((SELECT sum(x) FROM unnest(p) x) - 1) < 1e-12 AS sums_to_one,
       fin_predict_class('grades', g) AS class,
       (SELECT m.classes[array_position(p, (SELECT max(x) FROM unnest(p) x))] FROM finml.models m
         WHERE m.name = 'grades') = fin_predict_class('grades', g) AS most_probable
  FROM graded g, LATERAL (SELECT fin_predict_proba('grades', g) AS p) q
 WHERE id IN (1, 2, 3, 9) ORDER BY id;
SELECT fin_predict('grades', g) FROM graded g WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE

-- Evaluation on the test rows: fin_evaluate gives the training's metrics, fin_confusion the
-- 7×7 counts (scikit-learn's matrix above).
SELECT metric, round(value::numeric, 4) AS value FROM fin_evaluate('grades', 'graded_test')
 WHERE metric IN ('accuracy', 'f1_macro', 'log_loss', 'auc', 'rows') ORDER BY metric;
SELECT actual, string_agg(count::text, ' ' ORDER BY predicted) AS predicted_a_to_g
  FROM fin_confusion('grades', 'graded_test') GROUP BY actual ORDER BY actual;
-- The coefficient table: one equation per grade, with standard errors.
SELECT count(*) AS terms, count(std_error) AS with_std_error,
       count(*) FILTER (WHERE term LIKE 'A: %') AS grade_a_terms
  FROM fin_coefficients('grades');
-- Explanations and reason codes are of the most probable grade's score (models/tests/
-- multiclass.rs checks that they add up to it); importance is averaged over the grades.
SELECT feature, round(contribution::numeric, 4) AS contribution
  FROM fin_explain('grades', (SELECT g FROM graded g WHERE id = 2), 3);
SELECT rank, feature, value, points_lost > 0 AS raises_the_grade_score
  FROM fin_reason_codes('grades', (SELECT g FROM graded g WHERE id = 2), 2);
SELECT count(*) AS features, bool_and(importance >= 0) AS importances FROM fin_importance('grades');
SELECT fin_report('grades') LIKE '%grade (7 classes: A, B, C, D, E, F, G)%<h3>Confusion</h3>%' AS report_lists_classes_and_confusion;

-- A two-class model answers the same functions: its classes are (negative, positive).
SELECT classes FROM finml.models WHERE name = 'credit_risk';
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(p[2] - fin_predict('credit_risk', a)) < 1e-15 AND abs(p[1] + p[2] - 1) < 1e-15) AS proba_is_fin_predict,
       count(*) FILTER (WHERE fin_predict_class('credit_risk', a) = CASE WHEN p[2] >= 0.5 THEN 'bad' ELSE 'good' END) AS class_at_one_half
  FROM applications a, LATERAL (SELECT fin_predict_proba('credit_risk', a) AS p) q;

-- The array form, on a model of numeric features only; an integer target with task
-- "classification" names its classes by their numbers.
CREATE TEMP VIEW graded_numbers AS
  SELECT id, seniority, age, amount, price, ascii(grade) - 64 AS grade_number, fold FROM graded;
SELECT model, version
  FROM fin_train('grade_numbers', 'graded_numbers', 'grade_number', 'logistic',
                 options => '{"exclude": ["id"], "task": "classification", "split": {"column": "fold", "test_from": "7"}}');
SELECT classes FROM finml.models WHERE name = 'grade_numbers';
SELECT fin_predict_proba('grade_numbers', ARRAY[seniority, age, amount, price]::float8[]) = fin_predict_proba('grade_numbers', g) AS array_form_agrees,
       fin_predict_class('grade_numbers', ARRAY[seniority, age, amount, price]::float8[]) AS class
  FROM graded_numbers g WHERE id = 4;

-- Gradient boosting: one tree per grade and round (models/tests/multiclass.rs compares it
-- with LightGBM's multiclass objective), explained by the most probable grade's TreeSHAP.
SET client_min_messages = warning;
SELECT model, algorithm, (metrics->>'auc')::float8 > 0.7 AS macro_auc_above_0_7
  FROM fin_train('grades_gbdt', 'graded', 'grade', 'gbdt',
                 options => '{"exclude": ["id", "status"], "split": {"column": "fold", "test_from": "7"}, "n_trees": 30}');
RESET client_min_messages;
SELECT count(*) AS applicants,
       count(*) FILTER (WHERE abs((SELECT sum(x) FROM unnest(fin_predict_proba('grades_gbdt', g)) x) - 1) < 1e-12) AS sum_to_one
  FROM graded_test g;
SELECT count(*) AS contributions FROM fin_explain('grades_gbdt', (SELECT g FROM graded g WHERE id = 2), 100);

-- fin_score_table writes each row's most probable grade and every grade's probability.
SELECT fin_score_table('grades', 'graded', 'graded_scores', '{"key": ["id"]}');
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_name = 'graded_scores' ORDER BY ordinal_position;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.class = fin_predict_class('grades', g)
                          AND s.probabilities = fin_predict_proba('grades', g)) AS as_predicted
  FROM graded_scores s JOIN graded g USING (id);

-- fin_psi: the output's stability is the predicted grades' shares (the drift reference keeps
-- the training rows' most probable grade); the training population itself is stable.
SELECT feature, psi < 0.1 AS stable FROM fin_psi('grades', 'graded') WHERE feature IN ('(score)', 'income', 'records') ORDER BY feature;

-- Cross-validation and search rank a multi-class target by log loss.
SELECT fold, metric, round(value::numeric, 2) > 0 AS measured
  FROM fin_cross_validate('graded', 'grade', options => '{"exclude": ["id", "status", "fold"]}', folds => 3)
 WHERE metric IN ('f1_macro', 'log_loss') AND fold IS NULL ORDER BY metric;
SET client_min_messages = warning;
SELECT trial, options, metric, chosen
  FROM fin_tune('grades_tuned', 'graded', 'grade', 'logistic', '{"l2": [1, 10000], "folds": 3}',
                options => '{"exclude": ["id", "status", "fold"]}') ORDER BY trial;
RESET client_min_messages;

-- Monitoring by period: per fold the macro AUC and its Gini, the Brier score over the classes,
-- the mean probability of the most probable grade and the PSI of the predicted grades' shares
-- (models/tests/multiclass.rs checks each against its formula); no KS, event rate or
-- Hosmer-Lemeshow test for k classes.
SELECT period, rows, labelled_rows, event_rate IS NULL AS no_event_rate,
       round(auc::numeric, 2) > 0.7 AS ranks, abs(gini - (2 * auc - 1)) < 1e-12 AS gini_of_auc,
       brier BETWEEN 0 AND 2 AS brier_in_range, mean_predicted BETWEEN 1 / 7.0 AND 1 AS confidence,
       ks IS NULL AS no_ks, psi < 0.25 AS psi_measured
  FROM fin_monitor('grades', 'graded', 'fold') WHERE period IN ('0', '9') ORDER BY period;

-- The MLP: one output unit per grade, softmax and cross-entropy (models/tests/multiclass.rs
-- compares its test AUC with scikit-learn's multinomial); its probabilities sum to 1 and its
-- explanation is of the most probable grade.
SELECT model, algorithm, task
  FROM fin_train('grades_mlp', 'graded', 'grade', 'mlp',
                 options => '{"exclude": ["id", "status"], "split": {"column": "fold", "test_from": "7"}, "hidden": [16], "epochs": 5, "dropout": 0, "seed": 7}');
SELECT (metrics->>'auc')::float8 > 0.7 AS ranks_the_grades, metrics->>'classes' AS classes
  FROM finml.models WHERE name = 'grades_mlp';
SELECT array_length(p, 1) AS classes, abs((SELECT sum(x) FROM unnest(p) x) - 1) < 1e-9 AS sums_to_one
  FROM graded g, LATERAL (SELECT fin_predict_proba('grades_mlp', g) AS p) q WHERE id = 1;
SELECT count(*) AS explained FROM fin_explain('grades_mlp', (SELECT g FROM graded g WHERE id = 2), 3);

-- One class against the rest: class => names it for the two-class curves and tables (its
-- probability the score, the class the event; models/tests/multiclass.rs checks them) and
-- for explanations and reason codes (its score, whichever grade is most probable). On a
-- two-class model class may name the negative class: its explanation is every term negated.
SELECT count(*) AS bands, sum(events) AS g_rows, max(ks) > 0.3 AS separates
  FROM fin_gains('grades', 'graded_test', class => 'G');
SELECT count(*) FILTER (WHERE grade = 'G') AS g_rows FROM graded_test;
SELECT count(*) > 2 AS curve, min(fpr) = 0 AND max(tpr) = 1 AS spans
  FROM fin_roc('grades', 'graded_test', class => 'A');
SELECT sum(count) AS rows FROM fin_calibration('grades', 'graded_test', 5, class => 'C');
SELECT threshold IS NOT NULL AS cutoff_found, true_positives + false_negatives AS g_rows
  FROM fin_threshold('grades', 'graded_test', 1, 5, class => 'G');
SELECT fin_predict_class('grades', g) AS most_probable,
       round((SELECT sum(contribution) FROM fin_explain('grades', g, 100, class => 'G'))::numeric, 6) AS g_score,
       round((SELECT sum(contribution) FROM fin_explain('grades', g, 100))::numeric, 6)
       > round((SELECT sum(contribution) FROM fin_explain('grades', g, 100, class => 'G'))::numeric, 6) AS below_the_top
  FROM graded g WHERE id = 2;
SELECT count(*) <= 4 AS at_most_four FROM fin_reason_codes('grades', (SELECT g FROM graded g WHERE id = 2), class => 'G');
SELECT abs((SELECT sum(contribution) FROM fin_explain('credit_risk', a, 100, class => 'good'))
         + (SELECT sum(contribution) FROM fin_explain('credit_risk', a, 100))) < 1e-12 AS negated
  FROM applications a WHERE id = 1;
SELECT * FROM fin_gains('grades', 'graded_test', class => 'Z');
\echo :LAST_ERROR_SQLSTATE
-- A scorecard's reasons are points lost toward its positive class: its other class is 22023.
-- The functions that take a class are not STRICT: a NULL in another argument is 22004.
\i include/credit_card.sql
SELECT * FROM fin_reason_codes('credit_card', (SELECT a FROM applications a WHERE id = 1), class => 'good');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_reason_codes('credit_card', (SELECT a FROM applications a WHERE id = 1), class => 'bad');
SELECT * FROM fin_roc(NULL, 'graded_test', class => 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_calibration('grades', 'graded_test', NULL, class => 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_threshold('grades', 'graded_test', 1, NULL, class => 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_explain('grades', NULL::graded, 3);
\echo :LAST_ERROR_SQLSTATE

-- Not yet for multi-class models (0A000): other algorithms, fin_score_row, SQL; a cutoff
-- (22023); the two-class curves without a class (42809); options.positive names one class
-- (22023); more than 100 classes (22000).
SELECT * FROM fin_train('grades_tree', 'graded', 'grade', 'tree', options => '{"exclude": ["id", "status"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_score_row('grades', (SELECT g FROM graded g WHERE id = 1));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('grades', 'graded', 'graded_scores', '{"cutoff": 0.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_model_sql('grades');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_gains('grades', 'graded_test');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('grades_positive', 'graded', 'grade', options => '{"positive": "A", "exclude": ["id", "status"]}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW too_many AS
  SELECT a.*, CASE WHEN id <= 101 THEN 'class ' || id ELSE 'other' END AS many FROM applications a;
SELECT * FROM fin_train('too_many', 'too_many', 'many', options => '{"exclude": ["id", "status"]}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
