// The alert rules a drill cluster's Prometheus runs. The DR alerts hold for up to 30 minutes before they fire
// (`for: 30m`); a drill that makes each one fire and resolve cannot wait that long, so a drill cluster may run the
// rules with every hold capped (e.g. at 15 s). Expressions, thresholds and labels stay as written: what the drill
// proves is that the condition it creates reaches the rule, the rule fires, AlertManager routes it to the receiver,
// and it resolves when the runbook's fix lands. The holds as written are proved by promtool
// (clusters/images/prometheus/rules.test.yml), and every capped hold is listed so the evidence says so.
import { parse, stringify } from 'yaml';
import type { HoldCap } from '../../scenarios/catalog/gravl-dr-alerts.env.ts';

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds of a Prometheus duration ("30m", "1h30m", "15s", "500ms"); throws on anything else. */
export function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`'${text}' is not a Prometheus duration (e.g. 30s, 5m, 1h30m)`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}

interface RuleFile {
  groups?: { name?: string; rules?: { alert?: string; for?: string }[] }[];
}

/** The rules file with every alert's `for` above `capSeconds` lowered to it, and which were. */
export function rulesWithHoldCap(text: string, capSeconds: number): { readonly text: string; readonly capped: readonly HoldCap[] } {
  if (!Number.isInteger(capSeconds) || capSeconds < 0) throw new Error(`hold cap ${capSeconds}: a whole number of seconds >= 0`);
  const rules = parse(text) as RuleFile | null;
  if (!rules || !Array.isArray(rules.groups)) throw new Error('not a Prometheus rules file: no groups');
  const capped: HoldCap[] = [];
  for (const group of rules.groups) {
    for (const rule of group.rules ?? []) {
      if (rule.alert === undefined || rule.for === undefined) continue;
      if (durationSeconds(String(rule.for)) <= capSeconds) continue;
      capped.push({ alert: rule.alert, written: String(rule.for), drill: `${capSeconds}s` });
      rule.for = `${capSeconds}s`;
    }
  }
  return { text: capped.length === 0 ? text : stringify(rules, { lineWidth: 0 }), capped };
}
