// testcontainers settings every drillbook process needs, applied on import (before the first container starts;
// testcontainers reads them lazily). Import this module wherever testcontainers is used.
//
// - Ryuk, testcontainers' reaper, is an image that can never be pulled here: drillbook cleans up by its own
//   labels (stop(), `drillbook gc`).
// - The host testcontainers connects to for wait strategies and mapped ports. Every port drillbook publishes is
//   bound to 127.0.0.1 (house rule), so that is the host. Left to itself, testcontainers sees /.dockerenv (these
//   VMs have one) and picks the docker bridge's gateway instead, once the bridge lists one — which it does after
//   dockerd restarts from its saved network state, as on a CI run after a session: every HTTP wait then timed
//   out ("URL /api/ready not accessible after 60000ms").
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export const TESTCONTAINERS_ENV = {
  TESTCONTAINERS_RYUK_DISABLED: 'true',
  TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
} as const;
