// What the test suite counts as CI (where a missing PostgreSQL or Chromium fails instead of skipping): any truthy CI variable.
import { isCI } from '../support/ci';

describe('isCI', () => {
  it.each(['true', 'TRUE', '1', 'yes', 'on', 'github-actions'])('counts CI=%s as CI', (value) => {
    expect(isCI({ CI: value })).toBe(true);
  });

  it.each(['', ' ', '0', 'false', 'False', 'no', 'off'])('does not count CI=%j as CI', (value) => {
    expect(isCI({ CI: value })).toBe(false);
  });

  it('does not count an unset CI as CI', () => {
    expect(isCI({})).toBe(false);
  });
});
