-- Scheduled retraining with pg_cron (1.4 or later: Debian 12's postgresql-15-cron, or the one
-- make pg builds for 16, 17 and 18; the finest schedule is one minute; run_regress.sh preloads
-- it with cron.database_name = finml_regress).
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
CREATE EXTENSION pg_cron;
SELECT extversion ~ '^1\.([4-9]|[1-9][0-9])' AS pg_cron_1_4_or_later FROM pg_extension WHERE extname = 'pg_cron';
CREATE TABLE cron_loans AS SELECT * FROM applications;
ALTER TABLE cron_loans ADD PRIMARY KEY (id);
SELECT version FROM fin_train('cron_risk', 'cron_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
-- A second model whose retraining will fail: its relation loses the target column.
CREATE TABLE cron_broken AS SELECT * FROM applications;
SELECT version FROM fin_train('cron_broken', 'cron_broken', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
ALTER TABLE cron_broken DROP COLUMN status;
-- A third model, of a developer whose role is under four-eyes approval (the DBA's
-- ALTER ROLE ... SET): its scheduled retrain stores a pending version and deploys nothing.
SELECT current_user AS dba \gset
CREATE ROLE finml_validator NOLOGIN;
CREATE ROLE cron_dev LOGIN;
CREATE ROLE cron_validator LOGIN IN ROLE finml_validator;
GRANT SELECT ON cron_loans TO cron_dev;
SET ROLE cron_dev;
SELECT version FROM fin_train('cron_gated', 'cron_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
RESET ROLE;
ALTER ROLE cron_dev SET finml.require_approval = on;
-- The README's recipe, every minute instead of weekly.
SELECT cron.schedule('retrain cron_risk', '* * * * *', $$SELECT fin_retrain('cron_risk')$$) AS risk_job,
       cron.schedule('retrain cron_broken', '* * * * *', $$SELECT fin_retrain('cron_broken')$$) AS broken_job,
       cron.schedule_in_database('retrain cron_gated', '* * * * *', $$SELECT fin_retrain('cron_gated')$$,
                                 current_database(), 'cron_dev') AS gated_job
\gset
SELECT jobname, schedule, command, username FROM cron.job ORDER BY jobname;
-- Wait (at most 150 s) until pg_cron has run the three jobs once.
DO $$
BEGIN
  FOR i IN 1..150 LOOP
    EXIT WHEN (SELECT count(DISTINCT jobid) FROM cron.job_run_details
                WHERE status IN ('succeeded', 'failed')) = 3;
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT cron.unschedule(:risk_job) AND cron.unschedule(:broken_job) AND cron.unschedule(:gated_job)
       AS unscheduled;
-- What pg_cron recorded for each job's first run: the retrain succeeded; the broken one
-- failed with finml's error.
SELECT jobid = :risk_job AS risk_job, command, status, return_message, username,
       end_time > start_time AS finished
  FROM cron.job_run_details
 WHERE runid IN (SELECT min(runid) FROM cron.job_run_details GROUP BY jobid)
 ORDER BY jobid;
-- The catalog: a new version of cron_risk, deployed by the if_better policy (same data, same
-- test AUC); cron_broken keeps its deployed version 1 and no new version.
SELECT name, version, deployed, trained_by FROM finml.models
 WHERE name IN ('cron_risk', 'cron_broken') AND version <= 2 ORDER BY name, version;
-- finml's audit log has both outcomes, the failure although its transaction rolled back.
SELECT DISTINCT ON (model) model, action, version, outcome, detail FROM finml.events
 WHERE model IN ('cron_risk', 'cron_broken') AND action = 'retrain' ORDER BY model, at;
-- The gated model: version 2 is pending, version 1 still deployed; a validator's approval
-- deploys version 2 (its if_better policy chose it), and each step is an event.
SELECT name, version, deployed, approval, trained_by FROM finml.models
 WHERE name = 'cron_gated' AND version <= 2 ORDER BY version;
\c - cron_validator
SELECT * FROM fin_approve('cron_gated', 2, 'scheduled retrain reviewed');
\c - :dba
SELECT action, version, role, outcome FROM finml.events WHERE model = 'cron_gated' ORDER BY seq;
SELECT fin_drop_model('cron_gated');
REVOKE SELECT ON cron_loans FROM cron_dev;
DROP ROLE cron_dev;
DROP ROLE cron_validator;
DROP ROLE finml_validator;
-- pg_cron would refuse pg_restore into another database (dump_restore.sql): remove it.
DROP EXTENSION pg_cron;
\i include/cleanup.sql
