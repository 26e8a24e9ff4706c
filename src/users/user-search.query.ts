// What a user search asks, as one model both the GraphQL `users(filter)` and Stytch's REST
// `POST /v1/users/search` body are read into, so the SQL is built in one place (user-search.service.ts).
// Pure: no I/O. Identifiers are compared in their stored normal form (identity.normalize.ts), so a
// search for `Grace@Example.com` finds the user created as `grace@example.com`.
import { GatewayError, type ErrorSubtype } from '../errors/error.catalogue';
import { isId } from '../common/ids';
import { codePointsWithin } from '../common/text';
import { EXTERNAL_ID_CHARS, EXTERNAL_ID_MESSAGE, SEARCH_MAX_FILTER_VALUES, SEARCH_MAX_OPERANDS } from '../constants/user.constants';
import { normalizeEmail, normalizePhoneNumber } from './identity.normalize';
import { INVALID_EMAIL_MESSAGE, INVALID_PHONE_NUMBER_MESSAGE } from './user.inputs';

/** One condition on a user: a column in a list of values, or a yes/no property. */
export type UserCondition =
  | { readonly kind: 'email' | 'phoneNumber' | 'externalId' | 'userId' | 'totpId'; readonly values: readonly string[] }
  | { readonly kind: 'totpVerified' | 'locked'; readonly value: boolean }
  | { readonly kind: 'status'; readonly value: UserStatus };

/** Stytch's user statuses (Search Users filter `status`). */
const USER_STATUSES = ['active', 'pending'] as const;
type UserStatus = (typeof USER_STATUSES)[number];

/** Conditions joined by AND (all hold) or OR (any holds); none at all matches every user of the project. */
export interface UserQuery {
  readonly operator: 'AND' | 'OR';
  readonly conditions: readonly UserCondition[];
}

/** The `users(filter)` fields, as given (validated by user.inputs.ts `UserFilter`). */
export interface UserFilterFields {
  readonly email?: string | null;
  readonly phoneNumber?: string | null;
  readonly externalId?: string | null;
  readonly totpVerified?: boolean | null;
  readonly locked?: boolean | null;
}

const badInput = (errorType: ErrorSubtype<'BAD_USER_INPUT'>, field: string, message: string) => new GatewayError('BAD_USER_INPUT', { errorType, message, details: { field } });

/** An email or phone number in its stored form, or BAD_USER_INPUT (invalid_email / invalid_phone_number) naming `field`. */
function normalizedIdentifier(kind: 'email' | 'phoneNumber', raw: string, field: string): string {
  const value = kind === 'email' ? normalizeEmail(raw) : normalizePhoneNumber(raw);
  if (value !== null) return value;
  throw kind === 'email' ? badInput('invalid_email', field, INVALID_EMAIL_MESSAGE) : badInput('invalid_phone_number', field, INVALID_PHONE_NUMBER_MESSAGE);
}

/** An external id of EXTERNAL_ID_CHARS code points (any stored one: also those set before EXTERNAL_ID_ALPHABET applied), or BAD_USER_INPUT (invalid_external_id). */
function externalId(raw: string, field: string): string {
  if (!codePointsWithin(raw, EXTERNAL_ID_CHARS) || raw.includes('\u0000')) throw badInput('invalid_external_id', field, EXTERNAL_ID_MESSAGE);
  return raw;
}

/** `users(filter)`: every given field must hold (AND); email and phone number exact after normalisation. */
export function queryOfFilter(filter: UserFilterFields | null | undefined): UserQuery {
  const conditions: UserCondition[] = [];
  if (filter?.email != null) conditions.push({ kind: 'email', values: [normalizedIdentifier('email', filter.email, 'filter.email')] });
  if (filter?.phoneNumber != null) conditions.push({ kind: 'phoneNumber', values: [normalizedIdentifier('phoneNumber', filter.phoneNumber, 'filter.phoneNumber')] });
  if (filter?.externalId != null) conditions.push({ kind: 'externalId', values: [externalId(filter.externalId, 'filter.externalId')] });
  if (filter?.totpVerified != null) conditions.push({ kind: 'totpVerified', value: filter.totpVerified });
  if (filter?.locked != null) conditions.push({ kind: 'locked', value: filter.locked });
  return { operator: 'AND', conditions };
}

/**
 * Stytch's filters this gateway answers (Search Users API reference: `filter_name`, `filter_value`),
 * plus two of its own: `external_id` (a list) and `is_locked` (a boolean, as `User.is_locked`).
 * Lists take 1..SEARCH_MAX_FILTER_VALUES strings, matched exactly (emails and phone numbers after
 * normalisation).
 */
const LIST_FILTERS = {
  email_address: 'email',
  phone_number: 'phoneNumber',
  user_id: 'userId',
  external_id: 'externalId',
  totp_id: 'totpId',
} as const;
const BOOLEAN_FILTERS = { totp_verified: 'totpVerified', is_locked: 'locked' } as const;
const SEARCH_FILTER_NAMES = [...Object.keys(LIST_FILTERS), ...Object.keys(BOOLEAN_FILTERS), 'status'];

/**
 * The REST search body's `query` (`{operator: "AND" | "OR", operands: [{filter_name, filter_value}]}`;
 * absent or null: every user). Throws BAD_USER_INPUT naming the field as the caller spelled it:
 * invalid_search_query (shape), invalid_filter_name (a filter this gateway does not answer),
 * invalid_filter_value (a value of the wrong type, empty, too many), invalid_email,
 * invalid_phone_number, invalid_external_id.
 */
export function queryOfStytchSearch(raw: unknown): UserQuery {
  if (raw == null) return { operator: 'AND', conditions: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badInput('invalid_search_query', 'query', 'query must be an object with operator and operands.');
  const { operator, operands } = raw as { operator?: unknown; operands?: unknown };
  if (operator !== 'AND' && operator !== 'OR') throw badInput('invalid_search_query', 'query.operator', 'query.operator must be "AND" or "OR".');
  if (operands == null) return { operator, conditions: [] };
  if (!Array.isArray(operands) || operands.length > SEARCH_MAX_OPERANDS) {
    throw badInput('invalid_search_query', 'query.operands', `query.operands must be an array of at most ${SEARCH_MAX_OPERANDS} operands.`);
  }
  return { operator, conditions: operands.map((operand, i) => conditionOf(operand, `query.operands.${i}`)) };
}

/** One `{filter_name, filter_value}` operand as a condition. */
function conditionOf(operand: unknown, at: string): UserCondition {
  if (!operand || typeof operand !== 'object' || Array.isArray(operand)) throw badInput('invalid_search_query', at, `${at} must be an object with filter_name and filter_value.`);
  const { filter_name: name, filter_value: value } = operand as { filter_name?: unknown; filter_value?: unknown };
  const field = `${at}.filter_value`;
  if (typeof name === 'string' && Object.hasOwn(LIST_FILTERS, name)) {
    const kind = LIST_FILTERS[name as keyof typeof LIST_FILTERS];
    return { kind, values: stringList(value, field).map((v, i) => listValue(kind, v, `${field}.${i}`)) };
  }
  if (typeof name === 'string' && Object.hasOwn(BOOLEAN_FILTERS, name)) {
    if (typeof value !== 'boolean') throw badInput('invalid_filter_value', field, `${field} must be true or false for ${name}.`);
    return { kind: BOOLEAN_FILTERS[name as keyof typeof BOOLEAN_FILTERS], value };
  }
  if (name === 'status') {
    if (!USER_STATUSES.includes(value as UserStatus)) throw badInput('invalid_filter_value', field, `${field} must be one of ${USER_STATUSES.map((s) => `"${s}"`).join(', ')} for status.`);
    return { kind: 'status', value: value as UserStatus };
  }
  throw badInput('invalid_filter_name', `${at}.filter_name`, `${at}.filter_name must be one of: ${SEARCH_FILTER_NAMES.join(', ')}.`);
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > SEARCH_MAX_FILTER_VALUES || !value.every((v) => typeof v === 'string')) {
    throw badInput('invalid_filter_value', field, `${field} must be an array of 1 to ${SEARCH_MAX_FILTER_VALUES} strings.`);
  }
  return value as string[];
}

function listValue(kind: (typeof LIST_FILTERS)[keyof typeof LIST_FILTERS], value: string, field: string): string {
  if (kind === 'email' || kind === 'phoneNumber') return normalizedIdentifier(kind, value, field);
  if (kind === 'externalId') return externalId(value, field);
  const prefix = kind === 'userId' ? 'user' : 'totp';
  if (!isId(prefix, value)) throw badInput('invalid_filter_value', field, `${field} must be a ${prefix} id (${prefix}-<uuid>).`);
  return value;
}
