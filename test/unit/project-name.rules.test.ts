// The project-name rule: trimmed, 1 to 255 code points, no control character or lone surrogate, refused with a coded invalid_project_name error.
import { PROJECT_NAME_MAX_CODE_POINTS, projectName } from '../../src/projects/project-name.rules';

const refusal = (name: string) => {
  try {
    projectName(name);
    return null;
  } catch (error) {
    return error as { code?: string; errorType?: string };
  }
};

describe('projectName', () => {
  it.each([
    ['Acme', 'Acme'],
    ['  Acme Corp \t\n', 'Acme Corp'],
    ['Acme: Ünïcode 株式会社 🚀', 'Acme: Ünïcode 株式会社 🚀'],
    ['🚀'.repeat(PROJECT_NAME_MAX_CODE_POINTS), '🚀'.repeat(PROJECT_NAME_MAX_CODE_POINTS)],
  ])('%j is stored as %j', (name, stored) => {
    expect(projectName(name)).toBe(stored);
  });

  it('refuses every C0 and C1 control and DEL inside a name, and lone surrogates', () => {
    const controls = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i)];
    for (const cp of controls) expect([cp, refusal(`Ac${String.fromCodePoint(cp)}me`)]).toEqual([cp, expect.objectContaining({ code: 'BAD_USER_INPUT', errorType: 'invalid_project_name' })]);
    for (const name of ['Acme\uD800', '\uDC00Acme']) expect(refusal(name)).toMatchObject({ errorType: 'invalid_project_name' });
  });

  it('counts code points, not UTF-16 units: 256 are too many, and so is nothing', () => {
    for (const name of ['🚀'.repeat(PROJECT_NAME_MAX_CODE_POINTS + 1), 'x'.repeat(PROJECT_NAME_MAX_CODE_POINTS + 1), '', ' \u3000 ']) {
      expect(refusal(name)).toMatchObject({ code: 'BAD_USER_INPUT', errorType: 'invalid_project_name' });
    }
  });
});
