\echo Use "ALTER EXTENSION finml UPDATE TO '0.12.0'" to load this file. \quit
-- finml 0.11.1 -> 0.12.0: model risk governance. fin_fairness (fair-lending tests by protected
-- group, as fairlearn measures them), and the tamper-evident ledger: finml.event_log gains each
-- event's place (seq) and a SHA-256 chained over the previous event's hash (hash), set at
-- commit by the deferred constraint trigger event_log_seal; fin_verify_log checks the chain.
-- The events already logged are chained here, in the order of their time.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.12.0 install, and that the upgraded ledger verifies.

ALTER TABLE finml.event_log ADD COLUMN seq bigint UNIQUE, ADD COLUMN hash bytea;

CREATE TABLE finml.ledger_lock (
    one         boolean     PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO finml.ledger_lock DEFAULT VALUES;
REVOKE ALL ON finml.ledger_lock FROM PUBLIC;

CREATE FUNCTION finml.event_hash(previous bytea, seq bigint, at timestamptz, role name,
                                 action text, model text, version int, outcome text,
                                 detail text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.sha256(coalesce(previous, ''::pg_catalog.bytea)
             OPERATOR(pg_catalog.||) pg_catalog.convert_to(pg_catalog.string_agg(
               coalesce(pg_catalog.length(f)::pg_catalog.text OPERATOR(pg_catalog.||) ':'
                                   OPERATOR(pg_catalog.||) f, '-'), '|' ORDER BY i), 'UTF8'))
      FROM pg_catalog.unnest(ARRAY[seq::pg_catalog.text,
                                   EXTRACT(epoch FROM at)::pg_catalog.text,
                                   role::pg_catalog.text, action, model,
                                   version::pg_catalog.text, outcome, detail])
           WITH ORDINALITY AS u(f, i)
$$;

-- The events logged so far, chained in the order of their time (ties in the order of the
-- table's rows).
DO $$
DECLARE
    e record;
    previous bytea;
    n bigint := 0;
BEGIN
    FOR e IN SELECT l.ctid AS row_id, l.* FROM finml.event_log l ORDER BY l.at, l.ctid LOOP
        n := n + 1;
        previous := finml.event_hash(previous, n, e.at, e.role, e.action, e.model, e.version,
                                     e.outcome, e.detail);
        UPDATE finml.event_log SET seq = n, hash = previous WHERE ctid = e.row_id;
    END LOOP;
END $$;

CREATE OR REPLACE VIEW finml.events WITH (security_barrier) AS
SELECT e.at, e.role, e.action, e.model, e.version, e.outcome, e.detail, e.seq, e.hash
  FROM finml.event_log e
 WHERE finml.can_manage(e.model)
    OR finml.has_privileges_of(coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(e.role))::oid,
                                        0::oid))
 ORDER BY e.seq NULLS LAST, e.at;

CREATE  FUNCTION "fin_fairness"(
	"model" TEXT, /* & str */
	"relation" regclass, /* PgRelation */
	"protected" TEXT[], /* Vec < Option < String > > */
	"options" jsonb /* JsonB */
) RETURNS TABLE (
	"attribute" TEXT,  /* String */
	"grp" TEXT,  /* Option < String > */
	"is_reference" bool,  /* bool */
	"rows" bigint,  /* i64 */
	"events" bigint,  /* i64 */
	"approval_rate" double precision,  /* f64 */
	"adverse_impact_ratio" double precision,  /* Option < f64 > */
	"adverse_impact" bool,  /* Option < bool > */
	"parity_difference" double precision,  /* f64 */
	"tpr" double precision,  /* Option < f64 > */
	"fpr" double precision,  /* Option < f64 > */
	"equal_opportunity_difference" double precision,  /* Option < f64 > */
	"average_odds_difference" double precision,  /* Option < f64 > */
	"auc" double precision,  /* Option < f64 > */
	"mean_predicted" double precision,  /* f64 */
	"observed_rate" double precision,  /* f64 */
	"standardized_mean_difference" double precision,  /* Option < f64 > */
	"demographic_parity_difference" double precision,  /* Option < f64 > */
	"demographic_parity_ratio" double precision,  /* Option < f64 > */
	"equalized_odds_difference" double precision,  /* Option < f64 > */
	"equalized_odds_ratio" double precision  /* Option < f64 > */
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_fairness_wrapper';

CREATE  FUNCTION "fin_verify_log"() RETURNS bigint /* Result < Option < i64 > , ErrorReport > */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_verify_log_wrapper';

CREATE FUNCTION "finml_seal_event"()
	RETURNS TRIGGER
	LANGUAGE c
	AS 'MODULE_PATHNAME', 'finml_seal_event_wrapper';


-- Seals each event at commit (pg/ledger.rs): deferred, so that the ledger's lock is held from
-- the commit of a transaction that wrote events to its end, not while it works.
CREATE CONSTRAINT TRIGGER event_log_seal AFTER INSERT ON finml.event_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finml_seal_event();

COMMENT ON TABLE finml.event_log IS 'The audit log: who did what to which model, when and how it ended, failures included; each event sealed into a SHA-256 chain at commit (private: read finml.events, check with fin_verify_log)';
COMMENT ON TABLE finml.ledger_lock IS 'One row, locked while an event of finml.event_log is sealed so that the ledger follows the commit order (private)';
COMMENT ON FUNCTION finml.event_hash(bytea, bigint, timestamp with time zone, name, text, text, integer, text, text) IS 'The ledger''s hash of one event: SHA-256 over the previous event''s hash and the event''s fields';
COMMENT ON FUNCTION fin_verify_log() IS 'The seq of the first event of the audit log whose hash chain breaks (edited or deleted by hand); NULL when intact';
COMMENT ON FUNCTION finml_seal_event() IS 'The trigger that seals each new event of finml.event_log into the ledger at commit';
COMMENT ON FUNCTION fin_fairness(text, regclass, text[], jsonb) IS 'Fair-lending tests of a two-class model''s decisions at a cutoff by protected group: approval rates, adverse impact ratio (four-fifths rule), statistical parity, equal opportunity, average odds, AUC, calibration and score differences, as fairlearn measures them';
