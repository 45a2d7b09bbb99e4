-- fin_predict, row form: columns matched by name, on the training table and on any query
-- with the same column names.
-- Stands alone: it commits (a relation without a key written in the reading transaction
-- would be scanned in another order, and the models trained on it would differ in the last
-- digits), and cleans up at its end.
\i include/credit.sql
\i include/credit_risk.sql
\i include/targets.sql
SELECT id, round(fin_predict('credit_risk', a)::numeric, 6) AS p_bad
  FROM applications a ORDER BY id LIMIT 5;
SELECT round(avg(fin_predict('credit_risk', a))::numeric, 4) AS mean_p_bad,
       round(avg((status = 'bad')::int)::numeric, 4) AS bad_rate
  FROM applications a;
-- A query with the columns in another order and extra columns gives the same numbers.
SELECT bool_and(fin_predict('credit_risk', q) = fin_predict('credit_risk', a)) AS same
  FROM applications a
  JOIN LATERAL (SELECT a.price, a.amount, a.debt, a.assets, a.income, a.expenses, a.job,
                       a.records, a.marital, a.age, a.time, a.home, a.seniority,
                       'extra' AS note) q ON true;
-- NULLs are imputed; an unseen category is treated as the reference level, not an error.
CREATE TABLE new_applicants (LIKE applications);
INSERT INTO new_applicants VALUES
  (1, 'good', 9, 'rent', 60, 30, 'married', 'no', 'freelance', 73, 129, 0, 0, 800, 846),
  (2, 'good', 9, NULL, 60, 30, 'married', 'no', 'freelance', 73, NULL, NULL, NULL, 800, 846),
  (3, 'good', 9, 'rent', 60, 30, 'married', 'no', 'astronaut', 73, 129, 0, 0, 800, 846),
  (4, 'good', 9, 'rent', 60, 30, 'married', 'no', 'fixed', 73, 129, 0, 0, 800, 846);
SELECT id, round(fin_predict('credit_risk', n)::numeric, 6) AS p_bad FROM new_applicants n ORDER BY id;
-- (the unseen job 'astronaut' predicts like the reference job 'fixed')
SELECT fin_predict('credit_risk', n) IS NULL AS null_row_gives_null
  FROM (SELECT NULL::new_applicants AS n) s;
-- The row form agrees with the stored test metrics: AUC recomputed in SQL on all rows.
WITH scored AS (
  SELECT fin_predict('credit_risk', a) AS p, status = 'bad' AS y FROM applications a
), ranked AS (
  SELECT y, rank() OVER (ORDER BY p) AS r FROM scored
)
SELECT round(((sum(r) FILTER (WHERE y) - count(*) FILTER (WHERE y) * (count(*) FILTER (WHERE y) + 1) / 2.0)
       / (count(*) FILTER (WHERE y) * count(*) FILTER (WHERE NOT y)))::numeric, 2) AS auc_all_rows
  FROM ranked;

-- Array form, for models whose features are all numeric, in the model's feature order.
SELECT features FROM finml.models WHERE name = 'flag' AND deployed;
SELECT round(fin_predict('flag', ARRAY[9, 129]::float8[])::numeric, 6) AS p_array,
       round(fin_predict('flag', t)::numeric, 6) AS p_row
  FROM (SELECT 9 AS seniority, 129.0 AS income) t;
-- numeric[] and int[] literals resolve to the float8[] form; NULL elements are imputed
-- like NULL columns.
SELECT fin_predict('flag', ARRAY[9, 129]) = fin_predict('flag', ARRAY[9, 129]::float8[]) AS int_array,
       fin_predict('flag', ARRAY[9.0, 129.0]) = fin_predict('flag', ARRAY[9, 129]::float8[]) AS numeric_array;
SELECT fin_predict('flag', ARRAY[9, NULL]::float8[]) =
       fin_predict('flag', t) AS null_element_imputed
  FROM (SELECT 9 AS seniority, NULL::numeric AS income) t;
-- Regression predicts the value.
SELECT round(fin_predict('amount', t)::numeric, 2) > 0 AS positive_amount
  FROM (SELECT 5 AS seniority, 150 AS income) t;

-- Predict is PARALLEL SAFE, and works in parallel workers (each loads the model itself):
-- force every query through a worker and compare with the leader's numbers.
CREATE TABLE leader_predictions AS SELECT id, fin_predict('credit_risk', a) AS p FROM applications a;
-- PostgreSQL 16 renamed force_parallel_mode to debug_parallel_query.
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'debug_parallel_query'
            ELSE 'force_parallel_mode' END AS parallel_setting \gset
SET :parallel_setting = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SELECT count(*) AS rows, count(*) FILTER (WHERE fin_predict('credit_risk', a) IS DISTINCT FROM l.p) AS different
  FROM applications a JOIN leader_predictions l USING (id);
SELECT round(fin_predict('flag', ARRAY[9, 129]::float8[])::numeric, 6) AS p_array_in_worker;
RESET :parallel_setting;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;

-- Predict is STABLE, STRICT, PARALLEL SAFE; fin_train is VOLATILE.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p WHERE p.proname IN ('fin_predict', 'fin_train', 'fin_coefficients') ORDER BY 1, 2;
\i include/cleanup.sql
