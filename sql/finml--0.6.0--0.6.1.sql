\echo Use "ALTER EXTENSION finml UPDATE TO '0.6.1'" to load this file. \quit
-- finml 0.6.0 -> 0.6.1: date and text columns as model features (options "dates" and "text",
-- README "Date and text features"). The SQL objects are unchanged; models with such features
-- are stored as model format 6, which the 0.6.1 library reads and 0.6.0's refuses.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.6.1 install.
