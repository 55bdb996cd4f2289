// The Chaos Mesh schemas come from the CRDs of the module built here, by rule: the committed extraction is pinned
// to VERSIONS.chaosMesh, the validator follows whatever the CRD says (a field the CRD drops is refused, an enum it
// changes is enforced), and the only hand-written additions refine strings the CRD has.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHAOS_MESH_MODULE } from '../images/prerequisites.ts';
import { VERSIONS } from '../images/recipes.ts';
import { buildChaosManifest } from './chaos-mesh.manifests.ts';
import { CHAOS_CRD_KINDS, chaosCrds, chaosSchemaOf, extractChaosCrds, loadCrdsFixture, schemaAt, schemaFromOpenApi, WEBHOOK_REFINEMENTS, type ChaosCrds, type OpenApiSchema } from './chaos-mesh.crd.ts';
import { CHAOS_MESH_VERSION, DIRECTIONS, NETWORK_CHAOS_ACTIONS, NETWORK_CHAOS_SCHEMA, POD_CHAOS_ACTIONS, POD_CHAOS_SCHEMA, SELECTOR_MODES, validateAgainstSchema } from './chaos-mesh.schema.ts';

const fixture = loadCrdsFixture();
const podKill = () => buildChaosManifest({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { name: 'kill', labels: { 'drillbook.io/run-id': 'r1' } });

describe('the committed CRD extraction', () => {
  it('is of the Chaos Mesh module tools/images builds, and says which', () => {
    expect(fixture.source).toMatchObject({ module: CHAOS_MESH_MODULE, version: VERSIONS.chaosMesh, file: 'manifests/crd.yaml' });
    expect(fixture.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(CHAOS_MESH_VERSION).toBe(VERSIONS.chaosMesh);
    for (const kind of CHAOS_CRD_KINDS) {
      expect(fixture.crds[kind]).toMatchObject({ name: `${kind.toLowerCase()}.chaos-mesh.org`, group: 'chaos-mesh.org', version: 'v1alpha1' });
      expect(fixture.crds[kind].openAPIV3Schema.properties?.spec?.properties).toBeDefined();
    }
  });

  it('is what validation runs against (the built crd.yaml in the cache, when present, extracts to the same CRDs)', () => {
    const { crds, from } = chaosCrds();
    expect(from === 'tools/chaos/chaos-mesh.crds.json' || from.endsWith('/crd.yaml')).toBe(true);
    expect(crds.crds).toEqual(fixture.crds);
    expect(crds.source.version).toBe(fixture.source.version);
  });
});

describe('schemas derived from the CRD', () => {
  const spec = (s: typeof POD_CHAOS_SCHEMA) => s.properties!.spec!.properties!;

  it("drillbook's vocabulary is the CRD's enums", () => {
    expect(spec(POD_CHAOS_SCHEMA).mode!.enum).toEqual([...SELECTOR_MODES]);
    expect(spec(POD_CHAOS_SCHEMA).action!.enum).toEqual([...POD_CHAOS_ACTIONS]);
    expect(spec(NETWORK_CHAOS_SCHEMA).action!.enum).toEqual([...NETWORK_CHAOS_ACTIONS]);
    expect(spec(NETWORK_CHAOS_SCHEMA).direction!.enum).toEqual([...DIRECTIONS]);
    expect(spec(NETWORK_CHAOS_SCHEMA).target!.properties!.mode!.enum).toEqual([...SELECTOR_MODES]);
  });

  it('follows the CRD: a field it drops is refused, an enum it narrows is enforced, a requirement it adds is checked', () => {
    const crd = structuredClone(fixture.crds.PodChaos.openAPIV3Schema) as { properties: { spec: { properties: Record<string, OpenApiSchema>; required: string[] } } };
    delete crd.properties.spec.properties.gracePeriod;
    crd.properties.spec.properties.mode = { type: 'string', enum: ['one'] };
    crd.properties.spec.required = [...crd.properties.spec.required, 'remoteCluster'];
    const changed: ChaosCrds = { ...fixture, crds: { ...fixture.crds, PodChaos: { ...fixture.crds.PodChaos, openAPIV3Schema: crd as OpenApiSchema } } };
    expect(validateAgainstSchema(podKill(), POD_CHAOS_SCHEMA)).toEqual([]);
    const problems = validateAgainstSchema(podKill(), chaosSchemaOf(changed, 'PodChaos'));
    expect(problems).toEqual([
      'spec.remoteCluster: required',
      'spec.mode: must be one of one (got "all")',
      'spec.gracePeriod: unknown field (the API server would drop it); allowed: action, containerNames, duration, mode, remoteCluster, selector, value',
    ]);
  });

  it('converts OpenAPI by rule: closed objects, open maps, preserved fields, int-or-string, formats', () => {
    expect(
      schemaFromOpenApi({
        type: 'object',
        description: 'docs are left out',
        required: ['a'],
        properties: {
          a: { type: 'integer', format: 'int32', minimum: 1 },
          m: { type: 'object', additionalProperties: { type: 'string' } },
          keep: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { x: { type: 'string' } } },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } as OpenApiSchema,
          when: { type: 'string', format: 'date-time' },
        },
      }),
    ).toEqual({
      type: 'object',
      required: ['a'],
      additionalProperties: false,
      properties: {
        a: { type: 'integer', format: 'int32', minimum: 1 },
        m: { type: 'object', additionalProperties: { type: 'string' } },
        keep: { type: 'object', properties: { x: { type: 'string' } } },
        port: {},
        when: { type: 'string' },
      },
    });
  });

  it('refines only strings the CRD has, only by narrowing them (a pattern or an enum)', () => {
    for (const kind of CHAOS_CRD_KINDS) {
      const plain = schemaFromOpenApi(fixture.crds[kind].openAPIV3Schema);
      for (const [path, add] of Object.entries(WEBHOOK_REFINEMENTS[kind])) {
        expect(schemaAt(plain, path)?.type, `${kind} ${path}`).toBe('string');
        expect(Object.keys(add).every((k) => ['pattern', 'enum', 'description'].includes(k)), `${kind} ${path}`).toBe(true);
      }
    }
    // a CRD that no longer has a refined field is an error, not a silently invented field
    const crd = structuredClone(fixture.crds.PodChaos.openAPIV3Schema) as { properties: { spec: { properties: Record<string, OpenApiSchema> } } };
    delete crd.properties.spec.properties.duration;
    const bad: ChaosCrds = { ...fixture, crds: { ...fixture.crds, PodChaos: { ...fixture.crds.PodChaos, openAPIV3Schema: crd as OpenApiSchema } } };
    expect(() => chaosSchemaOf(bad, 'PodChaos')).toThrow(/webhook refinement for spec\.duration: no such field in the CRD schema/);
  });

  it('pins apiVersion and kind to the CRD it came from', () => {
    expect(validateAgainstSchema({ ...podKill(), apiVersion: 'chaos-mesh.org/v2' }, POD_CHAOS_SCHEMA)).toEqual(['apiVersion: must be one of chaos-mesh.org/v1alpha1 (got "chaos-mesh.org/v2")']);
  });
});

describe('extractChaosCrds', () => {
  const crd = (kind: string, schema: OpenApiSchema = { type: 'object', properties: { spec: { type: 'object' } } }) =>
    stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${kind.toLowerCase()}.chaos-mesh.org` },
      spec: { group: 'chaos-mesh.org', names: { kind }, versions: [{ name: 'v1alpha1', served: true, schema: { openAPIV3Schema: schema } }] },
    });

  it('takes the PodChaos and NetworkChaos CRDs out of a multi-document crd.yaml, with its sha256', () => {
    const text = ['---', crd('StressChaos'), '---', crd('PodChaos'), '---', crd('NetworkChaos'), ''].join('\n');
    const out = extractChaosCrds(text, { file: 'crd.yaml' });
    expect(Object.keys(out.crds).sort()).toEqual(['NetworkChaos', 'PodChaos']);
    expect(out.crds.PodChaos.openAPIV3Schema).toEqual({ type: 'object', properties: { spec: { type: 'object' } } });
    expect(out.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('says which CRD is missing', () => {
    expect(() => extractChaosCrds(crd('PodChaos'), { file: 'crd.yaml' })).toThrow(/crd\.yaml: no CustomResourceDefinition for NetworkChaos/);
  });
});
