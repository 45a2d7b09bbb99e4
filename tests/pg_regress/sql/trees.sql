-- Tree models: algorithm => 'gbdt' (gradient-boosted trees), 'random_forest' and 'tree' (one
-- decision tree) on the credit example, kept small so that each trains in seconds.
-- References, recomputed in SQL: TreeSHAP's completeness (baseline + contributions = the
-- log-odds, 1e-9); fin_model_sql against fin_predict (1e-12); each leaf's rule as a WHERE
-- clause (every applicant meets exactly one, whose prediction is fin_predict's) and the
-- leaves' rows against the training rows; a monotone constraint on a grid of incomes; reason
-- codes against fin_explain's contributions (points lost = round(contribution × 20 / ln 2));
-- fin_score_table's reasons against fin_reason_codes.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_card.sql
SET client_min_messages = warning;

-- Each algorithm on the stratified 70/30 split; a forest also measures itself out of the bag.
SELECT model, version, algorithm, task, train_rows, test_rows,
       (metrics->>'auc')::float8 > 0.75 AS auc_above_0_75
  FROM fin_train('credit_gbdt', 'applications', 'status', 'gbdt',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3,
                              "n_trees": 20, "num_leaves": 8}');
SELECT model, algorithm, train_rows, (metrics->>'auc')::float8 > 0.75 AS auc_above_0_75,
       (metrics->>'oob_auc')::float8 > 0.75 AS oob_auc_above_0_75
  FROM fin_train('credit_forest', 'applications', 'status', 'random_forest',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3,
                              "n_trees": 10, "max_depth": 6}');
SELECT model, algorithm, train_rows, (metrics->>'auc')::float8 > 0.7 AS auc_above_0_7
  FROM fin_train('credit_tree', 'applications', 'status', 'tree',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3}');
SELECT train_rows AS tree_train_rows FROM finml.models WHERE name = 'credit_tree' \gset
-- A tree of two levels, to read whole; and regressions of the price.
SELECT model, algorithm FROM fin_train('credit_stump', 'applications', 'status', 'tree',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "max_depth": 2}');
SELECT model, task FROM fin_train('price_gbdt', 'applications', 'price', 'gbdt',
       options => '{"exclude": ["id", "status"], "n_trees": 10}');
SELECT model, task FROM fin_train('price_tree', 'applications', 'price', 'tree',
       options => '{"exclude": ["id", "status"], "test_size": 0, "max_depth": 3}');
SELECT train_rows AS price_tree_rows FROM finml.models WHERE name = 'price_tree' \gset
-- A tiny network, for its reason codes.
SELECT model, algorithm FROM fin_train('tiny_mlp', 'applications', 'status', 'mlp',
       options => '{"positive": "bad", "exclude": ["id"], "hidden": [4], "epochs": 2}');

-- fin_predict: probabilities of every applicant, in (0, 1).
SELECT m.model, count(*) AS applicants, bool_and(p > 0 AND p < 1) AS probabilities
  FROM (VALUES ('credit_gbdt'), ('credit_forest'), ('credit_tree')) m(model), applications a,
       LATERAL (SELECT fin_predict(m.model, a) AS p) q
 GROUP BY m.model ORDER BY m.model;

-- fin_explain (TreeSHAP): one applicant taken apart, and for every tenth applicant the rows
-- add up to the log-odds.
SELECT feature, value, round(contribution::numeric, 4) AS contribution
  FROM fin_explain('credit_gbdt', (SELECT a FROM applications a WHERE id = 7));
SELECT m.model, count(*) AS applicants,
       max(abs(e.total - ln(q.p / (1 - q.p)))) < 1e-9 AS sums_to_log_odds
  FROM (VALUES ('credit_gbdt'), ('credit_forest'), ('credit_tree')) m(model),
       (SELECT * FROM applications WHERE id % 10 = 0) a,
       LATERAL (SELECT fin_predict(m.model, a) AS p) q,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain(m.model, a, 100)) e
 GROUP BY m.model ORDER BY m.model;
-- The price regression's rows add up to the predicted price.
SELECT count(*) AS applicants,
       max(abs(e.total - fin_predict('price_gbdt', a))) < 1e-9 AS sums_to_prediction
  FROM (SELECT * FROM applications WHERE id % 10 = 0) a,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('price_gbdt', a, 100)) e;
-- fin_importance: every feature, spreads ≥ 0, largest first.
SELECT m.model, count(*) AS features, bool_and(importance >= 0) AS non_negative,
       bool_and(importance <= previous) AS ranked
  FROM (VALUES ('credit_gbdt'), ('credit_forest'), ('credit_tree')) m(model),
       LATERAL (SELECT importance, lag(importance, 1, 'Infinity') OVER () AS previous
                  FROM fin_importance(m.model)) i
 GROUP BY m.model ORDER BY m.model;

-- fin_tree_rules: the stump whole. Rules read as SQL conditions on the columns; a classifier's
-- single tree shows each leaf's event rate and its prediction.
SELECT leaf, rule, rows, round(event_rate::numeric, 4) AS event_rate,
       round(output::numeric, 4) AS output, round(prediction::numeric, 4) AS prediction
  FROM fin_tree_rules('credit_stump');
-- The tree's leaves hold every training row once; tree => 1 is the default.
SELECT count(*) AS leaves, sum(rows) = :tree_train_rows AS rows_add_up,
       bool_and(event_rate BETWEEN 0 AND 1) AS event_rates,
       bool_and(prediction > 0 AND prediction < 1) AS predictions
  FROM fin_tree_rules('credit_tree', 1);
-- Every applicant meets exactly one leaf's rule, and fin_predict is that leaf's prediction.
SELECT string_agg(format('(CASE WHEN %s THEN 1 ELSE 0 END)', rule), ' + ') AS leaves_met,
       'CASE ' || string_agg(format('WHEN %s THEN %s', rule, prediction), ' ') || ' END' AS leaf_prediction
  FROM fin_tree_rules('credit_tree') \gset
SELECT count(*) AS applicants,
       count(*) FILTER (WHERE (:leaves_met) <> 1) AS not_one_leaf,
       count(*) FILTER (WHERE fin_predict('credit_tree', a) <> (:leaf_prediction)) AS prediction_differs
  FROM applications a;
-- A regression tree: no event rate, the prediction is the value of the leaf.
SELECT count(*) AS leaves, sum(rows) = :price_tree_rows AS rows_add_up,
       bool_and(event_rate IS NULL) AS no_event_rate
  FROM fin_tree_rules('price_tree');
SELECT 'CASE ' || string_agg(format('WHEN %s THEN %s', rule, prediction), ' ') || ' END' AS leaf_price
  FROM fin_tree_rules('price_tree') \gset
SELECT count(*) AS applicants,
       count(*) FILTER (WHERE fin_predict('price_tree', a) <> (:leaf_price)) AS prediction_differs
  FROM applications a;
-- Boosted trees fit gradients: no event rate; an ensemble's leaf is no prediction on its own.
SELECT count(*) AS leaves, sum(rows) = (SELECT train_rows FROM finml.models WHERE name = 'credit_gbdt') AS rows_add_up,
       bool_and(event_rate IS NULL) AS no_event_rate, bool_and(prediction IS NULL) AS no_prediction
  FROM fin_tree_rules('credit_gbdt', 20);
SELECT count(*) > 1 AS leaves, bool_and(event_rate BETWEEN 0 AND 1) AS event_rates,
       bool_and(prediction IS NULL) AS no_prediction
  FROM fin_tree_rules('credit_forest', 10);

-- fin_model_sql: every tree model as one SQL expression, equal to fin_predict on every row.
SELECT fin_model_sql('credit_gbdt') AS gbdt_sql, fin_model_sql('credit_forest') AS forest_sql,
       fin_model_sql('credit_tree') AS tree_sql, fin_model_sql('price_gbdt') AS price_sql \gset
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(fin_predict('credit_gbdt', a) - (:gbdt_sql)) > 1e-12) AS gbdt_differ,
       count(*) FILTER (WHERE abs(fin_predict('credit_forest', a) - (:forest_sql)) > 1e-12) AS forest_differ,
       count(*) FILTER (WHERE abs(fin_predict('credit_tree', a) - (:tree_sql)) > 1e-12) AS tree_differ,
       count(*) FILTER (WHERE abs(fin_predict('price_gbdt', a) - (:price_sql)) > 1e-12) AS price_differ
  FROM applications a;

-- A monotone constraint: with "monotone": {"income": -1} the probability of default never
-- rises with income, for every applicant over a grid of incomes (and it does fall).
SELECT model FROM fin_train('income_down', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "n_trees": 20, "monotone": {"income": -1}}');
SELECT count(DISTINCT id) AS applicants, count(*) AS predictions,
       count(*) FILTER (WHERE p > previous) AS rises, count(*) FILTER (WHERE p < previous) > 0 AS falls
  FROM (SELECT id, p, lag(p) OVER (PARTITION BY id ORDER BY income) AS previous
          FROM (SELECT a.id, g.income,
                       fin_predict('income_down', jsonb_populate_record(a, jsonb_build_object('income', g.income))) AS p
                  FROM applications a, generate_series(0, 1000, 50) AS g(income)) s) t;

-- Reason codes for one declined applicant (the lowest score on the scorecard) under every
-- supervised algorithm: a scorecard's points lost against the best bins; another model's
-- features that raised its log-odds most, in points at 20 points to double the odds.
SELECT id AS declined FROM applications a ORDER BY fin_score('credit_card', a), id LIMIT 1 \gset
SELECT m.model, r.*
  FROM (VALUES (1, 'credit_card'), (2, 'credit_risk'), (3, 'credit_gbdt'), (4, 'credit_forest'),
               (5, 'credit_tree')) m(k, model),
       fin_reason_codes(m.model, (SELECT a FROM applications a WHERE id = :declined)) r
 ORDER BY m.k, r.rank;
-- (A network's reasons, integrated gradients, are checked against fin_explain below; its
-- contributions after two epochs may round to 0 points.)
SELECT rank, points IS NULL AS no_points, points_lost >= 0 AS points_lost
  FROM fin_reason_codes('tiny_mlp', (SELECT a FROM applications a WHERE id = :declined), 2);
-- A regression's reasons raise the predicted value: no points.
SELECT rank, feature, points, points_lost
  FROM fin_reason_codes('price_gbdt', (SELECT a FROM applications a WHERE id = :declined), 2);
-- They are fin_explain's largest positive contributions, for every twentieth applicant, with
-- 'average' (the default for these models) as the baseline.
SELECT m.model, count(*) AS applicants, count(*) FILTER (WHERE r.reasons IS DISTINCT FROM e.reasons) AS differ
  FROM (VALUES ('credit_risk'), ('tiny_mlp'), ('credit_gbdt'), ('credit_forest'), ('credit_tree')) m(model),
       (SELECT * FROM applications WHERE id % 20 = 0) a,
       LATERAL (SELECT array_agg(feature || ' ' || points_lost ORDER BY rank) AS reasons
                  FROM fin_reason_codes(m.model, a, 3, 'average')) r,
       LATERAL (SELECT array_agg(feature || ' ' || round((contribution * 20 / ln(2))::numeric)
                                 ORDER BY contribution DESC) AS reasons
                  FROM (SELECT feature, contribution FROM fin_explain(m.model, a, 100)
                         WHERE feature <> '(baseline)' AND contribution > 0
                         ORDER BY contribution DESC LIMIT 3) c) e
 GROUP BY m.model ORDER BY m.model;
-- A scorecard's default baseline is still 'best'.
SELECT count(*) AS applicants,
       count(*) FILTER (WHERE ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text
                        IS DISTINCT FROM ARRAY(SELECT r FROM fin_reason_codes('credit_card', a, 4, 'best') r)::text) AS differ
  FROM applications a WHERE id % 10 = 0;
SELECT p.proname, pg_get_function_arguments(p.oid) AS args, p.proisstrict, p.proparallel
  FROM pg_proc p WHERE p.proname IN ('fin_reason_codes', 'fin_tree_rules', 'fin_score_row') ORDER BY 1;

-- fin_score_table with reasons for a gbdt: the reasons column holds fin_reason_codes' features.
SELECT fin_score_table('credit_gbdt', 'applications', 'gbdt_scores', '{"reasons": 3, "cutoff": 0.5}') AS written;
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_name = 'gbdt_scores' ORDER BY ordinal_position;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.probability <> fin_predict('credit_gbdt', a)) AS probability_differs,
       count(*) FILTER (WHERE s.reasons IS DISTINCT FROM
                        (SELECT coalesce(array_agg(r.feature ORDER BY r.rank), '{}')
                           FROM fin_reason_codes('credit_gbdt', a, 3) r)) AS reasons_differ,
       count(*) FILTER (WHERE s.decision <> CASE WHEN s.probability >= 0.5 THEN 'bad' ELSE 'good' END) AS decision_differs
  FROM gbdt_scores s JOIN applications a USING (id);
-- By default a model without points writes no reasons (explaining every row costs time); a
-- scorecard writes 4. fin_score_row's default is the same.
SELECT fin_score_table('credit_gbdt', 'applications', 'gbdt_plain') AS written;
SELECT column_name FROM information_schema.columns WHERE table_name = 'gbdt_plain' ORDER BY ordinal_position;
SELECT (fin_score_row('credit_gbdt', a)).reasons AS gbdt_default,
       (fin_score_row('credit_gbdt', a, 2)).reasons AS gbdt_two,
       cardinality((fin_score_row('credit_card', a)).reasons) AS card_default
  FROM applications a WHERE id = :declined;

-- Errors.
\set VERBOSITY default
-- Options of gbdt: an unknown key, a category constrained, a single leaf, no learning.
SELECT * FROM fin_train('bad_trees', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "n_leaves": 8}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_trees', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "monotone": {"home": 1}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_trees', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "num_leaves": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_trees', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "learning_rate": 0}');
\echo :LAST_ERROR_SQLSTATE
-- fin_tree_rules of a model without trees, and of a tree it does not have.
SELECT * FROM fin_tree_rules('credit_risk');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tree_rules('credit_gbdt', 99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tree_rules('credit_tree', 0);
\echo :LAST_ERROR_SQLSTATE
-- A role the owner has not granted the model may not read its trees (42501).
CREATE ROLE trees_clerk NOLOGIN;
SET ROLE trees_clerk;
SELECT * FROM fin_tree_rules('credit_tree');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Reason codes: 'best' is a scorecard's baseline; a model trained without a target has no
-- reasons; NULL arguments.
SELECT * FROM fin_reason_codes('credit_gbdt', (SELECT a FROM applications a WHERE id = :declined), 4, 'best');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reason_codes('credit_gbdt', (SELECT a FROM applications a WHERE id = :declined), 4, 'worst');
\echo :LAST_ERROR_SQLSTATE
SELECT model FROM fin_train('segments', 'applications', NULL, 'kmeans',
       options => '{"k": 3, "exclude": ["id", "status"]}');
SELECT * FROM fin_reason_codes('segments', (SELECT a FROM applications a WHERE id = :declined));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('segments', 'applications', 'segment_scores', '{"reasons": 2}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reason_codes(NULL, (SELECT a FROM applications a WHERE id = :declined));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reason_codes('credit_gbdt', (SELECT a FROM applications a WHERE id = :declined), NULL);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
