import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { loadConfig, parseConfig } from './config.ts';
import { EXAMPLE_STACK_DESCRIPTION, fillProbeTemplate } from './stack-description.ts';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.problems;
    throw e;
  }
  throw new Error('expected InvalidInputError');
}

/** A folder laid out as the example description expects (k8s/ with a manifest and the k6 script, app/ with a Dockerfile). */
function stackFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-stack-'));
  mkdirSync(join(dir, 'k8s'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'k8s', 'api.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
  writeFileSync(join(dir, 'k8s', 'load-test.js'), 'export default function () {}\n');
  writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM scratch\n');
  return dir;
}

const clone = <T>(v: T): T => structuredClone(v) as T;
type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('stack description', () => {
  it('without a description the stack is the built-in reference stack (the namespace only)', () => {
    expect(parseConfig({}).stack).toEqual({ namespace: 'gravl-staging' });
  });

  it('parses the example, fills defaults, and makes every path absolute against the drillbook.yaml folder', () => {
    const dir = stackFolder();
    const c = parseConfig({ stack: EXAMPLE_STACK_DESCRIPTION }, 'config', { baseDir: dir });
    expect(c.stack.deploy?.manifests).toEqual([join(dir, 'k8s')]);
    expect(c.stack.load?.script).toBe(join(dir, 'k8s/load-test.js'));
    expect(c.stack.releases?.broken).toMatchObject({ tag: 'shop/api:broken', build: { context: join(dir, 'app') } });
    expect(c.stack.releases?.next).toBe('shop/api:1.5.0');
    expect(c.stack.components?.database.engine).toBe('postgres');
    expect(c.stack.probe?.write.acceptedStatus).toEqual([200, 201]);
  });

  it('loadConfig resolves paths against the config file’s folder, not the working folder', () => {
    const dir = stackFolder();
    writeFileSync(join(dir, 'drillbook.yaml'), JSON.stringify({ stack: EXAMPLE_STACK_DESCRIPTION }));
    expect(loadConfig(join(dir, 'drillbook.yaml')).stack.deploy?.manifests).toEqual([join(dir, 'k8s')]);
  });

  it('names each missing file with its resolved path and what to give instead', () => {
    const dir = stackFolder();
    const stack = clone(EXAMPLE_STACK_DESCRIPTION) as Mutable;
    stack.deploy.manifests = ['k8s/', 'k8s/missing.yaml', 'app/Dockerfile'];
    stack.load.script = 'k8s/load-test.py';
    stack.releases.broken.build.context = 'nowhere';
    writeFileSync(join(dir, 'k8s', 'load-test.py'), '');
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual([
      `stack.deploy.manifests[1] (got "k8s/missing.yaml"): no such file or folder ${join(dir, 'k8s/missing.yaml')} (relative to ${dir}); give manifest files or folders as kubectl apply -f takes them`,
      'stack.deploy.manifests[2] (got "app/Dockerfile"): must end in .yaml, .yml or .json (what kubectl apply -f reads)',
      `stack.load.script (got "k8s/load-test.py"): must end in .js, .mjs, .cjs, .ts, .mts; give the path of the team's k6 script (JavaScript or TypeScript)`,
      `stack.releases.broken.build.context (got "nowhere"): no such folder ${join(dir, 'nowhere')} (relative to ${dir}); give the path of a Docker build context (a folder)`,
    ]);
  });

  it('takes exactly one deploy method; kustomize and helm folders must hold what the tools read', () => {
    const dir = stackFolder();
    const stack = clone(EXAMPLE_STACK_DESCRIPTION) as Mutable;
    stack.deploy = { manifests: ['k8s/'], kustomize: 'k8s' };
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual([
      expect.stringMatching(/^stack\.deploy: gives manifests and kustomize; give exactly one of manifests/),
      expect.stringMatching(/^stack\.deploy\.kustomize \(got "k8s"\): .*k8s has no kustomization\.yaml or kustomization\.yml or Kustomization/),
    ]);
    stack.deploy = { helm: { chart: 'app', values: ['values.yaml'], release: 'shop' } };
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual([
      expect.stringMatching(/^stack\.deploy\.helm\.chart \(got "app"\): .*has no Chart\.yaml/),
      expect.stringMatching(/^stack\.deploy\.helm\.values\[0\] \(got "values\.yaml"\): no such file/),
    ]);
    stack.deploy = { images: [] };
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))[0]).toMatch(/^stack\.deploy: says no way to deploy; give exactly one of/);
  });

  it('names wrong fields with the value and what is allowed, and lists the allowed fields for a typo', () => {
    const dir = stackFolder();
    const stack = clone(EXAMPLE_STACK_DESCRIPTION) as Mutable;
    stack.components.backend.port = 80_000;
    stack.components.backend.readinessPath = 'readyz';
    stack.components.database.kind = 'DaemonSet';
    stack.components.database.credentials.passwrodKey = 'password';
    stack.deploy.images = ['Shop/API:latest'];
    stack.releases.next = { tag: 'shop/api:2' };
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stack\.components\.backend\.port \(got 80000\): a port is 1-65535/),
        expect.stringMatching(/^stack\.components\.backend\.readinessPath \(got "readyz"\): must be an HTTP path starting with '\/'/),
        'stack.components.database.kind (got "DaemonSet"): must be one of "StatefulSet", "Deployment"',
        "stack.components.database.credentials: unknown field(s) 'passwrodKey'; allowed: secret, userKey, passwordKey, database",
        expect.stringMatching(/^stack\.deploy\.images\.0 \(got "Shop\/API:latest"\): must be a Docker image reference/),
        expect.stringMatching(/^stack\.releases\.next \(got \{"tag":"shop\/api:2"\}\): must be an image reference \(name:tag\), or \{ tag: name:tag, build: \{ context: folder \} \}/),
      ]),
    );
  });

  it('refuses probe templates that cannot measure RPO: no {{seq}} in the write, a read of one record, unknown placeholders, a body that is not JSON', () => {
    const dir = stackFolder();
    const stack = clone(EXAMPLE_STACK_DESCRIPTION) as Mutable;
    stack.probe.write.body = '{"client": "{{runId}}", "item": "{{sku}}"}';
    stack.probe.read.path = '/api/orders/{{seq}}';
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual([
      'stack.probe.write.body (got "{\\"client\\": \\"{{runId}}\\", \\"item\\": \\"{{sku}}\\"}"): unknown placeholder(s) {{sku}}; the probe fills in {{seq}} and {{runId}}',
      expect.stringMatching(/^stack\.probe\.read\.path \(got "\/api\/orders\/\{\{seq\}\}"\): reads one record; the read must return every record of the run/),
      expect.stringMatching(/^stack\.probe\.write\.body .*has no \{\{seq\}\}; every write must carry its sequence number/),
    ]);
    stack.probe.write.body = '{"seq": "{{seq}}, "client": {{runId}}}';
    stack.probe.read.path = '/api/orders?client={{runId}}';
    expect(problemsOf(() => parseConfig({ stack }, 'config', { baseDir: dir }))).toEqual([expect.stringMatching(/^stack\.probe\.write\.body .*is not JSON once filled in .*write \{\{seq\}\} unquoted/)]);
  });

  it('a description is complete: deploy, probe, load and releases need components; a kind cluster needs deploy', () => {
    const dir = stackFolder();
    expect(problemsOf(() => parseConfig({ stack: { deploy: EXAMPLE_STACK_DESCRIPTION.deploy } }, 'config', { baseDir: dir }))).toEqual([
      expect.stringMatching(/^stack\.deploy: given without stack\.components; describe where the backend and the database are/),
    ]);
    const { deploy: _deploy, ...withoutDeploy } = EXAMPLE_STACK_DESCRIPTION;
    expect(problemsOf(() => parseConfig({ stack: withoutDeploy }, 'config', { baseDir: dir }))).toEqual([expect.stringMatching(/^stack\.deploy: required when cluster\.provider is 'kind'/)]);
    expect(parseConfig({ stack: withoutDeploy, cluster: { provider: 'existing', context: 'staging' } }, 'config', { baseDir: dir }).stack.components?.backend.deployment).toBe('shop-api');
  });

  it('fillProbeTemplate fills {{seq}} and {{runId}}, encoding the run id where asked', () => {
    expect(fillProbeTemplate('{"seq": {{seq}}, "c": "{{ runId }}"}', { seq: 7, runId: 'r 1' })).toBe('{"seq": 7, "c": "r 1"}');
    expect(fillProbeTemplate('/x?c={{runId}}', { runId: 'r 1' }, encodeURIComponent)).toBe('/x?c=r%201');
  });
});
