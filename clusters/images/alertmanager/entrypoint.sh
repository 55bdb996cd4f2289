#!/bin/sh
# ALERTMANAGER_WEBHOOK_URL set -> render a config whose default receiver posts to it, and use that.
set -eu
if [ -n "${ALERTMANAGER_WEBHOOK_URL:-}" ]; then
  cat > /tmp/alertmanager.yml <<CONF
route:
  receiver: webhook
  group_by: [alertname, severity]
  group_wait: ${ALERTMANAGER_GROUP_WAIT:-10s}
  group_interval: 1m
  repeat_interval: 4h
receivers:
  - name: webhook
    webhook_configs:
      - url: '${ALERTMANAGER_WEBHOOK_URL}'
        send_resolved: true
CONF
  /usr/bin/amtool check-config /tmp/alertmanager.yml >/dev/null
  for arg do
    shift
    case "$arg" in --config.file=*) ;; *) set -- "$@" "$arg" ;; esac
  done
  set -- "$@" --config.file=/tmp/alertmanager.yml
fi
exec /usr/bin/prometheus-alertmanager "$@"
