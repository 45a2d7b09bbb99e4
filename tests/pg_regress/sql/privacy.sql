-- Differentially private training: options.privacy trains logistic regression and the MLP by
-- DP-SGD (Abadi et al. 2016, as Opacus runs it) and stores the budget spent with the version.
-- A private training draws its sampling and noise from the operating system, so its numbers
-- differ from run to run: what is checked is what does not (the steps, the sampling rate, the
-- noise multiplier that Opacus's get_noise_multiplier finds for them: models/tests/dp_sgd.rs
-- and privacy_accountant.rs hold the references), the spent ε against its target (at most it,
-- within the search's tolerance 0.01), and the test AUC against the same model trained
-- without privacy (ε = 8: within 0.03; 12 runs were 0.012 below it on average, 0.017 at most).
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\set VERBOSITY default
SELECT version FROM fin_train('plain_credit', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');
-- 3,117 training rows in expected batches of 256: 13 steps an epoch, q = 1/13, 10 epochs.
SELECT version FROM fin_train('private_credit', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42,
                    "privacy": {"epsilon": 8, "delta": 1e-5, "max_grad_norm": 1.0}}');
SELECT metrics->'privacy'->'steps' AS steps,
       round((metrics->'privacy'->>'sample_rate')::numeric, 12) AS sample_rate,
       metrics->'privacy'->'noise_multiplier' AS sigma,
       metrics->'privacy'->'max_grad_norm' AS c, metrics->'privacy'->'delta' AS delta,
       metrics->'privacy'->'target_epsilon' AS target, metrics->'privacy'->>'accountant' AS accountant,
       (metrics->'privacy'->>'epsilon')::float8 BETWEEN 8 - 0.011 AND 8 AS spent_within_target
  FROM finml.models WHERE name = 'private_credit';
SELECT (SELECT (metrics->>'auc')::float8 FROM finml.models WHERE name = 'private_credit')
       > (SELECT (metrics->>'auc')::float8 FROM finml.models WHERE name = 'plain_credit') - 0.03
       AS auc_within_0_03_of_the_exact_fit;
-- No standard errors: they are the data's information matrix, which no noise covers.
SELECT count(*) AS terms, count(std_error) AS with_std_error FROM fin_coefficients('private_credit');
SELECT count(*) FILTER (WHERE p > 0 AND p < 1) AS probabilities, count(*) AS rows
  FROM (SELECT fin_predict('private_credit', a) AS p FROM applications a) s;
SELECT fin_report('private_credit') LIKE '%<h2>Privacy</h2>%by the Rényi accountant%does not cover%'
       AS report_states_the_budget,
       fin_report('plain_credit') NOT LIKE '%Rényi accountant%' AS no_budget_without_privacy;
-- A retraining spends a new budget on the same rows, with the stored options.
SELECT version FROM fin_retrain('private_credit');
SELECT version, metrics->'privacy'->'steps' AS steps FROM finml.models
 WHERE name = 'private_credit' ORDER BY version;

-- The MLP: 2 epochs of batches of 64 over the 3,117 rows (49 steps an epoch); its epochs'
-- losses (NOTICEs) differ from run to run.
SET client_min_messages = warning;
SELECT version FROM fin_train('private_net', 'applications', 'status', algorithm => 'mlp',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42,
                    "hidden": [16], "epochs": 2, "batch_size": 64, "learning_rate": 0.01,
                    "privacy": {"epsilon": 3}}');
RESET client_min_messages;
SELECT metrics->'privacy'->'steps' AS steps, metrics->'privacy'->'delta' AS default_delta,
       metrics->'privacy'->'max_grad_norm' AS default_c,
       (metrics->'privacy'->>'epsilon')::float8 BETWEEN 3 - 0.011 AND 3 AS spent_within_target,
       (metrics->>'auc')::float8 > 0.6 AS learns
  FROM finml.models WHERE name = 'private_net';

-- What would void the guarantee is refused (22023), with the option named.
SELECT fin_train('refused', 'applications', 'status', algorithm => 'mlp',
       options => '{"positive": "bad", "early_stopping": true, "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "class_weight": "balanced", "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "semi_supervised": {"method": "self_training"}, "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "weight_column": "amount", "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'amount',
       options => '{"privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status', algorithm => 'gbdt',
       options => '{"positive": "bad", "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('refused', 'applications', 'status', 'logistic', '{"l2": [0.1, 1]}',
       options => '{"positive": "bad", "privacy": {"epsilon": 3}}');
\echo :LAST_ERROR_SQLSTATE
-- A δ not below 1 / rows is told (a NOTICE): at such a δ, publishing a row would meet it.
SELECT version FROM fin_train('loose_delta', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3,
                    "privacy": {"epsilon": 3, "delta": 0.001, "epochs": 1}}');
-- Budgets out of range, and one too small for the steps.
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "privacy": {"epsilon": 1e308}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "privacy": {"epsilon": 3, "delta": 0.5}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "privacy": {"delta": 1e-5}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "privacy": {"epsilon": 1e-9, "epochs": 50}}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS stored FROM finml.models WHERE name = 'refused';

-- Stored-data minimization. store_reference "none" keeps no training distributions: drift
-- is refused (0A000); "coarse" keeps deciles rounded to 2 significant digits, and drift is
-- measured against them.
SELECT version FROM fin_train('no_reference', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "store_reference": "none"}');
SELECT * FROM fin_psi('no_reference', 'applications');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('coarse_reference', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "store_reference": "coarse"}');
SELECT count(*) AS features, max(psi) < 0.01 AS stable FROM fin_psi('coarse_reference', 'applications');
SELECT fin_train('refused', 'applications', 'status',
       options => '{"positive": "bad", "store_reference": "partial"}');
\echo :LAST_ERROR_SQLSTATE
-- A column with a distinct value in every row looks like an identifier: refused as a
-- categorical feature (22023) unless allow_identifier; exclude_pii leaves it out.
CREATE TEMP TABLE referenced AS SELECT a.*, 'CUST-' || (a.id * 7919) AS customer_ref FROM applications a;
SELECT fin_train('refused', 'referenced', 'status', options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('with_pii_out', 'referenced', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "exclude_pii": ["customer_ref"]}');
SELECT features FROM finml.models WHERE name = 'with_pii_out';
SELECT fin_train('refused', 'referenced', 'status', features => ARRAY['income', 'customer_ref'],
       options => '{"positive": "bad", "exclude_pii": ["customer_ref"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM fin_train('identifier_allowed', 'referenced', 'status',
       features => ARRAY['income', 'customer_ref'],
       options => '{"positive": "bad", "allow_identifier": true}');

-- fin_privacy_report: the training-data values a stored model keeps beyond statistics of all
-- training rows, and the fewest training rows behind one of them (1 for an exact number,
-- which may be one row's). The credit model as trained by default: the levels of its 3,563
-- training rows with their counts (Home "ignore": 17), and deciles for drift: exact where a
-- decile has more than 2 significant digits (income), round numbers of integer features.
SELECT version FROM fin_train('credit_default', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"]}');
SELECT * FROM fin_privacy_report('credit_default');
-- Minimized: levels seen in fewer than 50 rows are stored by no name (they predict as the
-- reference level), deciles rounded to 2 significant digits.
SELECT version FROM fin_train('credit_minimized', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "min_level_rows": 50, "store_reference": "coarse"}');
SELECT * FROM fin_privacy_report('credit_minimized');
SELECT round((metrics->>'auc')::numeric, 4) AS auc, name FROM finml.models
 WHERE name IN ('credit_default', 'credit_minimized') ORDER BY name;
-- Home "ignore" rows score as the reference level "owner" in the minimized model only.
CREATE TEMP TABLE as_owner AS SELECT * FROM applications WHERE home = 'ignore';
UPDATE as_owner SET home = 'owner';
SELECT count(*) AS ignore_rows,
       count(*) FILTER (WHERE fin_predict('credit_minimized', a) = fin_predict('credit_minimized', o)) AS same_minimized,
       count(*) FILTER (WHERE fin_predict('credit_default', a) = fin_predict('credit_default', o)) AS same_default
  FROM applications a JOIN as_owner o USING (id);
SELECT fin_report('credit_minimized') LIKE '%<h2>Privacy</h2>%k-anonymity%' AS report_lists_it;
SELECT fin_train('refused', 'applications', 'status', options => '{"positive": "bad", "min_level_rows": 0}');
\echo :LAST_ERROR_SQLSTATE
-- Trees under store_reference "coarse": every threshold rounded, no single rows' values.
SELECT version FROM fin_train('coarse_trees', 'applications', 'status', 'gbdt',
       options => '{"positive": "bad", "exclude": ["id"], "n_trees": 20, "store_reference": "coarse"}');
SELECT kind, count(*) AS features, bool_or(exact) AS any_exact, min(min_rows) AS min_rows
  FROM fin_privacy_report('coarse_trees')
 WHERE kind IN ('thresholds', 'leaves', 'row values', 'quantile edges') GROUP BY kind ORDER BY kind;
-- A private training's budget is a row of its own.
SELECT kind, detail LIKE 'DP-SGD: (ε, δ) = (%' AS states_the_budget
  FROM fin_privacy_report('private_credit') WHERE kind = 'dp budget';
-- fin_export(..., options => '{"redact": true}'): no drift reference, no single rows' values,
-- no level of fewer than min_level_rows (default 10) training rows by name. The import
-- predicts the same for every row whose levels were kept.
SELECT fin_import('credit_redacted', fin_export('credit_default', options => '{"redact": true}')) AS version;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_predict('credit_redacted', a) <> fin_predict('credit_default', a)) AS differ
  FROM applications a;
SELECT fin_export('credit_default', options => '{"redact": true}')->'redacted' AS redacted,
       fin_export('credit_default')->'redacted' AS plain;
SELECT kind, count(*) FROM fin_privacy_report('credit_redacted') GROUP BY kind ORDER BY kind;
SELECT * FROM fin_psi('credit_redacted', 'applications');
\echo :LAST_ERROR_SQLSTATE
-- Home "ignore" (17 training rows) has an indicator column: folding it is a new fit.
SELECT fin_export('credit_default', options => '{"redact": true, "min_level_rows": 20}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_export('credit_default', options => '{"redact": "yes"}');
\echo :LAST_ERROR_SQLSTATE
-- A scorecard's level of fewer rows leaves its bin for the bin of NULL and unseen levels:
-- only the rows of Home "ignore" (20 in all) may score otherwise.
SELECT version FROM fin_train('card_default', 'applications', 'status', 'scorecard',
       options => '{"positive": "bad", "exclude": ["id"]}');
SELECT fin_import('card_redacted', fin_export('card_default', options => '{"redact": true, "min_level_rows": 50}')) AS version;
SELECT count(*) FILTER (WHERE fin_score('card_redacted', a) <> fin_score('card_default', a)) AS differ,
       count(*) FILTER (WHERE fin_score('card_redacted', a) <> fin_score('card_default', a)
                          AND home IS DISTINCT FROM 'ignore') AS differ_elsewhere
  FROM applications a;
SELECT min_rows FROM fin_privacy_report('card_redacted') WHERE kind = 'scorecard levels' AND feature = 'home';
SELECT * FROM fin_privacy_report('no_such_model');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
