// The session JWT issuer: without PUBLIC_URL it depends only on the project; with PUBLIC_URL it is that URL; and every issuer this gateway may have written (the default form, any http(s) PUBLIC_URL) is accepted, nothing else.
import { isOwnIssuer, sessionIssuer } from '../../src/sessions/jwt-issuer';

it('is stytch.com/<projectId> without PUBLIC_URL, whatever the host and port', () => {
  expect(sessionIssuer(null, 'project-test-1')).toBe('stytch.com/project-test-1');
});

it('is PUBLIC_URL when set', () => {
  expect(sessionIssuer('https://2fa.example.com/v1', 'project-test-1')).toBe('https://2fa.example.com/v1');
});

it('accepts the default form and any absolute http(s) URL, past or present PUBLIC_URL alike', () => {
  for (const iss of ['stytch.com/project-test-1', 'https://2fa.example.com/v1', 'http://127.0.0.1:8080/v1', 'https://old.example.org']) {
    expect(isOwnIssuer(iss, 'project-test-1', null)).toBe(true);
    expect(isOwnIssuer(iss, 'project-test-1', 'https://new.example.com')).toBe(true);
  }
});

it("never accepts another project's default issuer, a non-URL, a non-http URL or a non-string", () => {
  for (const iss of ['stytch.com/project-test-2', 'stytch.com/', 'project-test-1', '/v1', '2fa.example.com', 'javascript:alert(1)', 'ftp://example.com', 'file:///etc', 'https://', '']) {
    expect(isOwnIssuer(iss, 'project-test-1', 'https://2fa.example.com')).toBe(false);
  }
  for (const iss of [undefined, null, 42, ['stytch.com/project-test-1'], { iss: 'stytch.com/project-test-1' }]) {
    expect(isOwnIssuer(iss, 'project-test-1', 'https://2fa.example.com')).toBe(false);
  }
});

it("accepts this process's own PUBLIC_URL whatever its scheme", () => {
  expect(isOwnIssuer('urn:example:gateway', 'project-test-1', 'urn:example:gateway')).toBe(true);
  expect(isOwnIssuer('urn:example:gateway', 'project-test-1', null)).toBe(false);
});
