#!/usr/bin/env bash
# deploy/Containerfile without a container runtime (CI has none): the build context that the
# ignore files select from a checkout after `make run` and `make test`, the build stage's
# configure step on that context, and the image's user and paths against its configuration.
#   tests/deploy/container_build.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cmp -s .dockerignore .containerignore ||
  fail ".dockerignore and .containerignore differ (docker reads the first, podman the second)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tracked sources, plus the local state that `make run` and `make test` leave beside them.
src="$work/src"
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
mkdir -p "$src"/{build,build-asan,build-fuzz,build-werror} "$src"/data/{tls,dev-ca}
echo "CMAKE_HOME_DIRECTORY:INTERNAL=/elsewhere" >"$src/build/CMakeCache.txt"
touch "$src/build-asan/CMakeCache.txt" "$src/build-fuzz/CMakeCache.txt"
touch "$src/data/kek.bin" "$src/data/keybroker.db" "$src/data/keybroker.db-wal"
touch "$src/data/tls/key.pem" "$src/data/dev-ca/root.pem" "$src/data/dev-ca/key.pem"
# What the runbooks make in the working directory (docs/deploy.md, deploy/README.md).
touch "$src/kek.new" "$src/kek.retired" "$src/key.pem" "$src/ann-token.json" "$src/audit.jsonl"
mkdir -p "$src/tests/kms-sdk/node_modules/x" "$src/fuzz/artifacts" "$src/.git"
touch "$src/tests/kms-sdk/node_modules/x/index.js" "$src/fuzz/artifacts/crash-1" "$src/.git/HEAD"

ctx="$work/context"
python3 tests/deploy/build_context.py .containerignore "$src" --copy "$ctx" | sort >"$work/sent"
git ls-files | sort >"$work/tracked"
leaked=$(comm -13 "$work/tracked" "$work/sent")
[ -z "$leaked" ] || fail "the build context holds local state: $leaked"
lost=$(comm -23 "$work/tracked" "$work/sent")
[ -z "$lost" ] || fail "the ignore file leaves out tracked sources: $lost"

# The build stage's `make build`, up to its configure step: the context has no CMake cache of
# the host's, which CMake would refuse ("does not match the source ... used to generate cache").
cmake -S "$ctx" -B "$ctx/build" -DCMAKE_BUILD_TYPE=Release -DKB_TESTS=OFF -DKB_BENCH=OFF \
  >"$work/configure.log" 2>&1 || {
  cat "$work/configure.log" >&2
  fail "the build stage's configure step failed on the context"
}

# The runtime stage: a fixed numeric uid:gid for the keybroker user, USER naming them, and the
# container configuration installed where the entrypoint reads it.
cf=deploy/Containerfile
uid=$(sed -n 's/^ARG KB_UID=\([0-9]\+\)$/\1/p' $cf)
gid=$(sed -n 's/^ARG KB_GID=\([0-9]\+\)$/\1/p' $cf)
[ -n "$uid" ] && [ -n "$gid" ] || fail "$cf: no fixed ARG KB_UID/KB_GID"
grep -q -- '--uid "$KB_UID" --gid "$KB_GID"' $cf || fail "$cf: useradd does not use KB_UID/KB_GID"
grep -qx 'USER ${KB_UID}:${KB_GID}' $cf || fail "$cf: USER is not the numeric KB_UID:KB_GID"
# The image tells the KEK loader it runs alone in its container (cli/secret_mount.h).
grep -qx 'ENV KEYBROKER_CONTAINER=1' $cf || fail "$cf: KEYBROKER_CONTAINER=1 is not set"
grep -qx 'COPY deploy/config.container.yaml /etc/keybroker/config.yaml' $cf ||
  fail "$cf: the container configuration is not installed as /etc/keybroker/config.yaml"
grep -q '"--config", "/etc/keybroker/config.yaml"' $cf ||
  fail "$cf: the entrypoint reads another file"
# Every state path of the configuration is under a directory the image creates for its user.
for key in data_dir database audit_sink; do
  path=$(sed -n "s/^$key: *\([^ ]*\).*/\1/p" deploy/config.container.yaml)
  case "$path" in
  /var/lib/keybroker | /var/lib/keybroker/* | /var/log/keybroker/*) ;;
  *) fail "deploy/config.container.yaml: $key is $path, outside the image's volumes" ;;
  esac
done
echo "container build stage ok"
