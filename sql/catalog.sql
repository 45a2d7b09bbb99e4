-- finml's catalog: every trained model version and which version of each model is deployed.
-- Both tables are registered with pg_extension_config_dump, so pg_dump/pg_restore keep every
-- model; the view is recreated by CREATE EXTENSION.
CREATE SCHEMA finml;
COMMENT ON SCHEMA finml IS 'finml model catalog';

CREATE TABLE finml.model_versions (
    name        text        NOT NULL CHECK (name <> '' AND strpos(name, '@') = 0),
    version     int         NOT NULL CHECK (version > 0),
    algorithm   text        NOT NULL,
    task        text        NOT NULL CHECK (task IN ('classification', 'regression')),
    relation    text        NOT NULL,   -- as regclass::text at training time
    target      text        NOT NULL,
    features    text[]      NOT NULL,
    options     jsonb       NOT NULL,
    trained_at  timestamptz NOT NULL DEFAULT now(),
    trained_by  name        NOT NULL DEFAULT current_user,
    train_rows  bigint      NOT NULL,
    test_rows   bigint      NOT NULL,
    metrics     jsonb       NOT NULL,
    coefficients jsonb,                 -- documentation; predict reads only "model"
    model       bytea       NOT NULL,   -- the serialized model, see models/README.md
    PRIMARY KEY (name, version)
);

CREATE TABLE finml.deployments (
    name        text        PRIMARY KEY,
    version     int         NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now(),
    deployed_by name        NOT NULL DEFAULT current_user
);

SELECT pg_catalog.pg_extension_config_dump('finml.model_versions', '');
SELECT pg_catalog.pg_extension_config_dump('finml.deployments', '');

CREATE VIEW finml.models AS
SELECT v.name, v.version, v.algorithm, v.task,
       coalesce(d.version = v.version, false) AS deployed,
       v.trained_at, v.trained_by, v.train_rows, v.test_rows, v.relation, v.target,
       v.features, v.metrics
  FROM finml.model_versions v
  LEFT JOIN finml.deployments d ON d.name = v.name
 ORDER BY v.name, v.version;

-- Training runs with the caller's privileges and records its model here; every role may
-- train and predict. (Per-model ownership and grants come with the lifecycle release.)
GRANT USAGE ON SCHEMA finml TO PUBLIC;
GRANT SELECT ON finml.models TO PUBLIC;
GRANT SELECT, INSERT ON finml.model_versions TO PUBLIC;
GRANT SELECT, INSERT, UPDATE ON finml.deployments TO PUBLIC;
