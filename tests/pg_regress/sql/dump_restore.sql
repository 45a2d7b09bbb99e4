-- Models are data: pg_dump / pg_restore into a fresh database keeps every version and the
-- deployments, and the restored models predict the same numbers.
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_risk_versions.sql
\i include/credit_card.sql
-- An analyst's model on a table granted to it, and a grant of the scorecard: owners and
-- grants are catalog data to carry over too.
CREATE ROLE finml_analyst NOLOGIN;
CREATE TABLE open_loans AS SELECT * FROM applications;
GRANT SELECT ON open_loans TO finml_analyst;
SELECT fin_grant('credit_card', 'finml_analyst');
SET ROLE finml_analyst;
SELECT version FROM fin_train('analyst_model', 'open_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
RESET ROLE;
-- A searched version's trials (fin_tune) are catalog data too.
SELECT count(*) AS trials FROM fin_tune('tuned', 'applications', 'status', 'logistic',
       '{"l2": [0.1, 1]}', options => '{"positive": "bad", "exclude": ["id"]}');
-- Unsupervised models (format 5, no target) are catalog data like the others.
SELECT task FROM fin_train('segments', 'applications', NULL, 'kmeans',
                           options => '{"exclude": ["id", "status"], "k": 3}');
SELECT task FROM fin_train('outliers', 'applications', NULL, 'isolation_forest',
                           options => '{"exclude": ["id", "status"]}');
CREATE TABLE predictions_before AS
  SELECT id, fin_predict('credit_risk', a) AS p, fin_predict('credit_risk@1', a) AS p_v1,
         fin_cluster('segments', a) AS cluster, fin_anomaly_score('outliers', a) AS anomaly,
         fin_score('credit_card', a) AS score,
         ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text AS reasons
    FROM applications a;
SELECT count(*) AS versions, count(*) FILTER (WHERE deployed) AS deployed FROM finml.models;
-- Owners, grants, the deployment history and the audit log are catalog data too.
CREATE TABLE catalog_before AS
  SELECT (SELECT count(*) FROM finml.model_owners) AS owners,
         (SELECT count(*) FROM finml.model_grants) AS grants,
         (SELECT count(*) FROM finml.deployment_history) AS history,
         (SELECT count(*) FROM finml.event_log) AS events,
         (SELECT string_agg(seq || ':' || encode(hash, 'hex'), ',' ORDER BY seq) FROM finml.event_log) AS ledger,
         (SELECT array_agg(t ORDER BY t.trial)::text FROM finml.trials t) AS trials,
         (SELECT string_agg(owner::text, ',' ORDER BY name) FROM finml.model_owners) AS owner_list;
\! pg_dump -Fc -d finml_regress -f "$FINML_WORK/finml_regress.dump"
\! createdb finml_restored && pg_restore -d finml_restored "$FINML_WORK/finml_regress.dump" && echo restored
\c finml_restored
SELECT count(*) AS versions, count(*) FILTER (WHERE deployed) AS deployed FROM finml.models;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('credit_risk', a) IS DISTINCT FROM b.p) AS different,
       count(*) FILTER (WHERE fin_predict('credit_risk@1', a) IS DISTINCT FROM b.p_v1) AS different_v1,
       count(*) FILTER (WHERE fin_score('credit_card', a) IS DISTINCT FROM b.score) AS different_scores,
       count(*) FILTER (WHERE fin_cluster('segments', a) IS DISTINCT FROM b.cluster) AS different_clusters,
       count(*) FILTER (WHERE fin_anomaly_score('outliers', a) IS DISTINCT FROM b.anomaly) AS different_anomaly_scores,
       count(*) FILTER (WHERE ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text
                              IS DISTINCT FROM b.reasons) AS different_reasons
  FROM applications a JOIN predictions_before b USING (id);
SELECT (SELECT count(*) FROM finml.model_owners) = owners AS same_owners,
       (SELECT count(*) FROM finml.model_grants) = grants AS same_grants,
       (SELECT count(*) FROM finml.deployment_history) = history AS same_history,
       (SELECT count(*) FROM finml.event_log) = events AS same_events,
       (SELECT string_agg(seq || ':' || encode(hash, 'hex'), ',' ORDER BY seq) FROM finml.event_log) = ledger AS same_ledger,
       fin_verify_log() IS NULL AS ledger_verifies,
       (SELECT array_agg(t ORDER BY t.trial)::text FROM finml.trials t) = trials AS same_trials,
       (SELECT string_agg(owner::text, ',' ORDER BY name) FROM finml.model_owners) = owner_list AS same_owner_list
  FROM catalog_before;
-- The restored deployment history still rolls back; the analyst still owns its model.
SELECT version, previous_version FROM fin_rollback('credit_risk');
SET ROLE finml_analyst;
SELECT round(fin_predict('analyst_model', o)::numeric, 6) AS p FROM open_loans o ORDER BY id LIMIT 1;
SELECT fin_predict('credit_risk', o) FROM open_loans o ORDER BY id LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Training continues the version numbering after a restore, and the ledger after its last event.
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT count(*) = max(seq) AND count(*) > (SELECT events FROM catalog_before) AS ledger_continues,
       fin_verify_log() AS first_break
  FROM finml.event_log;
-- Dropping and re-creating the extension in this same session (the model cache and the
-- catalog's oid are per backend) starts afresh without errors.
DROP EXTENSION finml;
CREATE EXTENSION finml;
SELECT count(*) AS versions FROM finml.models;
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              features => ARRAY['seniority'], options => '{"positive": "bad"}');
SELECT round(fin_predict('credit_risk', a)::numeric, 6) AS p FROM applications a WHERE id = 3;
\c finml_regress
DROP DATABASE finml_restored;
\i include/cleanup.sql
DROP ROLE finml_analyst;
