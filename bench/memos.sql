-- The text bench table: :nrows card-transaction memos of 2 to 6 words drawn (by a hash of
-- the row number, so every run has the same table) from 400 merchant and 60 detail words,
-- and a fraud flag that five of the words make likelier.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_memos;
CREATE TABLE bench_memos AS
WITH words AS (
  SELECT array_agg('merchant' || k ORDER BY k) || ARRAY['crypto', 'casino', 'wire', 'gift', 'urgent']
         || (SELECT array_agg('detail' || k ORDER BY k) FROM generate_series(1, 55) k) AS w
    FROM generate_series(1, 400) k)
SELECT i AS id, m.memo,
       (hashint4(i * 7 + 3) & 1023) < 200 + 250 * (m.memo ~ '(crypto|casino|wire|gift|urgent)')::int AS fraud
  FROM generate_series(1, :nrows) i, words,
       LATERAL (SELECT string_agg(w[1 + (hashint4(i * 31 + j) & 2147483647) % array_length(w, 1)], ' ') AS memo
                  FROM generate_series(1, 2 + (hashint4(i) & 3)) j) m;
ALTER TABLE bench_memos ADD PRIMARY KEY (id);
GRANT SELECT ON bench_memos TO finml_bench_client;
VACUUM ANALYZE bench_memos;
