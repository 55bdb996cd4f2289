#!/bin/sh
# Renders the nginx site from GRAVL_BACKEND_URL, then runs nginx. The backend name must resolve at start.
set -eu
case "$GRAVL_BACKEND_URL" in http://*|https://*) ;; *) echo "entrypoint: GRAVL_BACKEND_URL must start with http:// or https:// (got '$GRAVL_BACKEND_URL')" >&2; exit 78 ;; esac
sed "s#@GRAVL_BACKEND_URL@#${GRAVL_BACKEND_URL}#" /etc/nginx/templates/default.conf.template > /etc/nginx/sites-enabled/gravl.conf
exec "$@"
