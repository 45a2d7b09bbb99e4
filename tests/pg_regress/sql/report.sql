-- fin_report: one self-contained HTML page per model version. Its rendering is looked at
-- with headless Chromium (examples/credit/render_report.sh); here: its structure.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_card.sql
\i include/eval_models.sql
CREATE FUNCTION report_outline(html text) RETURNS TABLE (what text, n int) LANGUAGE sql AS $$
  SELECT 'sections', (SELECT count(*)::int FROM regexp_matches(html, '<h2>', 'g'))
  UNION ALL SELECT 'charts', (SELECT count(*)::int FROM regexp_matches(html, '<svg', 'g'))
  UNION ALL SELECT 'closed charts', (SELECT count(*)::int FROM regexp_matches(html, '</svg>', 'g'))
  UNION ALL SELECT 'NaN or inf', (SELECT count(*)::int FROM regexp_matches(html, 'NaN|inf\b', 'g'))
  UNION ALL SELECT 'scripts or links', (SELECT count(*)::int FROM regexp_matches(html, '<script|<link|src=', 'g'))
$$;
SELECT fin_report('eval_oot') AS html \gset
SELECT * FROM report_outline(:'html');
SELECT (regexp_matches(:'html', '<h2>([^<]*)', 'g'))[1] AS section;
SELECT (regexp_matches(:'html', 'aria-label="([^"]*)"', 'g'))[1] AS chart;
SELECT :'html' LIKE '<!DOCTYPE html>%' AS is_html,
       :'html' LIKE '%eval_oot version 1%' AS names_the_version,
       :'html' LIKE '%<td>hosmer_lemeshow</td>%' AS has_hosmer_lemeshow,
       :'html' LIKE '%<td>records=yes</td>%' AS has_coefficients;
-- A scorecard's report prints its points; a regression has no classification charts, but one
-- of its test rows' mean predicted against mean actual value, by group of predicted value.
SELECT (regexp_matches(fin_report('credit_card'), '<h2>([^<]*)', 'g'))[1] AS card_section;
SELECT * FROM report_outline(fin_report('eval_price'));
SELECT (regexp_matches(fin_report('eval_price'), '<h2>([^<]*)', 'g'))[1] AS regression_section,
       fin_report('eval_price') LIKE '%aria-label="Predicted against actual"%' AS predicted_actual_chart;
-- A pinned version that is not deployed says which one is; names are escaped.
SELECT version FROM fin_train('report <b>&', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "deploy": "never"}');
SELECT version FROM fin_train('report <b>&', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"]}');
SELECT fin_report('report <b>&@1') LIKE '%not deployed (version 2 is)%' AS says_deployed,
       fin_report('report <b>&@1') LIKE '%report &lt;b&gt;&amp; version 1%' AS escaped,
       fin_report('report <b>&@1') NOT LIKE '%<b>&%' AS no_raw_markup;
-- Errors, each followed by its SQLSTATE.
\set VERBOSITY default
SELECT fin_report('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_report('eval_oot@9');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
