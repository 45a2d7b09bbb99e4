\echo Use "ALTER EXTENSION finml UPDATE TO '0.13.1'" to load this file. \quit
-- finml 0.13.0 -> 0.13.1: no change in SQL. The library fits wide logistic regressions
-- (hashed text, many levels) by truncated Newton to Newton's tolerance, says so when a fit
-- stops before it (a NOTICE and metrics.solver), computes the standard errors of hashed text
-- columns only when options.std_errors asks, and tokenizes text with Python's word characters,
-- as scikit-learn does: texts with combining marks get other n-grams than 0.13.0 gave them.
