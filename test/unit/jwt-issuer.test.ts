// The session JWT issuer: without PUBLIC_URL it depends only on the project (shared by every process of
// a database, accepted by the Stytch SDK); with PUBLIC_URL it is that URL, and the default form stays accepted.
import { acceptedIssuers, sessionIssuer } from '../../src/sessions/jwt-issuer';

it('is stytch.com/<projectId> without PUBLIC_URL, whatever the host and port', () => {
  expect(sessionIssuer(null, 'project-test-1')).toBe('stytch.com/project-test-1');
  expect(acceptedIssuers(null, 'project-test-1')).toEqual(['stytch.com/project-test-1']);
});

it('is PUBLIC_URL when set, still accepting the default form', () => {
  expect(sessionIssuer('https://2fa.example.com/v1', 'project-test-1')).toBe('https://2fa.example.com/v1');
  expect(acceptedIssuers('https://2fa.example.com/v1', 'project-test-1')).toEqual(['https://2fa.example.com/v1', 'stytch.com/project-test-1']);
});

it("never accepts another project's default issuer", () => {
  expect(acceptedIssuers(null, 'project-test-1')).not.toContain('stytch.com/project-test-2');
  expect(acceptedIssuers('https://2fa.example.com', 'project-test-1')).not.toContain('stytch.com/project-test-2');
});
