-- Four-eyes approval (finml.require_approval, fin_approve, fin_reject), model cards
-- (fin_describe), the inventory (finml.inventory) and the report's model card. Each role logs
-- in as itself (\c): the developer is both the role that trained and the session's login
-- role, so one person cannot approve by SET ROLE.
-- Stands alone: it commits (roles, sessions), and cleans up at its end.
\i include/credit.sql
SELECT current_user AS dba \gset
-- The DBA's set-up, as the README shows it.
CREATE ROLE finml_validator NOLOGIN;
CREATE ROLE gov_dev LOGIN;            -- a developer who is also a validator (of others' models)
CREATE ROLE gov_val LOGIN;            -- a validator
CREATE ROLE gov_outsider LOGIN;       -- neither
GRANT finml_validator TO gov_dev, gov_val;
GRANT SELECT ON applications TO gov_dev;
ALTER ROLE gov_dev SET finml.require_approval = on;
SELECT name, context, boot_val FROM pg_settings
 WHERE name IN ('finml.require_approval', 'finml.validator_role', 'finml.allow_self_approval')
 ORDER BY name;

\c - gov_dev
SHOW finml.require_approval;
-- The developer cannot switch the control off (42501).
SET finml.require_approval = off;
\echo :LAST_ERROR_SQLSTATE
SET finml.validator_role = 'gov_dev';
\echo :LAST_ERROR_SQLSTATE
-- A training whose policy deploys (default always) stores its version as pending.
SELECT version FROM fin_train('gov_credit', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"], "seed": 1}');
SELECT version, deployed, approval, trained_by FROM finml.models WHERE name = 'gov_credit';
-- Deploying it by hand is refused (55000), and so is approving one's own version (42501),
-- though gov_dev is a validator.
SELECT * FROM fin_deploy('gov_credit', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_approve('gov_credit', 1, 'I checked it myself');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_grant('gov_credit', 'finml_validator');
-- The model card.
SELECT fin_describe('gov_credit', '{"purpose": "retail credit decisions", "risk_tier": 1,
                                    "owner_team": "retail risk", "limitations": "applicants 18-70",
                                    "data_source": "core banking"}');
SELECT fin_describe('gov_credit', '{"data_source": null, "validation_status": "in review"}');
SELECT fin_describe('gov_credit', '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('gov_credit', '{"purpose": ["a", "b"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('gov_credit', jsonb_build_object('notes', repeat('x', 70000)));
\echo :LAST_ERROR_SQLSTATE

\c - gov_outsider
-- A role outside finml_validator approves nothing (42501), and describes no model it does not
-- own (42501).
SELECT * FROM fin_approve('gov_credit', 1, 'looks fine');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('gov_credit', '{"risk_tier": 3}');
\echo :LAST_ERROR_SQLSTATE

\c - gov_val
-- A comment is required (22004 for NULL, 22023 for blank); an unknown version is 42704.
SELECT * FROM fin_approve('gov_credit', 1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_approve('gov_credit', 1, '  ');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_approve('gov_credit', 9, 'no such version');
\echo :LAST_ERROR_SQLSTATE
-- The approval deploys the pending version (its policy chose it).
SELECT * FROM fin_approve('gov_credit', 1, 'back-test and challenger reviewed, memo VAL-2026-14');
SELECT * FROM fin_approve('gov_credit', 1, 'again');

\c - gov_dev
-- A retrain under approval (if_better) stores a pending version and deploys nothing.
SELECT version, deployed, policy, deployed_version, reason ~ '^awaiting approval' AS awaiting
  FROM fin_retrain('gov_credit');
SELECT name, version, deployed, approval FROM finml.models WHERE name = 'gov_credit';

\c - gov_val
-- Rejected, it cannot be deployed (55000); approved after a rejection, it is not deployed on
-- approval (the rejection cleared the policy's choice), and its developer deploys it.
SELECT * FROM fin_reject('gov_credit', 2, 'drift in the sample: resubmit');
\c - gov_dev
SELECT * FROM fin_deploy('gov_credit', 2);
\echo :LAST_ERROR_SQLSTATE
\c - gov_val
SELECT * FROM fin_approve('gov_credit', 2, 'resubmitted sample reviewed');
\c - gov_dev
SELECT * FROM fin_deploy('gov_credit', 2);
-- A rollback returns to an approved version.
SELECT * FROM fin_rollback('gov_credit');
-- A version trained with deploy never is approved without being deployed.
SELECT version FROM fin_train('gov_credit', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"], "deploy": "never"}');
\c - gov_val
SELECT * FROM fin_approve('gov_credit', 3, 'approved for later use');
-- The inventory: the model risk officer's query.
SELECT model, owner, status, deployed_version, newest_version, pending_versions, version,
       trained_by, approval, approved_by, approved_at IS NOT NULL AS approved_at,
       last_monitored_at, risk_tier, validation_status
  FROM finml.inventory WHERE model = 'gov_credit';

\c - gov_dev
-- A pending version shows in the inventory; the report opens with the model card and the
-- version's approval.
SELECT version FROM fin_train('gov_credit', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT model, status, deployed_version, newest_version, pending_versions FROM finml.inventory;
SELECT position('<h2>Model card</h2>' IN r) < position('<h2>Model</h2>' IN r) AS card_first,
       r LIKE '%<th>Purpose</th><td>retail credit decisions</td>%' AS purpose,
       r LIKE '%<th>Risk tier</th><td>1</td>%' AS risk_tier,
       r LIKE '%<th>Approval of version 1</th><td>approved by gov_val at % UTC: back-test and challenger reviewed, memo VAL-2026-14</td>%' AS approval
  FROM fin_report('gov_credit@1') AS r;
SELECT fin_describe('gov_credit', '{"retired_at": "2026-12-31"}') ->> 'retired_at' AS retired_at;
SELECT model, status FROM finml.inventory;

\c - :dba
-- Every approval, rejection and refusal is an event; the refusals outlived their statements.
SELECT action, version, role, outcome, left(detail, 60) AS detail
  FROM finml.events WHERE model = 'gov_credit' ORDER BY seq;
SELECT fin_verify_log() AS first_break;
-- Superusers are refused their own versions too, unless a superuser allows self-approval.
SET finml.require_approval = on;
SELECT version FROM fin_train('gov_super', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT * FROM fin_approve('gov_super', 1, 'mine');
\echo :LAST_ERROR_SQLSTATE
SET finml.allow_self_approval = on;
SELECT status, deployed, deployed_version FROM fin_approve('gov_super', 1, 'test server');
SELECT outcome, detail FROM finml.events WHERE model = 'gov_super' AND action = 'approve';
-- An import under approval is pending too.
SELECT fin_import('gov_imported', fin_export('gov_credit', 1));
SELECT version, deployed, approval FROM finml.models WHERE name = 'gov_imported';
RESET finml.allow_self_approval;
RESET finml.require_approval;
-- Without the validator role, fin_approve says how to create it (42704).
SET finml.validator_role = 'no_such_validators';
SELECT * FROM fin_approve('gov_credit', 4, 'x');
\echo :LAST_ERROR_SQLSTATE
RESET finml.validator_role;
-- Without require_approval, deployments are not gated (unreviewed versions deploy).
SELECT version FROM fin_train('gov_open', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT version, deployed, approval FROM finml.models WHERE name = 'gov_open';
SELECT fin_drop_model(m) FROM unnest(ARRAY['gov_credit', 'gov_super', 'gov_imported', 'gov_open']) m;
SELECT count(*) AS approvals_left FROM finml.approvals;
SELECT count(*) AS cards_left FROM finml.model_cards;
REVOKE SELECT ON applications FROM gov_dev;
DROP ROLE gov_dev;
DROP ROLE gov_val;
DROP ROLE gov_outsider;
DROP ROLE finml_validator;
\i include/cleanup.sql
