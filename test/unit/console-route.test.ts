// The console's fragment routes: a crafted link (#/users/<malformed percent-encoding>) must not throw while the page starts, which would leave the operator a blank console.
import { hrefOf, parseRoute } from '../../console/src/fragment';

describe('console fragment routes', () => {
  it('reads the pages it links to', () => {
    expect(parseRoute(hrefOf({ page: 'user', userId: 'user-1/2 %' }))).toEqual({ page: 'user', userId: 'user-1/2 %' });
    expect(parseRoute('#/users')).toEqual({ page: 'users' });
    expect(parseRoute('#/project')).toEqual({ page: 'project' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
  });

  it.each(['#/users/%', '#/users/%E0%A4%A', '#/users/%ZZ', '#/users/%uD800'])('answers the users page for the malformed %s instead of throwing', (hash) => {
    expect(parseRoute(hash)).toEqual({ page: 'users' });
  });
});
