import { FLARE_NAME_PATTERN } from '@hotstepper/api/constants';
import { nullTranslator } from '@jupyterlab/translation';
import { nameFromCommand, sanitizeName, suggestName, validateName } from '../src/names';

const trans = nullTranslator.load('hotstepper');

describe('exposure names', () => {
  it('are DNS labels of 1–30 lowercase letters, digits and hyphens, no hyphen at either end', () => {
    for (const name of ['a', '0', 'my-app-2', 'a--b', 'x'.repeat(30)]) {
      expect(validateName(name, trans)).toBeUndefined();
    }
    for (const name of ['', 'x'.repeat(31), '-a', 'a-', 'My-app', 'my_app', 'my.app', 'ü']) {
      expect(validateName(name, trans)).toBeDefined();
    }
  });

  it('are suggested from the command line', () => {
    expect(nameFromCommand('/opt/conda/bin/python3.11 -m streamlit run app.py')).toBe('streamlit');
    expect(nameFromCommand('streamlit run dashboard.py --server.port 8501')).toBe('streamlit');
    expect(nameFromCommand('python3 -m http.server 8000')).toBe('http-server');
    expect(nameFromCommand('python app.py')).toBe('app');
    expect(nameFromCommand('/usr/bin/node /home/u/My_Server.js')).toBe('my-server');
    expect(nameFromCommand('uv run uvicorn main:app --port 8000')).toBe('uvicorn');
    expect(nameFromCommand('R -e shiny::runApp()')).toBe('shiny-runapp');
    expect(nameFromCommand('python')).toBe('');
  });

  it('are sanitized to a DNS label of at most 30 characters', () => {
    expect(sanitizeName('My Dash_App!')).toBe('my-dash-app');
    expect(sanitizeName('--Café--')).toBe('cafe');
    expect(sanitizeName('a'.repeat(29) + '-b')).toBe('a'.repeat(29));
    expect(sanitizeName('___')).toBe('');
    for (const text of ['Über Dashboard 2000', 'x'.repeat(50), '-a-', 'ÄÖÜ.py']) {
      const name = sanitizeName(text);
      expect(name).toMatch(new RegExp(FLARE_NAME_PATTERN));
    }
  });

  it('avoid names already taken, and fall back to the port', () => {
    expect(suggestName('python -m streamlit run a.py', 8501, ['streamlit'])).toBe('streamlit-2');
    expect(suggestName('python -m streamlit run a.py', 8501, ['streamlit', 'streamlit-2'])).toBe(
      'streamlit-3'
    );
    expect(suggestName('python', 8050)).toBe('app-8050');
    const long = suggestName('x'.repeat(40), 1, ['x'.repeat(30)]);
    expect(long).toBe('x'.repeat(28) + '-2');
  });

  it('are refused with the rule in words', () => {
    expect(validateName('dash', trans)).toBeUndefined();
    expect(validateName('a', trans)).toBeUndefined();
    expect(validateName('', trans)).toMatch(/^Enter a name\. Use 1–30 lowercase letters/);
    expect(validateName('Dash', trans)).toMatch(/^Capital letters are not allowed/);
    expect(validateName('-dash', trans)).toMatch(/cannot start or end with a hyphen/);
    expect(validateName('my_app', trans)).toMatch(/characters a host name cannot have/);
    expect(validateName('a'.repeat(31), trans)).toMatch(/^The name is 31 characters long/);
    expect(validateName('dash', trans, ['dash'])).toBe(
      'An exposure named "dash" already exists: choose another name.'
    );
  });
});
