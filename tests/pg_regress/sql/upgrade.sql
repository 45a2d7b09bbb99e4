-- ALTER EXTENSION finml UPDATE from the released 0.1.0 (through 0.2.0) keeps every model, predicting exactly
-- what 0.1.0 predicted, and gives exactly the schema of a fresh install.
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
\getenv suite FINML_SUITE
\getenv work FINML_WORK
CREATE DATABASE finml_upgrade;
CREATE DATABASE finml_fresh;
\c finml_upgrade
CREATE EXTENSION finml VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'finml';
\i data/load_credit.sql
-- The catalog rows finml 0.1.0 wrote (tests/pg_regress/data/finml-0.1.0/README.md).
\set fixture :suite '/data/finml-0.1.0/'
\set file :fixture 'model_versions.csv'
\set copy_cmd '\\copy finml.model_versions FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
\set file :fixture 'deployments.csv'
\set copy_cmd '\\copy finml.deployments FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
CREATE TABLE expected_0_1_0 (id int, p float8, score int, p_card float8);
\set file :fixture 'expected.csv'
\set copy_cmd '\\copy expected_0_1_0 FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
-- Between installing the new library and updating the catalog, finml says what to do.
SELECT fin_predict('credit_risk', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('credit_risk', 'applications', 'status', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
-- Events logged before the ledger (0.12.0) are chained by the update, in the order of their time.
ALTER EXTENSION finml UPDATE TO '0.11.1';
INSERT INTO finml.event_log (at, role, action, model, version, outcome, detail) VALUES
  ('2024-03-01 10:00:00+00', 'alice', 'deploy', 'credit_risk', 1, 'ok', NULL),
  ('2024-01-15 09:30:00.123456+00', 'alice', 'train', 'credit_risk', 1, 'ok', 'trained by hand'),
  ('2024-02-01 08:00:00+00', 'bob', 'grant', 'credit_risk', NULL, 'ok', 'to carol');
ALTER EXTENSION finml UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'finml';
SELECT seq, action, role, length(hash) AS hash_bytes FROM finml.event_log ORDER BY seq;
SELECT fin_verify_log() AS first_break;
SELECT name, version, deployed, owner, trained_by, requested_features = features AS retrain_on_used_features
  FROM finml.models ORDER BY name, version;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('credit_risk', a) <> e.p) AS different_p,
       count(*) FILTER (WHERE fin_score('credit_card', a) <> e.score) AS different_scores,
       count(*) FILTER (WHERE fin_predict('credit_card', a) <> e.p_card) AS different_p_card
  FROM applications a JOIN expected_0_1_0 e USING (id);
-- Versions trained before 0.3.0 evaluate and report; explaining them needs a retrained
-- version, which says so (0A000).
SELECT metric, round(value::numeric, 4) AS value FROM fin_evaluate('credit_risk', 'applications')
 WHERE metric IN ('auc', 'rows');
SELECT actual, predicted, count FROM fin_confusion('credit_risk', 'applications');
SELECT fin_report('credit_risk') LIKE '%trained before finml 0.3.0 kept evaluation curves%' AS report_says_retrain;
\set VERBOSITY default
SELECT * FROM fin_explain('credit_risk', (SELECT a FROM applications a WHERE id = 1));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_importance('credit_risk');
\echo :LAST_ERROR_SQLSTATE
-- Versions trained before 0.5.0 have no training distributions: drift of a logistic model
-- asks for a retrained version (0A000); a scorecard's is measured on its bins as before.
SELECT * FROM fin_psi('credit_risk', 'applications');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS features, max(psi) < 0.01 AS stable FROM fin_psi('credit_card', 'applications');
-- The lifecycle works on the upgraded models: retraining continues the numbering, the
-- deployment history starts at the deployed version.
SELECT version, deployed, policy, deployed_version FROM fin_retrain('credit_risk');
SELECT version, previous_version FROM fin_deploy('credit_risk', 2);
SELECT version, previous_version FROM fin_rollback('credit_risk');
SELECT version, previous_version FROM fin_rollback('credit_risk');
SELECT version, deployed FROM fin_retrain('credit_card', '{"deploy": "never"}');
SELECT count(*) AS events, fin_verify_log() AS first_break FROM finml.event_log;
-- Versions stored before four-eyes approval (0.13.0) are 'unreviewed', those trained since too
-- (finml.require_approval is off).
SELECT approval, count(*) FROM finml.models GROUP BY approval;
\set upgraded_file :work '/schema_upgraded.txt'
\pset format unaligned
\pset tuples_only on
\o :upgraded_file
\i :suite/data/schema_fingerprint.sql
\o
\c finml_fresh
CREATE EXTENSION finml;
\set fresh_file :work '/schema_fresh.txt'
\pset format unaligned
\pset tuples_only on
\o :fresh_file
\i :suite/data/schema_fingerprint.sql
\o
\! diff -u "$FINML_WORK/schema_fresh.txt" "$FINML_WORK/schema_upgraded.txt" && echo "upgraded schema = fresh schema; objects compared:" && cut -d"|" -f1 "$FINML_WORK/schema_fresh.txt" | grep -E "^(function|relation|column|constraint|index|trigger|view|dumped|schema|comment)$" | sort | uniq -c
\c finml_regress
DROP DATABASE finml_upgrade;
DROP DATABASE finml_fresh;
\i include/cleanup.sql
