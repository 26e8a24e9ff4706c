// Input bounds are validated at the edge, from one constants module per feature: the inputs refuse values just outside each bound with the feature's catalogue code, accept the bounds themselves, and the catalogue message and the GraphQL field description state the same numbers.
import 'reflect-metadata';
import { GraphQLInputObjectType } from 'graphql';
import { PAGE_SIZE } from '../../src/constants/audit.constants';
import { AuthEventsArgs } from '../../src/audit/audit.inputs';
import { CUSTOM_CLAIMS_MAX_BYTES, SESSION_DURATION_MINUTES } from '../../src/constants/session.constants';
import { EXPIRATION_MINUTES } from '../../src/constants/totp.constants';
import { EXTERNAL_ID_CHARS, METADATA_MAX_BYTES, NAME_PART_MAX_CHARS } from '../../src/constants/user.constants';
import { ERROR_CATALOGUE, GatewayError } from '../../src/errors/error.catalogue';
import { validateInput } from '../../src/graphql/validation';
import { gatewaySchema } from '../../src/schema';
import { AuthenticateSessionInput, CreateSessionInput } from '../../src/sessions/session.inputs';
import { CreateTotpInput } from '../../src/totp/totp.inputs';
import { CreateUserInput, UserNameInput } from '../../src/users/user.inputs';

/** The code validateInput refuses `value` with, or 'accepted'. */
async function outcome(value: object): Promise<string> {
  try {
    await validateInput(value);
    return 'accepted';
  } catch (error) {
    return (error as GatewayError).code;
  }
}

/** A JSON object of exactly `bytes` bytes serialised. */
const objectOfBytes = (bytes: number) => ({ a: 'x'.repeat(bytes - '{"a":""}'.length) });

describe('the bounds of each feature', () => {
  it('expirationMinutes: INVALID_EXPIRATION just outside, accepted at the bounds', async () => {
    const totp = (expirationMinutes: number) => Object.assign(new CreateTotpInput(), { userId: 'user-x', expirationMinutes });
    expect(await outcome(totp(EXPIRATION_MINUTES.min - 1))).toBe('INVALID_EXPIRATION');
    expect(await outcome(totp(EXPIRATION_MINUTES.max + 1))).toBe('INVALID_EXPIRATION');
    expect(await outcome(totp(EXPIRATION_MINUTES.min + 0.5))).toBe('INVALID_EXPIRATION');
    expect(await outcome(totp(EXPIRATION_MINUTES.min))).toBe('accepted');
    expect(await outcome(totp(EXPIRATION_MINUTES.max))).toBe('accepted');
  });

  it('sessionDurationMinutes: INVALID_SESSION_DURATION_MINUTES just outside, on every input that takes it', async () => {
    for (const make of [() => new AuthenticateSessionInput(), () => Object.assign(new CreateSessionInput(), { userId: 'user-x' })]) {
      const input = (sessionDurationMinutes: number) => Object.assign(make(), { sessionDurationMinutes });
      expect(await outcome(input(SESSION_DURATION_MINUTES.min - 1))).toBe('INVALID_SESSION_DURATION_MINUTES');
      expect(await outcome(input(SESSION_DURATION_MINUTES.max + 1))).toBe('INVALID_SESSION_DURATION_MINUTES');
      expect(await outcome(input(SESSION_DURATION_MINUTES.min))).toBe('accepted');
      expect(await outcome(input(SESSION_DURATION_MINUTES.max))).toBe('accepted');
    }
  });

  it('sessionCustomClaims: reserved names, then size past CUSTOM_CLAIMS_MAX_BYTES', async () => {
    const claims = (sessionCustomClaims: Record<string, unknown>) => Object.assign(new AuthenticateSessionInput(), { sessionCustomClaims });
    expect(await outcome(claims(objectOfBytes(CUSTOM_CLAIMS_MAX_BYTES)))).toBe('accepted');
    expect(await outcome(claims(objectOfBytes(CUSTOM_CLAIMS_MAX_BYTES + 1)))).toBe('CUSTOM_CLAIMS_TOO_LARGE');
    expect(await outcome(claims({ sub: 'me' }))).toBe('RESERVED_CLAIMS_IN_CUSTOM_CLAIMS');
    expect(await outcome(claims({ 'https://stytch.com/session': {} }))).toBe('RESERVED_CLAIMS_IN_CUSTOM_CLAIMS');
    expect(await outcome(claims({ ...objectOfBytes(CUSTOM_CLAIMS_MAX_BYTES + 1), iss: 'me' }))).toBe('RESERVED_CLAIMS_IN_CUSTOM_CLAIMS');
  });

  it('metadata: BAD_USER_INPUT past METADATA_MAX_BYTES', async () => {
    const user = (trustedMetadata: Record<string, unknown>) => Object.assign(new CreateUserInput(), { email: 'a@example.com', trustedMetadata });
    expect(await outcome(user(objectOfBytes(METADATA_MAX_BYTES)))).toBe('accepted');
    expect(await outcome(user(objectOfBytes(METADATA_MAX_BYTES + 1)))).toBe('BAD_USER_INPUT');
  });

  it('name parts and external id: refused just past their lengths, which are also the columns\' lengths', async () => {
    const named = (firstName: string) => Object.assign(new CreateUserInput(), { email: 'a@example.com', name: Object.assign(new UserNameInput(), { firstName }) });
    expect(await outcome(named('x'.repeat(NAME_PART_MAX_CHARS)))).toBe('accepted');
    expect(await outcome(named('x'.repeat(NAME_PART_MAX_CHARS + 1)))).toBe('BAD_USER_INPUT');
    const external = (externalId: string) => Object.assign(new CreateUserInput(), { email: 'a@example.com', externalId });
    expect(await outcome(external('x'.repeat(EXTERNAL_ID_CHARS.max)))).toBe('accepted');
    expect(await outcome(external('x'.repeat(EXTERNAL_ID_CHARS.max + 1)))).toBe('BAD_USER_INPUT');
  });
});

describe('audit paging', () => {
  it('first: invalid_page_size just outside, accepted at the bounds', async () => {
    const page = (first: number) => Object.assign(new AuthEventsArgs(), { userId: 'user-x', first });
    for (const first of [PAGE_SIZE.min - 1, PAGE_SIZE.max + 1]) {
      await expect(validateInput(page(first))).rejects.toMatchObject({ code: 'BAD_USER_INPUT', errorType: 'invalid_page_size', message: `first must be between ${PAGE_SIZE.min} and ${PAGE_SIZE.max}.` });
    }
    expect(await outcome(page(PAGE_SIZE.min))).toBe('accepted');
    expect(await outcome(page(PAGE_SIZE.max))).toBe('accepted');
  });
});

describe('messages and descriptions state the constants', () => {
  const schema = gatewaySchema();
  const description = (type: string, field: string) => (schema.getType(type) as GraphQLInputObjectType).getFields()[field].description ?? '';

  it('expiration', () => {
    for (const text of [ERROR_CATALOGUE.INVALID_EXPIRATION.message, description('CreateTotpInput', 'expirationMinutes')]) {
      expect(text).toContain(String(EXPIRATION_MINUTES.min));
      expect(text).toContain(String(EXPIRATION_MINUTES.max));
    }
  });

  it('session duration and claims size', () => {
    for (const [type, field] of [['AuthenticateSessionInput', 'sessionDurationMinutes'], ['CreateSessionInput', 'sessionDurationMinutes']]) {
      expect(description(type, field)).toContain(`${SESSION_DURATION_MINUTES.min}..${SESSION_DURATION_MINUTES.max}`);
    }
    expect(ERROR_CATALOGUE.INVALID_SESSION_DURATION_MINUTES.message).toContain(`between ${SESSION_DURATION_MINUTES.min} and ${SESSION_DURATION_MINUTES.max}`);
    const kib = `${CUSTOM_CLAIMS_MAX_BYTES / 1024} KiB`;
    expect(ERROR_CATALOGUE.CUSTOM_CLAIMS_TOO_LARGE.message).toContain(kib);
    expect(description('AuthenticateTotpInput', 'sessionCustomClaims')).toContain(kib);
    expect(description('CreateUserInput', 'trustedMetadata')).toContain(`${METADATA_MAX_BYTES / 1024} KiB`);
  });
});
