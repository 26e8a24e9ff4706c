// Input validation with class-validator, reporting the catalogue's codes. A constraint may carry
// `context: { code }` (its own catalogue code) or `context: { errorType }` (BAD_USER_INPUT with a
// specific Stytch error_type such as invalid_email). The REST facade uses the same function.
import { validate, type ValidationError } from 'class-validator';
import { GatewayError, type ErrorCode, type ErrorSubtype } from '../errors/error.catalogue';
import { refusePrototypeKeys } from '../http/request-bytes';

interface ConstraintContext {
  code?: ErrorCode;
  errorType?: ErrorSubtype<'BAD_USER_INPUT'>;
  message?: string;
}

function firstFailure(errors: ValidationError[], path: string[] = []): { field: string; context: ConstraintContext; message: string } | undefined {
  for (const error of errors) {
    const here = [...path, error.property];
    if (error.constraints) {
      const [name, message] = Object.entries(error.constraints)[0];
      return { field: here.join('.'), context: (error.contexts?.[name] ?? {}) as ConstraintContext, message };
    }
    const nested = firstFailure(error.children ?? [], here);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * A string field holding NUL: PostgreSQL text cannot store it and no legitimate value contains it.
 * Walks the input and its nested input objects (class instances); JSON scalars are serialised, and
 * JSON escapes NUL, so they are left alone.
 */
function nulField(value: object, path: string[] = []): string | undefined {
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' && field.includes('\u0000')) return [...path, key].join('.');
    if (field && typeof field === 'object' && Object.getPrototypeOf(field) !== Object.prototype && !Array.isArray(field)) {
      const nested = nulField(field, [...path, key]);
      if (nested) return nested;
    }
  }
  return undefined;
}

/**
 * Validates a resolver argument or a REST input: prototype keys at any depth (JSON scalars included:
 * GraphQL object literals and GET variables never pass the JSON body parser), NUL in strings, then the
 * class-validator rules. Throws the first failure as a catalogue error (BAD_USER_INPUT or the code
 * the constraint names).
 */
export async function validateInput(value: unknown): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  refusePrototypeKeys(value);
  const nul = nulField(value);
  if (nul) throw new GatewayError('BAD_USER_INPUT', { message: `${nul}: must not contain NUL characters.`, details: { field: nul } });
  const errors = await validate(value as object, { forbidUnknownValues: false, stopAtFirstError: true });
  const failure = firstFailure(errors);
  if (!failure) return;
  const { code = 'BAD_USER_INPUT', errorType, message } = failure.context;
  throw new GatewayError(code, {
    errorType,
    message: message ?? (code === 'BAD_USER_INPUT' ? `${failure.field}: ${failure.message}.` : undefined),
    details: { field: failure.field },
  });
}
