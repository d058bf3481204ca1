#!/usr/bin/env bash
# PostgreSQL $VERSION (Debian's postgresql-$VERSION) with the official postgres image's contract:
# entrypoint /usr/local/bin/docker-entrypoint.sh, CMD ["postgres"], PGDATA, POSTGRES_* variables,
# /docker-entrypoint-initdb.d, user postgres (uid 999), STOPSIGNAL SIGINT, EXPOSE 5432.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
need IMAGE RECIPE_HASH VERSION BASE_ROOTFS
PG_MAJOR="${VERSION%%.*}"

make_temp_dir; tmp="$TEMP_DIR"
root="$tmp/rootfs"
copy_base_rootfs "$root"

log "creating user postgres (999:999) like the official image"
in_chroot "$root" sh -c '
  set -e
  groupadd -r -g 999 postgres
  useradd -r -g postgres -u 999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
  mkdir -p /var/lib/postgresql
  chown -R postgres:postgres /var/lib/postgresql
'
# postgresql-common first, so the server package does not create a cluster of its own;
# xz-utils for *.sql.xz init files (gzip is essential already)
apt_install "$root" postgresql-common xz-utils
sed -ri 's/#?\s*(create_main_cluster)\s*=.*$/\1 = false/' "$root/etc/postgresql-common/createcluster.conf"
grep -q '^create_main_cluster = false' "$root/etc/postgresql-common/createcluster.conf" || die "could not disable create_main_cluster"
apt_install "$root" "postgresql-$PG_MAJOR"

bindir="/usr/lib/postgresql/$PG_MAJOR/bin"
[[ -x "$root$bindir/postgres" ]] || die "postgres binary missing at $bindir"
# listen on every address by default, like the official image
sample="$root/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"
[[ -f "$sample" ]] || die "missing $sample"
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
grep -F "listen_addresses = '*'" "$sample" >/dev/null || die "could not set listen_addresses in $sample"

mkdir -p "$root/docker-entrypoint-initdb.d" "$root/var/run/postgresql" "$root/var/lib/postgresql/data"
chown 999:999 "$root/var/run/postgresql" "$root/var/lib/postgresql/data"
chmod 3777 "$root/var/run/postgresql"
chmod 1777 "$root/var/lib/postgresql/data"
install -m 0755 "$RECIPE_DIR/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
ln -sf usr/local/bin/docker-entrypoint.sh "$root/docker-entrypoint.sh"

old="$(previous_image_id)"
import_rootfs "$root" \
  --change "ENV PATH=$bindir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV PG_MAJOR=$PG_MAJOR" \
  --change "ENV PGDATA=/var/lib/postgresql/data" \
  --change 'VOLUME /var/lib/postgresql/data' \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'EXPOSE 5432' \
  --change 'CMD ["postgres"]'
add_stopsignal SIGINT
remove_previous_image "$old"
log "done: $IMAGE ($(image_size "$IMAGE"))"
