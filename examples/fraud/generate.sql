-- Card transactions with 0.5% fraud (make example-fraud), generated with a fixed seed so that
-- every run gives the same 200,000 rows. No real data: the mechanism is documented here and in
-- examples/fraud/README.md.
--
-- 5,000 cardholders, each with a typical amount (log-normal, median 33). A transaction is
-- fraudulent with probability 0.5%, independently. Genuine transactions: the amount is the
-- cardholder's typical amount times a log-normal factor (median 1); 90% daytime; spread over
-- grocery, fuel, restaurant, online, electronics, travel and atm; card present unless online;
-- 3% abroad (50% for travel); close to home (far when travelling); hours between
-- transactions; rarely more than one in the last hour. Fraud (a stolen card or card number used quickly): the amount is a larger
-- multiple of the typical amount (median 2.2×, often below it); 45% at night; online (35%) and
-- electronics (20%) more often, but every category occurs; card not present 60% of the time;
-- abroad 20%; farther from home (mean 120 km against 15); 45 minutes since the last
-- transaction on average (against 10 hours); more transactions in the last hour. Every signal
-- also occurs in genuine transactions (night shopping, travel abroad and far from home, large
-- online purchases), and many frauds show only some of them, so no single rule finds fraud.
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS transactions CASCADE;
SELECT setseed(0.2026) AS seed \gset
CREATE TABLE transactions AS
WITH draws AS (
  SELECT n AS id,
         1 + (n * 7919) % 5000 AS customer_id,
         random() < 0.005 AS is_fraud,
         -- Two standard normals by Box-Muller, and uniforms, drawn in a fixed order.
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
         random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5,
         random() AS u6
    FROM generate_series(1, 200000) AS n
), customers AS (
  SELECT c AS customer_id, exp(3.5 + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS typical
    FROM generate_series(1, 5000) AS c
), shaped AS (
  SELECT d.*, c.typical,
         CASE WHEN d.is_fraud THEN
                CASE WHEN d.u1 < 0.35 THEN 'online' WHEN d.u1 < 0.55 THEN 'electronics'
                     WHEN d.u1 < 0.65 THEN 'atm' WHEN d.u1 < 0.70 THEN 'travel'
                     WHEN d.u1 < 0.80 THEN 'restaurant' WHEN d.u1 < 0.90 THEN 'grocery'
                     ELSE 'fuel' END
              ELSE
                CASE WHEN d.u1 < 0.30 THEN 'grocery' WHEN d.u1 < 0.45 THEN 'fuel'
                     WHEN d.u1 < 0.60 THEN 'restaurant' WHEN d.u1 < 0.80 THEN 'online'
                     WHEN d.u1 < 0.85 THEN 'electronics' WHEN d.u1 < 0.90 THEN 'travel'
                     ELSE 'atm' END
         END AS category
    FROM draws d JOIN customers c USING (customer_id)
)
SELECT id, customer_id,
       round((typical * CASE WHEN is_fraud THEN exp(0.8 + 0.9 * z1) ELSE exp(0.6 * z1) END)::numeric, 2) AS amount,
       CASE WHEN is_fraud THEN exp(0.8 + 0.9 * z1) ELSE exp(0.6 * z1) END AS amount_ratio,
       CASE WHEN u2 < CASE WHEN is_fraud THEN 0.45 ELSE 0.06 END THEN floor(u3 * 6)::int
            WHEN u2 < CASE WHEN is_fraud THEN 0.55 ELSE 0.10 END THEN floor(u3 * 24)::int
            ELSE 8 + floor(u3 * 14)::int END AS hour,
       category,
       CASE WHEN is_fraud THEN u4 >= 0.60
            WHEN category = 'online' THEN false
            ELSE u4 < 0.95 END AS card_present,
       CASE WHEN is_fraud THEN u5 < 0.2
            WHEN category = 'travel' THEN u5 < 0.5
            ELSE u5 < 0.03 END AS abroad,
       round((CASE WHEN is_fraud THEN -120 * ln(1 - u6)
                   WHEN category = 'travel' THEN -500 * ln(1 - u6)
                   ELSE -15 * ln(1 - u6) END)::numeric, 1)::float8 AS distance_km,
       round((CASE WHEN is_fraud THEN -45 * ln(1 - u2 * u3) ELSE -600 * ln(1 - u2 * u3) END)::numeric, 1)::float8 AS minutes_since_last,
       floor(CASE WHEN is_fraud THEN -1.2 ELSE -0.5 END * ln(1 - u4))::int AS txns_last_hour,
       is_fraud
  FROM shaped ORDER BY id;
ALTER TABLE transactions ADD PRIMARY KEY (id);
-- The first 160,000 transactions train, the last 40,000 test (out of time).
-- Only 5% of the training transactions have a known outcome in the semi-supervised case:
-- fraud_known is is_fraud for them and NULL for the rest.
ALTER TABLE transactions ADD COLUMN fraud_known boolean;
UPDATE transactions SET fraud_known = is_fraud WHERE id <= 160000 AND id % 20 = 0;
ANALYZE transactions;
SELECT count(*) AS transactions, sum(is_fraud::int) AS frauds,
       round(avg(is_fraud::int)::numeric, 4) AS fraud_rate,
       count(fraud_known) AS labelled_for_self_training
  FROM transactions;
