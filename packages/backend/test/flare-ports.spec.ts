import { hexToIPv4, hexToIPv6, parseTcpTable } from '../src/features/flare/ports';

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
      ['4711', { port: 8050, address: '127.0.0.1' }]
    ]);
    expect([...parseTcpTable(table, false).keys()]).toEqual(['4711', '4712']);
  });
});
