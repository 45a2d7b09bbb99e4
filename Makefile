# finml — the README's commands. Run as root on a fresh Debian 12 machine with Rust, or as a
# user who owns a PostgreSQL installation of 15, 16, 17 or 18 (then set PG_CONFIG).
# PG_MAJOR=16, 17 or 18 selects a PostgreSQL built by `make pg` (README "PostgreSQL 15, 16, 17
# and 18"); the default is Debian 12's 15.
#
#   make demo      install what is missing, build (release), install, start PostgreSQL,
#                  load the credit example, train a model, print predictions and metrics
#   make test      every test: lint, models crate, #[pg_test]s, SQL regression suite, faults,
#                  Citus, package on 15; SQL suite and package on 16, 17, 18; pg_upgrade
#   make pg        PostgreSQL $(PG_MAJOR) and pg_cron from source packages (tools/build_pg.sh)
#   make install   build (release) and install into the PostgreSQL of $(PG_CONFIG)
#   make lint      the layer rules of DESIGN.md, checked on both crates (tools/import_graph.py:
#                  no import cycle, no import from a higher layer, no api file importing
#                  another, no file over 800 lines or fn over 120 without a `long:` reason)
#                  and the checker's self-test; every SPI call's search_path pinned
#                  (tools/check_pinned_spi.py); cargo fmt --check, clippy -D warnings
#   make fuzz      the fuzz harnesses of what callers can pass (training passes, stored models)
#                  with FUZZ_CASES cases each (default 20000; make test runs 256)
#   make deb       the Debian package postgresql-<major>-finml_<version>_amd64.deb (README,
#                  "Install on a server without Rust")
#   make bench     benchmarks (see bench/README.md)
#   make bench-trees  the tree models against LightGBM only (bench/trees.sh)
#   make check-cuda  prove that the cuda feature compiles and links (no GPU needed; see tools/check_cuda.sh)

PG_MAJOR     ?= 15
# 15 is Debian 12's own PostgreSQL; 16, 17 and 18 are built from their distribution source
# packages by `make pg PG_MAJOR=<major>` (tools/build_pg.sh) into $(PG_PREFIX)/<major>, outside the
# clone, where later runs find them.
PG_PREFIX    ?= $(if $(filter 0,$(shell id -u)),/opt/finml-postgresql,$(HOME)/.finml/postgresql)
ifeq ($(PG_MAJOR),15)
# The pg_config on PATH when it is PostgreSQL $(PG_MAJOR)'s (Debian's wrapper is), else Debian's.
PG_CONFIG    ?= $(shell pg_config --version 2>/dev/null | grep -q " $(PG_MAJOR)\." && command -v pg_config \
                        || echo /usr/lib/postgresql/$(PG_MAJOR)/bin/pg_config)
else
PG_CONFIG    ?= $(PG_PREFIX)/$(PG_MAJOR)/bin/pg_config
endif
# The major of the server finml is built for is its pg_config's (make install PG_CONFIG=... alone
# picks the pgrx feature pg<major>); PG_MAJOR until that pg_config exists.
BUILD_MAJOR  := $(or $(shell $(PG_CONFIG) --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'),$(PG_MAJOR))
PG_FEATURES  := --no-default-features --features pg$(BUILD_MAJOR)
PGRX_VERSION := 0.18.1
DEMO_DB      ?= finml_demo
EXAMPLES_DB  ?= finml_examples
PGRX_TEST_DATA ?= /tmp/finml-pgrx-test-data
CARGO        ?= cargo

# Root runs PostgreSQL's tools as the postgres user; anyone else runs them as themselves.
ifeq ($(shell id -u),0)
  AS_PG := sudo -u postgres
  PGRX_TEST_ARGS := --runas postgres --pgdata $(PGRX_TEST_DATA)
else
  AS_PG :=
  PGRX_TEST_ARGS :=
endif
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q

.PHONY: setup system-packages cargo-pgrx pg install install-debug install-released-scripts demo example-segmentation example-fraud example-market example-ecl test \
        test-models test-static test-deps test-pg test-sql test-majors test-pg-upgrade print-pg-config test-faults test-deploys test-citus test-deb deb lint fuzz \
        bench bench-peers bench-trees bench-trees-peers bench-openmp clean-test check-cuda

## setup: system packages, cargo-pgrx at the pinned version, pgrx pointed at the PostgreSQL
setup: system-packages cargo-pgrx pg

system-packages:
	@if [ "$$(id -u)" = 0 ] && [ "$(BUILD_MAJOR)" = 15 ] && { ! [ -x "$(PG_CONFIG)" ] \
	      || ! [ -d "$$($(PG_CONFIG) --includedir-server 2>/dev/null)" ] \
	      || ! command -v sudo >/dev/null || ! [ -x /usr/lib/postgresql/$(PG_MAJOR)/bin/postgres ] \
	      || ! [ -f /usr/share/postgresql/$(PG_MAJOR)/extension/pg_cron.control ]; }; then \
	    echo "== installing PostgreSQL $(PG_MAJOR) server, its development files, pg_cron and sudo"; \
	    apt-get update -q && $(APT) install postgresql-$(PG_MAJOR) postgresql-server-dev-$(PG_MAJOR) \
	        postgresql-$(PG_MAJOR)-cron sudo; \
	fi
	@if [ "$$(id -u)" = 0 ] && [ "$(BUILD_MAJOR)" != 15 ] && ! command -v sudo >/dev/null; then \
	    apt-get update -q && $(APT) install sudo; \
	fi
	@if [ "$$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then \
	    echo "== adding the system user postgres, who runs the test clusters"; \
	    adduser --system --group --home /var/lib/postgresql --shell /bin/bash postgres; \
	fi

cargo-pgrx:
	@if ! $(CARGO) pgrx --version 2>/dev/null | grep -q "$(PGRX_VERSION)"; then \
	    echo "== installing cargo-pgrx $(PGRX_VERSION) (about 4-10 minutes)"; \
	    $(CARGO) install cargo-pgrx --version =$(PGRX_VERSION) --locked; \
	fi

## pg: PostgreSQL $(PG_MAJOR) (16, 17 or 18) and pg_cron from their source packages, into
## $(PG_PREFIX)/$(PG_MAJOR) (tools/build_pg.sh; about 2 minutes, once), then cargo pgrx init told
## of it beside the majors it knows; for 15 or a PG_CONFIG of one's own, only the latter
pg: system-packages cargo-pgrx
	@if [ "$(PG_MAJOR)" != 15 ] && [ "$(PG_CONFIG)" = "$(PG_PREFIX)/$(PG_MAJOR)/bin/pg_config" ]; then \
	    bash tools/build_pg.sh $(PG_MAJOR) $(PG_PREFIX)/$(PG_MAJOR); \
	fi
	@CARGO=$(CARGO) bash tools/pgrx_init.sh $(BUILD_MAJOR) $(PG_CONFIG)

## install: release build into the PostgreSQL of PG_CONFIG
install: setup
	$(CARGO) pgrx install --release --pg-config $(PG_CONFIG) $(PG_FEATURES)
	$(MAKE) --no-print-directory install-released-scripts

install-debug: setup
	$(CARGO) pgrx install --pg-config $(PG_CONFIG) $(PG_FEATURES)
	$(MAKE) --no-print-directory install-released-scripts

# Install scripts of released versions (cargo pgrx install copies only the upgrade scripts
# finml--A--B.sql), so that CREATE EXTENSION finml VERSION '0.1.0' works, as the upgrade test needs.
install-released-scripts:
	install -m 644 sql/finml--[0-9]*.[0-9].sql "$$($(PG_CONFIG) --sharedir)/extension/"

## demo: the credit example end to end on the local server
demo: install
	@bash examples/start_server.sh $(PG_MAJOR)
	$(AS_PG) psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $(DEMO_DB)" -c "CREATE DATABASE $(DEMO_DB)"
	$(AS_PG) psql -X -q -d $(DEMO_DB) -v ON_ERROR_STOP=1 -f examples/credit/load.sql < examples/credit/credit_data.csv
	$(AS_PG) psql -X -q -d $(DEMO_DB) -v ON_ERROR_STOP=1 -f examples/credit/demo.sql

## example-segmentation: customer segments (k-means) of the credit example's applicants
example-segmentation: install
	@bash examples/start_server.sh $(PG_MAJOR)
	$(AS_PG) psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $(EXAMPLES_DB)" -c "CREATE DATABASE $(EXAMPLES_DB)"
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/credit/load.sql < examples/credit/credit_data.csv
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/segmentation/demo.sql

## example-fraud: card fraud on generated transactions: isolation forest, MLP, self-training
example-fraud: install
	@bash examples/start_server.sh $(PG_MAJOR)
	$(AS_PG) psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $(EXAMPLES_DB)" -c "CREATE DATABASE $(EXAMPLES_DB)"
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/fraud/generate.sql
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/fraud/demo.sql

## example-market: GOOG daily prices (fetched from PyPI): features, backtests, baselines
example-market: install
	@bash examples/start_server.sh $(PG_MAJOR)
	$(AS_PG) psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $(EXAMPLES_DB)" -c "CREATE DATABASE $(EXAMPLES_DB)"
	csv=$$(bash examples/market/fetch.sh) && \
	    $(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -v csv="$$csv" -f examples/market/load.sql
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/market/demo.sql

## example-ecl: IFRS 9 expected credit loss on a generated loan book: Cox, stages, scenarios, movement
example-ecl: install
	@bash examples/start_server.sh $(PG_MAJOR)
	$(AS_PG) psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $(EXAMPLES_DB)" -c "CREATE DATABASE $(EXAMPLES_DB)"
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -c "CREATE EXTENSION finml" -f examples/ecl/generate.sql
	$(AS_PG) psql -X -q -d $(EXAMPLES_DB) -v ON_ERROR_STOP=1 -f examples/ecl/demo.sql

## test: every test, against a real PostgreSQL: all of them on 15, then on each of OTHER_MAJORS the
## SQL suite, the package and Citus (test-majors), then pg_upgrade between majors (test-pg-upgrade)
test: setup test-static lint test-models test-sql test-faults test-deploys test-citus test-deb \
      test-majors test-pg-upgrade

# The majors besides Debian 12's 15 that make test builds (make pg) and tests. The models crate
# has no PostgreSQL in it: its tests (test-models) are the same on every major.
# Citus 13.2 supports 15 to 17: its cluster test runs on those of them.
OTHER_MAJORS ?= 16 17 18
CITUS_MAJORS ?= 16 17
test-majors:
	@for major in $(OTHER_MAJORS); do \
	    echo "== PostgreSQL $$major: make pg, the SQL suite, the package, Citus where it runs"; \
	    $(MAKE) --no-print-directory pg PG_MAJOR=$$major && \
	    $(MAKE) --no-print-directory test-sql PG_MAJOR=$$major && \
	    $(MAKE) --no-print-directory test-deb PG_MAJOR=$$major || exit 1; \
	    if echo " $(CITUS_MAJORS) " | grep -q " $$major "; then \
	        $(MAKE) --no-print-directory test-citus PG_MAJOR=$$major || exit 1; \
	    fi; \
	done

# pg_upgrade of a database with models, versions, deployments and grants (tests/pg_upgrade.sh):
# 15 to 17, 16 to 17 and 16 to 18, finml installed in each.
UPGRADES ?= 15:17 16:17 16:18
test-pg-upgrade:
	@for major in $$(echo $(UPGRADES) | tr ' :' '\n\n' | sort -un); do \
	    $(MAKE) --no-print-directory install-debug PG_MAJOR=$$major >/dev/null || exit 1; \
	done
	@for pair in $(UPGRADES); do \
	    from=$${pair%:*}; to=$${pair#*:}; \
	    FROM_CONFIG=$$($(MAKE) --no-print-directory -s print-pg-config PG_MAJOR=$$from) \
	    TO_CONFIG=$$($(MAKE) --no-print-directory -s print-pg-config PG_MAJOR=$$to) \
	        bash tests/pg_upgrade.sh || exit 1; \
	done

print-pg-config:
	@echo $(PG_CONFIG)

# Checks of the source that need no build: every SPI call pins its search_path.
test-static:
	python3 tools/check_pinned_spi.py src

test-models:
	$(CARGO) test -p finml-models

FUZZ_CASES ?= 20000
fuzz:
	FINML_FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test -p finml-models --test fuzz_passes --test fuzz_stored_model --test fuzz_options --test fuzz_sample_sketch --test atoms -- --nocapture

# pgrx's in-backend tests (src/pg_tests.rs), not in make test: what they check (train then
# predict, the next statement's version, an unknown model) the SQL suite checks too
# (train.sql, sessions.sql, errors.sql), and they cost two more builds of the extension, 22
# of a cold make test's minutes. make lint's clippy still compiles them.
test-pg:
	@if [ "$$(id -u)" = 0 ]; then install -d -o postgres -g postgres $(PGRX_TEST_DATA); fi
	$(CARGO) pgrx test pg$(BUILD_MAJOR) $(PGRX_TEST_ARGS) $(PG_FEATURES)

# The suite, then the attack file again on a cluster whose postmaster has 4 GiB of address
# space (ulimit -v): a failed allocation must be an ERROR there, never a signal.
test-sql: install-debug
	PG_CONFIG=$(PG_CONFIG) ONLY=$(ONLY) bash tests/run_regress.sh
	@if [ -z "$(ONLY)" ]; then \
	    PG_CONFIG=$(PG_CONFIG) ONLY=attacks ADDRESS_SPACE_KB=4194304 bash tests/run_regress.sh; \
	fi

# What the client-side tests need: pgbouncer, and psycopg in tests/.venv (never the bench's).
TEST_VENV = tests/.venv
test-deps:
	@if [ "$$(id -u)" = 0 ] && ! command -v pgbouncer >/dev/null; then \
	    echo "== installing pgbouncer"; apt-get update -q && $(APT) install pgbouncer; \
	fi
	@if ! $(TEST_VENV)/bin/python -c "import psycopg" 2>/dev/null; then \
	    echo "== installing psycopg into $(TEST_VENV)"; \
	    python3 -m venv $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q "psycopg[binary]==3.3.9"; \
	fi

# One statement, one model state under concurrent deploys: psycopg, 12 threads, directly and
# through pgbouncer (tests/deploys.sh).
test-deploys: install-debug test-deps
	PG_CONFIG=$(PG_CONFIG) PYTHON=$(CURDIR)/$(TEST_VENV)/bin/python bash tests/deploys.sh

# Concurrency under pgbench and kill -9 during training and import (tests/faults.sh).
test-faults: install-debug
	PG_CONFIG=$(PG_CONFIG) bash tests/faults.sh

# finml on a real 3-node Citus cluster (tests/citus.sh). Citus is built from the vendored
# source when that folder exists (about 6 minutes, once); without Citus the test says SKIPPED.
CITUS_VENDOR ?= ../shared/vendor/citus
test-citus: install-debug
	@if [ ! -f "$$($(PG_CONFIG) --pkglibdir)/citus.so" ] && [ -f $(CITUS_VENDOR)/build.sh ]; then \
	    echo "== building Citus from $(CITUS_VENDOR) (about 6 minutes)"; \
	    bash $(CITUS_VENDOR)/build.sh $(PG_CONFIG); \
	fi
	PG_CONFIG=$(PG_CONFIG) bash tests/citus.sh

# The package installed with apt-get, used and removed (tests/deb.sh, as root); then make
# install's files go back, whatever the outcome.
test-deb: install-debug
	@status=0; PG_CONFIG=$(PG_CONFIG) bash tests/deb.sh || status=$$?; \
	    $(MAKE) --no-print-directory install-debug >/dev/null 2>&1; exit $$status

## deb: the Debian package of a release build, for servers without Rust (tools/make_deb.sh)
deb: setup
	PG_CONFIG=$(PG_CONFIG) bash tools/make_deb.sh

# The checks that need no build first; both crates are checked before either fails the target.
lint:
	bash tools/test_import_graph.sh
	@status=0; for crate in models/src src; do \
	    echo "python3 tools/import_graph.py --quiet $$crate"; \
	    python3 tools/import_graph.py --quiet $$crate || status=1; \
	done; exit $$status
	python3 tools/check_pinned_spi.py src > /dev/null
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The client-side peers the benchmark compares with, in the bench's own virtual environment
# (never used by the tests). PyPI's torch wheel brings its CUDA libraries: about 6 GB.
# bench-trees-peers installs only what bench/trees.sh needs (LightGBM's wheel loads OpenMP's
# libgomp1).
BENCH_VENV = bench/.venv
BENCH_TREES_PEERS = psycopg[binary]==3.3.9 pandas==3.1.1 scikit-learn==1.9.1 lightgbm==4.7.0
BENCH_PEERS = $(BENCH_TREES_PEERS) optbinning==1.0.0 torch==2.15.0 lifelines==0.30.3

bench-peers: bench-openmp
	@if ! $(BENCH_VENV)/bin/python -c "import psycopg, pandas, sklearn, lightgbm, optbinning, torch" 2>/dev/null; then \
	    echo "== installing the benchmark's Python peers into $(BENCH_VENV)"; \
	    python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q $(BENCH_PEERS); \
	fi

bench-trees-peers: bench-openmp
	@if ! $(BENCH_VENV)/bin/python -c "import psycopg, pandas, sklearn, lightgbm" 2>/dev/null; then \
	    echo "== installing LightGBM and the client libraries into $(BENCH_VENV)"; \
	    python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q $(BENCH_TREES_PEERS); \
	fi

bench-openmp:
	@if [ "$$(id -u)" = 0 ] && ! ldconfig -p | grep -q 'libgomp\.so\.1 '; then \
	    echo "== installing libgomp1 (OpenMP, for LightGBM)"; \
	    apt-get update -q && $(APT) install libgomp1; \
	fi

bench: install bench-peers
	bash bench/run.sh
	bash bench/cancel.sh
	bash bench/statement.sh
	bash bench/citus.sh
	bash bench/trees.sh
	bash bench/tune.sh
	bash bench/multiclass.sh
	bash bench/text.sh
	bash bench/privacy.sh
	bash bench/ecl.sh

## bench-trees: finml's tree models against LightGBM alone (bench/trees.sh, about 4 minutes)
bench-trees: install bench-trees-peers
	bash bench/trees.sh

check-cuda:
	bash tools/check_cuda.sh

clean-test:
	rm -rf $(PGRX_TEST_DATA) tests/pg_regress/results tests/pg_regress/regression.*
