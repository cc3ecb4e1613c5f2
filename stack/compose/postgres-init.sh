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
SQL
