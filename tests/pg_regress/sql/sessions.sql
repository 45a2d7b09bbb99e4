-- The model cache: one catalog read per backend and model, not per row, and a new version
-- committed by another session is used by this session's next statement.
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_risk_versions.sql
-- A new session: the statistics checked below count only its own catalog reads.
\c
BEGIN;
SELECT count(fin_predict('credit_risk', a)) AS predictions FROM applications a;
-- scans of the catalog table during those predictions (within this transaction)
SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) <= 1 AS at_most_one_catalog_read
  FROM pg_stat_xact_user_tables WHERE relid = 'finml.model_versions'::regclass;
COMMIT;

SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_cached FROM applications a WHERE id = 3;
-- Another session trains and deploys a new version (seniority only) and commits.
\! psql -X -q -At -d finml_regress -c "SELECT version FROM fin_train('credit_risk', 'applications', 'status', features => ARRAY['seniority'], options => '{\"positive\": \"bad\"}')"
-- This session's next statement uses it: the same number the other session computes.
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_after_other_session FROM applications a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SELECT round(fin_predict('credit_risk', a)::numeric, 6) FROM applications a WHERE id = 3"
SELECT version FROM finml.models WHERE name = 'credit_risk' AND deployed;
-- A training rolled back in another session changes nothing here.
\! psql -X -q -At -d finml_regress -c "BEGIN; SELECT version FROM fin_train('credit_risk', 'applications', 'status', features => ARRAY['income'], options => '{\"positive\": \"bad\"}'); ROLLBACK;"
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_unchanged FROM applications a WHERE id = 3;

-- Two sessions training the same model at once get distinct, consecutive versions (the
-- superuser lifts finml.max_trainings_per_role for them, so that they do run at once).
\! export PGOPTIONS='-c finml.max_trainings_per_role=0'; psql -X -q -o /dev/null -d finml_regress -c "SELECT fin_train('race', 'applications', 'status', features => ARRAY['seniority'], options => '{\"positive\": \"bad\"}')" & psql -X -q -o /dev/null -d finml_regress -c "SELECT fin_train('race', 'applications', 'status', features => ARRAY['income'], options => '{\"positive\": \"bad\"}')" & wait
SELECT array_agg(version ORDER BY version) AS versions, count(*) FILTER (WHERE deployed) AS deployed
  FROM finml.models WHERE name = 'race';

-- A deploy, a rollback, a revoke and a drop committed in another session are each seen by
-- this session's next statement (a second, real connection: psql).
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_cached,
       fin_predict('race', a) BETWEEN 0 AND 1 AS race_cached
  FROM applications a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SELECT previous_version FROM fin_deploy('credit_risk', 1)"
SELECT fin_predict('credit_risk', a) = fin_predict('credit_risk@1', a) AS now_uses_version_1
  FROM applications a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SELECT version FROM fin_rollback('credit_risk')"
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p_after_rollback FROM applications a WHERE id = 3;
CREATE ROLE finml_viewer NOLOGIN;
GRANT SELECT ON applications TO finml_viewer;
SELECT fin_grant('race', 'finml_viewer');
SET ROLE finml_viewer;
SELECT fin_predict('race', a) BETWEEN 0 AND 1 AS viewer_predicts FROM applications a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SELECT fin_revoke('race', 'finml_viewer')"
SELECT fin_predict('race', a) FROM applications a WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\! psql -X -q -At -d finml_regress -c "SELECT fin_drop_model('race')"
SELECT fin_predict('race', a) FROM applications a WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE
\i include/cleanup.sql
DROP ROLE finml_viewer;
