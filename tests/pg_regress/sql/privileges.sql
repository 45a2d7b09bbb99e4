-- Training reads the relation with the caller's privileges (SECURITY INVOKER).
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
\i include/credit_card.sql
CREATE ROLE finml_analyst NOLOGIN;
CREATE TABLE secret_loans AS SELECT * FROM applications;
CREATE TABLE open_loans AS SELECT * FROM applications;
GRANT SELECT ON open_loans TO finml_analyst;
-- the scorecard's owner (the superuser running the suite) lets the analyst use it
SELECT fin_grant('credit_card', 'finml_analyst');
SET ROLE finml_analyst;
SELECT * FROM fin_train('stolen', 'secret_loans', 'status', options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('analyst_model', 'open_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT trained_by, owner FROM finml.models WHERE name = 'analyst_model';
SELECT round(fin_predict('analyst_model', o)::numeric, 6) AS p FROM open_loans o ORDER BY id LIMIT 1;
-- Monitoring reads the population with the caller's privileges too.
SELECT * FROM fin_psi('credit_card', 'secret_loans');
\echo :LAST_ERROR_SQLSTATE
SELECT feature, status FROM fin_psi('credit_card', 'open_loans') WHERE feature = '(score)';
RESET ROLE;
SELECT count(*) AS stolen_versions FROM finml.models WHERE name = 'stolen';

-- Models belong to the role that trained them. Three roles: alice owns a model, bob is
-- granted its use, carol is not.
CREATE ROLE alice NOLOGIN;
CREATE ROLE bob NOLOGIN;
CREATE ROLE carol NOLOGIN;
CREATE TABLE shared_loans AS SELECT * FROM applications;
GRANT SELECT ON shared_loans TO alice, bob, carol;
SET ROLE alice;
SELECT version FROM fin_train('alice_model', 'shared_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT version FROM fin_train('alice_model', 'shared_loans', 'status',
                              features => ARRAY['seniority', 'income'], options => '{"positive": "bad"}');
SELECT name, version, deployed, owner, trained_by FROM finml.models WHERE name = 'alice_model';
RESET ROLE;

-- carol may do nothing with it: not see it, predict, inspect, deploy, roll back, retrain,
-- drop, export, grant, nor train a version of it (42501 each).
SET ROLE carol;
SELECT count(*) AS visible_versions FROM finml.models WHERE name = 'alice_model';
SELECT fin_predict('alice_model', s) FROM shared_loans s WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('alice_model@1', s) FROM shared_loans s WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_coefficients('alice_model');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_deploy('alice_model', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_rollback('alice_model');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_retrain('alice_model');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('alice_model');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('alice_model') IS NOT NULL AS exported;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_grant('alice_model', 'carol');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('alice_model', 'shared_loans', 'status', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
-- The catalog tables are closed to direct reads and writes; ownership is public knowledge
-- (like pg_class), the models themselves are not.
SELECT count(*) FROM finml.model_versions;
\echo :LAST_ERROR_SQLSTATE
UPDATE finml.deployments SET version = 1 WHERE name = 'alice_model';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO finml.model_grants VALUES ('alice_model', 'carol', 'carol');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM finml.event_log;
\echo :LAST_ERROR_SQLSTATE
SELECT owner FROM finml.model_owners WHERE name = 'alice_model';
RESET ROLE;

-- alice lets bob use it: bob predicts (the deployed and a pinned version) and sees it, but
-- may not manage it.
SET ROLE alice;
SELECT fin_grant('alice_model', 'bob');
SELECT grantee, granted_by FROM finml.model_grants WHERE name = 'alice_model';
RESET ROLE;
SET ROLE bob;
SELECT round(fin_predict('alice_model', s)::numeric, 6) AS p,
       round(fin_predict('alice_model@1', s)::numeric, 6) AS p_v1
  FROM shared_loans s WHERE id = 1;
SELECT count(*) AS visible_versions FROM finml.models WHERE name = 'alice_model';
SELECT * FROM fin_deploy('alice_model', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_retrain('alice_model');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('alice_model', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('alice_model') IS NOT NULL AS exported;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_grant('alice_model', 'carol');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The owner manages it: deploy, roll back, retrain.
SET ROLE alice;
SELECT * FROM fin_deploy('alice_model', 1);
SELECT * FROM fin_rollback('alice_model');
SELECT version, deployed, policy FROM fin_retrain('alice_model', '{"deploy": "never"}');
RESET ROLE;

-- Revoking takes effect at bob's next statement (same backend: his cached model is dropped).
SET ROLE bob;
SELECT round(fin_predict('alice_model', s)::numeric, 6) AS p FROM shared_loans s WHERE id = 1;
RESET ROLE;
SET ROLE alice;
SELECT fin_revoke('alice_model', 'bob');
SELECT fin_revoke('alice_model', 'bob');
RESET ROLE;
SET ROLE bob;
SELECT fin_predict('alice_model', s) FROM shared_loans s WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- A grant to public lets every role use it; a member of alice's role manages it as alice does.
SET ROLE alice;
SELECT fin_grant('alice_model', 'public');
RESET ROLE;
SET ROLE carol;
SELECT round(fin_predict('alice_model', s)::numeric, 6) AS p FROM shared_loans s WHERE id = 1;
RESET ROLE;
GRANT alice TO carol;
SET ROLE carol;
SELECT version, previous_version FROM fin_deploy('alice_model', 1);
RESET ROLE;
REVOKE alice FROM carol;
SELECT fin_revoke('alice_model', 'public');
-- Errors: unknown role 42704, unknown model 42704.
SELECT fin_grant('alice_model', 'nobody_here');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_grant('no_such_model', 'bob');
\echo :LAST_ERROR_SQLSTATE

-- The superuser manages every model, and the audit log says who did what.
SELECT version, previous_version FROM fin_deploy('alice_model', 2);
SELECT role, action, version, outcome, detail FROM finml.events
 WHERE model = 'alice_model' ORDER BY at;
-- Each role sees the events of the models it manages and its own.
SET ROLE bob;
SELECT count(*) AS bob_sees FROM finml.events WHERE model = 'alice_model';
RESET ROLE;
SET ROLE alice;
SELECT count(*) AS alice_sees FROM finml.events WHERE model = 'alice_model';
RESET ROLE;

-- A role cannot make finml run its code: every statement finml runs (as the extension owner
-- or as the caller) has search_path = pg_catalog, so an operator planted ahead of pg_catalog
-- in the caller's search_path is never used (attacks.sql tries every entry point).
CREATE SCHEMA carol_tricks AUTHORIZATION carol;
SET ROLE carol;
CREATE TABLE carol_tricks.seen_as (role name);
GRANT INSERT ON carol_tricks.seen_as TO PUBLIC;
CREATE FUNCTION carol_tricks.text_eq(a text, b text) RETURNS boolean LANGUAGE sql AS
  $$ INSERT INTO carol_tricks.seen_as VALUES (current_user) RETURNING a OPERATOR(pg_catalog.=) b $$;
CREATE OPERATOR carol_tricks.= (LEFTARG = text, RIGHTARG = text, FUNCTION = carol_tricks.text_eq);
SET search_path = carol_tricks, pg_catalog, public;
SELECT version FROM fin_train('carol_model', 'shared_loans', 'status', features => ARRAY['seniority'],
                              options => '{"positive": "bad"}');
SELECT round(fin_predict('carol_model', s)::numeric, 6) AS p FROM shared_loans s WHERE id = 1;
SELECT version FROM fin_deploy('carol_model', 1);
SELECT fin_drop_model('carol_model');
RESET search_path;
SELECT role, count(*) > 0 AS ran FROM carol_tricks.seen_as GROUP BY role ORDER BY role;
RESET ROLE;
DROP SCHEMA carol_tricks CASCADE;
\i include/cleanup.sql
DROP ROLE finml_analyst, alice, bob, carol;
