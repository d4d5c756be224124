#!/usr/bin/env bash
# Backs up Jigi's database and Temporal's two, together (a cycle's state lives in both), in pg_dump's
# custom format, into one timestamped folder with checksums.
#   deploy/backup.sh [DIR] [DATABASE…]      default DIR deploy/backups/<UTC time>, databases jigi temporal temporal_visibility
# Runs pg_dump inside the compose stack's postgres container; with JIGI_BACKUP_LOCAL=1, the local
# pg_dump against PGHOST/PGPORT/PGUSER/PGPASSWORD (a Postgres outside compose).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-deploy/backups/$(date -u +%Y%m%dT%H%M%SZ)}"
shift || true
databases=("$@")
[ ${#databases[@]} -eq 0 ] && databases=(jigi temporal temporal_visibility)
mkdir -p "$dir"

dump() {
  if [ "${JIGI_BACKUP_LOCAL:-0}" = 1 ]; then
    pg_dump --format=custom --no-owner --dbname="$1"
  else
    docker compose exec -T postgres pg_dump --format=custom --no-owner --username=jigi --dbname="$1"
  fi
}

for db in "${databases[@]}"; do
  echo "dumping $db…"
  dump "$db" > "$dir/$db.dump.partial"
  mv "$dir/$db.dump.partial" "$dir/$db.dump"
done
(cd "$dir" && sha256sum ./*.dump > SHA256SUMS)
echo "backup written to $dir ($(du -sh "$dir" | cut -f1))"
