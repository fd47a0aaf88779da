import { parseConfig } from '../src/config';
import type { StorageHost, StorageIdentity } from '../src/platform/storage';
import { httpRequest, startTestServer, type TestServer } from './helpers';

/** The machine's side of the storage feature, with the user and groups a test gives. */
function hostWith(identity: StorageIdentity): StorageHost {
  return {
    mounts: async () => [],
    space: async () => ({ capacity: 0, used: 0, free: 0 }),
    writeDenied: async () => undefined,
    identity: async () => identity
  };
}

// Each server asks the real Python whether nbgrader is there: seconds on a busy machine.
jest.setTimeout(60_000);

describe('course roles', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const courses = async (identity: StorageIdentity, config: unknown = {}) => {
    server = await startTestServer({ config, storage: hostWith(identity) });
    const res = await httpRequest(server.socket, { method: 'GET', path: '/api/v1/course' });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  it('reads both naming schemes of hub groups, several courses, instructor before student', async () => {
    const list = await courses(
      {
        user: 'ana',
        source: 'hub',
        groups: [
          'nbgrader-ml',
          'formgrade-ml',
          'bio-students',
          'cs101-instructors',
          'staff',
          'formgrade-',
          'nbgrader-a/b'
        ]
      },
      {
        course: {
          courses: [
            { id: 'bio', title: 'Biology 1' },
            { id: 'chem', students: ['ana'] }
          ]
        }
      }
    );
    expect(list).toMatchObject({
      user: 'ana',
      courses: [
        { id: 'bio', title: 'Biology 1', role: 'student', source: 'hub', group: 'bio-students' },
        { id: 'chem', title: 'chem', role: 'student', source: 'config' },
        {
          id: 'cs101',
          title: 'cs101',
          role: 'instructor',
          source: 'hub',
          group: 'cs101-instructors'
        },
        { id: 'ml', title: 'ml', role: 'instructor', source: 'hub', group: 'formgrade-ml' }
      ]
    });
  });

  it('takes the admin’s own patterns, and the admin’s lists without a hub', async () => {
    const list = await courses(
      { user: 'bo', source: 'os', groups: ['teach.stats', 'nbgrader-ml'] },
      {
        course: {
          instructorGroups: ['teach.{course}'],
          studentGroups: ['learn.{course}'],
          courses: [{ id: 'algebra', instructors: ['bo'] }]
        }
      }
    );
    expect(list.courses.map((c: { id: string; role: string }) => `${c.id}:${c.role}`)).toEqual([
      'algebra:instructor',
      'stats:instructor'
    ]);
  });

  it('hides a course the user is not in (404) and refuses a student the instructor routes (403)', async () => {
    await courses({ user: 'cy', source: 'hub', groups: ['nbgrader-ml'] });
    const get = (path: string) => httpRequest(server!.socket, { method: 'GET', path });
    let res = await get('/api/v1/course/bio/gradebook');
    expect([res.statusCode, res.json().message]).toEqual([404, 'No course "bio" among yours']);
    res = await get('/api/v1/course/ml/gradebook');
    expect([res.statusCode, res.json().message]).toEqual([
      403,
      'Only the instructors of "ml" may do this'
    ]);
    res = await get('/api/v1/course/ml%2F..%2Fx/gradebook');
    expect(res.statusCode).toBe(400);
  });

  it('says what to do when the course tools cannot run', async () => {
    const list = await courses(
      { user: 'di', source: 'os', groups: [] },
      { course: { python: '/nonexistent/python3' } }
    );
    expect(list).toMatchObject({
      available: false,
      problem: 'The course tools need Python with nbgrader: /nonexistent/python3 was not found'
    });
  });

  it('stops start-up on a group pattern without {course}, naming the field', () => {
    expect(() => parseConfig({ course: { studentGroups: ['students'] } })).toThrow(
      /"course\.studentGroups\.0" is "students"/
    );
  });
});
