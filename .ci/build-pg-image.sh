#!/bin/sh
# Builds the test image (default tag inventory-pg:15) FROM scratch out of this machine's own
# PostgreSQL 15 binaries: CI has no image registry. The entrypoint honours POSTGRES_PASSWORD,
# POSTGRES_DB and POSTGRES_USER like the official image, and the image has a HEALTHCHECK.
# Needs: a running dockerd, Debian's postgresql-15. Usage: build-pg-image.sh [TAG]
set -eu
TAG=${1:-inventory-pg:15}
PGBIN=/usr/lib/postgresql/15/bin
CTX=$(mktemp -d); ROOT=$CTX/rootfs
trap 'rm -rf "$CTX"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/etc" "$ROOT/tmp" "$ROOT/var/run/postgresql" "$ROOT/var/lib/postgresql/data"
copy() { mkdir -p "$ROOT$(dirname "$1")"; cp -aL "$1" "$ROOT$1"; }
# binaries, extension libs, share dir, time zones, the C.UTF-8 locale, a shell for the entrypoint
for f in "$PGBIN"/*; do copy "$f"; done
mkdir -p "$ROOT/usr/lib/postgresql/15" && cp -a /usr/lib/postgresql/15/lib "$ROOT/usr/lib/postgresql/15/"
mkdir -p "$ROOT/usr/share/postgresql" && cp -a /usr/share/postgresql/15 "$ROOT/usr/share/postgresql/"
mkdir -p "$ROOT/usr/share" && cp -a /usr/share/zoneinfo "$ROOT/usr/share/"
mkdir -p "$ROOT/usr/lib/locale" && cp -a /usr/lib/locale/C.utf8 "$ROOT/usr/lib/locale/"
copy /bin/dash; ln -s dash "$ROOT/bin/sh"
for tool in sleep cat rm mkdir ls df; do copy "$(command -v $tool)"; done
# every shared library those binaries load
for f in "$PGBIN"/* /usr/lib/postgresql/15/lib/*.so /bin/dash $(command -v sleep cat rm mkdir ls df); do
  ldd "$f" 2>/dev/null | awk '$3 ~ /^\//{print $3} $1 ~ /^\//{print $1}'
done | sort -u | while read -r lib; do copy "$lib"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOT/etc/passwd"
echo 'postgres:x:999:999:postgres:/var/lib/postgresql:/bin/sh' >> "$ROOT/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' > "$ROOT/etc/group"
chown -R 999:999 "$ROOT/var/lib/postgresql" "$ROOT/var/run/postgresql"; chmod 1777 "$ROOT/tmp"
cat > "$ROOT/entrypoint.sh" <<'SH'
#!/bin/sh
# First start: create the cluster with POSTGRES_PASSWORD / POSTGRES_DB, like the official image.
set -e
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "${POSTGRES_PASSWORD:-postgres}" > /tmp/pwfile
  initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile=/tmp/pwfile --auth=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f /tmp/pwfile
  echo "listen_addresses='*'" >> "$PGDATA/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    postgres -D "$PGDATA" -c listen_addresses='' -c jit=off & pid=$!
    until pg_isready -q -h /var/run/postgresql; do sleep 0.2; done
    psql -q -h /var/run/postgresql -U "${POSTGRES_USER:-postgres}" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
    kill $pid; wait $pid || true
  fi
fi
exec postgres -D "$PGDATA" -c jit=off "$@"
SH
chmod 755 "$ROOT/entrypoint.sh"
tar -C "$ROOT" -cf "$CTX/rootfs.tar" .
cat > "$CTX/Dockerfile" <<'DF'
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/lib/postgresql/15/bin:/bin:/usr/bin LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["pg_isready", "-q", "-h", "/var/run/postgresql"]
ENTRYPOINT ["/entrypoint.sh"]
DF
echo "LABEL ra.build=${RA_BUILD:-}" >> "$CTX/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$TAG" "$CTX" >/dev/null
echo "built $TAG"
