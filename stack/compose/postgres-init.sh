#!/usr/bin/env bash
# Run once by the postgres image on an empty data directory: the same roles and databases that
# scripts/stack/postgres.ts creates for the embedded stack. Passwords come from the environment.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE chainsync_app WITH LOGIN PASSWORD '${CHAINSYNC_APP_PASSWORD}';
CREATE ROLE chainsync_debezium WITH LOGIN REPLICATION PASSWORD '${CHAINSYNC_DEBEZIUM_PASSWORD}';
CREATE ROLE chainsync_registry WITH LOGIN PASSWORD '${CHAINSYNC_REGISTRY_PASSWORD}';
CREATE DATABASE chainsync OWNER chainsync_app;
CREATE DATABASE chainsync_registry OWNER chainsync_registry;
REVOKE ALL ON DATABASE chainsync FROM PUBLIC;
GRANT CONNECT ON DATABASE chainsync TO chainsync_debezium;
-- One login per part; setup grants each only what services/lib/roles.ts lists, after the migrations.
CREATE ROLE chainsync_submitter WITH LOGIN PASSWORD '${CHAINSYNC_SUBMITTER_PASSWORD}';
CREATE ROLE chainsync_ingest WITH LOGIN PASSWORD '${CHAINSYNC_INGEST_PASSWORD}';
CREATE ROLE chainsync_projector WITH LOGIN PASSWORD '${CHAINSYNC_PROJECTOR_PASSWORD}';
CREATE ROLE chainsync_reconciler WITH LOGIN PASSWORD '${CHAINSYNC_RECONCILER_PASSWORD}';
CREATE ROLE chainsync_monitor WITH LOGIN PASSWORD '${CHAINSYNC_MONITOR_PASSWORD}';
CREATE ROLE chainsync_api WITH LOGIN PASSWORD '${CHAINSYNC_API_PASSWORD}';
SQL
