#!/usr/bin/env bash
# Apache Cassandra $VERSION: cassandra-all and its runtime dependencies from Maven Central (the pom
# beside this script), on Debian's OpenJDK 17 JRE, run as CassandraDaemon in the foreground with
# this folder's cassandra.yaml. The official image's entrypoint/CMD contract and main variables.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
need IMAGE RECIPE_HASH VERSION BASE_ROOTFS
need_cmd mvn

make_temp_dir; tmp="$TEMP_DIR"

# 1. the jars (Maven's own cache in ~/.m2 makes a rebuild quick)
log "resolving org.apache.cassandra:cassandra-all:$VERSION and its dependencies (mvn)"
mkdir -p "$tmp/mvn"
cp "$RECIPE_DIR/pom.xml" "$tmp/mvn/pom.xml"
if ! (cd "$tmp/mvn" && mvn -B -q -Dcassandra.version="$VERSION" \
  dependency:copy-dependencies -DoutputDirectory="$tmp/mvn/lib" >"$tmp/mvn.log" 2>&1); then
  tail -n 40 "$tmp/mvn.log" >&2
  die "maven could not resolve cassandra-all $VERSION"
fi
[[ -f "$tmp/mvn/lib/cassandra-all-$VERSION.jar" ]] || die "cassandra-all-$VERSION.jar missing after mvn"
# native jars for other platforms are dead weight
case "$(uname -m)" in
  x86_64) other='osx|windows|aarch_64|riscv64' ;;
  aarch64) other='osx|windows|x86_64|riscv64' ;;
  *) other='osx|windows' ;;
esac
find "$tmp/mvn/lib" -name '*.jar' | grep -E -- "-($other)" | xargs -r rm -f
log "$(find "$tmp/mvn/lib" -name '*.jar' | wc -l) jars ($(du -sh "$tmp/mvn/lib" | cut -f1))"

# 2. the rootfs: base + Java 17 JRE
root="$tmp/rootfs"
copy_base_rootfs "$root"
log "creating user cassandra (999:999) like the official image"
in_chroot "$root" sh -c '
  set -e
  groupadd -r -g 999 cassandra
  useradd -r -g cassandra -u 999 --home-dir=/var/lib/cassandra --shell=/bin/bash cassandra
'
# ca-certificates-java needs /proc (in_chroot mounts it); hostname for `hostname -i`
apt_install "$root" openjdk-17-jre-headless hostname
rm -rf "$root"/usr/lib/jvm/*/lib/src.zip "$root"/usr/lib/jvm/*/man

# 3. Cassandra
home=/opt/cassandra
mkdir -p "$root$home/lib" "$root$home/bin" "$root$home/conf" "$root/etc/cassandra" "$root/var/lib/cassandra"
cp "$tmp/mvn/lib/"*.jar "$root$home/lib/"
install -m 0644 "$RECIPE_DIR/conf/cassandra.yaml.in" "$RECIPE_DIR/conf/cassandra-rackdc.properties.in" \
  "$RECIPE_DIR/conf/logback.xml" "$root$home/conf/"
install -m 0644 "$RECIPE_DIR/conf/logback.xml" "$root/etc/cassandra/logback.xml"
install -m 0755 "$RECIPE_DIR/cassandra" "$root$home/bin/cassandra"
install -m 0755 "$RECIPE_DIR/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
ln -sf usr/local/bin/docker-entrypoint.sh "$root/docker-entrypoint.sh"
echo "$VERSION" >"$root$home/VERSION"
chown -R 999:999 "$root/etc/cassandra" "$root/var/lib/cassandra"
chmod 1777 "$root/var/lib/cassandra"

# the JVM must start inside the rootfs, and Cassandra's main class must be there
in_chroot "$root" java -version >/dev/null 2>&1 || die "java does not run in the rootfs"
if command -v unzip >/dev/null; then
  unzip -l "$tmp/mvn/lib/cassandra-all-$VERSION.jar" org/apache/cassandra/service/CassandraDaemon.class >/dev/null ||
    die "CassandraDaemon missing from cassandra-all-$VERSION.jar"
fi

java_home="$(cd "$root" && ls -d usr/lib/jvm/java-17-openjdk-* | head -n1)"
[[ -n "$java_home" ]] || die "no Java 17 in the rootfs"

old="$(previous_image_id)"
import_rootfs "$root" \
  --change "ENV PATH=$home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV JAVA_HOME=/$java_home" \
  --change "ENV CASSANDRA_HOME=$home" \
  --change "ENV CASSANDRA_CONF=/etc/cassandra" \
  --change "ENV CASSANDRA_VERSION=$VERSION" \
  --change 'VOLUME /var/lib/cassandra' \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'EXPOSE 7000 7001 7199 9042 9160' \
  --change 'CMD ["cassandra", "-f"]'
# ready when the CQL port accepts connections (no cqlsh or nodetool needed)
add_dockerfile_lines \
  'HEALTHCHECK --interval=2s --timeout=2s --start-period=120s --retries=3 CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9042"]'
remove_previous_image "$old"
log "done: $IMAGE ($(image_size "$IMAGE"))"
