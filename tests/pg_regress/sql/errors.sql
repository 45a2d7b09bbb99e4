-- Every user mistake is an ERROR with its SQLSTATE and a hint; never a crash or XX000.
-- Each statement is followed by the SQLSTATE it raised.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_risk.sql
\i include/targets.sql
\set VERBOSITY default
CREATE TABLE odd (
    id int, x float8, y int, label text, multi text, d date, one_class int, big numeric
);
INSERT INTO odd SELECT i, i % 10, (i % 2), CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END,
                       (ARRAY['a', 'b', 'c'])[i % 3 + 1], date '2024-01-01' + i, 1, i
                  FROM generate_series(1, 100) i;

-- unknown model: 42704
SELECT fin_predict('no_such_model', ARRAY[1.0]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_coefficients('no_such_model');
\echo :LAST_ERROR_SQLSTATE
-- a model whose only version was not deployed: 42704
SELECT version FROM fin_train('never_deployed', 'odd', 'y', features => ARRAY['x'], options => '{"deploy": false}');
SELECT fin_predict('never_deployed', ARRAY[1.0]::float8[]);
\echo :LAST_ERROR_SQLSTATE

-- unknown relation (PostgreSQL's own regclass error): 42P01
SELECT * FROM fin_train('m', 'no_such_table', 'y');
\echo :LAST_ERROR_SQLSTATE
-- unknown column: 42703 (target, feature, exclude, order_by, split column)
SELECT * FROM fin_train('m', 'odd', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['x', 'nope']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"exclude": ["nope"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"order_by": "nope"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"split": {"column": "nope", "test_from": "1"}}');
\echo :LAST_ERROR_SQLSTATE
-- a row without a column the model needs: 42703
SELECT fin_predict('credit_risk', t) FROM (SELECT 1 AS seniority) t;
\echo :LAST_ERROR_SQLSTATE

-- an anonymous ROW(...) has no column names (f1, f2): 42703
SELECT fin_predict('flag', ROW(9, 129));
\echo :LAST_ERROR_SQLSTATE

-- wrong column type: 42804
SELECT * FROM fin_train('m', 'odd', 'd');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['x', 'd']);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('credit_risk', a) FROM (SELECT 'nine' AS seniority, a.home, a.time, a.age,
       a.marital, a.records, a.job, a.expenses, a.income, a.assets, a.debt, a.amount, a.price
       FROM applications a LIMIT 1) a;
\echo :LAST_ERROR_SQLSTATE
-- neither a row nor an array: PostgreSQL finds no such function, 42883
SELECT fin_predict('credit_risk', 42);
\echo :LAST_ERROR_SQLSTATE

-- wrong number of features in the array form: 22000
SELECT fin_predict('flag', ARRAY[1.0, 2.0, 3.0]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- the array form of a model with categorical features: 0A000
SELECT fin_predict('credit_risk', ARRAY[1.0]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- NaN / Infinity: 22000, at predict and at training
SELECT fin_predict('flag', ARRAY['NaN', 1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('flag', t) FROM (SELECT 1 AS seniority, 'Infinity'::numeric AS income) t;
\echo :LAST_ERROR_SQLSTATE
UPDATE odd SET x = 'Infinity' WHERE id = 5;
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
UPDATE odd SET x = 5 WHERE id = 5;
-- empty relation: 22000
CREATE TABLE empty_table (x float8, y int);
SELECT * FROM fin_train('m', 'empty_table', 'y');
\echo :LAST_ERROR_SQLSTATE
-- one-class target: 22000
SELECT * FROM fin_train('m', 'odd', 'one_class', features => ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
-- options.positive on a target of more than two classes (a multi-class target trains
-- without it): 22023; more than 100 classes: 22000
SELECT * FROM fin_train('m', 'odd', 'multi', features => ARRAY['x'], options => '{"positive": "a"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE many_classes AS SELECT i AS id, i % 10 AS x, i AS big FROM generate_series(1, 101) i;
SELECT * FROM fin_train('m', 'many_classes', 'big', features => ARRAY['x'], options => '{"task": "classification"}');
\echo :LAST_ERROR_SQLSTATE

-- bad options: 22023
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"test_szie": 0.3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"test_size": 1.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"impute": "mode"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"l2": -1}');
\echo :LAST_ERROR_SQLSTATE
-- a value of the wrong type for one of the algorithm's own keys: the hint lists its keys
SELECT * FROM fin_train('m', 'odd', 'y', 'scorecard', options => '{"pdo": "forty"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"split": "sideways"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'label', features => ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'label', features => ARRAY['x'], options => '{"positive": "maybe"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', 'xgboost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad@name', 'odd', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['y']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'big', features => ARRAY['x'], options => '{"split": "stratified"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', 'linear', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'label', features => ARRAY['x'], options => '{"positive": "yes", "task": "regression"}');
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM fin_train('m', 'odd', 'y', options => '{"max_iter": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"max_categories": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', options => '{"order_by": 7}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['x', 'x']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY[]::text[]);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE two_valued AS SELECT x, (id % 2) * 5 + 2 AS grade FROM odd;
SELECT * FROM fin_train('m', 'two_valued', 'grade', features => ARRAY['x'], options => '{"task": "classification"}');
\echo :LAST_ERROR_SQLSTATE

-- data that cannot train: 22000
-- an out-of-time split that puts every row in the test period
SELECT * FROM fin_train('m', 'odd', 'y', features => ARRAY['x'], options => '{"split": {"column": "d", "test_from": "2000-01-01"}}');
\echo :LAST_ERROR_SQLSTATE
-- a training period with one class only (the positives all come after test_from)
CREATE TABLE late_positives AS SELECT id, x, (id > 80)::int AS y, date '2024-01-01' + id AS d FROM odd;
SELECT * FROM fin_train('m', 'late_positives', 'y', features => ARRAY['x'], options => '{"split": {"column": "d", "test_from": "2024-03-01"}}');
\echo :LAST_ERROR_SQLSTATE
-- a regression target with a single value
CREATE TABLE flat AS SELECT x, 3.5::float8 AS level FROM odd;
SELECT * FROM fin_train('m', 'flat', 'level', features => ARRAY['x'], options => '{"task": "regression"}');
\echo :LAST_ERROR_SQLSTATE
-- collinear features in a least-squares regression (l2 = 0)
CREATE TABLE collinear AS SELECT x, 2 * x AS x2, id::float8 * 1.5 AS v FROM odd;
SELECT * FROM fin_train('m', 'collinear', 'v', features => ARRAY['x', 'x2']);
\echo :LAST_ERROR_SQLSTATE
-- no column of a usable type besides the target
CREATE TABLE only_dates AS SELECT d, y FROM odd;
SELECT * FROM fin_train('m', 'only_dates', 'y');
\echo :LAST_ERROR_SQLSTATE

-- NULL targets are left out with a notice, not an error.
UPDATE odd SET y = NULL WHERE id <= 10;
SELECT train_rows + test_rows AS used_rows FROM fin_train('nulls', 'odd', 'y', features => ARRAY['x']);

-- a corrupt stored model: XX001
SELECT version FROM fin_train('fragile', 'odd', 'y', features => ARRAY['x']);
UPDATE finml.model_versions SET model = '\x00010203'::bytea WHERE name = 'fragile';
SELECT fin_predict('fragile', ARRAY[1.0]::float8[]);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
