-- MLP models: algorithm => 'mlp' with no options is the analysts' recipe (two hidden layers
-- of 50 ReLU, dropout 0.2, sigmoid output, binary cross-entropy, Adam, 10 epochs, batch 32,
-- 80/20 split with seed 42). Epoch NOTICEs are checked once below, with the numbers masked.
-- Stands alone: other sessions must see its data, so it commits, and cleans up at its end.
\i include/credit.sql
SET client_min_messages = warning;
SELECT model, version, algorithm, task, train_rows, test_rows,
       (metrics->>'auc')::float8 >= 0.83 AS auc_at_least_0_83, metrics->>'device' AS device
  FROM fin_train('credit_mlp', 'applications', 'status', 'mlp',
                 options => '{"positive": "bad", "exclude": ["id"]}');
-- One row per epoch in the training log; the loss falls.
SELECT count(*) AS epochs, min(epoch) AS first, max(epoch) AS last,
       bool_and(valid_loss IS NULL) AS no_validation, bool_and(seconds >= 0) AS timed,
       (array_agg(train_loss ORDER BY epoch))[10] < (array_agg(train_loss ORDER BY epoch))[1] AS loss_falls
  FROM finml.training_log WHERE model = 'credit_mlp';
-- Predictions are probabilities; fin_evaluate on the data works as for any classifier.
SELECT count(*) AS rows, bool_and(p > 0 AND p < 1) AS probabilities
  FROM (SELECT fin_predict('credit_mlp', a) AS p FROM applications a) s;
SELECT metric FROM fin_evaluate('credit_mlp', 'applications') WHERE metric IN ('auc', 'rows');
-- Same seed, same data, same device: the same model, byte for byte.
SELECT version FROM fin_train('credit_mlp', 'applications', 'status', 'mlp',
                              options => '{"positive": "bad", "exclude": ["id"]}');
SELECT count(DISTINCT md5(model)) AS distinct_models, count(*) AS versions
  FROM finml.model_versions WHERE name = 'credit_mlp';
SELECT version FROM fin_train('credit_mlp', 'applications', 'status', 'mlp',
                              options => '{"positive": "bad", "exclude": ["id"], "seed": 7}');
SELECT count(DISTINCT md5(model)) AS distinct_models FROM finml.model_versions WHERE name = 'credit_mlp';

-- Every option: another architecture and optimizer, class weights, early stopping.
SELECT version FROM fin_train('mlp_options', 'applications', 'status', 'mlp',
       options => '{"positive": "bad", "exclude": ["id"], "hidden": [16], "activation": "tanh",
                    "dropout": 0, "epochs": 30, "batch_size": 64, "optimizer": "momentum",
                    "learning_rate": 0.01, "momentum": 0.8, "weight_decay": 0.0001,
                    "class_weight": "balanced", "device": "cpu",
                    "early_stopping": {"patience": 2, "validation_fraction": 0.2}}');
SELECT count(*) <= 30 AS stopped_in_time, bool_and(valid_loss IS NOT NULL) AS validated
  FROM finml.training_log WHERE model = 'mlp_options';
SELECT version FROM fin_train('mlp_options', 'applications', 'status', 'mlp',
       options => '{"positive": "bad", "exclude": ["id"], "optimizer": "sgd", "epochs": 2,
                    "class_weight": {"1": 3}, "loss": "cross_entropy", "beta1": 0.8, "beta2": 0.99}');
-- A regression: linear output, squared error.
SELECT task, metrics ? 'rmse' AS has_rmse
  FROM fin_train('mlp_price', 'applications', 'price', 'mlp',
                 options => '{"exclude": ["id", "status"], "epochs": 3}');
-- The report charts the training loss by epoch and describes the network.
SELECT (regexp_matches(fin_report('credit_mlp'), 'aria-label="([^"]*)"', 'g'))[1] AS chart;
SELECT substring(fin_report('credit_mlp') from 'Network</th><td>([^<]*)') AS network;
-- Integrated gradients: the rows of fin_explain add up to the log-odds within 1e-3.
SELECT count(*) AS applicants,
       max(abs(e.total - ln(p / (1 - p)))) < 1e-3 AS sums_to_log_odds
  FROM (SELECT * FROM applications WHERE id % 20 = 0) a,
       LATERAL (SELECT fin_predict('credit_mlp', a) AS p) q,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('credit_mlp', a, 3)) e;
SELECT count(*) AS features, bool_and(importance >= 0) AS non_negative FROM fin_importance('credit_mlp');
-- fin_drop_model takes the training log with it.
SELECT fin_drop_model('mlp_price');
SELECT count(*) AS log_rows_left FROM finml.training_epochs WHERE model = 'mlp_price';

-- A NOTICE per epoch, for a person watching a long training (numbers masked here).
\! psql -X -q -o /dev/null -d finml_regress -c "SELECT fin_train('mlp_notices', 'applications', 'status', 'mlp', options => '{\"positive\": \"bad\", \"exclude\": [\"id\"], \"epochs\": 3}')" 2>&1 | sed -E 's/[0-9]+\.[0-9]+/N/g'

-- Errors, each followed by its SQLSTATE.
\set VERBOSITY default
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "hidden": [50, 0]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "activation": "gelu"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "hiden": [50]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "l2": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'logistic', options => '{"positive": "bad", "epochs": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad_mlp', 'applications', 'price', 'mlp', options => '{"exclude": ["status"], "loss": "cross_entropy"}');
\echo :LAST_ERROR_SQLSTATE
-- CUDA in a build without the cuda feature (0A000), asked by option or by setting.
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "device": "cuda"}');
\echo :LAST_ERROR_SQLSTATE
SET finml.device = 'cuda';
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SET finml.device = 'gpu';
\echo :LAST_ERROR_SQLSTATE
RESET finml.device;
-- statement_timeout stops a long training between two batches (57014).
SET statement_timeout = '300ms';
SELECT * FROM fin_train('bad_mlp', 'applications', 'status', 'mlp', options => '{"positive": "bad", "epochs": 1000}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS bad_mlp_versions FROM finml.models WHERE name = 'bad_mlp';
RESET client_min_messages;
\i include/cleanup.sql
