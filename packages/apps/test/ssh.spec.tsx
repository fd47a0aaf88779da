import { SshKeyList, SshStatus } from '@hotstepper/api';
import { SSH_PATHS } from '@hotstepper/api/constants';
import { type IAnswer, failing, schemaErrors, settingsRouting } from '@hotstepper/core/lib/testing';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { SshSection } from '../src/ssh';

const ALICE = 'SHA256:' + 'a'.repeat(43);
const BOB = 'SHA256:' + 'b'.repeat(43);

function status(overrides: Partial<SshStatus> = {}): SshStatus {
  const value: SshStatus = {
    installed: true,
    program: '/usr/sbin/sshd',
    running: true,
    port: 2222,
    login: 'jovyan',
    host: 'jupyter-alice.dyn.cloud.e-infra.cz',
    command: 'ssh -p 2222 jovyan@jupyter-alice.dyn.cloud.e-infra.cz',
    ipv6Only: true,
    hostKeys: [{ type: 'ssh-ed25519', fingerprint: 'SHA256:' + 'h'.repeat(43) }],
    keepHostKeys: { supported: true, kept: false, dir: '~/.ssh/host_keys' },
    tunnel: { available: true, path: 'hotstepper-ssh/', hostKeys: [] },
    ...overrides
  };
  expect(schemaErrors(SshStatus, value)).toEqual([]);
  return value;
}

function keyList(keys: SshKeyList['keys'], unparsed: number[] = []): SshKeyList {
  const value = { path: '~/.ssh/authorized_keys', keys, unparsed, backup: true };
  expect(schemaErrors(SshKeyList, value)).toEqual([]);
  return value;
}

const alice = { type: 'ssh-ed25519', fingerprint: ALICE, comment: 'alice@laptop', line: 2 };
const bob = { type: 'ssh-rsa', fingerprint: BOB, comment: 'bob@desktop', line: 3 };

function renderCard(routes: Record<string, IAnswer | (() => IAnswer)>, seen: Request[] = []) {
  return render(<SshSection serverSettings={settingsRouting(routes, seen)} />);
}

describe('the SSH card', () => {
  it('shows the running server, the command to copy, the IPv6 note, host keys, keys and SSH over HTTPS', async () => {
    const kept = status({ keepHostKeys: { supported: true, kept: true, dir: '~/.ssh/host_keys' } });
    const r = renderCard({
      [SSH_PATHS.status]: { status: 200, body: status() },
      [SSH_PATHS.keys]: { status: 200, body: keyList([alice], [1]) },
      [`POST ${SSH_PATHS.keepHostKeys}`]: { status: 200, body: kept }
    });
    await screen.findByText('The SSH server is running on port 2222.');
    expect(screen.getByLabelText('SSH command').textContent).toBe(
      'ssh -p 2222 jovyan@jupyter-alice.dyn.cloud.e-infra.cz'
    );
    expect(r.container.textContent).toContain('reachable over IPv6 only');
    expect(screen.getByLabelText('Host key fingerprints').textContent).toContain('SHA256:hhhh');
    await screen.findByText('alice@laptop');
    expect(screen.getByLabelText('Authorized keys').textContent).toContain(ALICE);
    expect(r.container.textContent).toContain(
      'Line 1 is not a key the panel understands; it is kept as it is.'
    );
    expect(screen.getByLabelText('ssh config for SSH over HTTPS').textContent).toBe(
      [
        'Host my-notebook',
        '  User jovyan',
        '  ProxyCommand python3 -m hotstepper.ssh_tunnel http://localhost:8888/hotstepper-ssh/'
      ].join('\n')
    );

    fireEvent.click(screen.getByRole('button', { name: 'Keep my host keys' }));
    await screen.findByText('Kept in ~/.ssh/host_keys: they stay the same after a restart.');
    expect(screen.getByRole('status').textContent).toBe('Host keys kept.');
  });

  it('adds a pasted key and shows the new list; a refusal shows the reason and keeps the text', async () => {
    const seen: Request[] = [];
    let answer: IAnswer = failing(
      400,
      'This is a PRIVATE key: it was not saved. Never paste it anywhere; paste the public one'
    );
    renderCard(
      {
        [SSH_PATHS.status]: { status: 200, body: status() },
        [`GET ${SSH_PATHS.keys}`]: { status: 200, body: keyList([]) },
        [`POST ${SSH_PATHS.keys}`]: () => answer
      },
      seen
    );
    await screen.findByText('No keys yet: add your public key to log in with ssh.');
    const input = screen.getByLabelText(/Add a public key/) as HTMLTextAreaElement;
    fireEvent.change(input, { target: { value: '-----BEGIN OPENSSH PRIVATE KEY-----' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add key' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/PRIVATE key: it was not saved/);
    expect(input.value).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');

    answer = { status: 200, body: keyList([alice]) };
    fireEvent.change(input, { target: { value: 'ssh-ed25519 AAAA alice@laptop' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add key' }));
    await screen.findByText('alice@laptop');
    expect(input.value).toBe('');
    expect(screen.getByRole('status').textContent).toContain('Key added.');
    const post = seen.filter(r => r.method === 'POST').at(-1)!;
    expect(await post.json()).toEqual({ text: 'ssh-ed25519 AAAA alice@laptop' });
  });

  it('removes a key by its fingerprint', async () => {
    const seen: Request[] = [];
    renderCard(
      {
        [SSH_PATHS.status]: { status: 200, body: status() },
        [`GET ${SSH_PATHS.keys}`]: { status: 200, body: keyList([alice, bob]) },
        [`DELETE ${SSH_PATHS.keys}?fingerprint=${ALICE}`]: {
          status: 200,
          body: keyList([{ ...bob, line: 2 }])
        }
      },
      seen
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Remove key alice@laptop' }));
    await waitFor(() => expect(screen.queryByText('alice@laptop')).toBeNull());
    expect(screen.getByText('bob@desktop')).toBeTruthy();
    const removal = seen.find(r => r.method === 'DELETE')!;
    expect(new URL(removal.url).searchParams.get('fingerprint')).toBe(ALICE);
  });

  it('says when the image has no SSH server, and offers no tunnel', async () => {
    const r = renderCard({
      [SSH_PATHS.status]: {
        status: 200,
        body: status({
          installed: false,
          program: undefined,
          running: false,
          hostKeys: [],
          tunnel: { available: false, path: 'hotstepper-ssh/', hostKeys: [] }
        })
      },
      [SSH_PATHS.keys]: { status: 200, body: keyList([]) }
    });
    await screen.findByText('No SSH server in this image.');
    expect(screen.queryByLabelText('SSH command')).toBeNull();
    expect(r.container.textContent).not.toContain('SSH over HTTPS');
    r.unmount();
    await act(async () => undefined);
  });
});
