/**
 * The served OpenAPI document is valid, as a real validator (openapi-spec-validator, in the
 * repo's venv: `scripts/run.sh setup` installs it) judges it: tools such as schemathesis
 * refuse the operations of an invalid one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { httpRequest, startTestServer, type TestServer } from './helpers';

const PYTHON = join(resolve(__dirname, '..', '..', '..'), '.venv', 'bin', 'python');

describe('the served OpenAPI document', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-openapi-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes openapi-spec-validator, every route of every feature in it', async () => {
    expect(existsSync(PYTHON)).toBe(true);
    const res = await httpRequest(server.socket, { method: 'GET', path: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    for (const prefix of ['/api/v1/usage/', '/api/v1/jobs', '/api/v1/flare/']) {
      expect(Object.keys(doc.paths).some(p => p.startsWith(prefix))).toBe(true);
    }
    const file = join(dir, 'openapi.json');
    writeFileSync(file, res.body);

    let output = '';
    try {
      output = execFileSync(PYTHON, ['-m', 'openapi_spec_validator', '--errors', 'all', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      });
    } catch (err) {
      const { stdout, stderr } = err as { stdout: string; stderr: string };
      output = `${stdout}${stderr}`;
    }
    expect(output.trim()).toBe(`${file}: OK`);
  });

  it('declares OpenAPI 3.1, whose schemas are the JSON Schema the server validates with', async () => {
    const doc = (
      await httpRequest(server.socket, { method: 'GET', path: '/api/v1/openapi.json' })
    ).json();
    expect(doc.openapi).toBe('3.1.0');
    // A numeric exclusive bound, as TypeBox writes it and 3.1 takes it.
    expect(JSON.stringify(doc)).toMatch(/"exclusiveMinimum":0[,}]/);
  });
});
