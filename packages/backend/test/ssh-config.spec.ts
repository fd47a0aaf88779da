import { parseConfig } from '../src/config';

describe('the SSH settings (apps.ssh)', () => {
  it.each([
    ['/etc/passwd', 'an absolute path'],
    ['../other/.ssh/authorized_keys', 'a way out of the home'],
    ['.ssh/../../x', 'a way out further down']
  ])('refuses %s as the managed file (%s), naming the field', (file, _why) => {
    expect(() => parseConfig({ apps: { ssh: { authorizedKeysFile: file } } })).toThrow(
      `"apps.ssh.authorizedKeysFile" is "${file}"; it must be a path inside the home, relative to it (e.g. ".ssh/authorized_keys"), without ".."`
    );
  });

  it('takes a port, a host template and the lists an admin narrows', () => {
    const { ssh } = parseConfig({
      apps: {
        ssh: {
          port: 22,
          hostTemplate: 'jupyter-{user}{--server}.dyn.cloud.e-infra.cz',
          keyTypes: ['ssh-ed25519'],
          allowedOptions: []
        }
      }
    }).apps;
    expect(ssh).toMatchObject({ port: 22, keyTypes: ['ssh-ed25519'], allowedOptions: [] });
    expect(() => parseConfig({ apps: { ssh: { port: 70000 } } })).toThrow(
      '"apps.ssh.port" is 70000; it must be a whole number from 1 to 65535'
    );
  });
});
