-- Fair-lending tests: fin_fairness. References: fairlearn 0.15 on the credit data in the
-- models crate's test (models/tests/fairness.rs, reference/fairness.py beside it, 1e-9); here
-- the same rates recomputed in SQL from fin_predict over the same rows (1e-12; Cohen's d
-- 1e-9), each group's AUC as fin_evaluate gives it, and every refusal.
-- Stands alone: it commits (roles), and cleans up at its end.
\i include/credit.sql
-- A model that does not read the protected attributes, which live in a table of their own
-- that only the fairness role reads; the analysts read the applications.
SELECT test_rows FROM fin_train('fair_credit', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id", "age", "marital"], "protected": ["age", "marital"],
                    "test_size": 0.3, "seed": 42}');
SELECT features, options->'protected' AS protected FROM finml.models WHERE name = 'fair_credit';
CREATE TABLE applicant_protected AS SELECT id, age, marital FROM applications;
CREATE ROLE fair_officer NOLOGIN;
CREATE ROLE fair_analyst NOLOGIN;
REVOKE ALL ON applicant_protected FROM PUBLIC;
GRANT SELECT ON applicant_protected TO fair_officer;
GRANT SELECT ON applications TO fair_officer, fair_analyst;
SELECT fin_grant('fair_credit', 'fair_officer'), fin_grant('fair_credit', 'fair_analyst');
-- Read with the caller's rights: a security_invoker view joins them.
CREATE VIEW fair_sample WITH (security_invoker = true) AS
  SELECT a.id, a.status, a.seniority, a.home, a.time, a.records, a.job, a.expenses, a.income,
         a.assets, a.debt, a.amount, a.price, p.age, p.marital
    FROM applications a JOIN applicant_protected p USING (id);
GRANT SELECT ON fair_sample TO fair_officer, fair_analyst;

SET ROLE fair_officer;
CREATE TEMP TABLE fair AS
  SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age', 'marital'],
                             '{"cutoff": 0.3, "bands": {"age": [25, 35, 50, 65]}}');
RESET ROLE;
SELECT attribute, grp, is_reference AS ref, rows, events, round(approval_rate::numeric, 4) AS approval,
       round(adverse_impact_ratio::numeric, 4) AS air, adverse_impact AS under_4_5,
       round(parity_difference::numeric, 4) AS parity, round(tpr::numeric, 4) AS tpr,
       round(fpr::numeric, 4) AS fpr, round(equal_opportunity_difference::numeric, 4) AS eq_opp,
       round(average_odds_difference::numeric, 4) AS avg_odds, round(auc::numeric, 4) AS auc,
       round(mean_predicted::numeric, 4) AS mean_p, round(observed_rate::numeric, 4) AS observed,
       round(standardized_mean_difference::numeric, 4) AS smd
  FROM fair;
SELECT DISTINCT attribute, round(demographic_parity_difference::numeric, 4) AS dp_diff,
       round(demographic_parity_ratio::numeric, 4) AS dp_ratio,
       round(equalized_odds_difference::numeric, 4) AS eo_diff,
       round(equalized_odds_ratio::numeric, 4) AS eo_ratio
  FROM fair ORDER BY 1;

-- The same rates from fin_predict in SQL: approved below the cutoff, the favourable outcome
-- 'good' (true positive rate: approvals of the good; false: of the bad).
CREATE TEMP TABLE fair_rows AS
  SELECT CASE WHEN age < 25 THEN '<25' WHEN age < 35 THEN '[25,35)' WHEN age < 50 THEN '[35,50)'
              WHEN age < 65 THEN '[50,65)' ELSE '>=65' END AS age_band,
         marital, fin_predict('fair_credit', a) AS p, status = 'bad' AS bad
    FROM applications a;
CREATE TEMP TABLE fair_sql AS
  SELECT 'age' AS attribute, age_band AS grp, count(*) AS n, avg((p < 0.3)::int) AS approval,
         avg((p < 0.3)::int) FILTER (WHERE NOT bad) AS tpr, avg((p < 0.3)::int) FILTER (WHERE bad) AS fpr,
         avg(p) AS mean_p, avg(bad::int) AS observed, var_samp(p) AS var_p
    FROM fair_rows GROUP BY age_band
  UNION ALL
  SELECT 'marital', marital, count(*), avg((p < 0.3)::int),
         avg((p < 0.3)::int) FILTER (WHERE NOT bad), avg((p < 0.3)::int) FILTER (WHERE bad),
         avg(p), avg(bad::int), var_samp(p)
    FROM fair_rows GROUP BY marital;
SELECT f.attribute, count(*) AS groups,
       bool_and(f.rows = s.n AND abs(f.approval_rate - s.approval) < 1e-12) AS approval_same,
       bool_and(coalesce(abs(f.tpr - s.tpr) < 1e-12, f.tpr IS NULL AND s.tpr IS NULL)) AS tpr_same,
       bool_and(coalesce(abs(f.fpr - s.fpr) < 1e-12, f.fpr IS NULL AND s.fpr IS NULL)) AS fpr_same,
       bool_and(abs(f.mean_predicted - s.mean_p) < 1e-12 AND abs(f.observed_rate - s.observed) < 1e-12) AS calibration_same,
       bool_and(abs(f.approval_rate / r.approval - f.adverse_impact_ratio) < 1e-12
                AND abs(f.approval_rate - r.approval - f.parity_difference) < 1e-12) AS impact_same,
       bool_and(f.adverse_impact = (f.adverse_impact_ratio < 0.8)) AS four_fifths,
       bool_and(coalesce(abs(f.equal_opportunity_difference - (s.tpr - r.tpr)) < 1e-12
                AND abs(f.average_odds_difference - ((s.tpr - r.tpr) + (s.fpr - r.fpr)) / 2) < 1e-12,
                f.average_odds_difference IS NULL)) AS odds_same,
       -- Cohen's d: the difference of mean scores over the pooled standard deviation.
       bool_and(coalesce(abs(f.standardized_mean_difference - (s.mean_p - r.mean_p)
                / sqrt(((s.n - 1) * coalesce(s.var_p, 0) + (r.n - 1) * r.var_p) / (s.n + r.n - 2))) < 1e-9,
                f.standardized_mean_difference IS NULL)) AS smd_same,
       -- The reference group: the highest approval rate.
       bool_and(r.approval = (SELECT max(approval) FROM fair_sql m WHERE m.attribute = f.attribute)) AS reference_highest,
       -- fairlearn's demographic parity: the largest approval rate minus the smallest.
       bool_and(abs(f.demographic_parity_difference
                - ((SELECT max(approval) - min(approval) FROM fair_sql m WHERE m.attribute = f.attribute))) < 1e-12) AS parity_spread
  FROM fair f
  JOIN fair_sql s ON s.attribute = f.attribute AND s.grp IS NOT DISTINCT FROM f.grp
  JOIN fair g ON g.attribute = f.attribute AND g.is_reference
  JOIN fair_sql r ON r.attribute = g.attribute AND r.grp IS NOT DISTINCT FROM g.grp
 GROUP BY f.attribute ORDER BY 1;
-- Each group's AUC is fin_evaluate's on that group's rows.
CREATE VIEW fair_single WITH (security_invoker = true) AS SELECT * FROM fair_sample WHERE marital = 'single';
SELECT abs(f.auc - e.value) < 1e-12 AS auc_as_evaluated
  FROM fair f, fin_evaluate('fair_credit', 'fair_single') e
 WHERE f.attribute = 'marital' AND f.grp = 'single' AND e.metric = 'auc';

-- A named reference group and another threshold; a model of the good outcome approves from
-- the cutoff on.
SELECT grp, is_reference, round(adverse_impact_ratio::numeric, 4) AS air, adverse_impact
  FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['marital'],
                    '{"cutoff": 0.3, "reference": "married", "impact_ratio_threshold": 0.9}');
SELECT test_rows FROM fin_train('fair_good', 'applications', 'status',
       options => '{"positive": "good", "exclude": ["id", "age", "marital"], "test_size": 0.3, "seed": 42}');
SELECT bool_and(abs(b.approval_rate - s.approval) < 1e-12) AS approved_from_the_cutoff,
       bool_and(abs(b.tpr - s.tpr) < 1e-12 AND abs(b.fpr - s.fpr) < 1e-12) AS favourable_is_good,
       bool_and(a.rows - a.events = b.events) AS events_turned
  FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['marital'], '{"cutoff": 0.3}') a
  JOIN fin_fairness('fair_good', 'fair_sample', ARRAY['marital'], '{"cutoff": 0.7, "approve": "above"}') b
    USING (attribute, grp)
  JOIN (SELECT marital AS grp, avg((p >= 0.7)::int) AS approval,
               avg((p >= 0.7)::int) FILTER (WHERE status = 'good') AS tpr,
               avg((p >= 0.7)::int) FILTER (WHERE status = 'bad') AS fpr
          FROM (SELECT marital, status, fin_predict('fair_good', a) AS p FROM applications a) g
         WHERE marital IS NOT NULL GROUP BY marital) s USING (grp);

-- Refusals.
\set VERBOSITY terse
SET ROLE fair_analyst;
SELECT count(*) FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age'], '{"cutoff": 0.3}');
RESET ROLE;
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age'], '{}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age'], '{"cutoff": 0.3, "cut": 1}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['sex'], '{"cutoff": 0.3}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age', NULL], '{"cutoff": 0.3}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY[]::text[], '{"cutoff": 0.3}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age', 'age'], '{"cutoff": 0.3}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['marital'], '{"cutoff": 0.3, "bands": {"marital": [1]}}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['marital'], '{"cutoff": 0.3, "reference": "wed"}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['id'], '{"cutoff": 0.3}');
SELECT * FROM fin_fairness('fair_credit', 'fair_sample', ARRAY['age'], '{"cutoff": 1e308}');
CREATE TEMP VIEW fair_dated AS SELECT s.*, date '2020-01-01' + id AS applied FROM fair_sample s;
SELECT * FROM fin_fairness('fair_credit', 'fair_dated', ARRAY['applied'], '{"cutoff": 0.3}');
SELECT test_rows FROM fin_train('fair_amount', 'applications', 'amount', features => ARRAY['seniority', 'time']);
SELECT * FROM fin_fairness('fair_amount', 'applications', ARRAY['marital'], '{"cutoff": 0.3}');
-- Protected attributes stay out of the models: a training that would read one is refused,
-- and so is a retrain of a version whose options name them.
SELECT * FROM fin_train('fair_protected', 'applications', 'status',
                        options => '{"positive": "bad", "exclude": ["id"], "protected": ["age", "marital"]}');
SELECT * FROM fin_train('fair_protected', 'applications', 'status', features => ARRAY['seniority', 'age'],
                        options => '{"positive": "bad", "protected": ["age"]}');
SELECT * FROM fin_train('fair_protected', 'applications', 'status', options => '{"positive": "bad", "protected": ["sex"]}');
SELECT * FROM fin_retrain('fair_credit', '{"exclude": ["id"]}');
-- NULL arguments: STRICT, no rows.
SELECT count(*) FROM fin_fairness('fair_credit', 'fair_sample', NULL, '{"cutoff": 0.3}');
\set VERBOSITY default

SELECT fin_drop_model('fair_credit'), fin_drop_model('fair_good'), fin_drop_model('fair_amount');
-- The proxy screen (fin_profile with options.protected), read as the fairness role: the
-- protected attributes are no candidates, and each candidate's association with each is
-- listed (models/tests/proxy.rs checks every measure against scipy, scikit-learn and numpy
-- at 1e-9; here, at the 4 decimals printed: Cramér's V recomputed in SQL, |r| as corr()).
SET ROLE fair_officer;
CREATE TEMP TABLE screened AS
SELECT column_name, protected_association, proxy_for, action
  FROM fin_profile('fair_sample', 'status',
                   '{"positive": "bad", "exclude": ["id"], "protected": ["age", "marital"],
                     "bands": {"age": [25, 35, 50, 65]}}');
SELECT * FROM screened ORDER BY column_name;
WITH t AS (SELECT home, marital, count(*)::float8 AS o FROM fair_sample
            WHERE home IS NOT NULL AND marital IS NOT NULL GROUP BY 1, 2),
     r AS (SELECT home, sum(o) AS rt FROM t GROUP BY 1),
     c AS (SELECT marital, sum(o) AS ct FROM t GROUP BY 1),
     n AS (SELECT sum(o) AS n FROM t)
SELECT abs(sqrt((sum(o * o * n / (rt * ct)) - n)
               / (n * (least((SELECT count(*) FROM r), (SELECT count(*) FROM c)) - 1)))
           - (SELECT substring(protected_association FROM 'marital: cramers_v ([0-9.]+)')::float8
                FROM screened WHERE column_name = 'home')) < 5e-5 AS cramers_v_as_sql
  FROM t JOIN r USING (home) JOIN c USING (marital), n GROUP BY n;
SELECT abs((SELECT abs(corr(seniority, age)) FROM fair_sample)
           - substring(protected_association FROM 'age: abs_pearson ([0-9.]+)')::float8) < 5e-5 AS r_as_corr,
       proxy_for, action
  FROM fin_profile('fair_sample', 'status',
                   '{"positive": "bad", "exclude": ["id"], "protected": ["age"], "proxy_threshold": 0.5}')
 WHERE column_name = 'seniority';
-- Refusals: bands of an attribute not protected, or of a text one, a threshold out of (0, 1]
-- (22023); a text attribute with more than 100 groups (22000: an identifier; a number is
-- screened as a number); a protected column that does not exist (42703).
SELECT count(*) FROM fin_profile('fair_sample', 'status', '{"positive": "bad", "protected": ["age"], "bands": {"income": [1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_profile('fair_sample', 'status', '{"positive": "bad", "protected": ["marital"], "bands": {"marital": [1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_profile('fair_sample', 'status', '{"positive": "bad", "protected": ["age"], "proxy_threshold": 2}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW tagged AS SELECT s.*, s.id::text AS tag FROM fair_sample s;
SELECT count(*) FROM fin_profile('tagged', 'status', '{"positive": "bad", "exclude": ["id"], "protected": ["tag"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_profile('fair_sample', 'status', '{"positive": "bad", "protected": ["no_such"]}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP TABLE screened;
DROP TABLE fair;
\i include/cleanup.sql
DROP ROLE fair_officer, fair_analyst;
