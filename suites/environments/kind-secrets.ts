// Secrets management for a kind environment: the Sealed Secrets controller installed from what is built here
// (controller image, the module's CRD, kubeseal of the same version), and adoptSecrets(), which turns an app's
// existing plain Secrets into SealedSecrets the controller owns, so the sign-off's `secrets-management` check sees
// every Secret owned by a SealedSecret and none applied from a plaintext manifest.
//
// How the takeover works (pkg/controller/controller.go of the built module, v0.40.0): the controller refuses to
// overwrite a Secret it does not control unless the *existing Secret* carries `sealedsecrets.bitnami.com/managed:
// "true"`; it then replaces the Secret's data, labels, annotations and ownerReferences with the SealedSecret's
// template. So adoptSecrets annotates the Secret first (its own field manager: it touches nothing else), seals a
// copy of the Secret whose template leaves out `kubectl.kubernetes.io/last-applied-configuration` (that annotation
// holds the plaintext manifest, and a template is not encrypted), applies the SealedSecret and waits until the
// Secret has an ownerReference of kind SealedSecret and the same keys.
//
// Secret values: registered with the run's redactor (options.secret) before anything else is done with them, given
// to kubeseal on stdin only (never a file), never logged; kubeseal's output is checked to hold none of them.
import { isIdentifierKey } from '../../scenarios/redaction.ts';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deploymentAvailable, type KubeCondition } from '../../clusters/kube/conditions.ts';
import type { StartedKindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeObject, ServiceRef } from '../../clusters/kube/kube-api.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import {
  SEALED_SECRETS_CONTROLLER,
  SEALED_SECRETS_HTTP_PORT,
  SEALED_SECRETS_NAMESPACE,
  sealedSecretsController,
  sealedSecretsCrd,
} from '../../clusters/stack/manifests/sealed-secrets.manifest.ts';
import { DrillbookError, InvalidInputError, WaitTimeoutError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type CallOptions, type Labels } from '../../scenarios/ports.ts';
import { ensureImage } from '../../tools/images/images.ts';
import { ensureSealedSecretsBuild } from '../../tools/images/sealed-secrets.prerequisite.ts';
import { run } from '../../tools/lib/exec.ts';

export const MANAGED_ANNOTATION = 'sealedsecrets.bitnami.com/managed';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The field manager of the `managed` annotation (not drillbook's own: an apply with it would drop the data it owns). */
export const ADOPT_FIELD_MANAGER = 'drillbook-sealed-secrets';
export const SEALED_SECRET_API = 'bitnami.com/v1alpha1';

/** Seals a Secret manifest (JSON) with a certificate (PEM): kubeseal, or a fake in unit tests. */
export interface Sealer {
  seal(secretJson: string, certificatePem: string, options?: CallOptions): Promise<string>;
}

/** `kubeseal --cert <pem> --format json`, the Secret on stdin; the certificate (public) in a 0600 temp file removed after. */
export function kubesealSealer(kubeseal: string): Sealer {
  return {
    async seal(secretJson, certificatePem, options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'drillbook-kubeseal-'));
      try {
        const cert = join(dir, 'cert.pem');
        await writeFile(cert, certificatePem, { mode: 0o600 });
        let result;
        try {
          result = await run(kubeseal, ['--cert', cert, '--format', 'json', '--scope', 'strict'], { input: secretJson, signal: options.signal, timeoutMs: 60_000 });
        } catch (error) {
          // the execa result (the cause) is left out: only kubeseal's own words, which never echo its input
          const stderr = (error as { stderr?: string }).stderr ?? '';
          throw new DrillbookError(`kubeseal could not seal the Secret: ${stderr.split('\n').slice(-3).join(' ').trim() || (error as Error).message.split('\n')[0]}`, {
            hint: `check the certificate (it must be the controller's, PEM) and the binary ${kubeseal} (\`${kubeseal} --version\`)`,
          });
        }
        return result.stdout;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface AdoptDeps {
  readonly client: KubeClient;
  readonly sealer: Sealer;
  /** The controller's sealing certificate (PEM). */
  readonly certificate: string;
}

export interface AdoptOptions extends CallOptions {
  /** Registers a secret value with the run's redactor (SuiteContext `secret`); called before the value is used. */
  readonly secret?: (value: string) => void;
  readonly log?: (line: string) => void;
  /** Per Secret (default 60 s). */
  readonly timeoutMs?: number;
}

export interface AdoptedSecret {
  readonly namespace: string;
  readonly name: string;
  /** The keys of its data (never the values). */
  readonly keys: readonly string[];
  /** false when the Secret was already owned by its SealedSecret (nothing was done). */
  readonly changed: boolean;
}

type SecretObject = KubeObject & { type?: string; data?: Record<string, string>; metadata: KubeObject['metadata'] & { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function ownedBySealedSecret(secret: SecretObject): boolean {
  return (secret.metadata.ownerReferences ?? []).some((r) => r.kind === 'SealedSecret' && r.name === secret.metadata.name);
}

/** The Secret is owned by its SealedSecret, holds exactly `keys` and no plaintext-manifest annotation. */
export function secretAdopted(namespace: string, name: string, keys: readonly string[]): KubeCondition {
  const want = [...keys].sort().join(',');
  return {
    name: `Secret ${namespace}/${name} owned by its SealedSecret`,
    target: { apiVersion: 'v1', kind: 'Secret', namespace, fieldSelector: `metadata.name=${name}` },
    evaluate(objects) {
      const secret = objects[0] as SecretObject | undefined;
      if (!secret) return { ok: false, detail: 'the Secret is gone (the controller re-creates it from the SealedSecret)' };
      const have = Object.keys(secret.data ?? {}).sort().join(',');
      const owned = ownedBySealedSecret(secret);
      const lastApplied = secret.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined;
      const ok = owned && have === want && !lastApplied;
      return { ok, detail: `owner SealedSecret: ${owned ? 'yes' : 'not yet'}; keys [${have}] (want [${want}])${lastApplied ? `; still annotated ${LAST_APPLIED_ANNOTATION}` : ''}` };
    },
  };
}

/** What kubeseal is given: the Secret as a manifest without server fields and without annotations that must not stay. */
export function sealingInput(secret: SecretObject): SecretObject {
  const annotations = Object.fromEntries(
    Object.entries(secret.metadata.annotations ?? {}).filter(([k]) => k !== LAST_APPLIED_ANNOTATION && k !== MANAGED_ANNOTATION),
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.metadata.name,
      namespace: secret.metadata.namespace!,
      ...(secret.metadata.labels ? { labels: { ...secret.metadata.labels } } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    type: secret.type ?? 'Opaque',
    data: { ...secret.data },
  };
}

/**
 * Seals each named Secret of `namespace` with the controller's certificate, applies the SealedSecret and makes the
 * controller take the Secret over; resolves once every Secret is owned by its SealedSecret with the same keys.
 * Refuses (before changing anything) names that are not DNS subdomains, missing Secrets and Secrets without data.
 */
export async function adoptSecrets(deps: AdoptDeps, namespace: string, names: readonly string[], options: AdoptOptions = {}): Promise<AdoptedSecret[]> {
  const { client, sealer, certificate } = deps;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const problems: string[] = [];
  if (!DNS_SUBDOMAIN.test(namespace)) problems.push(`namespace ${JSON.stringify(namespace)} is not a DNS label`);
  const wanted = [...new Set(names)];
  if (wanted.length === 0) problems.push('no Secret names given (adoptSecrets(namespace, [names...]))');
  for (const n of wanted) if (!DNS_SUBDOMAIN.test(n)) problems.push(`${JSON.stringify(n)} is not a Secret name (DNS subdomain)`);
  if (!certificate.includes('-----BEGIN CERTIFICATE-----')) problems.push('the sealing certificate is not a PEM certificate (installSealedSecrets fetches it from the controller)');
  if (problems.length) throw new InvalidInputError('adoptSecrets', problems);

  // read them all first: a missing or empty one is refused before anything is changed
  const secrets: SecretObject[] = [];
  for (const name of wanted) {
    const secret = (await client.api.read({ apiVersion: 'v1', kind: 'Secret', namespace, name }, call)) as SecretObject | undefined;
    if (!secret) problems.push(`Secret ${namespace}/${name} does not exist (adoptSecrets takes over existing Secrets; create it first, or leave it out)`);
    else if (Object.keys(secret.data ?? {}).length === 0) problems.push(`Secret ${namespace}/${name} has no data (nothing to seal; delete it or leave it out)`);
    else secrets.push(secret);
  }
  if (problems.length) throw new InvalidInputError('adoptSecrets', problems);
  for (const secret of secrets) {
    for (const [key, encoded] of Object.entries(secret.data ?? {})) {
      if (isIdentifierKey(key)) continue; // a user or database name: an identifier, see isIdentifierKey
      options.secret?.(encoded);
      const plain = Buffer.from(encoded, 'base64').toString('utf8');
      if (plain) options.secret?.(plain);
    }
  }

  const adopted: AdoptedSecret[] = [];
  for (const secret of secrets) {
    const name = secret.metadata.name;
    const keys = Object.keys(secret.data ?? {}).sort();
    const lastApplied = secret.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined;
    if (ownedBySealedSecret(secret) && !lastApplied) {
      options.log?.(`Secret ${namespace}/${name}: already owned by its SealedSecret (keys ${keys.join(', ')})`);
      adopted.push({ namespace, name, keys, changed: false });
      continue;
    }
    const sealed = parseSealed(await sealer.seal(JSON.stringify(sealingInput(secret)), certificate, call), secret);
    // the existing Secret first: without the annotation the controller refuses the SealedSecret (and backs off)
    await client.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, annotations: { [MANAGED_ANNOTATION]: 'true' } } }, ADOPT_FIELD_MANAGER, call);
    await client.apply([sealed], call);
    try {
      await client.waitFor(secretAdopted(namespace, name, keys), {
        timeoutMs: options.timeoutMs ?? 60_000,
        ...call,
        hint: `kubectl -n ${namespace} describe sealedsecret ${name}; kubectl -n ${SEALED_SECRETS_NAMESPACE} logs deploy/${SEALED_SECRETS_CONTROLLER}`,
      });
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      const status = await sealedStatus(client, namespace, name, call);
      throw new DrillbookError(`Secret ${namespace}/${name} was not taken over by its SealedSecret: ${status}`, {
        cause: error,
        hint: `is the controller running (kubectl -n ${SEALED_SECRETS_NAMESPACE} get deploy ${SEALED_SECRETS_CONTROLLER}) and was the Secret sealed with its current certificate? ` +
          `kubectl -n ${namespace} describe sealedsecret ${name}`,
      });
    }
    options.log?.(`Secret ${namespace}/${name}: adopted by SealedSecret ${name} (keys ${keys.join(', ')})`);
    adopted.push({ namespace, name, keys, changed: true });
  }
  return adopted;
}

/**
 * kubeseal's output as a SealedSecret; refuses one without every key encrypted, or with a value of the Secret in
 * clear outside the metadata (the metadata is what sealingInput() gave, names and labels: a short value such as
 * `gravl` may equal a label value there without being a leak).
 */
export function parseSealed(output: string, secret: SecretObject): KubeObject {
  const where = `kubeseal output for Secret ${secret.metadata.namespace}/${secret.metadata.name}`;
  let sealed: KubeObject & { spec?: { encryptedData?: Record<string, string>; template?: Record<string, unknown> } };
  try {
    sealed = JSON.parse(output) as typeof sealed;
  } catch {
    throw new DrillbookError(`${where} is not JSON`, { hint: 'kubeseal must be run with --format json' });
  }
  const want = Object.keys(secret.data ?? {}).sort().join(',');
  const have = Object.keys(sealed.spec?.encryptedData ?? {}).sort().join(',');
  if (sealed.apiVersion !== SEALED_SECRET_API || sealed.kind !== 'SealedSecret' || have !== want) {
    throw new DrillbookError(`${where} is not a SealedSecret with encryptedData for [${want}] (got ${sealed.apiVersion}/${sealed.kind} with [${have}])`, {
      hint: 'check the kubeseal binary and version (VERSIONS.sealedSecrets)',
    });
  }
  const { metadata: _template, ...template } = sealed.spec?.template ?? {};
  const payload = JSON.stringify({ encryptedData: sealed.spec?.encryptedData, template });
  const leaked = Object.entries(secret.data ?? {}).filter(([key, encoded]) => {
    const plain = Buffer.from(encoded, 'base64').toString('utf8');
    const sealedValue = sealed.spec!.encryptedData![key];
    return sealedValue === encoded || sealedValue === plain || (encoded.length >= 8 && payload.includes(encoded)) || (plain.length >= 8 && payload.includes(plain));
  });
  if (leaked.length || 'data' in template || 'stringData' in template) {
    throw new DrillbookError(`${where} holds ${leaked.length ? `the value of ${leaked.map(([k]) => k).join(', ')}` : 'data'} in clear; nothing was applied`, {
      hint: 'the kubeseal binary is not the one built here? (tools/images/sealed-secrets.prerequisite.ts)',
    });
  }
  return sealed;
}

async function sealedStatus(client: KubeClient, namespace: string, name: string, call: CallOptions): Promise<string> {
  const sealed = (await client.api.read({ apiVersion: SEALED_SECRET_API, kind: 'SealedSecret', namespace, name }, call).catch(() => undefined)) as
    | (KubeObject & { status?: { conditions?: { type: string; status: string; message?: string }[] } })
    | undefined;
  if (!sealed) return 'its SealedSecret is not there';
  const synced = sealed.status?.conditions?.find((c) => c.type === 'Synced');
  if (!synced) return 'the controller has not reported on the SealedSecret (no Synced condition)';
  return synced.status === 'True' ? 'the SealedSecret is synced but the Secret does not match yet' : `the controller says: ${synced.message ?? 'not synced'}`;
}

export interface InstalledSealedSecrets extends AsyncDisposable {
  readonly controllerImage: string;
  readonly kubeseal: string;
  readonly version: string;
  /** The controller's sealing certificate (PEM; public). */
  readonly certificate: string;
  readonly installMs: number;
  /** adoptSecrets() against this controller with the built kubeseal. */
  adoptSecrets(namespace: string, names: readonly string[], options?: AdoptOptions): Promise<AdoptedSecret[]>;
}

export interface InstallSealedSecretsOptions {
  /** The run's labels (run id, scenario), beside managed-by=drillbook. */
  readonly labels?: Labels;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** Controller Deployment available (default 180 s). */
  readonly timeoutMs?: number;
}

/** The controller's certificate through the API server's service proxy (a few tries: the Service may lag the pod). */
export async function fetchCertificate(client: KubeClient, options: CallOptions & { attempts?: number } = {}): Promise<string> {
  const service: ServiceRef = { namespace: SEALED_SECRETS_NAMESPACE, name: SEALED_SECRETS_CONTROLLER, port: SEALED_SECRETS_HTTP_PORT };
  const attempts = options.attempts ?? 15;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const res = await client.api.proxy(service, '/v1/cert.pem', { method: 'GET' }, options).catch((e: Error) => ({ status: 0, body: e.message }));
    if (res.status === 200 && res.body.includes('-----BEGIN CERTIFICATE-----')) return res.body;
    last = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
    if (i + 1 < attempts) await sleep(1_000, undefined, options.signal ? { signal: options.signal } : {});
  }
  throw new DrillbookError(`the Sealed Secrets controller served no certificate at ${SEALED_SECRETS_NAMESPACE}/${SEALED_SECRETS_CONTROLLER}:${SEALED_SECRETS_HTTP_PORT}/v1/cert.pem (${last})`, {
    hint: `kubectl -n ${SEALED_SECRETS_NAMESPACE} logs deploy/${SEALED_SECRETS_CONTROLLER}`,
  });
}

/**
 * Installs the Sealed Secrets controller on a started kind cluster: builds (or reuses) the image and kubeseal, loads
 * the image onto the nodes, applies the module's CRD and the controller, waits until it is available and fetches
 * its certificate. Disposing removes the controller and its namespace (its sealing keys with it); the CRD stays
 * (cluster-wide; deleting it would delete every SealedSecret and, through ownership, the Secrets adopted).
 */
export async function installSealedSecrets(cluster: StartedKindCluster, options: InstallSealedSecretsOptions = {}): Promise<InstalledSealedSecrets> {
  const { signal, log } = options;
  const call: CallOptions = signal ? { signal } : {};
  const started = performance.now();
  const image = await ensureImage('sealed-secrets-controller', { signal, log });
  const build = await ensureSealedSecretsBuild({ signal, log });
  await cluster.loadImages([image], call);
  const client = cluster.client();
  const labels = { ...options.labels, [LABELS.managedBy]: MANAGED_BY };
  const controller = sealedSecretsController(image, { labels });
  await client.apply([sealedSecretsCrd(await readFile(build.crd, 'utf8'), labels)], call);
  await client.apply(controller, call);
  await client.waitFor(deploymentAvailable(SEALED_SECRETS_NAMESPACE, SEALED_SECRETS_CONTROLLER), {
    timeoutMs: options.timeoutMs ?? 180_000,
    ...call,
    hint: `kubectl -n ${SEALED_SECRETS_NAMESPACE} describe pods; kubectl -n ${SEALED_SECRETS_NAMESPACE} logs deploy/${SEALED_SECRETS_CONTROLLER}`,
  });
  const certificate = await fetchCertificate(client, call);
  const installMs = Math.round(performance.now() - started);
  log?.(`sealed-secrets ${build.version} installed (controller ${image}) in ${installMs} ms`);
  const sealer = kubesealSealer(build.kubeseal);
  return {
    controllerImage: image,
    kubeseal: build.kubeseal,
    version: build.version,
    certificate,
    installMs,
    adoptSecrets: (namespace, names, adoptOptions = {}) => adoptSecrets({ client, sealer, certificate }, namespace, names, { log, ...adoptOptions }),
    async [Symbol.asyncDispose]() {
      for (const o of [...controller].reverse()) {
        await client.api.delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }, { propagation: 'Background' }).catch(() => undefined);
      }
    },
  };
}
