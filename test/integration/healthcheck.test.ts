// `dockersec-exporter healthcheck` against a real exporter listener, whatever its web config says: plain HTTP
// on a wildcard address, basic auth, TLS, TLS requiring client certificates; and nothing listening.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { loadWebConfig, probeHealth } from '../../src/web/index.js';
import { makePki } from '../support/certs.js';
import { ROOT, runCli, startTestExporter, type TestExporter } from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';

// The sources, so the test needs no build.
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli.ts')];
const exporters: TestExporter[] = [];
let dir: string;
after(async () => {
  for (const e of exporters) await e.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Starts an exporter with `flags` and returns them, for the health check to reuse as they are. */
async function serve(flags: string[]): Promise<string[]> {
  dir ??= await mkdtemp(join(tmpdir(), 'dockersec-health-'));
  const all = [`--docker.host=unix://${dir}/none.sock`, ...flags];
  exporters.push(await startTestExporter(all));
  return all;
}

async function webConfig(name: string, text: string): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'dockersec-health-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const healthcheck = (flags: string[]) => runCli(['healthcheck', ...flags], { command: CLI });

describe('healthcheck', () => {
  test('plain HTTP on all interfaces: reached through loopback', async () => {
    const flags = await serve([`--web.listen-address=:${await getFreePort()}`]);
    const r = await healthcheck(flags);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^healthy: http:\/\/127\.0\.0\.1:\d+\/-\/healthy: 200/);
  });

  test('basic auth on: the 401 of the auth layer is an answer; no credentials are needed or sent', async () => {
    const hash = bcrypt.hashSync('s3cret', 4);
    const config = await webConfig('auth.yml', `basic_auth_users:\n  prometheus: ${hash}\n`);
    const flags = await serve([
      `--web.listen-address=127.0.0.1:${await getFreePort()}`,
      `--web.config.file=${config}`,
    ]);
    const r = await healthcheck(flags);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /401, serving behind basic auth/);
    // Without the web config (the image's default HEALTHCHECK), the 401 still shows the server is serving.
    const bare = await healthcheck([flags[1]!]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /401, serving behind basic auth/);
  });

  test('TLS, and TLS that requires a client certificate the probe does not have', async () => {
    const pki = await makePki({ dir: await mkdtemp(join(tmpdir(), 'dockersec-health-pki-')) });
    try {
      const tls = await webConfig(
        'tls.yml',
        `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`,
      );
      const flags = await serve([
        `--web.listen-address=127.0.0.1:${await getFreePort()}`,
        `--web.config.file=${tls}`,
      ]);
      const r = await healthcheck(flags);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^healthy: https:\/\/127\.0\.0\.1:\d+\/-\/healthy: 200/);
      // Without the web config: plain HTTP is not answered as HTTP, so TLS is tried.
      const bare = await healthcheck([flags[1]!]);
      assert.equal(bare.code, 0, `${bare.stdout}${bare.stderr}`);
      assert.match(bare.stdout, /^healthy: https:/);

      const mtls = await webConfig(
        'mtls.yml',
        `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n` +
          `  client_ca_file: ${pki.caCert}\n  client_auth_type: RequireAndVerifyClientCert\n`,
      );
      const mflags = await serve([
        `--web.listen-address=127.0.0.1:${await getFreePort()}`,
        `--web.config.file=${mtls}`,
      ]);
      const m = await healthcheck(mflags);
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /serving TLS, refused this probe's client certificate|: 200/);
      const mbare = await healthcheck([mflags[1]!]);
      assert.equal(mbare.code, 0, `${mbare.stdout}${mbare.stderr}`);
    } finally {
      await rm(pki.dir, { recursive: true, force: true });
    }
  });

  test('a TLS listener that completes the handshake and then says nothing is unhealthy, not "refused a certificate"', async () => {
    const pki = await makePki({ dir: await mkdtemp(join(tmpdir(), 'dockersec-health-pki-')) });
    const [cert, key] = await Promise.all([readFile(pki.serverCert), readFile(pki.serverKey)]);
    // Handshakes (asking for a client certificate it does not insist on), then never answers the request.
    const hung = tls.createServer({ cert, key, requestCert: true, rejectUnauthorized: false }, () => {});
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hung.address() as AddressInfo).port;
      const web = await loadWebConfig(
        await webConfig(
          'mtls-hung.yml',
          `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n` +
            `  client_ca_file: ${pki.caCert}\n  client_auth_type: RequireAndVerifyClientCert\n`,
        ),
      );
      const r = await probeHealth(`127.0.0.1:${port}`, web, 500);
      assert.equal(r.healthy, false, r.detail);
      assert.match(r.detail, /no answer within 500 ms/);
    } finally {
      hung.close();
      await rm(pki.dir, { recursive: true, force: true });
    }
  });

  test('nothing listening, or a web config it cannot read: unhealthy (exit 1, never 2)', async () => {
    const down = await healthcheck([`--web.listen-address=127.0.0.1:${await getFreePort()}`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^unhealthy: http:\/\/127\.0\.0\.1:\d+\/-\/healthy: .*ECONNREFUSED/);
    const missing = await healthcheck([`--web.config.file=${join(ROOT, 'no-such-web-config.yml')}`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /unhealthy: cannot read the web config/);
  });
});
