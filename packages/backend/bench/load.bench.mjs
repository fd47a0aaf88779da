// Load through a real Jupyter server (token auth, jupyter-server-proxy), loopback only:
//  (a) before: POLLERS clients each polling /usage/now once a second, plus LOGS job log streams;
//  (b) after: POLLERS page event streams (/events, what a JupyterLab page now holds instead of
//      its polls), the same log streams, and one client measuring API calls 4 times a second.
// Prints p50/p99 of the measured calls and the errors. Called by scripts/bench.mjs (`load`).

const POLLERS = Number(process.env.BENCH_LOAD_CLIENTS ?? 50);
const LOGS = Number(process.env.BENCH_LOAD_LOGS ?? 20);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Reads an event stream until aborted; counts its events. */
async function hold(url, headers, signal, counter) {
  try {
    const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal });
    if (!res.ok) {
      counter.errors++;
      return;
    }
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      counter.events += (decoder.decode(chunk, { stream: true }).match(/^event: /gm) ?? []).length;
    }
    if (!signal.aborted) {
      counter.dropped++;
    }
  } catch {
    if (!signal.aborted) {
      counter.dropped++;
    }
  }
}

/** Calls `url` every `everyMs` until `until`, recording latencies and errors. */
async function poll(url, headers, everyMs, until, record) {
  // Spread the clients over the first interval, as pages loaded at different times would be.
  await sleep(Math.random() * everyMs);
  while (performance.now() < until) {
    const started = performance.now();
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) {
        record.latencies.push(performance.now() - started);
      } else {
        record.errors++;
      }
    } catch {
      record.errors++;
    }
    await sleep(Math.max(0, everyMs - (performance.now() - started)));
  }
}

async function submitJobs(api, auth, count) {
  const xsrf = 'bench-xsrf';
  const ids = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${api}jobs`, {
      method: 'POST',
      headers: {
        ...auth,
        'Content-Type': 'application/json',
        Cookie: `_xsrf=${xsrf}`,
        'X-XSRFToken': xsrf
      },
      body: JSON.stringify({
        name: `load-${i}`,
        kind: 'command',
        command: ['sh', '-c', 'while :; do echo tick; sleep 1; done'],
        resources: { cpu: 0.05, memory: 64 * 1024 ** 2 },
        timeLimitSeconds: 2 * SECONDS + 120
      })
    });
    if (res.status !== 201) {
      throw new Error(`submitting a job answered ${res.status}: ${await res.text()}`);
    }
    ids.push((await res.json()).id);
  }
  return {
    ids,
    cancel: () =>
      Promise.all(
        ids.map(id =>
          fetch(`${api}jobs/${id}/cancel`, {
            method: 'POST',
            headers: { ...auth, Cookie: `_xsrf=${xsrf}`, 'X-XSRFToken': xsrf }
          }).catch(() => {})
        )
      )
  };
}

function report(title, record, extra = '') {
  const lat = record.latencies.sort((a, b) => a - b);
  const line = lat.length
    ? `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${lat.at(-1).toFixed(1)} ms over ${lat.length} calls`
    : 'no successful call';
  console.log(`  ${title}: ${line}, ${record.errors} errors${extra}`);
  return lat.length ? pct(lat, 99) : Infinity;
}

/** Runs both phases against a started Jupyter server ({ base, token }). */
export async function benchLoad(jupyter) {
  const auth = { Authorization: `token ${jupyter.token}` };
  const api = `${jupyter.base}hotstepper/api/v1/`;
  // Wait for the backend's first usage reading (the proxy starts it on the first request).
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${api}usage/now`, { headers: auth }).catch(() => undefined);
    if (res?.ok) {
      break;
    }
    await sleep(500);
  }
  const jobs = await submitJobs(api, auth, LOGS);
  console.log(
    `Load through jupyter-server-proxy, ${SECONDS} s per phase, ${LOGS} job log streams held in both:`
  );
  try {
    for (const phase of ['before', 'after']) {
      const controller = new AbortController();
      const streams = { events: 0, dropped: 0, errors: 0 };
      const logs = jobs.ids.map(id =>
        hold(`${api}jobs/${id}/log`, auth, controller.signal, streams)
      );
      const until = performance.now() + SECONDS * 1000;
      const record = { latencies: [], errors: 0 };
      let pages = [];
      if (phase === 'before') {
        await Promise.all(
          Array.from({ length: POLLERS }, () => poll(`${api}usage/now`, auth, 1000, until, record))
        );
      } else {
        const pageStreams = { events: 0, dropped: 0, errors: 0 };
        pages = Array.from({ length: POLLERS }, () =>
          hold(`${api}events`, auth, controller.signal, pageStreams)
        );
        const jobsRecord = { latencies: [], errors: 0 };
        await Promise.all([
          poll(`${api}usage/now`, auth, 250, until, record),
          poll(`${api}jobs?limit=50`, auth, 250, until, jobsRecord)
        ]);
        report(
          `(b) after, ${POLLERS} page event streams + 1 client: GET /jobs?limit=50 4/s`,
          jobsRecord
        );
        record.pageStreams = pageStreams;
      }
      controller.abort();
      await Promise.all([...logs, ...pages]);
      const s = record.pageStreams;
      const p99 = report(
        phase === 'before'
          ? `(a) before, ${POLLERS} clients polling GET /usage/now 1/s`
          : `(b) after, ${POLLERS} page event streams + 1 client: GET /usage/now 4/s`,
        record,
        `; log streams: ${streams.events} events, ${streams.dropped + streams.errors} dropped` +
          (s ? `; page streams: ${s.events} events, ${s.dropped + s.errors} dropped` : '')
      );
      if (phase === 'after') {
        console.log(`  goal p99 <= 100 ms in (b): ${p99 <= 100 ? 'met' : 'NOT met'}`);
      }
    }
  } finally {
    await jobs.cancel();
  }
}
