-- GOOG daily prices (fetch.sh) as the table goog_daily; the CSV's path is in :csv.
SET client_min_messages = warning;
DROP TABLE IF EXISTS goog_daily CASCADE;
CREATE TABLE goog_daily (day date PRIMARY KEY, open float8, high float8, low float8,
                         close float8, volume float8);
\set copy_cmd '\\copy goog_daily FROM ' :'csv' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
ANALYZE goog_daily;
