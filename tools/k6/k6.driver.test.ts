import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import type { LoadProfile } from '../../scenarios/ports.ts';
import { K6LoadGenerator, isLoopbackHost } from './k6.driver.ts';

const thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 };
const profile = (over: Partial<LoadProfile> = {}): LoadProfile => ({
  name: 'smoke',
  target: 'http://127.0.0.1:8080',
  vus: 2,
  durationSeconds: 10,
  thresholds,
  ...over,
});

describe('isLoopbackHost', () => {
  it('accepts only 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.10.0.3', '::1', '[::1]', 'localhost', 'LOCALHOST', 'api.localhost', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['10.0.0.1', '172.17.0.2', '0.0.0.0', '128.0.0.1', 'example.com', '::', '127.0.0.1.nip.io', 'localhost.example.com']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('K6LoadGenerator.validate', () => {
  const load = new K6LoadGenerator();

  it('accepts a bounded loopback profile', () => {
    expect(load.validate(profile())).toEqual([]);
    expect(load.validate(profile({ name: 'signoff', target: 'http://localhost:3000/', vus: 10, durationSeconds: 300 }))).toEqual([]);
  });

  it('refuses targets that are not loopback unless the run allow-listed its container', () => {
    const problems = load.validate(profile({ target: 'http://172.17.0.5:3000' }));
    expect(problems.join('\n')).toMatch(/172\.17\.0\.5.*neither loopback/);
    expect(new K6LoadGenerator().withAllowedHosts(['172.17.0.5']).validate(profile({ target: 'http://172.17.0.5:3000' }))).toEqual([]);
    expect(load.validate(profile({ target: 'not a url' })).join()).toMatch(/not a URL/);
    expect(load.validate(profile({ target: 'ftp://127.0.0.1/' })).join()).toMatch(/http\(s\)/);
  });

  it('accepts the TLS edge by its public name when that name is resolved to loopback (withResolve), and only then', () => {
    const edge = profile({ name: 'signoff', target: 'https://gravl.example.test:41443' });
    expect(load.validate(edge).join()).toMatch(/gravl\.example\.test.*neither loopback/);
    expect(new K6LoadGenerator().withResolve('gravl.example.test', '127.0.0.1').validate(edge)).toEqual([]);
    expect(() => new K6LoadGenerator().withResolve('gravl.example.test', '10.0.0.7')).toThrow(/not a loopback IP address/);
    expect(() => new K6LoadGenerator().withResolve('gravl.example.test', 'localhost')).toThrow(/not a loopback IP address/);
  });

  it('bounds VUs and duration, and checks thresholds and the profile name', () => {
    const problems = new K6LoadGenerator()
      .withLimits({ maxVus: 50, maxDurationSeconds: 600 })
      .validate(profile({ name: 'soak', vus: 51, durationSeconds: Number.POSITIVE_INFINITY, thresholds: { p95Ms: 0, p99Ms: 5, errorRate: 2, minRps: -1 } }));
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/unknown load profile "soak"/);
    expect(problems.join('\n')).toMatch(/vus must be an integer in 1\.\.50, got 51/);
    expect(problems.join('\n')).toMatch(/durationSeconds must be in \(0, 600\]/);
    expect(load.validate(profile({ vus: 1.5, durationSeconds: 0 }))).toHaveLength(2);
  });

  it('start() refuses an invalid profile before running anything', async () => {
    await expect(load.start(profile({ target: 'http://10.1.2.3' }), { labels: {} })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('start() with a missing k6 binary says how to build it', async () => {
    await expect(new K6LoadGenerator().withK6('/nonexistent/k6').start(profile(), { labels: {} })).rejects.toMatchObject({
      name: 'ToolFailedError',
      message: expect.stringMatching(/no k6 binary at \/nonexistent\/k6/),
      hint: expect.stringMatching(/tools\/setup\/30-k6\.sh/),
    });
  });
});
