-- The credit example (make demo): train a credit-risk model on "applications" and use it.
\pset footer off
CREATE EXTENSION IF NOT EXISTS finml;

\echo
\echo '== fin_train: logistic regression, stratified 70/30 split, seed 42'
SELECT model, version, algorithm, task, train_rows, test_rows
  FROM fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');

\echo '== test metrics (stored with the model)'
SELECT key AS metric, round(value::text::numeric, 4) AS value
  FROM finml.models, jsonb_each(metrics)
 WHERE name = 'credit_risk' AND deployed AND jsonb_typeof(value) = 'number'
 ORDER BY key;

\echo '== fin_predict: probability of "bad" for the first applications (row form)'
SELECT id, status, round(fin_predict('credit_risk', a)::numeric, 3) AS p_bad
  FROM applications a ORDER BY id LIMIT 8;

\echo '== the riskiest current applicants'
SELECT id, age, income, amount, records, job, round(fin_predict('credit_risk', a)::numeric, 3) AS p_bad
  FROM applications a ORDER BY fin_predict('credit_risk', a) DESC LIMIT 5;

\echo '== coefficients (original units), standard errors and odds ratios'
SELECT term, round(estimate::numeric, 5) AS estimate, round(std_error::numeric, 5) AS std_error,
       round(z::numeric, 2) AS z, round(p_value::numeric, 4) AS p_value,
       round(odds_ratio::numeric, 4) AS odds_ratio
  FROM fin_coefficients('credit_risk') ORDER BY abs(z) DESC NULLS LAST LIMIT 10;

\echo '== fin_evaluate on every labelled application, next to the metrics stored at training (30% test split)'
SELECT e.metric, round(e.value::numeric, 4) AS all_applications,
       round((m.metrics->>e.metric)::numeric, 4) AS stored_test_split
  FROM fin_evaluate('credit_risk', 'applications') e
  JOIN finml.models m ON m.name = 'credit_risk' AND m.deployed;

\echo '== confusion matrix at a 0.3 cut-off, calibration by deciles of risk, a coarse ROC curve'
SELECT * FROM fin_confusion('credit_risk', 'applications', 0.3);
SELECT bin, round(mean_predicted::numeric, 3) AS mean_p, round(observed_rate::numeric, 3) AS bad_rate, count
  FROM fin_calibration('credit_risk', 'applications');
SELECT round(threshold::numeric, 3) AS threshold, round(tpr::numeric, 3) AS tpr,
       round(fpr::numeric, 3) AS fpr, round(precision::numeric, 3) AS precision
  FROM fin_roc('credit_risk', 'applications', 6);

\echo '== why applicant 7 scores as it does: contributions to the log-odds, against the training mean'
SELECT e.feature, e.value, round(e.contribution::numeric, 4) AS contribution
  FROM applications a, fin_explain('credit_risk', a) e WHERE a.id = 7;
SELECT round(sum(e.contribution)::numeric, 6) AS sum_of_rows,
       round(ln(fin_predict('credit_risk', a) / (1 - fin_predict('credit_risk', a)))::numeric, 6) AS log_odds
  FROM applications a, fin_explain('credit_risk', a) e WHERE a.id = 7 GROUP BY a.*;

\echo '== global importance: the spread of the contributions of each feature over the training rows'
SELECT feature, round(importance::numeric, 4) AS importance FROM fin_importance('credit_risk');

\echo '== the model report: an HTML page for validators (written to /tmp/finml-credit_risk-report.html)'
\pset format unaligned
\pset tuples_only on
\o /tmp/finml-credit_risk-report.html
SELECT fin_report('credit_risk');
\o
\pset format aligned
\pset tuples_only off
SELECT length(fin_report('credit_risk')) AS report_bytes;

\echo '== fin_train: an MLP, the recipe (2 x 50 ReLU, dropout 0.2, Adam, 10 epochs, batch 32, 80/20 split)'
SELECT model, version, algorithm, train_rows, test_rows,
       round((metrics->>'auc')::numeric, 4) AS test_auc, metrics->>'device' AS device
  FROM fin_train('credit_mlp', 'applications', 'status', 'mlp',
                 options => '{"positive": "bad", "exclude": ["id"]}');
SELECT epoch, round(train_loss::numeric, 4) AS train_loss, round(seconds::numeric, 2) AS seconds
  FROM finml.training_log WHERE model = 'credit_mlp' ORDER BY epoch;

\echo '== the catalog: finml.models'
SELECT name, version, algorithm, task, deployed, trained_by, train_rows, test_rows
  FROM finml.models;

\echo
\echo '== fin_train: a credit scorecard (monotonic WoE bins, 600 points at 50:1, 20 points to double the odds)'
SELECT model, version, algorithm, train_rows, test_rows,
       round((metrics->>'auc')::numeric, 4) AS test_auc, round((metrics->>'ks')::numeric, 4) AS ks,
       round((metrics->>'gini')::numeric, 4) AS gini
  FROM fin_train('credit_card', 'applications', 'status', 'scorecard',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');

\echo '== the printed scorecard: income and home'
SELECT feature, bin, count, round(event_rate::numeric, 3) AS bad_rate, round(woe::numeric, 3) AS woe,
       round(iv::numeric, 4) AS iv, points
  FROM fin_scorecard('credit_card') WHERE feature IN ('income', 'home');

\echo '== information value per characteristic'
SELECT feature, round(sum(iv)::numeric, 3) AS iv FROM fin_scorecard('credit_card')
 GROUP BY feature ORDER BY sum(iv) DESC;

\echo '== scores of the first applications'
SELECT id, status, fin_score('credit_card', a) AS score,
       round(fin_predict('credit_card', a)::numeric, 3) AS p_bad
  FROM applications a ORDER BY id LIMIT 8;

\echo '== reason codes for the lowest-scoring applicant'
SELECT a.id, fin_score('credit_card', a) AS score, r.*
  FROM (SELECT * FROM applications a ORDER BY fin_score('credit_card', a), id LIMIT 1) a,
       fin_reason_codes('credit_card', a) r;

\echo '== population stability: young applicants against the training population'
CREATE OR REPLACE VIEW young_applicants AS SELECT * FROM applications WHERE age < 30;
SELECT feature, round(psi::numeric, 4) AS psi, status
  FROM fin_psi('credit_card', 'young_applicants');

\echo '== reporting: screen the candidate columns before modelling'
SELECT column_name, round(null_share::numeric, 3) AS null_share, distinct_values,
       round(iv::numeric, 3) AS iv, round(auc::numeric, 3) AS auc, action
  FROM fin_profile('applications', 'status', '{"positive": "bad", "exclude": ["id"]}');

\echo '== reporting: score the book into a table, with the version that scored each row'
DROP TABLE IF EXISTS book_scores;
SELECT fin_score_table('credit_card', 'applications', 'book_scores', '{"cutoff": 0.3}') AS rows_written;
SELECT id, round(probability::numeric, 3) AS p_bad, score, reasons, decision, model, version
  FROM book_scores ORDER BY id LIMIT 3;

\echo '== reporting: monitoring over twelve monthly cohorts (the rows in id order as 2026''s months; amount doubled and income cut by 30% from October), kept as history'
CREATE OR REPLACE VIEW monthly_applications AS
SELECT a.id, a.status, a.seniority, a.home, a.time, a.age, a.marital, a.records, a.job, a.expenses,
       CASE WHEN m.month >= date '2026-10-01' THEN a.income * 0.7 ELSE a.income END AS income,
       a.assets, a.debt,
       CASE WHEN m.month >= date '2026-10-01' THEN a.amount * 2 ELSE a.amount END AS amount,
       a.price, m.month + (a.id % 28) AS applied_on
  FROM applications a,
       LATERAL (SELECT (date '2026-01-01' + ((a.id - 1) * 12 / 4454) * interval '1 month')::date AS month) m;
SELECT period, rows, round(event_rate::numeric, 3) AS event_rate, round(auc::numeric, 3) AS auc,
       round(ks::numeric, 3) AS ks, round(psi::numeric, 3) AS psi, max_csi_feature,
       round(max_csi::numeric, 3) AS max_csi, status
  FROM fin_monitor('credit_card', 'monthly_applications', 'applied_on', '{"store": true}');
SELECT model, version, count(*) AS periods_kept FROM finml.monitoring GROUP BY model, version;

\echo '== reporting: the gains table of the logistic model'
SELECT band, round(min_probability::numeric, 3) AS p_from, round(max_probability::numeric, 3) AS p_to,
       rows, events, round(event_rate::numeric, 3) AS event_rate,
       round(cum_events_share::numeric, 3) AS events_captured, round(ks::numeric, 3) AS ks,
       round(lift::numeric, 2) AS lift
  FROM fin_gains('credit_risk', 'applications');

\echo '== reporting: the scorecard as SQL, for systems without finml (rows that differ from fin_score)'
SELECT fin_model_sql('credit_card', 'score') AS card_sql \gset
SELECT left(:'card_sql', 120) || ' ...' AS scorecard_as_sql;
SELECT count(*) AS rows, count(*) FILTER (WHERE fin_score('credit_card', a) <> (:card_sql)) AS differ
  FROM applications a;

\echo '== lifecycle: retrain (deployed only if at least as good), versions, a pinned version, rollback'
SELECT model, version, deployed, policy, metric, round(new_value::numeric, 4) AS new_value,
       deployed_version, round(deployed_value::numeric, 4) AS deployed_value
  FROM fin_retrain('credit_risk');
SELECT version FROM fin_train('credit_risk', 'applications', 'status', features => ARRAY['age', 'income'],
                              options => '{"positive": "bad", "deploy": "if_better"}');
SELECT name, version, deployed, owner, round((metrics->>'auc')::numeric, 4) AS test_auc
  FROM finml.models WHERE name = 'credit_risk' ORDER BY version;
SELECT id, round(fin_predict('credit_risk', a)::numeric, 4) AS deployed,
       round(fin_predict('credit_risk@3', a)::numeric, 4) AS version_3
  FROM applications a ORDER BY id LIMIT 3;
SELECT * FROM fin_rollback('credit_risk');

\echo '== export (the document fin_import reads in another database) and the audit log'
SELECT doc->>'format' AS format, doc->>'version' AS version, doc->>'model_format_version' AS model_format,
       length(doc::text) AS bytes, left(doc->>'model_sha256', 16) AS sha256
  FROM (SELECT fin_export('credit_risk') AS doc) e;
SELECT role, action, model, version, outcome, detail FROM finml.events ORDER BY at;
