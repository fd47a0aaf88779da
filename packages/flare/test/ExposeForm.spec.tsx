import { act, fireEvent, screen, within } from '@testing-library/react';
import { exposure, exposures, info, ports } from './fixtures';
import { type IAnswer } from './helpers';
import { ok, renderPanel } from './render';

function routes(post: IAnswer | (() => IAnswer)): Record<string, IAnswer | (() => IAnswer)> {
  return {
    'api/v1/flare/info': ok(info({ passwordMinLength: 10 })),
    'api/v1/flare/ports': ok(
      ports([8501, '/opt/conda/bin/python3 -m streamlit run app.py'], [8050, 'python dashboard.py'])
    ),
    'api/v1/flare/exposures': ok(exposures([exposure({ name: 'other', port: 9999 })])),
    'POST api/v1/flare/exposures': post
  };
}

async function openForm(r: Awaited<ReturnType<typeof renderPanel>>, port: number) {
  act(() => r.model.openForm(port));
  const form = screen.getByRole('form', { name: 'Expose a port' });
  const field = {
    form,
    port: within(form).getByRole<HTMLSelectElement>('combobox', { name: 'Port' }),
    name: within(form).getByRole<HTMLInputElement>('textbox', { name: 'Name' }),
    expiry: within(form).getByRole<HTMLSelectElement>('combobox', { name: 'Expires' }),
    submit: within(form).getByRole<HTMLButtonElement>('button', { name: 'Expose' })
  };
  return field;
}

const posts = (seen: Request[]) => seen.filter(q => q.method === 'POST');

describe('ExposeForm', () => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('suggests a name from the command, follows the port, and checks the name as it is typed', async () => {
    const r = await renderPanel(routes(ok({})));
    dispose = () => r.model.dispose();
    const f = await openForm(r, 8501);
    expect(f.name.value).toBe('streamlit');
    act(() => {
      fireEvent.change(f.port, { target: { value: '8050' } });
    });
    expect(f.name.value).toBe('dashboard');

    act(() => {
      fireEvent.change(f.name, { target: { value: 'My_App' } });
    });
    expect(f.name.getAttribute('aria-invalid')).toBe('true');
    expect(within(f.form).getByRole('alert').textContent).toBe(
      'Capital letters are not allowed. Use 1–30 lowercase letters, digits and hyphens, starting and ending with a letter or digit.'
    );
    act(() => {
      fireEvent.change(f.name, { target: { value: 'other' } });
    });
    expect(within(f.form).getByRole('alert').textContent).toBe(
      'An exposure named "other" already exists: choose another name.'
    );
    await act(async () => {
      fireEvent.click(f.submit);
    });
    expect(posts(r.seen)).toHaveLength(0);
    // A hand-edited name stays when the port changes.
    act(() => {
      fireEvent.change(f.port, { target: { value: '8501' } });
    });
    expect(f.name.value).toBe('other');
  });

  it('asks for a password of the admin’s minimum length, which can be shown', async () => {
    const r = await renderPanel(routes(ok({})));
    dispose = () => r.model.dispose();
    const f = await openForm(r, 8501);
    act(() => {
      fireEvent.click(within(f.form).getByRole('radio', { name: 'Password' }));
    });
    const password = f.form.querySelector<HTMLInputElement>('.hs-FlareForm-passwordInput')!;
    expect(password.type).toBe('password');
    act(() => {
      fireEvent.change(password, { target: { value: 'short' } });
    });
    await act(async () => {
      fireEvent.click(f.submit);
    });
    expect(within(f.form).getByRole('alert').textContent).toBe(
      'The password needs at least 10 characters.'
    );
    expect(posts(r.seen)).toHaveLength(0);
    act(() => {
      fireEvent.click(within(f.form).getByRole('button', { name: 'Show' }));
    });
    expect(password.type).toBe('text');
  });

  it('shows the backend’s refusal in place and keeps what was typed', async () => {
    const r = await renderPanel(
      routes({
        status: 409,
        body: {
          statusCode: 409,
          error: 'Conflict',
          message: 'The name "streamlit" is taken: choose another name.'
        }
      })
    );
    dispose = () => r.model.dispose();
    const f = await openForm(r, 8501);
    act(() => {
      fireEvent.click(within(f.form).getByRole('radio', { name: 'None' }));
      fireEvent.change(f.expiry, { target: { value: '1w' } });
    });
    await act(async () => {
      fireEvent.click(f.submit);
      await new Promise(resolve => setTimeout(resolve, 50));
    });
    expect(posts(r.seen)).toHaveLength(1);
    const alert = f.form.querySelector('.hs-FlareForm-serverError');
    expect(alert?.textContent).toBe('The name "streamlit" is taken: choose another name.');
    expect(f.name.value).toBe('streamlit');
    expect(f.expiry.value).toBe('1w');
    expect(within(f.form).getByRole<HTMLInputElement>('radio', { name: 'None' }).checked).toBe(
      true
    );
  });

  it('sends what was chosen and shows the URL to share, with a copy button', async () => {
    const created = exposure({
      name: 'streamlit',
      port: 8501,
      protection: 'password',
      username: 'flare',
      url: 'http://streamlit.flare.localhost:8787/'
    });
    const r = await renderPanel(routes({ status: 201, body: created }));
    dispose = () => r.model.dispose();
    const f = await openForm(r, 8501);
    act(() => {
      fireEvent.click(within(f.form).getByRole('radio', { name: 'Password' }));
    });
    act(() => {
      fireEvent.change(f.form.querySelector('.hs-FlareForm-passwordInput')!, {
        target: { value: 'correct horse' }
      });
      fireEvent.change(f.expiry, { target: { value: 'never' } });
    });
    await act(async () => {
      fireEvent.click(f.submit);
      await new Promise(resolve => setTimeout(resolve, 50));
    });
    expect(await posts(r.seen)[0].json()).toEqual({
      port: 8501,
      name: 'streamlit',
      protection: 'password',
      password: 'correct horse'
    });
    const done = r.container.querySelector<HTMLElement>('.hs-FlareForm-done')!;
    expect(within(done).getByRole('heading').textContent).toBe(
      'Port 8501 is exposed as "streamlit"'
    );
    expect(within(done).getByRole('link', { name: created.url })).toBeTruthy();
    expect(
      within(done).getByRole('button', { name: 'Copy the address of streamlit' })
    ).toBeTruthy();
    expect(done.textContent).toContain('User name: flare');
    act(() => {
      fireEvent.click(within(done).getByRole('button', { name: 'Done' }));
    });
    expect(r.container.querySelector('.hs-FlareForm')).toBeNull();
  });
});
