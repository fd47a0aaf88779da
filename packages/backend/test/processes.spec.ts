import { createServer, type AddressInfo } from 'node:net';
import { hexToIPv4, hexToIPv6, parseTcpTable } from '../src/platform/local/ports';
import { ProcProcesses } from '../src/platform/local/processes';
import { fixture } from './helpers';

describe('reading /proc/net/tcp', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['00000000', '0.0.0.0'],
    ['0A01A8C0', '192.168.1.10']
  ])('reads the IPv4 address %s as %s', (hex, text) => {
    expect(hexToIPv4(hex)).toBe(text);
  });

  it.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '127.0.0.1'],
    ['000080FE00000000FF4D3A027B001AFE', 'fe80::23a:4dff:fe1a:7b'],
    ['B80D0120000000002E8A000034737003', '2001:db8::8a2e:370:7334']
  ])('reads the IPv6 address %s as %s', (hex, text) => {
    expect(hexToIPv6(hex)).toBe(text);
  });

  it('keeps listening sockets (state 0A) of the given uid, by inode', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F72 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4711 1 0 100 0 0 10 0',
      '   1: 00000000:2002 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4712 1 0 100 0 0 10 0',
      '   2: 0100007F:1F72 0100007F:D2C4 01 00000000:00000000 00:00000000 00000000  1000        0 4713 1 0 20 4 30 10 -1',
      ''
    ].join('\n');
    expect([...parseTcpTable(table, false, 1000)]).toEqual([
      ['4711', { port: 8050, address: '127.0.0.1', uid: 1000 }]
    ]);
    expect([...parseTcpTable(table, false).keys()]).toEqual(['4711', '4712']);
  });
});

describe('ProcProcesses over a fixture /proc', () => {
  const processes = new ProcProcesses(fixture('proc-kernels'));

  it('gives the tree under a pid, parents first, with command lines, CPU seconds and bytes', async () => {
    const tree = await processes.tree(100);
    expect(tree.map(p => p.pid)).toEqual([100, 140, 150, 170, 180, 160, 171, 95]);
    expect(tree[1]).toEqual({
      pid: 140,
      ppid: 100,
      argv: [
        '/opt/conda/bin/python',
        '-m',
        'ipykernel_launcher',
        '-f',
        '/home/jovyan/.local/share/jupyter/runtime/kernel-5f1c2a3b-7d4e-4f60-9a1b-2c3d4e5f6a7b.json'
      ],
      cpuSeconds: (9000 + 1000) / 100,
      memoryBytes: 131072 * 4096
    });
  });

  it('is empty when the process is gone', async () => {
    expect(await processes.tree(4242)).toEqual([]);
  });
});

describe('ProcProcesses over the real /proc', () => {
  it("lists a port this process listens on, with this process's command line", async () => {
    const server = createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const ports = await new ProcProcesses().listeningPorts();
      expect(ports).toContainEqual({
        port,
        address: '127.0.0.1',
        pid: process.pid,
        command: expect.stringContaining('node')
      });
      const others = await new ProcProcesses().listeningPorts({
        excludePids: new Set([process.pid])
      });
      expect(others.map(p => p.port)).not.toContain(port);
      // Whose a port is, read from the kernel's tables alone.
      expect(await new ProcProcesses().listeningSockets()).toContainEqual({
        port,
        address: '127.0.0.1',
        uid: process.getuid!()
      });
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });
});
