#!/bin/bash
# Creates the `segnala` role and one database per service. Run once by the postgres
# image's entrypoint (/docker-entrypoint-initdb.d) on an empty data directory.
#
# Each service creates its own schema and tables at start; it only needs its database
# to exist and to own it. The password comes from SEGNALA_DB_PASSWORD.
set -euo pipefail

: "${SEGNALA_DB_PASSWORD:?SEGNALA_DB_PASSWORD must be set to the password of the segnala role}"

psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    --set=password="$SEGNALA_DB_PASSWORD" <<'SQL'
CREATE ROLE segnala LOGIN PASSWORD :'password';

CREATE DATABASE intake OWNER segnala;
CREATE DATABASE triage OWNER segnala;
CREATE DATABASE tracking OWNER segnala;
CREATE DATABASE status OWNER segnala;

-- Only the owner (and superusers) may connect.
REVOKE CONNECT, TEMPORARY ON DATABASE intake, triage, tracking, status FROM PUBLIC;
SQL
