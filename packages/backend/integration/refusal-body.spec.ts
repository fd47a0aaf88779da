/**
 * A refusal of a POST that carries a body (XSRF, a body over the limit) reaches the user as the
 * backend's JSON, every time: the backend reads the body before answering, so
 * jupyter-server-proxy never meets a reset connection (which it turns into Jupyter's HTML 500).
 */
import { JupyterServer, request, setCookieValue } from './jupyter';

const server = new JupyterServer();

beforeAll(async () => {
  await server.start();
}, 60_000);

afterAll(async () => {
  await server.stop();
});

it('200 POSTs with a JSON body and a wrong XSRF pair: all 403 JSON', async () => {
  const page = await request(`${server.url}lab?token=${server.token}`);
  const xsrf = setCookieValue(page, '_xsrf')!;
  expect(xsrf).toMatch(/^2\|/);
  const wrong = xsrf.slice(0, -1) + (xsrf.endsWith('0') ? '1' : '0');
  const headers = {
    ...server.auth,
    cookie: `_xsrf=${xsrf}`,
    'x-xsrftoken': wrong,
    'content-type': 'application/json'
  };
  // A job as the jobs panel submits it, then the same with a large environment.
  const job = { kind: 'command', command: 'echo hello', resources: { cpu: 1, memoryGiB: 1 } };
  const bodies = [
    JSON.stringify(job),
    JSON.stringify({ ...job, env: { DATA: 'x'.repeat(256 * 1024) } })
  ];
  const paths = ['api/v1/jobs', 'api/v1/usage/sample', 'api/v1/flare/exposures'];

  const answers = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const res = await request(`${server.url}hotstepper/${paths[i % paths.length]}`, 'POST', {
      headers,
      body: bodies[i % bodies.length]
    });
    let message = '';
    try {
      message = JSON.parse(res.body).message;
    } catch {
      message = `not JSON: ${res.body.slice(0, 60)}`;
    }
    const key = `${res.status} ${String(res.headers['content-type']).split(';')[0]} ${/XSRF/.test(message) ? 'XSRF' : message}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }

  expect(Object.fromEntries(answers)).toEqual({ '403 application/json XSRF': 200 });
}, 120_000);

it('50 POSTs with a body over the 1 MiB limit and the right XSRF pair: all 413 JSON', async () => {
  const headers = await server.labHeaders();
  const body = JSON.stringify({ kind: 'command', command: 'true', pad: 'x'.repeat(2 * 1024 ** 2) });

  const answers = new Map<string, number>();
  for (let i = 0; i < 50; i++) {
    const res = await request(`${server.url}hotstepper/api/v1/jobs`, 'POST', { headers, body });
    const key = `${res.status} ${String(res.headers['content-type']).split(';')[0]}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }

  expect(Object.fromEntries(answers)).toEqual({ '413 application/json': 50 });
}, 120_000);
