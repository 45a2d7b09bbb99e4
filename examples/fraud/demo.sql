-- Card fraud (make example-fraud) on the generated transactions (generate.sql, README.md):
-- three ways to find 0.5% fraud, compared on the same 40,000 later transactions.
--   1. unsupervised: an isolation forest on the transactions, no labels at all;
--   2. supervised: an MLP with balanced class weights on every labelled training row;
--   3. semi-supervised: only 5% of the training rows labelled; self-training (as
--      scikit-learn's SelfTrainingClassifier) labels the rest it is sure of, round by round.
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS finml;
CREATE OR REPLACE VIEW tx_features AS
  SELECT id, amount_ratio, hour, category, card_present, abroad, distance_km,
         minutes_since_last, txns_last_hour
    FROM transactions;
CREATE OR REPLACE VIEW tx_train AS
  SELECT * FROM transactions WHERE id <= 160000;
CREATE OR REPLACE VIEW tx_train_unlabelled AS
  SELECT * FROM tx_features WHERE id <= 160000;
CREATE OR REPLACE VIEW tx_test AS
  SELECT * FROM transactions WHERE id > 160000;
-- The test rows with their outcome under the name the 5%-labelled models were trained on.
CREATE OR REPLACE VIEW tx_test_known AS
  SELECT id, amount_ratio, hour, category, card_present, abroad, distance_km,
         minutes_since_last, txns_last_hour, is_fraud AS fraud_known
    FROM transactions WHERE id > 160000;

\echo
\echo '== 1. isolation forest (target NULL): 100 trees of 256 rows, contamination 0.5%'
SELECT model, task, train_rows, round((metrics->>'threshold')::numeric, 4) AS threshold,
       round((metrics->>'flagged_share')::numeric, 4) AS flagged_share
  FROM fin_train('fraud_forest', 'tx_train_unlabelled', NULL, 'isolation_forest',
                 options => '{"exclude": ["id"], "contamination": 0.005, "seed": 42}');

\echo '== 2. MLP on all labels, balanced class weights'
SELECT model, task, train_rows, test_rows, round((metrics->>'average_precision')::numeric, 4) AS pr_auc_on_its_test_split
  FROM fin_train('fraud_mlp', 'tx_train', 'is_fraud', 'mlp',
                 options => '{"exclude": ["id", "customer_id", "amount", "fraud_known"],
                              "class_weight": "balanced", "hidden": [32, 16], "epochs": 10,
                              "seed": 42}');

\echo '== 3. only 5% labelled: the same MLP on the labelled rows, then with self-training'
SELECT model, train_rows, test_rows
  FROM fin_train('fraud_mlp_5pct', 'tx_train', 'fraud_known', 'mlp',
                 options => '{"exclude": ["id", "customer_id", "amount", "is_fraud"],
                              "hidden": [32, 16], "epochs": 10, "seed": 42}');
SELECT model, train_rows, test_rows
  FROM fin_train('fraud_self_training', 'tx_train', 'fraud_known', 'mlp',
                 options => '{"exclude": ["id", "customer_id", "amount", "is_fraud"],
                              "hidden": [32, 16], "epochs": 10, "seed": 42,
                              "semi_supervised": {"method": "self_training", "threshold": 0.9, "max_iter": 10}}');
\echo '   self-training rounds (finml.training_log)'
SELECT l.epoch AS round, l.rows_added FROM finml.training_log l
  JOIN finml.models m ON m.name = l.model AND m.version = l.version AND m.deployed
 WHERE l.model = 'fraud_self_training' ORDER BY l.epoch;

\echo '== the comparison, on the 40,000 later transactions (0.5% fraud)'
\echo '   PR-AUC: average precision, as scikit-learn''s average_precision_score, computed here in'
\echo '   SQL over each score; precision and recall among the 1% highest scores.'
CREATE TEMP TABLE scored AS
SELECT t.id, t.is_fraud, s.approach, s.labels, s.score
  FROM tx_test t
 CROSS JOIN LATERAL (VALUES
   ('isolation forest', 'none', fin_anomaly_score('fraud_forest', t)),
   ('MLP, class weights', 'all', fin_predict('fraud_mlp', t)),
   ('MLP', '5%', fin_predict('fraud_mlp_5pct', t)),
   ('MLP + self-training', '5%', fin_predict('fraud_self_training', t))
 ) AS s(approach, labels, score);
WITH by_score AS (
  SELECT approach, labels, score, count(*) AS n, count(*) FILTER (WHERE is_fraud) AS tp
    FROM scored GROUP BY approach, labels, score
), curve AS (
  SELECT approach, labels, tp,
         sum(tp) OVER w AS tp_above, sum(n) OVER w AS n_above,
         sum(tp) OVER (PARTITION BY approach) AS positives
    FROM by_score
  WINDOW w AS (PARTITION BY approach ORDER BY score DESC)
), ap AS (
  SELECT approach, labels, sum(tp::float8 / positives * tp_above / n_above) AS pr_auc
    FROM curve GROUP BY approach, labels
), top AS (
  SELECT approach, avg(is_fraud::int) AS precision_top_1pct,
         sum(is_fraud::int)::float8 / (SELECT count(*) FROM tx_test WHERE is_fraud) AS recall_top_1pct
    FROM (SELECT approach, is_fraud,
                 row_number() OVER (PARTITION BY approach ORDER BY score DESC, id) AS r
            FROM scored) ranked
   WHERE r <= (SELECT count(*) / 100 FROM tx_test)
   GROUP BY approach
)
SELECT approach, labels, round(pr_auc::numeric, 4) AS pr_auc,
       round(precision_top_1pct::numeric, 3) AS precision_top_1pct,
       round(recall_top_1pct::numeric, 3) AS recall_top_1pct
  FROM ap JOIN top USING (approach)
 ORDER BY pr_auc DESC;

\echo '== the same PR-AUC from fin_evaluate, for the models trained with labels'
SELECT m.approach, round(e.value::numeric, 4) AS average_precision
  FROM (VALUES ('MLP, class weights', 'fraud_mlp', 'tx_test'),
               ('MLP', 'fraud_mlp_5pct', 'tx_test_known'),
               ('MLP + self-training', 'fraud_self_training', 'tx_test_known')) AS m(approach, model, relation)
 CROSS JOIN LATERAL fin_evaluate(m.model, m.relation::regclass) e
 WHERE e.metric = 'average_precision';

\echo '== fin_threshold: the cutoff of least expected cost if a missed fraud costs 50 times a false alarm'
SELECT round(threshold::numeric, 4) AS threshold, true_positives, false_positives,
       false_negatives, round(total_cost::numeric, 1) AS total_cost
  FROM fin_threshold('fraud_mlp', 'tx_test', 1, 50);
