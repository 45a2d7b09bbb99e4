-- Customer segmentation (make example-segmentation): the credit example's 4,454 applicants
-- (examples/credit/credit_data.csv, loaded as "applications") treated as a bank's customers,
-- segmented by k-means on what the bank knows about them before any credit decision:
-- seniority, age, expenses, income, assets, debt, home and marital status. The outcome
-- (status) is not used.
\pset footer off
CREATE EXTENSION IF NOT EXISTS finml;
CREATE OR REPLACE VIEW customers AS
  SELECT id, seniority, age, expenses, income, assets, debt, home, marital FROM applications;

\echo
\echo '== fin_train: k-means, target NULL, k chosen by the best silhouette of k = 2..8'
SELECT model, version, algorithm, task, train_rows,
       (metrics->>'k')::float8::int AS k, round((metrics->>'silhouette')::numeric, 4) AS silhouette,
       round((metrics->>'davies_bouldin')::numeric, 4) AS davies_bouldin,
       round((metrics->>'inertia')::numeric, 1) AS inertia
  FROM fin_train('segments', 'customers', NULL, 'kmeans',
                 options => '{"exclude": ["id"], "k": [2, 8], "n_init": 5, "seed": 42}');

\echo '== silhouette per k (on at most 10,000 training rows)'
SELECT substr(key, 13)::int AS k, round(value::text::numeric, 4) AS silhouette
  FROM finml.models, jsonb_each(metrics)
 WHERE name = 'segments' AND deployed AND key LIKE 'silhouette_k%'
 ORDER BY 1;

\echo '== fin_clusters: size and the three terms that set each cluster apart (mean, z-score)'
SELECT cluster, rows, round((100 * share)::numeric, 1) AS pct,
       string_agg(format('%s %s (%s)', term, round(mean::numeric, 2),
                         to_char(z_score, 'SG0.00')), '; ' ORDER BY rank) AS sets_apart
  FROM fin_clusters('segments') WHERE rank <= 3
 GROUP BY cluster, rows, share ORDER BY cluster;

\echo '== every numeric feature per cluster, in its own units'
SELECT term, string_agg(format('%s: %s', cluster, round(mean::numeric, 1)), '   ' ORDER BY cluster)
         AS mean_by_cluster
  FROM fin_clusters('segments') WHERE term NOT LIKE '%=%'
 GROUP BY term ORDER BY term;

\echo '== fin_cluster on rows: each segment''s default rate (status was not a feature)'
SELECT fin_cluster('segments', c) AS cluster, count(*) AS customers,
       round(avg((a.status = 'bad')::int)::numeric, 3) AS default_rate
  FROM customers c JOIN applications a USING (id)
 GROUP BY 1 ORDER BY 1;

\echo '== fin_score_table: the segment of every customer, with the model version'
SELECT fin_score_table('segments', 'customers', 'customer_segments', '{"key": ["id"]}') AS rows_written;
SELECT cluster, count(*) FROM customer_segments GROUP BY cluster ORDER BY cluster;
DROP TABLE customer_segments;
