\echo Use "ALTER EXTENSION finml UPDATE TO '0.4.0'" to load this file. \quit
-- finml 0.3.1 -> 0.4.0 (the estimator seam, Newton's method for logistic regression, reads
-- without tuple copies). The catalog tables and the stored model format are unchanged: every
-- stored model predicts as before.
--
-- The per-row functions declare what a call costs, about a hundred operators: with
-- PostgreSQL's default of 1 the planner never finds a parallel scan worth its workers
-- (max_parallel_workers_per_gather), however large the table.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.4.0 install, costs included.

ALTER FUNCTION @extschema@.fin_predict(text, record) COST 100;
ALTER FUNCTION @extschema@.fin_predict(text, double precision[]) COST 100;
ALTER FUNCTION @extschema@.fin_score(text, record) COST 100;
