-- A generated loan book for the IFRS 9 example (make example-ecl): 30,000 loans originated
-- month by month from January 2021 (month 0) to December 2024 (month 47), each followed month
-- by month to its default, prepayment or maturity. Seeded: every run gives the same rows. No
-- real data: the process is documented here and in examples/ecl/README.md.
--
-- At origination: a credit score ~ N(690, 50) within [500, 850], a debt-to-income ratio
-- uniform in [0.05, 0.55], a loan-to-value ratio uniform in [0.4, 1.0], a term of 36 or 60
-- months (half each), an amount log-normal around 15,000, and one of 8 regions whose
-- unemployment rate is 3.5% to 7.0%.
-- Default: a monthly hazard h(t) = h0(t) · exp(−0.012·(score − 690) + 2·(dti − 0.3)
-- + 1.5·(ltv − 0.7) + 0.25·(unemployment − 5)) at month on book t, with the seasoning curve
-- h0(t) = 0.004·(t/12)·exp(1 − t/12) + 0.001 (highest in the first year). The default month is
-- the first whose cumulative hazard passes an exponential draw. Prepayment: 1.2% a month,
-- independently; a loan that neither defaults nor prepays matures at its term.
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS loans CASCADE;
SELECT setseed(0.2027) AS seed \gset
CREATE TABLE loans AS
WITH drawn AS (
  SELECT n AS loan_id,
         (n - 1) % 48 AS origination_month,
         least(850, greatest(500, round(690 + 50 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))) AS score,
         round((0.05 + 0.5 * random())::numeric, 3)::float8 AS dti,
         round((0.4 + 0.6 * random())::numeric, 3)::float8 AS ltv,
         CASE WHEN random() < 0.5 THEN 36 ELSE 60 END AS term,
         1 + floor(8 * random())::int AS region,
         round(exp(ln(15000) + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::float8 AS amount,
         -ln(1 - random()) AS default_draw,
         random() AS prepay_draw
    FROM generate_series(1, 30000) AS n
)
SELECT d.*, 3.0 + 0.5 * d.region AS unemployment,
       exp(-0.012 * (d.score - 690) + 2 * (d.dti - 0.3) + 1.5 * (d.ltv - 0.7)
           + 0.25 * (3.0 + 0.5 * d.region - 5)) AS relative_hazard,
       ceil(ln(1 - d.prepay_draw) / ln(1 - 0.012))::int AS prepay_month
  FROM drawn d;
-- The default month: the first month on book whose cumulative hazard reaches the draw.
CREATE TEMP TABLE default_months AS
  SELECT loan_id, min(t) AS default_month
    FROM (SELECT l.loan_id, l.default_draw, t,
                 sum((0.004 * (t / 12.0) * exp(1 - t / 12.0) + 0.001) * l.relative_hazard)
                   OVER (PARTITION BY l.loan_id ORDER BY t) AS cumulative_hazard
            FROM loans l, generate_series(1, l.term) AS t) h
   WHERE cumulative_hazard >= default_draw
   GROUP BY loan_id;
ALTER TABLE loans ADD COLUMN default_month int, ADD COLUMN exit_month int, ADD COLUMN defaulted boolean;
UPDATE loans l SET default_month = d.default_month FROM default_months d WHERE d.loan_id = l.loan_id;
-- The month on book the loan leaves: its default, its prepayment or its maturity.
UPDATE loans SET exit_month = least(coalesce(default_month, term + 1), prepay_month, term),
                 defaulted = coalesce(default_month, term + 1) <= least(prepay_month, term);
ALTER TABLE loans ADD PRIMARY KEY (loan_id);
ALTER TABLE loans DROP COLUMN default_draw, DROP COLUMN prepay_draw, DROP COLUMN relative_hazard;
ANALYZE loans;
