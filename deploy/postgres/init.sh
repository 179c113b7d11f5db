#!/usr/bin/env bash
# Runs once, when the postgres volume is empty (docker-entrypoint-initdb.d).
# Creates the application role `mediaops` (not a superuser) with the password in
# POSTGRES_PASSWORD, and one database per app, owned by that role; each app migrates
# its own schema at start. Other roles (PUBLIC) may not connect to them.
# Changing POSTGRES_PASSWORD later does not change it here: use ALTER ROLE.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$POSTGRES_PASSWORD" <<'EOSQL'
CREATE ROLE mediaops LOGIN PASSWORD :'app_password';

CREATE DATABASE gateway OWNER mediaops;
CREATE DATABASE content OWNER mediaops;
CREATE DATABASE channel OWNER mediaops;
CREATE DATABASE users OWNER mediaops;
CREATE DATABASE metrics OWNER mediaops;

REVOKE ALL ON DATABASE gateway, content, channel, users, metrics FROM PUBLIC;
EOSQL
