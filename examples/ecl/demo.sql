-- The IFRS 9 provision of a loan book (make example-ecl), on the loans generate.sql made:
-- a Cox model of lifetime default risk from the performance history, its coefficients
-- against the generator's, its calibration by horizon against Kaplan-Meier, stage
-- allocation and ECL at two quarter ends over three macro scenarios, and the quarter-on-quarter
-- movement of the provision.
\pset footer off
SET client_min_messages = warning;
\set window_start 12
\set q3 44
\set q4 47
-- Month 12 is January 2022, when the performance history starts; month 44 is the end of
-- September 2024 (Q3), month 47 the end of December 2024 (Q4).
CREATE EXTENSION IF NOT EXISTS finml;

\echo '== The performance history as of Q3: months on book to default or to the end of September 2024'
\echo '   (loans originated before 2022 that were still on the book enter late: left truncation)'
DROP TABLE IF EXISTS loan_history;
CREATE TABLE loan_history AS
SELECT loan_id, score, dti, ltv, term, unemployment,
       least(exit_month, :q3 - origination_month) AS months_on_book,
       defaulted AND exit_month <= :q3 - origination_month AS defaulted,
       greatest(0, :window_start - origination_month) AS entry_months
  FROM loans
 WHERE origination_month < :q3
   AND origination_month + exit_month > :window_start
   AND least(exit_month, :q3 - origination_month) > greatest(0, :window_start - origination_month);
ALTER TABLE loan_history ADD PRIMARY KEY (loan_id);
SELECT count(*) AS loans, count(*) FILTER (WHERE defaulted) AS defaults,
       count(*) FILTER (WHERE entry_months > 0) AS entered_late
  FROM loan_history;

\echo '== A Cox model of the time to default'
SELECT model, version, algorithm, train_rows, test_rows,
       round((metrics->>'concordance')::numeric, 3) AS concordance,
       round((metrics->>'predicted_pd')::numeric, 4) AS predicted_12m_pd,
       round((metrics->>'observed_pd')::numeric, 4) AS kaplan_meier_12m_pd
  FROM fin_train('lifetime_pd', 'loan_history', 'defaulted', 'cox',
                 features => ARRAY['score', 'dti', 'ltv', 'term', 'unemployment'],
                 options => '{"duration": "months_on_book", "entry": "entry_months",
                              "horizon": 12}');
\echo '   Its coefficients against the generator''s log hazard ratios'
SELECT c.term, round(c.estimate::numeric, 4) AS estimate, round(c.std_error::numeric, 4) AS std_error,
       t.truth
  FROM fin_coefficients('lifetime_pd') c
  JOIN (VALUES ('score', -0.012), ('dti', 2.0), ('ltv', 1.5), ('term', 0.0),
               ('unemployment', 0.25)) AS t(term, truth) USING (term);

\echo '== Calibration by horizon: mean predicted cumulative PD against Kaplan-Meier, on the loans'
\echo '   originated since 2022 (observed from their first month)'
WITH cohort AS (SELECT * FROM loan_history WHERE entry_months = 0),
steps AS (
  SELECT t, count(*) FILTER (WHERE months_on_book = t AND defaulted) AS defaults,
         count(*) FILTER (WHERE months_on_book >= t) AS at_risk
    FROM cohort, generate_series(1, 30) AS t GROUP BY t),
km AS (
  SELECT t, exp(sum(ln(1 - defaults::float8 / at_risk)) OVER (ORDER BY t)) AS survival
    FROM steps WHERE at_risk > 0)
SELECT t AS horizon_months, round((1 - survival)::numeric, 4) AS kaplan_meier_pd,
       (SELECT round(avg(fin_pd('lifetime_pd', c, t))::numeric, 4) FROM cohort c) AS predicted_pd
  FROM km WHERE t IN (6, 12, 24, 30) ORDER BY t;

\echo '== One loan''s PD term structure (every sixth month)'
SELECT period, round(hazard::numeric, 5) AS hazard, round(cumulative_pd::numeric, 4) AS cumulative_pd
  FROM loan_history l, fin_pd_curve('lifetime_pd', l, 60)
 WHERE l.loan_id = 100 AND period % 6 = 0;

-- The book at a quarter end R: the loans on it (performing, or defaulted within the last six
-- months and still in workout), with their current score (refreshed: loans heading to default
-- see it fall), balance (amortizing straight-line), LGD from the loan-to-value ratio, a 7%
-- effective rate, the remaining term, days past due (a loan two or three months from its
-- default is 60 or 30 days past due; 1% of the others are 30 days late and cure), and the
-- lifetime PD the model gives the loan as it was at origination, over its full term.
DROP TABLE IF EXISTS reporting CASCADE;
CREATE TABLE reporting (month int NOT NULL);
INSERT INTO reporting VALUES (:q3);
CREATE VIEW book_at_reporting AS
SELECT l.loan_id,
       l.score + CASE WHEN l.defaulted AND l.origination_month + l.exit_month - r.month BETWEEN 1 AND 12
                      THEN -60 ELSE 0 END
         + ((hashtext(l.loan_id::text || '/' || r.month) & 1023) / 1023.0 - 0.5) * 30 AS score,
       l.dti, l.ltv, l.term, l.unemployment,
       l.amount * greatest(0.0, 1 - least(r.month - l.origination_month, l.exit_month)::float8 / l.term) AS balance,
       least(0.9, greatest(0.1, 0.6 * l.ltv)) AS lgd,
       greatest(1, l.term - (r.month - l.origination_month)) AS remaining_months,
       CASE WHEN l.defaulted AND l.origination_month + l.exit_month - r.month BETWEEN 1 AND 2 THEN 60
            WHEN l.defaulted AND l.origination_month + l.exit_month - r.month = 3 THEN 30
            WHEN (hashtext(l.loan_id::text || '/dpd/' || r.month) & 1023) < 10 THEN 30
            ELSE 0 END AS days_past_due,
       l.defaulted AND l.origination_month + l.exit_month <= r.month AS in_default,
       fin_pd('lifetime_pd', o, l.term) AS pd_at_origination
  FROM loans l CROSS JOIN reporting r
       CROSS JOIN LATERAL (SELECT l.score, l.dti, l.ltv, l.term, l.unemployment) o
 WHERE l.origination_month < r.month
   AND (l.origination_month + l.exit_month > r.month
        OR (l.defaulted AND l.origination_month + l.exit_month > r.month - 6));
DROP TABLE IF EXISTS book_q3, book_q4;
CREATE TABLE book_q3 AS SELECT * FROM book_at_reporting;
UPDATE reporting SET month = :q4;
CREATE TABLE book_q4 AS SELECT * FROM book_at_reporting;
ALTER TABLE book_q3 ADD PRIMARY KEY (loan_id);
ALTER TABLE book_q4 ADD PRIMARY KEY (loan_id);

\set ecl_options '{"ead": "balance", "lgd": "lgd", "eir": 0.07, "remaining_term": "remaining_months", "origination_pd": "pd_at_origination", "days_past_due": "days_past_due", "in_default": "in_default", "sicr_ratio": 2, "periods_per_year": 12, "scenarios": [{"name": "base", "weight": 0.6}, {"name": "adverse", "weight": 0.3, "shift": {"unemployment": 2}}, {"name": "upside", "weight": 0.1, "shift": {"unemployment": -1}}]}'
\echo '== ECL by stage at Q4 (three scenarios: base 60%, adverse 30% with unemployment +2 points, upside 10% with -1)'
SELECT coalesce(stage::text, 'all') AS stage, loans, round(exposure) AS exposure, round(ecl) AS ecl,
       round((100 * coverage)::numeric, 2) AS coverage_percent
  FROM fin_ecl_summary('lifetime_pd', 'book_q4', :'ecl_options');

\echo '== Quarter-on-quarter movement of the provision, Q3 to Q4'
DROP TABLE IF EXISTS ecl_q3, ecl_q4;
CREATE TABLE ecl_q3 AS SELECT * FROM fin_ecl('lifetime_pd', 'book_q3', :'ecl_options');
SELECT clock_timestamp() AS started \gset
CREATE TABLE ecl_q4 AS SELECT * FROM fin_ecl('lifetime_pd', 'book_q4', :'ecl_options');
SELECT count(*) AS q4_loans,
       round(extract(epoch FROM clock_timestamp() - :'started'::timestamptz)::numeric, 2) AS fin_ecl_seconds
  FROM ecl_q4;
WITH moved AS (
  SELECT CASE WHEN q3.loan IS NULL THEN 'new loans'
              WHEN q4.loan IS NULL THEN 'derecognised (repaid, matured, written off)'
              WHEN q3.stage = q4.stage THEN 'stayed in stage ' || q3.stage
              ELSE 'stage ' || q3.stage || ' to ' || q4.stage END AS movement,
         coalesce(q3.ecl, 0) AS opening, coalesce(q4.ecl, 0) AS closing
    FROM ecl_q3 q3 FULL JOIN ecl_q4 q4 USING (loan))
SELECT movement, count(*) AS loans, round(sum(opening)) AS q3_ecl, round(sum(closing)) AS q4_ecl,
       round(sum(closing - opening)) AS change
  FROM moved GROUP BY movement
 UNION ALL
SELECT 'total', count(*), round(sum(opening)), round(sum(closing)), round(sum(closing - opening))
  FROM moved
 ORDER BY 1;
