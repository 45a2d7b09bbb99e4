-- finml attacked as a hostile role and a careless DBA would (issue "Trust"): each block is
-- one reported defect, and fails if the defect comes back.
-- Stands alone: it commits (other sessions, roles, databases), and cleans up at its end.
\i include/credit.sql
\set VERBOSITY terse
CREATE ROLE victim NOLOGIN;
CREATE ROLE mallory NOLOGIN;
CREATE ROLE grantee_r NOLOGIN;
CREATE TABLE attack_loans AS SELECT * FROM applications;
ALTER TABLE attack_loans ADD PRIMARY KEY (id);
GRANT SELECT ON attack_loans TO victim, mallory, grantee_r;
SET ROLE victim;
SELECT version FROM fin_train('victim_m', 'attack_loans', 'status',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT version FROM fin_train('victim_card', 'attack_loans', 'status', 'scorecard',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT fin_grant('victim_m', 'grantee_r');
RESET ROLE;

-- 1. search_path: mallory plants operators and functions that say "yes" to everything (and
-- shout when they run) in a schema ahead of pg_catalog. None of them runs inside finml,
-- and every right is still refused (42501).
CREATE SCHEMA mallory AUTHORIZATION mallory;
SET ROLE mallory;
CREATE FUNCTION mallory.yes_name(name, name) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: =(name, name) as %', current_user; RETURN true; END $$;
CREATE FUNCTION mallory.yes_text(text, text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: =(text, text) as %', current_user; RETURN true; END $$;
CREATE FUNCTION mallory.no_text(text, text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: <>(text, text) as %', current_user; RETURN false; END $$;
CREATE FUNCTION mallory.yes_oid(oid, oid) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: =(oid, oid) as %', current_user; RETURN true; END $$;
CREATE FUNCTION mallory.cat(text, text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: || as %', current_user; RETURN 'x'; END $$;
CREATE OPERATOR mallory.= (LEFTARG = name, RIGHTARG = name, FUNCTION = mallory.yes_name);
CREATE OPERATOR mallory.= (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.yes_text);
CREATE OPERATOR mallory.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.no_text);
CREATE OPERATOR mallory.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = mallory.yes_oid);
CREATE OPERATOR mallory.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.cat);
CREATE FUNCTION mallory.pg_has_role(oid, text) RETURNS boolean LANGUAGE plpgsql STABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: pg_has_role as %', current_user; RETURN true; END $$;
CREATE FUNCTION mallory.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE plpgsql STABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: pg_has_role as %', current_user; RETURN true; END $$;
CREATE FUNCTION mallory.lower(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: lower as %', current_user; RETURN $1; END $$;
CREATE FUNCTION mallory.hashtext(text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: hashtext as %', current_user; RETURN 1; END $$;
CREATE FUNCTION mallory.pg_get_userbyid(oid) RETURNS name LANGUAGE plpgsql STABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: pg_get_userbyid as %', current_user; RETURN 'victim'; END $$;
CREATE FUNCTION mallory.to_regclass(text) RETURNS regclass LANGUAGE plpgsql STABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: to_regclass as %', current_user; RETURN NULL; END $$;
CREATE FUNCTION mallory.quote_ident(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: quote_ident as %', current_user; RETURN $1; END $$;
CREATE FUNCTION mallory.format_type(oid, int) RETURNS text LANGUAGE plpgsql STABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: format_type as %', current_user; RETURN 'text'; END $$;
-- mallory's own loan book, with a default flag and months on book, for a Cox model of its own.
CREATE TABLE mallory.book AS
  SELECT id, seniority, amount, pg_catalog.textregexeq(status, '^bad$') AS defaulted,
         1 + id % 48 AS months, 60 - id % 48 AS remaining FROM public.attack_loans;
ALTER TABLE mallory.book ADD PRIMARY KEY (id);
SET search_path = mallory, public, pg_catalog;
-- The reported escalation: can_manage said true.
SELECT finml.can_manage('victim_m') AS can_manage, finml.can_use('victim_m') AS can_use;
SELECT count(*) AS visible_versions FROM finml.models WHERE name OPERATOR(pg_catalog.=) 'victim_m';
SELECT fin_predict('victim_m', a) FROM attack_loans a WHERE id = 1;
SELECT fin_predict('victim_m@1', ARRAY[1, 2]);
SELECT fin_score('victim_card', a) FROM attack_loans a WHERE id = 1;
SELECT * FROM fin_reason_codes('victim_card', (SELECT a FROM attack_loans a WHERE id = 1));
SELECT * FROM fin_coefficients('victim_m');
SELECT * FROM fin_scorecard('victim_card');
SELECT * FROM fin_psi('victim_card', 'attack_loans');
SELECT * FROM fin_evaluate('victim_m', 'attack_loans');
SELECT * FROM fin_roc('victim_m', 'attack_loans');
SELECT * FROM fin_confusion('victim_m', 'attack_loans');
SELECT * FROM fin_calibration('victim_m', 'attack_loans');
SELECT * FROM fin_explain('victim_m', (SELECT a FROM attack_loans a WHERE id = 1));
SELECT * FROM fin_importance('victim_m');
SELECT fin_report('victim_m');
SELECT * FROM fin_privacy_report('victim_m');
SELECT * FROM fin_pd_curve('victim_m', (SELECT a FROM attack_loans a WHERE id = 1), 12);
SELECT fin_pd('victim_m', a, 12) FROM attack_loans a WHERE id = 1;
SELECT * FROM fin_ecl('victim_m', 'attack_loans', '{"ead": "amount", "lgd": 0.4, "remaining_term": "time"}');
SELECT * FROM fin_ecl_summary('victim_m', 'attack_loans', '{"ead": "amount", "lgd": 0.4, "remaining_term": "time"}');
SELECT * FROM fin_deploy('victim_m', 1);
SELECT * FROM fin_rollback('victim_m');
SELECT * FROM fin_retrain('victim_m');
SELECT fin_drop_model('victim_m');
SELECT fin_grant('victim_m', 'mallory');
SELECT fin_revoke('victim_m', 'grantee_r');
SELECT fin_export('victim_m');
SELECT fin_export('victim_m', options => '{"redact": true}');
SELECT fin_set_owner('victim_m', 'mallory');
SELECT fin_import('victim_m', '{"format": "finml-model-export"}');
SELECT * FROM fin_train('victim_m', 'attack_loans', 'status', options => '{"positive": "bad"}');
-- mallory's own work under the same search_path runs none of mallory's code either.
SELECT version FROM fin_train('mallory_m', 'attack_loans', 'status', features => ARRAY['seniority', 'home'],
                              options => '{"positive": "bad"}');
SELECT relation FROM finml.models WHERE name OPERATOR(pg_catalog.=) 'mallory_m';
SELECT version, deployed FROM fin_retrain('mallory_m', '{"deploy": "always"}');
SELECT fin_drop_model('mallory_m');
-- A Cox model and its ECL under the same search_path: none of mallory's operators run.
SELECT version FROM fin_train('mallory_cox', 'book', 'defaulted', 'cox',
                              features => ARRAY['seniority', 'amount'], options => '{"duration": "months"}');
SELECT count(*) AS curve_points FROM book b, fin_pd_curve('mallory_cox', b, 12) WHERE b.id = 1;
SELECT stage IS NULL AS book_total, loans FROM fin_ecl_summary('mallory_cox', 'book',
       '{"ead": "amount", "lgd": 0.4, "remaining_term": "remaining"}') WHERE stage IS NULL;
SELECT fin_drop_model('mallory_cox');
RESET search_path;
RESET ROLE;
DROP SCHEMA mallory CASCADE;
-- Nothing of victim's changed.
SELECT name, version, deployed, owner FROM finml.models WHERE name LIKE 'victim%' ORDER BY 1, 2;
SELECT grantee FROM finml.model_grants WHERE name = 'victim_m';

-- 2. A committed revoke, deploy, rollback and drop is what the next statement of a
-- REPEATABLE READ or SERIALIZABLE transaction sees, and no model or right loaded inside such a
-- transaction outlives it.
SET ROLE victim;
SELECT version FROM fin_train('victim_m', 'attack_loans', 'status', features => ARRAY['seniority', 'income'],
                              options => '{"positive": "bad"}');
RESET ROLE;
SET ROLE grantee_r;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT fin_predict('victim_m', a) = fin_predict('victim_m@2', a) AS uses_v2 FROM attack_loans a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SET ROLE victim" -c "SELECT version FROM fin_deploy('victim_m', 1)"
SELECT fin_predict('victim_m', a) = fin_predict('victim_m@1', a) AS rr_sees_deploy FROM attack_loans a WHERE id = 3;
COMMIT;
SELECT fin_predict('victim_m', a) = fin_predict('victim_m@1', a) AS after_commit_v1 FROM attack_loans a WHERE id = 3;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT 1 AS snapshot_taken;
\! psql -X -q -At -d finml_regress -c "SET ROLE victim" -c "SELECT version FROM fin_rollback('victim_m')"
SELECT fin_predict('victim_m', a) = fin_predict('victim_m@2', a) AS serializable_sees_rollback FROM attack_loans a WHERE id = 3;
COMMIT;
SELECT fin_predict('victim_m', a) = fin_predict('victim_m@2', a) AS after_commit_v2 FROM attack_loans a WHERE id = 3;
-- The reported case: the invalidation consumed inside a REPEATABLE READ transaction.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT 1 AS snapshot_taken;
\! psql -X -q -At -d finml_regress -c "SET ROLE victim" -c "SELECT fin_revoke('victim_m', 'grantee_r')"
SELECT fin_predict('victim_m', a) FROM attack_loans a WHERE id = 3;
ROLLBACK;
SELECT fin_predict('victim_m', a) FROM attack_loans a WHERE id = 3;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) AS visible FROM finml.models WHERE name = 'victim_m';
COMMIT;
RESET ROLE;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT fin_predict('victim_m@1', a) IS NOT NULL AS cached_v1 FROM attack_loans a WHERE id = 3;
\! psql -X -q -At -d finml_regress -c "SET ROLE victim" -c "SELECT fin_drop_model('victim_m', 1)"
SELECT fin_predict('victim_m@1', a) FROM attack_loans a WHERE id = 3;
ROLLBACK;
SELECT fin_predict('victim_m@1', a) FROM attack_loans a WHERE id = 3;

-- 3. The memory budget covers the network: weights, optimizer state and activations,
-- refused before anything is allocated (54000), the reported 65,536-wide network included.
SET finml.max_training_memory = '4MB';
SELECT * FROM fin_train('wide_net', 'attack_loans', 'status', 'mlp',
                        options => '{"positive": "bad", "exclude": ["id"], "hidden": [4096, 4096]}');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
SELECT * FROM fin_train('huge_net', 'attack_loans', 'status', 'mlp',
                        options => '{"positive": "bad", "exclude": ["id"], "hidden": [65536, 65536, 65536]}');
\echo :LAST_ERROR_SQLSTATE

-- 4. Interrupts inside every fit: a 1 s statement_timeout stops logistic, scorecard and MLP
-- trainings on 3,000 rows × 600 and × 1,200 columns (57014) well before they would end.
DO $$
BEGIN
  FOR w IN 600..1200 BY 600 LOOP
    EXECUTE (SELECT format('CREATE TABLE wide_%s AS SELECT i AS id, (random() < 0.3)::int AS y, %s
                              FROM generate_series(1, 3000) i',
                           w, string_agg(format('random()::real AS x%s', k), ', '))
               FROM generate_series(1, w) k);
  END LOOP;
END $$;
-- Each training alone would run for seconds to minutes; each statement below is cancelled
-- at 1 s (or ends by itself), and returns within 3 s (a generous bound for a debug build on a
-- loaded machine; bench/ measures the latency of the release build).
CREATE FUNCTION timed_train(model text, relation regclass, algorithm text, options jsonb,
                            target text DEFAULT 'y')
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE started timestamptz := clock_timestamp();
BEGIN
  BEGIN
    PERFORM fin_train(model, relation, target, algorithm, options => options);
  EXCEPTION WHEN query_canceled THEN
    NULL;
  END;
  RETURN clock_timestamp() - started < interval '3 s';
END $$;
SET client_min_messages = warning;   -- epoch NOTICEs: how many fit in 1 s varies
SET statement_timeout = '1s';
SELECT timed_train('slow_l600', 'wide_600', 'logistic', '{"exclude": ["id"], "l2": 0, "max_iter": 100000}') AS logistic_600;
SELECT timed_train('slow_l1200', 'wide_1200', 'logistic', '{"exclude": ["id"], "l2": 0, "max_iter": 100000}') AS logistic_1200;
SELECT timed_train('slow_s600', 'wide_600', 'scorecard', '{"exclude": ["id"], "min_iv": 0}') AS scorecard_600;
SELECT timed_train('slow_s1200', 'wide_1200', 'scorecard', '{"exclude": ["id"], "min_iv": 0}') AS scorecard_1200;
SELECT timed_train('slow_m600', 'wide_600', 'mlp', '{"exclude": ["id"], "epochs": 1000}') AS mlp_600;
SELECT timed_train('slow_m1200', 'wide_1200', 'mlp', '{"exclude": ["id"], "epochs": 1000}') AS mlp_1200;
-- Unsupervised fits: k-means++ seeding and Lloyd iterations (k = 500, 100 inits), and an
-- isolation forest of 10,000 trees that each isolate every row.
SELECT timed_train('slow_k1200', 'wide_1200', 'kmeans', '{"exclude": ["id"], "k": 500, "n_init": 100}', NULL) AS kmeans_1200;
-- (Its 10,000 trees can hold up to 1.2 GB: more than the default budget, which refuses it
-- before it grows, 54000, block 16.)
SET finml.max_training_memory = '2GB';
SELECT timed_train('slow_f1200', 'wide_1200', 'isolation_forest', '{"exclude": ["id"], "n_trees": 10000, "sample_size": 3000}', NULL) AS forest_1200;
RESET finml.max_training_memory;
-- Hashed text: 100,000 memos of five distinct 32-character words, n-grams up to 5 in 4,096
-- columns (tokenizing, hashing, truncated Newton over the widest design, then the standard
-- errors: the information matrix of 4,097 terms and its inverse, terms³ work).
RESET statement_timeout;
CREATE TABLE long_memos AS
  SELECT i AS id, (random() < 0.3)::int AS y,
         concat_ws(' ', md5(i::text), md5((i + 1)::text), md5((i + 2)::text), md5((i + 3)::text), md5((i + 4)::text)) AS memo
    FROM generate_series(1, 100000) i;
SET statement_timeout = '1s';
SELECT timed_train('slow_t', 'long_memos', 'logistic', '{"exclude": ["id"], "std_errors": true, "text": {"memo": {"max_features": 4096, "ngram": [1, 5]}}}') AS text_4096;
RESET statement_timeout;
RESET client_min_messages;
-- Nothing half-done is stored; the MLPs (1,000 epochs), k-means, the forest and the text
-- model cannot have finished.
SELECT count(*) FILTER (WHERE name LIKE 'slow_m%') AS mlp_versions,
       count(*) FILTER (WHERE name IN ('slow_k1200', 'slow_f1200')) AS unsupervised_versions,
       count(*) FILTER (WHERE name = 'slow_t') AS text_versions
  FROM finml.models;

-- 5. A fit that is not finite is refused before it is stored (22000); the deployed version
-- keeps predicting. Scorecard scalings that cannot give integer scores are refused as
-- options (22023).
SELECT * FROM fin_train('victim_card', 'attack_loans', 'status', 'scorecard',
                        options => '{"positive": "bad", "exclude": ["id"], "pdo": 1e308}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('victim_card', 'attack_loans', 'status', 'scorecard',
                        options => '{"positive": "bad", "exclude": ["id"], "base_score": 1e308}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('victim_card', 'attack_loans', 'status', 'mlp',
                        options => '{"positive": "bad", "exclude": ["id"], "class_weight": {"1": 1e308}}');
\echo :LAST_ERROR_SQLSTATE
-- Features whose sum overflows double precision (values near 1e306 over 4,454 rows).
CREATE TABLE huge_values AS SELECT id, seniority * 1e306::float8 AS seniority, income, status,
                                   amount * 1e304::float8 AS amount_big FROM applications;
SELECT * FROM fin_train('victim_card', 'huge_values', 'status', 'mlp',
                        options => '{"positive": "bad", "exclude": ["id"], "epochs": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('victim_card', 'huge_values', 'status',
                        options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
-- A regression target near the limit: its fit and metrics overflow.
CREATE TABLE huge_target AS SELECT id, seniority, income, amount * 1e303::float8 AS amount FROM applications;
SELECT * FROM fin_train('huge_reg', 'huge_target', 'amount', options => '{"exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT array_agg(version ORDER BY version) AS versions, max(version) FILTER (WHERE deployed) AS deployed
  FROM finml.models WHERE name = 'victim_card';
SELECT fin_score('victim_card', a) IS NOT NULL AS still_scores FROM attack_loans a WHERE id = 1;

-- 6. Ownership follows the role, not its name: a renamed owner keeps its models, a new role
-- with the old name gets none, and a dropped owner's models are orphaned (superusers only)
-- until a superuser gives them an owner.
CREATE ROLE owner_a NOLOGIN;
GRANT SELECT ON attack_loans TO owner_a;
SET ROLE owner_a;
SELECT version FROM fin_train('owned_m', 'attack_loans', 'status', features => ARRAY['seniority'],
                              options => '{"positive": "bad"}');
RESET ROLE;
ALTER ROLE owner_a RENAME TO owner_renamed;
CREATE ROLE owner_a NOLOGIN;
SELECT owner FROM finml.model_owners WHERE name = 'owned_m';
SET ROLE owner_a;
SELECT * FROM fin_deploy('owned_m', 1);
SELECT fin_drop_model('owned_m');
RESET ROLE;
SET ROLE owner_renamed;
SELECT version, previous_version FROM fin_deploy('owned_m', 1);
RESET ROLE;
REVOKE SELECT ON attack_loans FROM owner_renamed;
DROP ROLE owner_renamed;
SELECT owner::oid NOT IN (SELECT oid FROM pg_roles) AS orphaned FROM finml.model_owners WHERE name = 'owned_m';
SET ROLE owner_a;
SELECT * FROM fin_deploy('owned_m', 1);
SELECT fin_set_owner('owned_m', 'owner_a');
RESET ROLE;
SELECT fin_set_owner('owned_m', 'owner_a');
SELECT owner FROM finml.model_owners WHERE name = 'owned_m';
SET ROLE owner_a;
SELECT version, previous_version FROM fin_deploy('owned_m', 1);
SELECT fin_set_owner('owned_m', 'victim');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_set_owner('owned_m', 'public');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_set_owner('owned_m', 'no_such_role');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Grants are by OID too: a grant follows its role through a rename, and a new role with the
-- old name gets nothing.
SET ROLE owner_a;
SELECT fin_grant('owned_m', 'grantee_r');
RESET ROLE;
ALTER ROLE grantee_r RENAME TO grantee_renamed;
CREATE ROLE grantee_r NOLOGIN;
GRANT SELECT ON attack_loans TO grantee_r;
SELECT grantee FROM finml.model_grants WHERE name = 'owned_m';
SET ROLE grantee_renamed;
SELECT fin_predict('owned_m', a) IS NOT NULL AS renamed_grantee_predicts FROM attack_loans a WHERE id = 1;
RESET ROLE;
SET ROLE grantee_r;
SELECT fin_predict('owned_m', a) FROM attack_loans a WHERE id = 1;
RESET ROLE;

-- 7. A finite input that overflows the model gives an error, never NaN. Both features have
-- a standard deviation below 1 and a negative coefficient, so 1e308 standardizes to
-- infinity and opposite signs make the log-odds ∞ − ∞.
CREATE TABLE small_numbers AS SELECT id, seniority / 100.0 AS a, income / 1000.0 AS b, status FROM applications;
SELECT version FROM fin_train('good', 'small_numbers', 'status', options => '{"positive": "bad", "exclude": ["id"]}');
SELECT term, estimate < 0 AS negative FROM fin_coefficients('good') WHERE term <> '(intercept)';
SELECT fin_predict('good', ARRAY[1e308, -1e308]);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('good', ARRAY[1e308, 1e308]) AS one_infinite_direction_is_a_probability;
INSERT INTO small_numbers VALUES (100000, 1e308, -1e308, 'bad');
SELECT * FROM fin_evaluate('good', 'small_numbers');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM small_numbers WHERE id = 100000;

-- 8. fin_import checks what it can and believes nothing else: the model's own algorithm,
-- task, target, features and coefficients are taken from it; a version, row count or metric
-- that is not plausible, a format version other than the model's, an edited intercept or a
-- zero scale are refused.
CREATE FUNCTION edited(doc jsonb, pattern text, replacement text) RETURNS jsonb LANGUAGE sql AS $$
  WITH bytes AS (SELECT decode(doc->>'model', 'base64') AS b),
       edited AS (SELECT substring(b FROM 1 FOR 12)
                         || convert_to(regexp_replace(convert_from(substring(b FROM 13), 'UTF8'),
                                                      pattern, replacement), 'UTF8') AS b FROM bytes)
  SELECT jsonb_set(jsonb_set(doc, '{model}', to_jsonb(replace(encode(b, 'base64'), E'\n', ''))),
                   '{model_sha256}', to_jsonb(encode(sha256(b), 'hex'))) FROM edited $$;
SET ROLE victim;
SELECT fin_export('victim_m', 2) AS doc \gset
SELECT fin_import('imp', jsonb_set(:'doc', '{model_format_version}', '999'));
SELECT fin_import('imp', jsonb_set(:'doc', '{version}', '-1'));
SELECT fin_import('imp', jsonb_set(:'doc', '{train_rows}', '0'));
SELECT fin_import('imp', jsonb_set(:'doc', '{metrics,auc}', '[0.99]'));
\echo :LAST_ERROR_SQLSTATE
-- A privacy budget the accountant does not give for its noise, rate and steps (22000).
SELECT fin_import('imp', jsonb_set(:'doc', '{metrics,privacy}',
       '{"epsilon": 0.1, "delta": 1e-5, "target_epsilon": 1, "noise_multiplier": 0.5,
         "max_grad_norm": 1, "sample_rate": 0.1, "steps": 1000, "accountant": "rdp"}'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('imp', jsonb_set(:'doc', '{trained_by}', to_jsonb(repeat('x', 100))));
SELECT fin_import('imp', jsonb_set(:'doc', '{target}', '"amount"'));
SELECT fin_import('imp', edited(:'doc', '"intercept":[-0-9.e]+', '"intercept":3.5'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('imp', edited(:'doc', '"scale":[-0-9.e]+', '"scale":0'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('imp', edited(:'doc', '"scale":[-0-9.e]+', '"scale":1e999'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('imp', jsonb_set(:'doc', '{metrics,auc}', '0.99'));
SELECT version, metrics->>'auc' AS claimed_auc, imported->'claimed_by_export' AS claimed,
       imported->>'imported_by' AS imported_by
  FROM finml.models WHERE name = 'imp';
RESET ROLE;

-- 9. A role without rights writes nothing: no event in the model's history, no background
-- worker; names are validated before anything else.
SET ROLE mallory;
DO $$ BEGIN
  FOR i IN 1..100 LOOP
    BEGIN PERFORM fin_retrain('victim_m'); EXCEPTION WHEN insufficient_privilege THEN NULL; END;
  END LOOP;
END $$;
SELECT fin_retrain(repeat('x', 10000));
SELECT fin_deploy(repeat('x', 100), 1);
RESET ROLE;
SELECT count(*) AS failed_events_by_mallory FROM finml.event_log WHERE role = 'mallory' AND outcome = 'failed';
SELECT count(*) AS events_of_victim_m_by_mallory FROM finml.event_log WHERE role = 'mallory' AND model = 'victim_m';
SELECT count(*) AS long_names FROM finml.event_log WHERE length(model) > 63;

-- 10. fin_retrain trains on the relation the version was trained on (stored schema-qualified),
-- not on a table of the same name earlier on the caller's search_path.
CREATE SCHEMA decoy;
CREATE TABLE decoy.attack_loans AS SELECT * FROM applications LIMIT 50;
SET search_path = decoy, public;
SELECT relation, train_rows FROM finml.models WHERE name = 'victim_m' AND version = 2;
SELECT version, deployed FROM fin_retrain('victim_m', '{"deploy": "never"}');
SELECT relation, train_rows FROM finml.models WHERE name = 'victim_m' ORDER BY version DESC LIMIT 1;
RESET search_path;
DROP SCHEMA decoy CASCADE;

-- 11. The minor ones: a NULL feature name (22004), a logistic fit on features near 1e308
-- (22000, above), limits only a superuser sets (42501), version numbers that continue after
-- a drop, positive on a regression and seeds past numpy's range (22023).
SELECT * FROM fin_train('m11', 'attack_loans', 'status', features => ARRAY[NULL]::text[]);
\echo :LAST_ERROR_SQLSTATE
SET ROLE mallory;
SET finml.max_training_memory = '100GB';
\echo :LAST_ERROR_SQLSTATE
SET finml.threads = 64;
RESET ROLE;
SET ROLE victim;
SELECT version FROM fin_train('reborn', 'attack_loans', 'status', features => ARRAY['seniority'],
                              options => '{"positive": "bad"}');
SELECT version FROM fin_train('reborn', 'attack_loans', 'status', features => ARRAY['income'],
                              options => '{"positive": "bad"}');
SELECT fin_drop_model('reborn');
SELECT version FROM fin_train('reborn', 'attack_loans', 'status', features => ARRAY['income'],
                              options => '{"positive": "bad"}');
SELECT fin_predict('reborn@1', a) FROM attack_loans a WHERE id = 1;
SELECT * FROM fin_train('m11', 'attack_loans', 'amount', features => ARRAY['income'],
                        options => '{"positive": "bad"}');
SELECT * FROM fin_train('m11', 'attack_loans', 'status', features => ARRAY['income'],
                        options => '{"positive": "bad", "seed": 4294967296}');
RESET ROLE;

-- 12. (Trust, second round: 1, 2, 14) fin_training_sums believes no pass. Text widths whose
-- sum wraps usize are refused before anything is sized (a release build sized the state from
-- the wrapped sum, then asked for 8 TB for the first row and aborted the server); so are cell
-- counts past the bound, arrays longer than any state or row, and passes longer than any
-- fin_train makes, before they are copied (22023, 54000).
CREATE SCHEMA mallory AUTHORIZATION mallory;
SET ROLE mallory;
SELECT fin_training_sums('{"pass": "normal", "preprocessor": {"features": [
    {"name": "a", "kind": "text", "max_features": 9223372036854775808, "ngram": [1, 1], "sublinear_tf": false, "l2_norm": true, "idf": []},
    {"name": "b", "kind": "text", "max_features": 9223372036854775808, "ngram": [1, 1], "sublinear_tf": false, "l2_norm": true, "idf": []}]}}',
    ARRAY[]::float8[], ARRAY['x', 'y'], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums('{"pass": "moments", "numbers": 6148914691236517206}', ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums_add(array_fill(0::float8, ARRAY[9000000]), array_fill(0::float8, ARRAY[9000000]));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drift_counts_add(array_fill(0::int8, ARRAY[9000000]), array_fill(0::int8, ARRAY[9000000]));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums('{"pass": "spread", "means": [0]}', array_fill(1::float8, ARRAY[2000000]), ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums(repeat(' ', 67108865) || '{"pass": "spread", "means": [0]}', ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
-- A state carries its pass: two passes' states of one length are not added together, and a
-- state the caller made up (an aggregate of their own over the transition) is refused.
SELECT fin_training_sums_add(
    (SELECT fin_training_sums('{"pass": "spread", "means": [0]}', ARRAY[1.0], ARRAY[]::text[], 1)),
    (SELECT fin_training_sums('{"pass": "spread", "means": [1]}', ARRAY[1.0], ARRAY[]::text[], 1)));
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE mallory.made_up_sums(text, float8[], text[], float8) (
    SFUNC = fin_training_sums_step, STYPE = float8[], INITCOND = '{1,0}');
SELECT mallory.made_up_sums('{"pass": "spread", "means": [0]}', ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT array_length(fin_training_sums('{"pass": "spread", "means": [0]}', ARRAY[v], ARRAY[]::text[], 1), 1) AS cells
  FROM (VALUES (1.0::float8), (3.0)) AS t(v);
DROP AGGREGATE mallory.made_up_sums(text, float8[], text[], float8);
-- fin_training_column_sums and fin_training_column_output (a row's features as arguments of
-- their own) take float8 and text features alone, never one VARIADIC array, a NULL pass or
-- label, a call outside the aggregate, or a state made up (22023).
SELECT fin_training_column_sums('{"pass": "moments", "numbers": 1}', 1, 1::int);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums('{"pass": "moments", "numbers": 1}', 1, 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums('{"pass": "moments", "numbers": 1}', 1, 'x'::text);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums('{"pass": "moments", "numbers": 1}', 1, VARIADIC ARRAY[1.0::float8]);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums(NULL, 1, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums('{"pass": "moments", "numbers": 1}', NULL, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_sums_step('{}', '{"pass": "spread", "means": [0]}', 1, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE mallory.made_up_columns(text, float8, VARIADIC "any") (
    SFUNC = fin_training_column_sums_step, STYPE = float8[], INITCOND = '{1,0}');
SELECT mallory.made_up_columns('{"pass": "spread", "means": [0]}', 1, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE mallory.made_up_columns(text, float8, VARIADIC "any");
SELECT fin_training_column_output(NULL, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_output('{"pass": "spread", "means": [0]}', 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_column_output('{"pass": "spread", "means": [0]}', now());
\echo :LAST_ERROR_SQLSTATE
-- fin_training_atoms (every number's distinct values in one scan) takes a non-NULL label and
-- float8 numbers alone, never one VARIADIC array or a text (22023). Over two rows its bytes
-- are the format and the count of tables (16), a table's NULL tally and count (24 each), and
-- 24 a distinct value: v has 2.0 and NaN, w a NULL and -0.0 (16 + 24 + 48 + 24 + 24 = 136).
SELECT fin_training_atoms(1, 'x'::text);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_atoms(1, VARIADIC ARRAY[1.0::float8]);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_atoms(NULL, 1.0::float8);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_atoms(1, 1::int);
\echo :LAST_ERROR_SQLSTATE
SELECT length(fin_training_atoms(label, v, w)) AS bytes
  FROM (VALUES (1.0::float8, 2.0::float8, NULL::float8), (0, 'NaN', -0.0)) AS t(label, v, w);
-- Every state of a backend shares finml.max_training_memory: 10,000 distinct values fit a
-- 1 MB budget once (a table of 14,336 slots, 401 kB, grown beside its old one), not three
-- times over in one query (54000). The DBA sets the budget; mallory calls.
RESET ROLE;
SET finml.max_training_memory = '1MB';
SET ROLE mallory;
SELECT length(fin_training_atoms(0, x::float8)) AS bytes FROM generate_series(1, 10000) x;
SELECT length(fin_training_atoms(0, x::float8)), length(fin_training_atoms(1, x::float8)),
       length(fin_training_atoms(2, x::float8))
  FROM generate_series(1, 10000) x;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
RESET finml.max_training_memory;
SET ROLE mallory;
-- Only a superuser may build an aggregate whose state is internal; one that hands another
-- aggregate's state to fin_training_atoms' functions is refused, the state never read.
RESET ROLE;
CREATE AGGREGATE mixed_atoms(numeric) (
    SFUNC = numeric_avg_accum, STYPE = internal, FINALFUNC = fin_training_atoms_final);
SELECT mixed_atoms(x) FROM (VALUES (1.0), (2.0)) AS t(x);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE mixed_atoms(numeric);
SET ROLE mallory;
-- fin_ts_repeated_key (the check fin_ts_view's views run) called with made-up arguments
-- raises its 22000 naming them, or answers true; NULLs are no key.
SELECT fin_ts_repeated_key(NULL, NULL, NULL, NULL, 9223372036854775807);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_repeated_key('s', NULL, 't', '1e308', 1) AS one_row;

-- 13. (9) fin_score_table pins its search_path: a domain named float8 that another role plants
-- ahead of pg_catalog (its check runs their function) types none of the scores' columns.
CREATE FUNCTION mallory.spy(float8) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RAISE WARNING 'mallory code ran: spy as %', current_user; RETURN true; END $$;
CREATE DOMAIN mallory.float8 AS pg_catalog.float8 CHECK (mallory.spy(VALUE));
CREATE DOMAIN mallory.text AS pg_catalog.text CHECK (mallory.spy(1));
GRANT USAGE ON SCHEMA mallory TO victim;
RESET ROLE;
CREATE SCHEMA victim_s AUTHORIZATION victim;
SET ROLE victim;
SET search_path = mallory, public, pg_catalog;
SELECT fin_score_table('victim_m', 'attack_loans', 'victim_s.scores', '{"cutoff": 0.3}');
RESET search_path;
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a WHERE a.attrelid = 'victim_s.scores'::regclass AND a.attnum > 0 ORDER BY a.attnum;
RESET ROLE;
DROP SCHEMA victim_s CASCADE;
DROP SCHEMA mallory CASCADE;

-- 14. (11) k-means refuses rows whose distances overflow (22000), where it put each of them in
-- cluster 1, and answers no cluster for such a row (22000).
CREATE TABLE far_rows AS
SELECT i AS id, (i % 7)::float8 AS a, (i % 5)::float8 AS b FROM generate_series(1, 300) i;
GRANT SELECT ON far_rows TO victim;
SET ROLE victim;
SELECT version FROM fin_train('clusters', 'far_rows', NULL, 'kmeans', options => '{"k": 3, "exclude": ["id"]}');
SELECT fin_cluster('clusters', r) FROM (SELECT 0 AS id, 1e200::float8 AS a, 1::float8 AS b) r;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_cluster('clusters', r) BETWEEN 1 AND 3 AS in_range FROM (SELECT 0 AS id, 6::float8 AS a, 4::float8 AS b) r;
RESET ROLE;
UPDATE far_rows SET a = 1e200 WHERE id = 7;
SET ROLE victim;
SELECT * FROM fin_train('clusters', 'far_rows', NULL, 'kmeans', options => '{"k": 3, "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('clusters');
RESET ROLE;
DROP TABLE far_rows;

-- 15. (5) An MLP fold of fin_backtest honours statement_timeout (it ran to the end, 229 s).
CREATE TABLE ticks AS
SELECT d::date AS day, sin(i / 7.0) + (i % 11) / 10.0 AS x, (i % 3 = 0) AS up
  FROM generate_series(1, 600) i, LATERAL (SELECT date '2020-01-01' + i AS d) t;
SET statement_timeout = '1s';
SELECT * FROM fin_backtest('ticks_wf', 'ticks', 'up', 'mlp', 'day',
                           '{"epochs": 100000, "folds": 2, "hidden": [64, 64]}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
DROP TABLE ticks;

-- 16. (6) Budgets count what is allocated: distinct texts are held twice over (the level and
-- its index key), beyond the 4 bytes a row's code takes; a period per row holds a period's
-- cells each. Both are refused within a 64 MB budget (54000).
CREATE TABLE memos_wide AS
SELECT i AS id, repeat(md5(i::text), 7) AS memo, (i % 2 = 0) AS flag FROM generate_series(1, 300000) i;
SET finml.max_training_memory = '64MB';
SELECT * FROM fin_train('wide_levels', 'memos_wide', 'flag', options => '{"exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
DROP TABLE memos_wide;
-- A forest's trees and k-means' per-row and per-thread buffers are counted before they are
-- grown (10,000 trees of 65,536 rows are gigabytes; k = 1000 holds a block of 2,048 rows ×
-- 1,000 centres per thread: 43 MB with 2 threads, over a 32 MB budget), and the usual sizes
-- still train.
CREATE TABLE points AS SELECT i AS id, (i % 97)::float8 AS a, (i % 89)::float8 AS b FROM generate_series(1, 70000) i;
SET finml.max_training_memory = '64MB';
SELECT * FROM fin_train('big_forest', 'points', NULL, 'isolation_forest',
                        options => '{"exclude": ["id"], "n_trees": 10000, "sample_size": 65536}');
\echo :LAST_ERROR_SQLSTATE
SET finml.max_training_memory = '32MB';
SELECT * FROM fin_train('many_clusters', 'points', NULL, 'kmeans', options => '{"exclude": ["id"], "k": 1000}');
\echo :LAST_ERROR_SQLSTATE
SET finml.max_training_memory = '64MB';
SELECT version FROM fin_train('usual_forest', 'points', NULL, 'isolation_forest', options => '{"exclude": ["id"]}');
RESET finml.max_training_memory;

-- 17. (4) fin_import checks every field a prediction reads (XX001 at import, where a
-- hand-edited model was taken and then misbehaved): an isolation forest's sample_size of 1e19
-- (every row flagged) and a split on design column -7 (XX000 index out of bounds at
-- prediction), drift edges that do not increase (PSI 8.28 "shifted" on the training data
-- itself), a categorical missing_column of 1e12.
SELECT fin_export('usual_forest') AS forest \gset
SELECT fin_import('edited_forest', edited(:'forest', '"sample_size":[0-9]+', '"sample_size":10000000000000000000'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('edited_forest', edited(:'forest', '"feature":\[[0-9]+', '"feature":[-7'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('usual_forest');
DROP TABLE points;
SET ROLE victim;
SELECT fin_export('victim_m', 2) AS doc \gset
SELECT fin_import('edited_m', edited(:'doc', '"edges":\[([-0-9.e]+),([-0-9.e]+)', '"edges":[\2,\1'));
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('by_home', 'attack_loans', 'status', features => ARRAY['home'],
                              options => '{"positive": "bad"}');
SELECT fin_export('by_home') AS doc \gset
SELECT fin_import('edited_m', edited(:'doc', '"missing_column":(null|[0-9]+)', '"missing_column":1000000000000'));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('by_home');
SELECT count(*) AS edited_versions FROM finml.models WHERE name IN ('edited_m', 'edited_forest');
RESET ROLE;
CREATE TABLE monitored_rows AS SELECT a.*, a.id * 100 + g AS batch FROM attack_loans a, generate_series(1, 30) g;
SET finml.max_training_memory = '64MB';
SELECT count(*) FROM fin_monitor('victim_m', 'monitored_rows', 'batch');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
DROP TABLE monitored_rows;
-- 10. Multi-class models and searches (issue 35). A hand-edited multi-class model is refused
-- on import when its classes do not match its class scores or name a class twice; a search
-- of 1,000 trials stops at the statement's timeout (57014) and stores nothing.
SELECT version FROM fin_train('marital_m', 'attack_loans', 'marital', options => '{"exclude": ["id", "status"]}');
SELECT fin_export('marital_m') AS doc \gset
SELECT fin_import('edited_classes', edited(:'doc', '"classes":\["[a-z]+",', '"classes":['));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_import('edited_classes', edited(:'doc', '"classes":\["([a-z]+)","[a-z]+",', '"classes":["\1","\1",'));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS edited_imported FROM finml.models WHERE name = 'edited_classes';
-- A made-up class (empty, or 100,000 characters) is refused (22023) before a row is read.
DO $$ BEGIN
  PERFORM * FROM fin_gains('marital_m', 'attack_loans', class => repeat('x', 100000));
EXCEPTION WHEN invalid_parameter_value THEN RAISE NOTICE 'class of 100000 characters: %', SQLSTATE;
END $$;
SELECT * FROM fin_explain('marital_m', (SELECT a FROM attack_loans a WHERE id = 1), class => '');
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;
SET statement_timeout = '1s';
SELECT count(*) FROM fin_tune('endless_search', 'attack_loans', 'status', 'logistic',
       '{"l2": {"log_uniform": [0.001, 1000]}, "trials": 1000, "folds": 10}',
       options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
RESET client_min_messages;
SELECT count(*) AS searched_versions FROM finml.models WHERE name = 'endless_search';
-- Governance (0.12.0): fin_fairness on another role's model is refused (42501); made-up sizes,
-- edges and names are refused before anything is held (22023, 22000); the ledger is checked by
-- any role, and locked by none but its owner (42501).
SET ROLE mallory;
SELECT * FROM fin_fairness('victim_m', 'attack_loans', ARRAY['marital'], '{"cutoff": 0.3}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_verify_log() AS first_break;
SELECT * FROM finml.ledger_lock FOR UPDATE;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM fin_fairness('victim_m', 'attack_loans', array_fill('marital'::text, ARRAY[65536]), '{"cutoff": 0.3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_fairness('victim_m', 'attack_loans', ARRAY['amount'],
       jsonb_build_object('cutoff', 0.3, 'bands', jsonb_build_object('amount',
                          (SELECT jsonb_agg(i) FROM generate_series(1, 100000) i))));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_fairness('victim_m', 'attack_loans', ARRAY['amount'], '{"cutoff": 0.3, "bands": {"amount": [1e308, -1e308]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_fairness('marital_m', 'attack_loans', ARRAY['marital'], '{"cutoff": 0.3}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW attack_long_groups AS
  SELECT a.*, CASE WHEN a.id = 1 THEN repeat('x', 100000) ELSE a.marital END AS tag FROM attack_loans a;
SELECT * FROM fin_fairness('victim_m', 'attack_long_groups', ARRAY['tag'], '{"cutoff": 0.3}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drop_model('marital_m');
-- Four-eyes approval and model cards (0.13.0): a role outside the validator role approves and
-- rejects nothing (42501), cannot name itself the validator role or switch approval off
-- (42501), describes no other role's model (42501), and reads or writes no approval or card
-- by hand (42501); made-up versions (42704), comments (22023) and cards (22023, 54000) are
-- refused; a card nested 10,000 deep is an error, not a crash (pgrx's jsonb conversion refuses
-- it, XX000, as for every jsonb argument).
CREATE ROLE finml_validator NOLOGIN;
SET ROLE mallory;
SELECT * FROM fin_approve('victim_m', 1, 'looks fine to me');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reject('victim_m', 1, 'sabotage');
\echo :LAST_ERROR_SQLSTATE
SET finml.validator_role = 'mallory';
\echo :LAST_ERROR_SQLSTATE
SET finml.require_approval = off;
\echo :LAST_ERROR_SQLSTATE
SET finml.allow_self_approval = on;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('victim_m', '{"risk_tier": "low"}');
\echo :LAST_ERROR_SQLSTATE
UPDATE finml.approvals SET status = 'approved';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM finml.model_cards;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FILTER (WHERE NOT finml.can_use(model)) AS foreign_rows FROM finml.inventory;
RESET ROLE;
SELECT * FROM fin_approve('victim_m', 2147483647, 'no such version');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_approve('victim_m', -1, 'no such version');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_approve('victim_m', 1, repeat('x', 1000000));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('victim_m', jsonb_build_object('risk_tier', 1e308, 'purpose', repeat('x', 1000000)));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('victim_m', ('{"deep": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb) IS NOT NULL;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_describe('victim_m', '{"risk_tier": 1e308}') ->> 'risk_tier' AS risk_tier;
DROP ROLE finml_validator;
-- The development sample's aggregate (0.13.0): its transition called by hand, and made-up
-- states given to its combine function (a wrong length, NULLs, 10 million values) are 22023,
-- refused before they are copied; any role may sum its own rows.
SET ROLE mallory;
SELECT fin_sample_sketch_step('{}', 'row');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_sample_sketch_add(array_fill(1::int8, ARRAY[5]), '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_sample_sketch_add(array_fill(NULL::int8, ARRAY[3070]), array_fill(1::int8, ARRAY[3070]));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_sample_sketch_add(array_fill(1::int8, ARRAY[10000000]), array_fill(1::int8, ARRAY[3070]));
\echo :LAST_ERROR_SQLSTATE
SELECT cardinality(fin_sample_sketch(x::text)) AS state_words, (fin_sample_sketch(x::text))[1] AS rows
  FROM generate_series(1, 1000) x;
RESET ROLE;
\i include/cleanup.sql
DROP OWNED BY victim, mallory, grantee_renamed, grantee_r, owner_a;
DROP ROLE victim, mallory, grantee_renamed, grantee_r, owner_a;
