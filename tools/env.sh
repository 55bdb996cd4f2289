# Source me: puts the Node that tools/bootstrap.sh installed first on PATH.
_db_cache="${DRILLBOOK_CACHE:-$HOME/.cache/drillbook}"
if [ -f "$_db_cache/node-bin-path" ]; then PATH="$(cat "$_db_cache/node-bin-path"):$PATH"; export PATH; fi
unset _db_cache
