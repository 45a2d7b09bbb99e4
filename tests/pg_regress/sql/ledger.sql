-- The tamper-evident ledger of finml.event_log: every event sealed at commit with its place
-- (seq) and a SHA-256 chained over the previous event's hash (finml.event_hash, checked here
-- against the formula written out in SQL), fin_verify_log finding an edited, a re-hashed, a
-- deleted and a smuggled event, and the sealing trigger refusing any other use.
-- Stands alone: it commits (each event is sealed at its transaction's commit), and cleans up
-- at its end.
\i include/credit.sql
SELECT version FROM fin_train('ledger_model', 'applications', 'status', features => ARRAY['seniority', 'income'],
                              options => '{"positive": "bad"}');
SELECT version FROM fin_train('ledger_model', 'applications', 'status', features => ARRAY['seniority', 'income', 'debt'],
                              options => '{"positive": "bad", "deploy": "never"}');
SELECT version FROM fin_deploy('ledger_model', 2);
SELECT fin_grant('ledger_model', 'public');
-- A failed retrain is recorded by a background worker in its own transaction: sealed too.
CREATE TABLE ledger_gone AS SELECT * FROM applications;
SELECT version FROM fin_train('ledger_gone_model', 'ledger_gone', 'status', features => ARRAY['seniority'],
                              options => '{"positive": "bad"}');
DROP TABLE ledger_gone;
\set VERBOSITY terse
SELECT * FROM fin_retrain('ledger_gone_model');
\set VERBOSITY default
SELECT seq, action, model, version, outcome, length(hash) AS hash_bytes FROM finml.events ORDER BY seq;
SELECT count(*) = max(seq) AND min(seq) = 1 AS consecutive FROM finml.event_log;
SELECT fin_verify_log() AS first_break;

-- The hash by its formula: SHA-256 over the previous hash and each field as length:text.
SELECT e.hash = sha256(coalesce(p.hash, '') || convert_to(
         length(e.seq::text) || ':' || e.seq || '|' ||
         length(extract(epoch FROM e.at)::text) || ':' || extract(epoch FROM e.at) || '|' ||
         length(e.role) || ':' || e.role || '|' || length(e.action) || ':' || e.action || '|' ||
         length(e.model) || ':' || e.model || '|' ||
         coalesce(length(e.version::text) || ':' || e.version, '-') || '|' ||
         length(e.outcome) || ':' || e.outcome || '|' ||
         coalesce(length(e.detail) || ':' || e.detail, '-'), 'UTF8')) AS formula
  FROM finml.event_log e LEFT JOIN finml.event_log p ON p.seq = e.seq - 1
 ORDER BY e.seq;
-- No setting changes it.
SET TimeZone = 'Pacific/Chatham';
SET DateStyle = 'SQL, DMY';
SET extra_float_digits = -15;
SELECT fin_verify_log() AS first_break;
RESET TimeZone;
RESET DateStyle;
RESET extra_float_digits;

-- Tampering, as a superuser could (each rolled back).
BEGIN;
UPDATE finml.event_log SET detail = 'nothing happened' WHERE seq = 3;
SELECT fin_verify_log() AS edited_3;
ROLLBACK;
BEGIN;
-- Edited and re-hashed: the next event's hash no longer follows.
UPDATE finml.event_log e SET outcome = 'refused',
       hash = finml.event_hash(p.hash, e.seq, e.at, e.role, e.action, e.model, e.version, 'refused', e.detail)
  FROM finml.event_log p WHERE e.seq = 3 AND p.seq = 2;
SELECT fin_verify_log() AS rehashed_3;
ROLLBACK;
BEGIN;
DELETE FROM finml.event_log WHERE seq = 4;
SELECT fin_verify_log() AS deleted_4;
ROLLBACK;
BEGIN;
DELETE FROM finml.event_log WHERE seq = 1;
SELECT fin_verify_log() AS deleted_1;
ROLLBACK;
BEGIN;
UPDATE finml.event_log SET at = at + interval '1 microsecond' WHERE seq = 2;
SELECT fin_verify_log() AS retimed_2;
ROLLBACK;
BEGIN;
UPDATE finml.event_log SET seq = 100 WHERE seq = (SELECT max(seq) FROM finml.event_log);
SELECT fin_verify_log() = 100 AS renumbered_last;
ROLLBACK;
-- An event written with the sealing trigger disabled stays outside the ledger: 0.
SET session_replication_role = replica;
INSERT INTO finml.event_log (role, action, model, outcome) VALUES ('alice', 'deploy', 'ledger_model', 'ok');
RESET session_replication_role;
SELECT fin_verify_log() AS smuggled;
DELETE FROM finml.event_log WHERE seq IS NULL;
SELECT fin_verify_log() AS first_break;
-- The calling transaction's own events are sealed at its commit, not checked before.
BEGIN;
SELECT fin_revoke('ledger_model', 'public');
SELECT seq IS NULL AS not_yet_sealed FROM finml.events WHERE action = 'revoke';
SELECT fin_verify_log() AS first_break;
COMMIT;
SELECT seq = (SELECT max(seq) FROM finml.event_log) AS sealed_last FROM finml.events WHERE action = 'revoke';
SELECT fin_verify_log() AS first_break;
-- In REPEATABLE READ the seal reads the last event on a snapshot of its own.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) > 0 AS snapshot_taken FROM finml.events;
SELECT fin_grant('ledger_model', 'public');
COMMIT;
SELECT fin_verify_log() AS first_break;

-- The trigger function seals finml.event_log's events and nothing else; only the owner locks
-- the ledger.
\set VERBOSITY terse
CREATE TABLE ledger_other (x int);
CREATE TRIGGER ledger_other_seal AFTER INSERT ON ledger_other FOR EACH ROW EXECUTE FUNCTION finml_seal_event();
INSERT INTO ledger_other VALUES (1);
SELECT finml_seal_event();
CREATE ROLE ledger_intruder NOLOGIN;
SET ROLE ledger_intruder;
SELECT * FROM finml.ledger_lock FOR UPDATE;
UPDATE finml.event_log SET detail = 'x';
SELECT fin_verify_log() AS first_break;
RESET ROLE;
\set VERBOSITY default
DROP TABLE ledger_other;
SELECT fin_drop_model('ledger_model'), fin_drop_model('ledger_gone_model');
SELECT fin_verify_log() AS first_break;
\i include/cleanup.sql
DROP ROLE ledger_intruder;
