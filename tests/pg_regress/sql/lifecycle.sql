-- The model lifecycle: versions, pinned versions, deploy, rollback, drop, retrain with a
-- deploy policy, export and import.
-- Stands alone: it commits (other sessions, databases), and cleans up at its end.
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_risk_versions.sql
\i include/credit_card.sql
SELECT version FROM fin_train('life', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT version FROM fin_train('life', 'applications', 'status',
                              features => ARRAY['seniority', 'income'], options => '{"positive": "bad"}');
SELECT version FROM fin_train('life', 'applications', 'status',
                              features => ARRAY['seniority', 'income', 'records'],
                              options => '{"positive": "bad", "deploy": "never"}');
SELECT name, version, deployed, owner, requested_features FROM finml.models WHERE name = 'life';

-- 'name@N' pins a version whatever is deployed; 'name' follows the deployment.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('life', a) = fin_predict('life@2', a)) AS deployed_is_v2,
       count(*) FILTER (WHERE fin_predict('life@1', a) <> fin_predict('life@2', a)) AS v1_differs,
       count(*) FILTER (WHERE fin_predict('life@3', a) <> fin_predict('life@2', a)) AS v3_differs
  FROM applications a;
SELECT (SELECT count(*) FROM fin_coefficients('life@1')) AS v1_terms,
       (SELECT count(*) FROM fin_coefficients('life@3')) AS v3_terms;
SELECT fin_predict('life@', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('life@x', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('life@0', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('life@9', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE

-- Deploy and roll back: each rollback returns to the version deployed before, until none is left.
SELECT * FROM fin_deploy('life', 3);
SELECT version FROM finml.models WHERE name = 'life' AND deployed;
SELECT count(*) FILTER (WHERE fin_predict('life', a) <> fin_predict('life@3', a)) AS differ_from_v3
  FROM applications a;
SELECT * FROM fin_rollback('life');
SELECT * FROM fin_rollback('life');
SELECT * FROM fin_rollback('life');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_deploy('life', 1);
SELECT * FROM fin_deploy('life', 9);
\echo :LAST_ERROR_SQLSTATE
-- A rolled-back deploy changes nothing.
BEGIN;
SELECT version FROM fin_deploy('life', 2);
SELECT count(*) FILTER (WHERE fin_predict('life', a) = fin_predict('life@2', a)) AS inside_uses_v2
  FROM applications a;
ROLLBACK;
SELECT version FROM finml.models WHERE name = 'life' AND deployed;

-- Drop: never the deployed version; a dropped version's number is never given again, and
-- rollback skips it.
SELECT fin_drop_model('life', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('life', 3);
SELECT fin_predict('life@3', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('life', 'applications', 'status',
                              features => ARRAY['seniority'], options => '{"positive": "bad", "deploy": false}');
SELECT version FROM fin_deploy('life', 2);
SELECT version FROM fin_deploy('life', 4);
SELECT fin_drop_model('life', 2);
SELECT version, previous_version FROM fin_rollback('life');
SELECT array_agg(version ORDER BY version) AS versions FROM finml.models WHERE name = 'life';
-- Dropping the model drops every version, its deployment, history and grants.
SELECT fin_drop_model('life');
SELECT count(*) AS versions_left FROM finml.models WHERE name = 'life';
SELECT fin_predict('life', a) FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('life');
\echo :LAST_ERROR_SQLSTATE
SELECT action, version, outcome, detail FROM finml.events WHERE model = 'life' ORDER BY at;
-- A model with no deployed version: nothing to roll back (55000) or export by default (42704).
SELECT version FROM fin_train('staged', 'applications', 'status', features => ARRAY['seniority'],
                              options => '{"positive": "bad", "deploy": "never"}');
SELECT * FROM fin_rollback('staged');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('staged');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('staged', 1)->>'version' AS exported_version;
SELECT fin_drop_model('staged');
-- NULL where a model is needed: 22004 (functions with optional arguments are not STRICT).
SELECT fin_drop_model(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_retrain(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train(NULL, 'applications', 'status');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('life', 'applications', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('life', 'applications', 'status', algorithm => NULL);
\echo :LAST_ERROR_SQLSTATE
-- STRICT ones return NULL.
SELECT fin_import('life', NULL) IS NULL AS null_import, (SELECT count(*) FROM fin_deploy(NULL, 1)) AS deploy_rows;

-- fin_retrain trains the deployed version's specification on the relation's current rows.
CREATE TABLE nightly_loans AS SELECT * FROM applications;
ALTER TABLE nightly_loans ADD PRIMARY KEY (id);
SELECT version, test_rows FROM fin_train('nightly', 'nightly_loans', 'status',
                                         options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3}');
-- Same rows, same specification: the same AUC on the same test rows, so if_better (the
-- default) deploys it, and it predicts exactly as version 1.
SELECT model, version, deployed, policy, metric, round(new_value::numeric, 4) AS new_value,
       deployed_version, round(deployed_value::numeric, 4) AS deployed_value, reason
  FROM fin_retrain('nightly');
SELECT count(*) FILTER (WHERE fin_predict('nightly@1', a) <> fin_predict('nightly@2', a)) AS differ
  FROM nightly_loans a;
-- Most rows are gone: the new version learns from 84 rows and overfits; measured on the same
-- 36 test rows as version 2 (trained on 3117 rows), its AUC is lower, so version 2 stays deployed.
DELETE FROM nightly_loans WHERE id > 120;
SELECT version, deployed, round(new_value::numeric, 4) AS new_value, deployed_version,
       round(deployed_value::numeric, 4) AS deployed_value, new_value < deployed_value AS worse, reason
  FROM fin_retrain('nightly');
SELECT version FROM finml.models WHERE name = 'nightly' AND deployed;
-- Options given to fin_retrain override the stored ones: a tolerance of 0.5 AUC lets it pass;
-- "always" and "never" do not look at metrics.
SELECT version, deployed, reason LIKE '%within tolerance 0.5' AS within_tolerance
  FROM fin_retrain('nightly', '{"deploy_tolerance": 0.5}');
SELECT version, deployed, policy, reason FROM fin_retrain('nightly', '{"deploy": "never"}');
SELECT version, deployed, policy, reason FROM fin_retrain('nightly', '{"deploy": "always"}');
SELECT * FROM fin_retrain('nightly', '{"deploy": "sometimes"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_retrain('nightly', '{"deploy_tolerance": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_retrain('nightly', '[1]');
\echo :LAST_ERROR_SQLSTATE
-- fin_train takes the same policy: a challenger on one feature (age) is measured against the
-- deployed version (all features) on the same test rows, and loses.
SELECT version FROM fin_train('nightly', 'nightly_loans', 'status', features => ARRAY['age'],
                              options => '{"positive": "bad", "test_size": 0.3, "deploy": "if_better"}');
-- Regression models are compared on RMSE (lower is better).
SELECT version, task FROM fin_train('nightly_amount', 'nightly_loans', 'amount',
                                    features => ARRAY['seniority', 'income', 'price']);
SELECT version, deployed, metric, new_value = deployed_value AS same_rmse
  FROM fin_retrain('nightly_amount');

-- A failing retrain leaves the deployed version untouched; the error reaches the caller
-- unchanged and stays in finml.events although its transaction rolled back.
SELECT version AS deployed_before FROM finml.models WHERE name = 'nightly' AND deployed;
ALTER TABLE nightly_loans RENAME COLUMN status TO outcome;
SELECT * FROM fin_retrain('nightly');
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SELECT * FROM fin_retrain('nightly');
ROLLBACK;
ALTER TABLE nightly_loans RENAME COLUMN outcome TO status;
DROP TABLE nightly_loans;
SELECT * FROM fin_retrain('nightly');
\echo :LAST_ERROR_SQLSTATE
SELECT version AS deployed_after FROM finml.models WHERE name = 'nightly' AND deployed;
SELECT action, version, outcome, detail FROM finml.events
 WHERE model = 'nightly' AND action = 'retrain' ORDER BY at;
SELECT * FROM fin_retrain('no_such_model');
\echo :LAST_ERROR_SQLSTATE

-- Export / import: a document with the model, its preprocessing, the catalog's metadata and a
-- format version; imported into another database it predicts identical numbers.
SELECT doc->>'format' AS format, doc->>'format_version' AS format_version,
       doc->>'model_format_version' AS model_format_version, doc->>'name' AS name,
       doc->>'version' AS version, doc->>'algorithm' AS algorithm, doc->>'target' AS target,
       jsonb_array_length(doc->'features') AS features, length(doc->>'model_sha256') AS sha_chars
  FROM (SELECT fin_export('credit_risk') AS doc) e;
SELECT fin_export('credit_card', 1)->>'model_format_version' AS scorecard_model_format;
SELECT fin_export('credit_risk', 999);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('credit_risk') AS risk_doc, fin_export('credit_card') AS card_doc \gset
\getenv work FINML_WORK
\set predictions_file :work '/predictions_before_export.csv'
\set copy_cmd '\\copy (SELECT id, fin_predict(''credit_risk'', a)::text, fin_score(''credit_card'', a), fin_predict(''credit_card'', a)::text FROM applications a ORDER BY id) TO ' :'predictions_file' ' WITH (FORMAT csv)'
:copy_cmd
CREATE DATABASE finml_import;
\c finml_import
CREATE EXTENSION finml;
\i data/load_credit.sql
SELECT fin_import('imported_risk', :'risk_doc') AS version;
SELECT fin_import('imported_card', :'card_doc') AS version;
SELECT name, version, deployed, algorithm, trained_by, imported->>'from' AS imported_from,
       imported->>'database' AS from_database
  FROM finml.models ORDER BY name;
CREATE TABLE predictions_source (id int, p text, score int, p_card text);
\set copy_cmd '\\copy predictions_source FROM ' :'predictions_file' ' WITH (FORMAT csv)'
:copy_cmd
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('imported_risk', a)::text IS DISTINCT FROM s.p) AS different_p,
       count(*) FILTER (WHERE fin_score('imported_card', a) IS DISTINCT FROM s.score) AS different_scores,
       count(*) FILTER (WHERE fin_predict('imported_card', a)::text IS DISTINCT FROM s.p_card) AS different_p_card
  FROM applications a JOIN predictions_source s USING (id);
-- Importing again adds a version; deploy => false stores without deploying.
SELECT fin_import('imported_risk', :'risk_doc', deploy => false) AS version;
SELECT version, deployed FROM finml.models WHERE name = 'imported_risk' ORDER BY version;
-- Damaged or foreign documents are refused: checksum XX001, metadata 22000, newer format 0A000.
SELECT fin_import('bad', jsonb_set(:'risk_doc'::jsonb, '{model}',
                  to_jsonb(overlay(:'risk_doc'::jsonb->>'model' placing 'AAAA' from 41 for 4))));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('bad', :'risk_doc'::jsonb - 'target');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('bad', jsonb_set(:'risk_doc'::jsonb, '{format_version}', '2'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('bad', '{"format": "something else"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('bad', jsonb_set(:'risk_doc'::jsonb, '{model}', '"not base64!"'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('bad@2', :'risk_doc');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS bad_versions FROM finml.models WHERE name = 'bad';

-- Golden models exported by finml 0.2.0 (models/tests/golden) import and predict exactly
-- what they predicted then.
\set golden :work '/golden/'
\set file :golden 'credit_risk.json'
\set doc `cat :file`
SELECT fin_import('golden_risk', :'doc') AS version;
\set file :golden 'credit_card.json'
\set doc `cat :file`
SELECT fin_import('golden_card', :'doc') AS version;
\set file :golden 'loan_amount.json'
\set doc `cat :file`
SELECT fin_import('golden_amount', :'doc') AS version;
CREATE TABLE golden_expected (id int, credit_risk float8, credit_card_score int, credit_card float8,
                              loan_amount float8);
\set file :golden 'expected.csv'
\set copy_cmd '\\copy golden_expected FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('golden_risk', a) <> g.credit_risk) AS different_risk,
       count(*) FILTER (WHERE fin_score('golden_card', a) <> g.credit_card_score) AS different_scores,
       count(*) FILTER (WHERE fin_predict('golden_card', a) <> g.credit_card) AS different_card,
       count(*) FILTER (WHERE fin_predict('golden_amount', a) <> g.loan_amount) AS different_amount
  FROM applications a JOIN golden_expected g USING (id);
\c finml_regress
DROP DATABASE finml_import;
\i include/cleanup.sql
