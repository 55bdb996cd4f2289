// Certificates for the TLS drills, made with the machine's openssl (no network): a drill CA, the edge's current
// certificate for the drill's host name, and a certificate of the same name signed by the same CA that expired
// (the renewal gone wrong). Written to a run's own directory; the keys never leave it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface DrillCerts {
  readonly dir: string;
  readonly host: string;
  readonly ca: string;
  readonly current: CertFiles;
  readonly expired: CertFiles;
}

const CA_CONFIG = (dir: string) => `
[ ca ]
default_ca = drill
[ drill ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
`;

/** Makes the CA, a current certificate (valid 30 days) and an expired one (January 2025), both for `host`. */
export async function makeDrillCerts(dir: string, host: string, signal?: AbortSignal): Promise<DrillCerts> {
  if (!/^[a-z0-9.-]+$/.test(host)) throw new Error(`certificate host '${host}' must be a DNS name`);
  mkdirSync(join(dir, 'issued'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG(dir));
  const f = (name: string) => join(dir, name);
  const o = { signal, timeoutMs: 60_000 };
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '30', '-subj', '/CN=drillbook drill CA'], o);
  const issue = async (name: string, dates: string[]) => {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], o);
    await run('openssl', ['ca', '-batch', '-config', f('ca.cnf'), '-cert', f('ca.crt'), '-keyfile', f('ca.key'), '-in', f(`${name}.csr`), '-out', f(`${name}.crt`), '-notext', ...dates], o);
    return { cert: f(`${name}.crt`), key: f(`${name}.key`) };
  };
  const current = await issue('current', ['-days', '30']);
  const expired = await issue('expired', ['-startdate', '20250101000000Z', '-enddate', '20250201000000Z']);
  return { dir, host, ca: f('ca.crt'), current, expired };
}
