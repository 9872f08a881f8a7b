# Sourced by the PKCS#11 test scripts (issue 20). Debian's softhsm2 (2.6.1) keeps its tokens in
# files named by a config file; these helpers give each test its own token store.
#   kb_softhsm_init DIR LABEL PIN  creates DIR/tokens and DIR/softhsm2.conf, exports
#                                  SOFTHSM2_CONF, and initialises a token LABEL with user PIN PIN
#                                  (the SO PIN is random: tests never need it)
#   kb_softhsm_module              prints the path of libsofthsm2.so
# The caller owns DIR and removes it (mktemp -d plus a trap).

kb_softhsm_module() {
  local path
  for path in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
    if [ -f "$path" ]; then echo "$path"; return 0; fi
  done
  echo "kb_softhsm_module: libsofthsm2.so not found; install Debian's softhsm2 package" >&2
  return 1
}

kb_softhsm_init() {
  if [ $# -ne 3 ] || [ -z "$1" ] || [ -z "$2" ] || [ -z "$3" ]; then
    echo "usage: kb_softhsm_init DIR LABEL PIN" >&2
    return 1
  fi
  local dir=$1 label=$2 pin=$3 so_pin out
  if ! command -v softhsm2-util >/dev/null; then
    echo "kb_softhsm_init: softhsm2-util not found; install Debian's softhsm2 package" >&2
    return 1
  fi
  mkdir -p "$dir/tokens" || { echo "kb_softhsm_init: cannot create $dir/tokens" >&2; return 1; }
  cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  so_pin=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  if ! out=$(softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" 2>&1); then
    echo "kb_softhsm_init: softhsm2-util --init-token failed for token '$label' in $dir/tokens:" >&2
    echo "$out" >&2
    return 1
  fi
}
