/**
 * What a listening port belongs to, from the command lines the port scan reads: the kinds a
 * person never exposes (the real kernel and Jupyter server are in the integration suite).
 */
import { ancestorsOf, classifyListener } from '../src/features/flare/candidates';

const context = { backendPid: 50, ancestors: new Set([40, 30]) };
const kind = (command: string, pid = 99) => classifyListener({ pid, command }, context).kind;

describe('flare port candidates', () => {
  it.each([
    ['python3 -m http.server 8555', 'app'],
    ['/opt/conda/bin/python /opt/conda/bin/streamlit run app.py', 'app'],
    ['R -e shiny::runApp(port=3838)', 'app'],
    [
      '/usr/bin/python3 -m ipykernel_launcher -f /root/.local/share/jupyter/runtime/kernel-4f1c.json',
      'kernel'
    ],
    ['R --slave -e IRkernel::main() --args /tmp/runtime/kernel-ab12-cd.json', 'kernel'],
    ['/venv/bin/python3 /venv/bin/jupyter-lab --port=8890', 'jupyter'],
    ['python -m jupyter lab --no-browser', 'jupyter'],
    ['/usr/bin/python3 /usr/local/bin/jupyterhub-singleuser --ip=0.0.0.0', 'jupyter'],
    ['/venv/bin/python /venv/bin/pylsp --tcp --port 2087', 'language-server'],
    ['node /srv/node_modules/pyright/langserver.index.js --stdio', 'language-server'],
    ['node /srv/bin/pyright-langserver --socket=5000', 'language-server'],
    ['node /srv/typescript-language-server --stdio', 'language-server'],
    [
      '/usr/bin/node /venv/lib/python3.11/site-packages/hotstepper/backend/main.js --socket /tmp/x',
      'backend'
    ]
  ])('%s is %s', (command, expected) => {
    expect(kind(command)).toBe(expected);
  });

  it("says why the backend's own and the Jupyter server's ports are not apps", () => {
    expect(classifyListener({ pid: 50, command: 'node main.js' }, context)).toEqual({
      kind: 'backend',
      reason: "Hotstepper's own backend (it runs this proxy), not an app"
    });
    // An ancestor of the backend is the Jupyter server in use, whatever its command line says.
    expect(classifyListener({ pid: 40, command: 'python3 launcher.py' }, context)).toEqual({
      kind: 'jupyter',
      reason: 'the Jupyter server you are using (it has its own address and login)'
    });
  });

  it("finds the backend's ancestors from the process table, nearest first", () => {
    const table = [
      { pid: 1, ppid: 0 },
      { pid: 30, ppid: 1 },
      { pid: 40, ppid: 30 },
      { pid: 50, ppid: 40 },
      { pid: 60, ppid: 50 }
    ];
    expect(ancestorsOf(50, table)).toEqual([40, 30]);
    expect(ancestorsOf(999, table)).toEqual([]);
  });
});
