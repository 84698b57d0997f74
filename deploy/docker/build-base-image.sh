#!/usr/bin/env bash
# Builds a minimal Java 17 runtime image from this machine's own JDK, with no registry and no pull:
# a jlink'd JRE, the shared libraries it links against, a static busybox (for /bin/sh, wget and the
# shell Testcontainers and `docker exec` need), and nothing else. Use it as deploy/Dockerfile's
# BASE_IMAGE on machines that cannot pull eclipse-temurin:17-jre (../shared/docs/containers.md).
#
#   deploy/docker/build-base-image.sh [--lib DIR] [--tag TAG] [--force]
#     --lib DIR   jars whose module needs jdeps adds (default: the unpacked distribution's lib/ when
#                 deploy/target/ferry-*.tar.gz exists; otherwise a fixed module list)
#     --tag TAG   image name (default local/jre17-base:1)
#     --force     rebuild even when the image exists
# Needs: docker, a JDK 17 with jmods (openjdk-17-jdk-headless), busybox-static (installed when missing
# and running as root on Debian).
set -euo pipefail

TAG=local/jre17-base:1
LIB_DIR=
FORCE=false
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) LIB_DIR=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --force) FORCE=true; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-base-image: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$FORCE" = false ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "base image $TAG exists; nothing to do (--force rebuilds it)"
  exit 0
fi

start=$(date +%s)
JDK=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v jlink)")")")}
if [ ! -x "$JDK/bin/jlink" ] || [ ! -d "$JDK/jmods" ]; then
  echo "build-base-image: no JDK with jmods at $JDK; install openjdk-17-jdk-headless or set JAVA_HOME" >&2
  exit 1
fi
if ! "$JDK/bin/java" -version 2>&1 | grep -q '"17\.'; then
  echo "build-base-image: $JDK is not a Java 17 JDK; set JAVA_HOME to one" >&2
  exit 1
fi

BUSYBOX=$(command -v busybox || true)
is_static() { [ -n "$1" ] && ldd "$1" 2>&1 | grep -q 'not a dynamic'; }
if ! is_static "$BUSYBOX"; then
  if is_static /bin/busybox; then
    BUSYBOX=/bin/busybox
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null; }
    BUSYBOX=/bin/busybox
  else
    echo "build-base-image: needs a static busybox (Debian: apt-get install busybox-static)" >&2
    exit 1
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"

# Modules: what the distribution's jars use (jdk.httpserver: the admin endpoint; listed, since on a clean clone this
# runs before the distribution exists for jdeps to read), plus TLS (EC), Flight Recorder and JMX for operators.
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,jdk.httpserver,jdk.unsupported
if [ -z "$LIB_DIR" ]; then
  repo=$(cd "$(dirname "$0")/../.." && pwd)
  tarball=$(ls "$repo"/deploy/target/ferry-*.tar.gz 2>/dev/null | head -1 || true)
  if [ -n "$tarball" ]; then
    tar -xzf "$tarball" -C "$work"
    LIB_DIR=$(echo "$work"/ferry-*/lib)
  fi
fi
if [ -n "$LIB_DIR" ]; then
  found=$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 "$LIB_DIR"/*.jar \
    2>/dev/null | grep -v '^Warning' | tail -1)
  modules=$modules,$found
  echo "jdeps on $LIB_DIR: $found"
fi
modules=$modules,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.naming.dns,jdk.zipfs
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --generate-cds-archive --output "$root/opt/java"

# The shared libraries the JRE's binaries and libraries link against, at their host paths.
copy_lib() {
  mkdir -p "$root$(dirname "$1")"
  cp -L "$1" "$root$1"
}
for so in $( (find "$root/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \; 2>/dev/null || true) \
  | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  copy_lib "$so"
done
for extra in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
  [ -e "$extra" ] && copy_lib "$extra"
done
# Native libraries that the jars unpack at run time (zstd, snappy, netty epoll) link against these too.
for lib in libz.so.1 libstdc++.so.6 libgcc_s.so.1 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && $0 ~ /x86-64|AArch64/ {print $NF; exit}')
  [ -n "$path" ] && copy_lib "$path"
done

# busybox as /bin/sh and every applet at its usual path (/usr/bin/env for bin/ferry's shebang, wget for
# the health check).
mkdir -p "$root/bin"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done

mkdir -p "$root/etc" "$root/tmp" "$root/root" "$root/usr/lib/locale"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
[ -d /usr/lib/locale/C.utf8 ] && cp -r /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"

tar --numeric-owner -C "$root" -cf - . | docker import \
  -c 'ENV PATH=/opt/java/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV JAVA_HOME=/opt/java' -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["/bin/sh"]' -m "jlink'd Java 17 runtime + busybox (deploy/docker/build-base-image.sh)" - "$TAG" >/dev/null
docker run --rm "$TAG" java -version 2>&1 | head -1
size=$(docker image inspect -f '{{.Size}}' "$TAG")
echo "built $TAG: $((size / 1000000)) MB in $(( $(date +%s) - start )) s"
