\echo Use "ALTER EXTENSION finml UPDATE TO '0.15.0'" to load this file. \quit
-- finml 0.14.0 -> 0.15.0: a summed scorecard on one node reads every number's distinct values
-- in one scan (fin_training_atoms, a Rust hash table per number that parallel workers fill and
-- the leader merges) instead of one GROUP BY per number.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.15.0 install.

CREATE FUNCTION fin_training_atoms_step(state internal, label float8, VARIADIC numbers "any")
RETURNS internal IMMUTABLE PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_step';
CREATE FUNCTION fin_training_atoms_merge(a internal, b internal)
RETURNS internal IMMUTABLE PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_merge';
CREATE FUNCTION fin_training_atoms_serialize(state internal)
RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_serialize';
CREATE FUNCTION fin_training_atoms_deserialize(bytes bytea, state internal)
RETURNS internal IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_deserialize';
CREATE FUNCTION fin_training_atoms_final(state internal)
RETURNS bytea IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_atoms_final';
CREATE AGGREGATE fin_training_atoms(label float8, VARIADIC numbers "any") (
    SFUNC = fin_training_atoms_step,
    STYPE = internal,
    COMBINEFUNC = fin_training_atoms_merge,
    SERIALFUNC = fin_training_atoms_serialize,
    DESERIALFUNC = fin_training_atoms_deserialize,
    FINALFUNC = fin_training_atoms_final,
    SSPACE = 1000000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_atoms(float8, VARIADIC "any") IS
    'every numeric feature''s distinct values with their rows and label sums, in one scan of the training rows (a summed scorecard''s bins); parallel workers send theirs as bytea; fin_train reads the result';
COMMENT ON FUNCTION fin_training_atoms_step(internal, double precision, VARIADIC "any") IS 'Transition function of fin_training_atoms';
COMMENT ON FUNCTION fin_training_atoms_merge(internal, internal) IS 'Combine function of fin_training_atoms: merges a parallel worker''s distinct values';
COMMENT ON FUNCTION fin_training_atoms_serialize(internal) IS 'Serial function of fin_training_atoms: a parallel worker''s distinct values as bytea';
COMMENT ON FUNCTION fin_training_atoms_deserialize(bytea, internal) IS 'Deserial function of fin_training_atoms: a parallel worker''s distinct values from bytea';
COMMENT ON FUNCTION fin_training_atoms_final(internal) IS 'Final function of fin_training_atoms: the distinct values as bytea, which fin_train reads';
