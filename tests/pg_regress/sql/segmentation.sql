-- Segmentation and anomaly detection without a target: k-means (fin_cluster, fin_clusters)
-- and the isolation forest (fin_anomaly_score). Agreement with scikit-learn's KMeans,
-- silhouette, Davies-Bouldin and IsolationForest is tested in models/tests/unsupervised.rs;
-- here: the SQL surface, that what fin_clusters reports is what the rows say (recomputed in
-- SQL), and every error.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\set VERBOSITY default
CREATE VIEW customers AS
  SELECT id, seniority, time, age, expenses, income, assets, debt, amount, price, home
    FROM applications;

-- k-means on the numeric columns and one category, k = 4, target NULL.
SELECT model, version, algorithm, task, train_rows, test_rows,
       (metrics->>'k')::float8::int AS k, (metrics->>'inertia')::float8 > 0 AS inertia_positive,
       (metrics->>'silhouette')::float8 BETWEEN -1 AND 1 AS silhouette_in_range,
       (metrics->>'davies_bouldin')::float8 > 0 AS davies_bouldin_positive
  FROM fin_train('segments', 'customers', NULL, 'kmeans',
                 options => '{"exclude": ["id"], "k": 4, "n_init": 5}');
SELECT name, version, algorithm, task, target IS NULL AS no_target FROM finml.models WHERE name = 'segments';

-- fin_cluster is fin_predict's cluster number, 1 to k; the clusters' sizes from the rows
-- equal the sizes fin_clusters kept at training.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_cluster('segments', c) <> fin_predict('segments', c)) AS differ,
       min(fin_cluster('segments', c)) AS first_cluster, max(fin_cluster('segments', c)) AS last_cluster
  FROM customers c;
WITH assigned AS (SELECT fin_cluster('segments', c) AS cluster, c.* FROM customers c),
     sizes AS (SELECT cluster, count(*) AS rows FROM assigned GROUP BY cluster),
     profile AS (SELECT DISTINCT cluster, rows, share FROM fin_clusters('segments'))
SELECT count(*) AS clusters,
       count(*) FILTER (WHERE s.rows = p.rows) AS same_size,
       count(*) FILTER (WHERE abs(p.share - s.rows::float8 / (SELECT count(*) FROM customers)) < 1e-12) AS same_share
  FROM sizes s JOIN profile p USING (cluster);
-- Each term once per cluster, ranked by |z|; a numeric feature's mean is the cluster's mean
-- of the column (age has no NULLs) and its z-score is against the whole population
-- (stddev_pop), recomputed here in SQL; a category level's mean is its share of the cluster.
SELECT count(*) AS terms, count(DISTINCT term) AS distinct_terms,
       bool_and(rank BETWEEN 1 AND 15) AS ranks_in_range
  FROM fin_clusters('segments');
SELECT bool_and(abs(z_score) >= coalesce(next_abs, 0)) AS ranked_by_abs_z
  FROM (SELECT z_score, lead(abs(z_score)) OVER (PARTITION BY cluster ORDER BY rank) AS next_abs
          FROM fin_clusters('segments')) r;
WITH assigned AS (SELECT fin_cluster('segments', c) AS cluster, c.* FROM customers c),
     population AS (SELECT avg(age)::float8 AS mean, stddev_pop(age)::float8 AS sd,
                           avg(coalesce(home = 'rent', false)::int)::float8 AS renters FROM customers),
     by_cluster AS (SELECT cluster, avg(age)::float8 AS age,
                           avg(coalesce(home = 'rent', false)::int)::float8 AS renters
                      FROM assigned GROUP BY cluster)
SELECT count(*) AS clusters,
       count(*) FILTER (WHERE abs(a.mean - b.age) < 1e-9) AS age_mean_equal,
       count(*) FILTER (WHERE abs(a.z_score - (b.age - p.mean) / p.sd) < 1e-9) AS age_z_equal,
       count(*) FILTER (WHERE abs(o.mean - b.renters) < 1e-12) AS renter_share_equal
  FROM by_cluster b CROSS JOIN population p
  JOIN fin_clusters('segments') a ON a.cluster = b.cluster AND a.term = 'age'
  JOIN fin_clusters('segments') o ON o.cluster = b.cluster AND o.term = 'home=rent';
-- The three terms that set each cluster apart.
SELECT cluster, string_agg(term || ' ' || CASE WHEN z_score > 0 THEN 'high' ELSE 'low' END, ', ' ORDER BY rank) AS apart
  FROM fin_clusters('segments') WHERE rank <= 3 GROUP BY cluster ORDER BY cluster;

-- k chosen by the best silhouette: each k's silhouette is kept in the metrics.
SELECT (SELECT count(*) FROM jsonb_object_keys(metrics) k WHERE k LIKE 'silhouette_k%') AS ks_tried,
       (metrics->>'silhouette')::float8 = (SELECT max(value::float8) FROM jsonb_each_text(metrics)
                                            WHERE key LIKE 'silhouette_k%') AS best_kept,
       (metrics->>('silhouette_k' || ((metrics->>'k')::float8::int)))::float8 = (metrics->>'silhouette')::float8 AS k_of_best
  FROM fin_train('segments_auto', 'customers', NULL, 'kmeans',
                 options => '{"exclude": ["id"], "k": [2, 5]}');

-- Isolation forest: fin_anomaly_score is fin_predict's score in [0, 1]; with contamination
-- 5% the training rows above the stored threshold are the stored flagged share.
SELECT task, metrics->>'n_trees' AS n_trees, metrics->>'sample_size' AS sample_size,
       round((metrics->>'flagged_share')::numeric, 3) AS flagged_share
  FROM fin_train('outliers', 'customers', NULL, 'isolation_forest',
                 options => '{"exclude": ["id"], "contamination": 0.05, "seed": 7}');
SELECT (metrics->>'threshold')::float8 AS threshold, (metrics->>'flagged_share')::float8 AS flagged
  FROM finml.models WHERE name = 'outliers' \gset
SELECT count(*) FILTER (WHERE fin_anomaly_score('outliers', c) <> fin_predict('outliers', c)) AS differ,
       bool_and(fin_anomaly_score('outliers', c) BETWEEN 0 AND 1) AS in_range,
       abs(count(*) FILTER (WHERE fin_anomaly_score('outliers', c) > :threshold)::float8 / count(*) - :flagged) < 1e-12 AS flagged_share_equal
  FROM customers c;
-- The most anomalous applicants are extreme in some column.
SELECT id, round(fin_anomaly_score('outliers', c)::numeric, 3) AS score
  FROM customers c ORDER BY fin_anomaly_score('outliers', c) DESC, id LIMIT 3;
-- A forest on categories only is fine.
SELECT task, train_rows FROM fin_train('odd_profiles', 'applications', NULL, 'isolation_forest',
                                       ARRAY['home', 'marital', 'job', 'records']);
SELECT count(DISTINCT round(fin_anomaly_score('odd_profiles', a)::numeric, 12)) > 1 AS scores_vary
  FROM applications a;

-- Batch scoring, export / import, retraining and the report work for the new algorithms.
SELECT fin_score_table('segments', 'customers', 'customer_segments', '{"key": ["id"]}');
SELECT count(*) AS rows, count(*) FILTER (WHERE s.cluster <> fin_cluster('segments', c)) AS differ
  FROM customer_segments s JOIN customers c USING (id);
SELECT fin_score_table('outliers', 'customers', 'customer_outliers', '{"key": ["id"]}');
SELECT count(*) FILTER (WHERE s.anomaly_score <> fin_anomaly_score('outliers', c)) AS differ
  FROM customer_outliers s JOIN customers c USING (id);
SELECT fin_import('segments_copy', fin_export('segments'));
SELECT fin_import('outliers_copy', fin_export('outliers'));
SELECT doc->>'target' IS NULL AS export_target_null, doc->>'model_format_version' AS model_format
  FROM (SELECT fin_export('segments') AS doc) e;
SELECT count(*) FILTER (WHERE fin_cluster('segments_copy', c) <> fin_cluster('segments', c)) AS clusters_differ,
       count(*) FILTER (WHERE fin_anomaly_score('outliers_copy', c) <> fin_anomaly_score('outliers', c)) AS scores_differ
  FROM customers c;
SELECT version, deployed FROM fin_retrain('segments');
SELECT count(*) FILTER (WHERE fin_cluster('segments', c) <> fin_cluster('segments@1', c)) AS differ_from_version_1
  FROM customers c;
SELECT fin_report('segments') LIKE '%Clusters%' AS has_clusters,
       fin_report('segments_auto') LIKE '%Silhouette by k%' AS has_silhouette_by_k,
       fin_report('segments') LIKE '%Principal components%' AS has_pca,
       fin_report('outliers') LIKE '%Forest%' AS has_forest;

-- Drift and monitoring watch them like any model (without outcomes): the same rows give a
-- PSI of 0 for every feature and for the output.
SELECT count(*) AS features, max(psi) AS largest_psi FROM fin_psi('segments', 'customers');
SELECT count(*) AS periods, sum(rows) AS rows, sum(labelled_rows) AS labelled,
       bool_and(auc IS NULL) AS no_auc, bool_and(psi >= 0) AS psi_measured
  FROM fin_monitor('outliers', 'customers', 'home');
SELECT fin_score_table('outliers', 'customers', 'flagged', '{"key": ["id"], "cutoff": 0.6}');
\echo :LAST_ERROR_SQLSTATE

-- Errors.
-- A target for an unsupervised algorithm, none for a supervised one.
SELECT * FROM fin_train('bad', 'customers', 'age', 'kmeans');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL);
\echo :LAST_ERROR_SQLSTATE
-- k < 2, k > rows, and every option range.
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"k": 1}');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW three_customers AS SELECT age, income FROM customers ORDER BY id LIMIT 3;
SELECT * FROM fin_train('bad', 'three_customers', NULL, 'kmeans', options => '{"k": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"k": [6, 3]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"k": "many"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"n_init": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"max_iter": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"tolerance": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"k": 3, "test_size": 0.2}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'kmeans', options => '{"k": 3, "deploy": "if_better"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'isolation_forest', options => '{"n_trees": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'isolation_forest', options => '{"sample_size": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'isolation_forest', options => '{"contamination": 0.7}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'customers', NULL, 'isolation_forest', options => '{"k": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', options => '{"positive": "bad", "task": "clustering"}');
\echo :LAST_ERROR_SQLSTATE
-- Nothing to train on (22000): an empty relation, one row for a forest.
CREATE VIEW no_customers AS SELECT age, income FROM customers WHERE false;
SELECT * FROM fin_train('bad', 'no_customers', NULL, 'kmeans', options => '{"k": 2}');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW one_customer AS SELECT age, income FROM customers ORDER BY id LIMIT 1;
SELECT * FROM fin_train('bad', 'one_customer', NULL, 'isolation_forest');
\echo :LAST_ERROR_SQLSTATE
-- The dense design is checked against finml.max_training_memory before it is built (54000):
-- 25,000 rows of three numbers take 0.8 MB as read, their design 0.6 MB more, over 1 MB.
CREATE TABLE numbers AS SELECT i::float8 AS a, (i % 7)::float8 AS b, sqrt(i) AS c
  FROM generate_series(1, 25000) i;
SET finml.max_training_memory = '1MB';
SELECT * FROM fin_train('bad', 'numbers', NULL, 'kmeans', options => '{"k": 2}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'numbers', NULL, 'isolation_forest');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
-- A function for another kind of model: 42809; no outcomes to evaluate: 42809; nothing to
-- explain or write as SQL: 0A000.
SELECT * FROM fin_train('credit_lr', 'applications', 'status', options => '{"positive": "bad", "exclude": ["id"]}') \gset
SELECT fin_cluster('credit_lr', a) FROM applications a LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_anomaly_score('segments', c) FROM customers c LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_clusters('outliers');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_evaluate('segments', 'customers');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_explain('segments', (SELECT c FROM customers c LIMIT 1));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_importance('outliers');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_model_sql('outliers');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_cluster('no_such_model', c) FROM customers c LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
