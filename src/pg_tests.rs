//! In-database unit tests (`make test-pg`, `cargo pgrx test`): the pieces that need a
//! backend. The pg_regress suite in tests/pg_regress checks the same and the end-to-end SQL
//! behaviour, so make test leaves these out (two more builds of the extension).

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn make_table() {
        Spi::run(
            "CREATE TABLE t AS
               SELECT i AS id, (i % 7)::float8 AS x, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS c,
                      (i % 7 > 3 OR i % 11 = 0) AS y
                 FROM generate_series(1, 400) i",
        )
        .unwrap();
    }

    #[pg_test]
    fn train_then_predict_row_and_cache_hit() {
        make_table();
        let version = Spi::get_one::<i32>(
            "SELECT version FROM fin_train('m', 't', 'y', options => '{\"exclude\": [\"id\"]}')",
        )
        .unwrap();
        assert_eq!(version, Some(1));
        let p = Spi::get_one::<f64>("SELECT avg(fin_predict('m', t)) FROM t")
            .unwrap()
            .unwrap();
        assert!(p > 0.0 && p < 1.0);
    }

    #[pg_test]
    fn new_version_is_used_by_the_next_statement() {
        make_table();
        Spi::run("SELECT fin_train('m', 't', 'y', features => ARRAY['x'])").unwrap();
        let before = Spi::get_one::<f64>("SELECT fin_predict('m', ARRAY[6.0]::float8[])").unwrap();
        // The second version predicts the other class (x = 6 is mostly y = true), so a stale
        // cached model would give the same number twice.
        Spi::run("SELECT fin_train('m', 't', 'y', features => ARRAY['x'], options => '{\"positive\": false}')").unwrap();
        let after = Spi::get_one::<f64>("SELECT fin_predict('m', ARRAY[6.0]::float8[])").unwrap();
        let (before, after) = (before.unwrap(), after.unwrap());
        assert!(before > 0.5 && after < 0.5, "{before} {after}");
    }

    #[pg_test(error = "model \"nope\" does not exist")]
    fn unknown_model_is_an_error() {
        Spi::get_one::<f64>("SELECT fin_predict('nope', ARRAY[1.0]::float8[])").unwrap();
    }
}
