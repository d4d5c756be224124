#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh: checks its checksums, stops what writes (API nodes,
# workers, Temporal), replaces each database's content, and starts them again.
#   deploy/restore.sh DIR [DATABASE…]       default: every *.dump in DIR
# With JIGI_BACKUP_LOCAL=1, the local pg_restore against PGHOST/PGPORT/PGUSER/PGPASSWORD, and
# nothing is stopped or started (stop the nodes yourself first).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:?usage: deploy/restore.sh DIR [DATABASE…]}"
shift
databases=("$@")
if [ ${#databases[@]} -eq 0 ]; then
  for file in "$dir"/*.dump; do databases+=("$(basename "$file" .dump)"); done
fi
(cd "$dir" && sha256sum --check --quiet SHA256SUMS)

local_mode() { [ "${JIGI_BACKUP_LOCAL:-0}" = 1 ]; }
restore() {
  if local_mode; then
    pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction --dbname="$1"
  else
    docker compose exec -T postgres pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction --username=jigi --dbname="$1"
  fi
}

local_mode || docker compose stop api worker temporal-ui temporal
for db in "${databases[@]}"; do
  echo "restoring $db…"
  restore "$db" < "$dir/$db.dump"
done
local_mode || docker compose up -d temporal temporal-ui worker api
echo "restored ${databases[*]} from $dir"
