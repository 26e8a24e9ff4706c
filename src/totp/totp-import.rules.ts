// Pure rules of an import of an existing TOTP registration, shared by importTotp, POST /v1/totps/migrate
// and the `import` command: which secret, parameters, label and recovery codes the new TOTP gets, or the
// coded error saying what is wrong. No I/O; nothing is written before these pass.
import { GatewayError } from '../errors/error.catalogue';
import {
  DEFAULT_TOTP_PARAMETERS,
  TOTP_ALGORITHMS,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  type TotpAlgorithm,
  type TotpDigits,
  type TotpPeriodSeconds,
} from '../constants/totp.constants';
import { IMPORT_RECOVERY_CODES_MAX } from '../constants/import.constants';
import { parseBase32Secret, parseOtpauthUri, type ParsedSecret } from './secret.parse';
import { parseRecoveryCode } from './code.format';
import { newRecoveryCodes } from './recovery-code.generator';
import { totpLabel } from './totp-parameters.rules';
import { InvalidTotpParametersError } from './totp.errors';

/** What a caller asks to import, as any channel gives it (GraphQL input, REST body, a file's line). */
export interface ImportRequest {
  readonly secret?: string | null;
  readonly otpauthUri?: string | null;
  readonly label?: string | null;
  /** SHA1 | SHA256 | SHA512; the REST and file channels also accept lower case and `SHA-256`. */
  readonly algorithm?: string | null;
  readonly digits?: number | null;
  /** Seconds per time step. */
  readonly period?: number | null;
  readonly recoveryCodes?: readonly string[] | null;
  /** False imports a TOTP that its first successful code verifies; default true. */
  readonly verified?: boolean | null;
}

/** An import that passed every rule: what the TOTP row and its recovery codes are made of. */
export interface PreparedImport {
  readonly secret: Buffer;
  readonly algorithm: TotpAlgorithm;
  readonly digits: TotpDigits;
  readonly periodSeconds: TotpPeriodSeconds;
  readonly label: string;
  readonly verified: boolean;
  /** The codes to store, in the stored shape (`xxxx-xxxx-xxxx`, lower case). */
  readonly recoveryCodes: string[];
  /** True when the codes were minted here (the payload returns them once); false when they were given. */
  readonly minted: boolean;
}

const badInput = (errorType: 'secret_or_otpauth_uri_required', field: string, message: string) =>
  new GatewayError('BAD_USER_INPUT', { errorType, message, details: { field } });
/** The refusal createTotp gives for the same parameter (totp-parameters.rules.ts), so one mistake has one code everywhere. */
const invalidParameter = (field: string, message: string) => new InvalidTotpParametersError({ message, details: { field } });

/**
 * Checks an import request and reads its secret. Parameters come from the request, else from the
 * otpauth URI, else the Key Uri Format defaults (SHA1, 6 digits, 30 s: what the other provider used
 * when it named none, whatever the project's defaults for new enrollments are). `mintWhenOmitted`:
 * mint ten recovery codes when none are given (GraphQL and REST return them once; the file import
 * has no one to show them to and mints none).
 * @throws GatewayError BAD_USER_INPUT (`secret_or_otpauth_uri_required`), INVALID_TOTP_PARAMETERS and
 *   INVALID_TOTP_LABEL (as createTotp answers them, `details.field`), INVALID_SECRET,
 *   INVALID_OTPAUTH_URI (also `conflicting_parameter` when the request and the URI disagree),
 *   INVALID_RECOVERY_CODE (`details.index` names the code).
 */
export function prepareImport(request: ImportRequest, { mintWhenOmitted = true } = {}): PreparedImport {
  const source = readSource(request);
  const algorithm = pick('algorithm', readAlgorithm(request.algorithm), source.algorithm, DEFAULT_TOTP_PARAMETERS.algorithm);
  const digits = pick('digits', readChoice(request.digits, TOTP_DIGITS, 'digits'), source.digits, DEFAULT_TOTP_PARAMETERS.digits);
  const periodSeconds = pick('period', readChoice(request.period, TOTP_PERIOD_SECONDS, 'period'), source.period, DEFAULT_TOTP_PARAMETERS.periodSeconds);
  const given = readRecoveryCodes(request.recoveryCodes);
  const minted = !given.length && mintWhenOmitted;
  return {
    secret: source.secret,
    algorithm,
    digits,
    periodSeconds,
    label: totpLabel(request.label),
    verified: request.verified ?? true,
    recoveryCodes: minted ? newRecoveryCodes() : given,
    minted,
  };
}

/** Exactly one of secret and otpauthUri, read. */
function readSource(request: ImportRequest): Pick<ParsedSecret, 'secret' | 'algorithm' | 'digits' | 'period'> {
  const hasSecret = request.secret != null && request.secret !== '';
  const hasUri = request.otpauthUri != null && request.otpauthUri !== '';
  if (hasSecret === hasUri) {
    throw badInput('secret_or_otpauth_uri_required', hasSecret ? 'otpauthUri' : 'secret', 'Give exactly one of secret (base32) and otpauthUri (otpauth://totp/...).');
  }
  if (hasUri) return parseOtpauthUri(request.otpauthUri!);
  return { secret: parseBase32Secret(request.secret!), algorithm: null, digits: null, period: null };
}

/** The request's value, else the URI's; both given and different is a conflict. */
function pick<T>(name: string, requested: T | null, fromUri: T | null, fallback: T): T {
  if (requested !== null && fromUri !== null && requested !== fromUri) {
    throw new GatewayError('INVALID_OTPAUTH_URI', {
      message: `The otpauth URI's ${name} (${String(fromUri)}) differs from the ${name} given (${String(requested)}); leave one out.`,
      details: { reason: 'conflicting_parameter', field: name },
    });
  }
  return requested ?? fromUri ?? fallback;
}

/** SHA1 | SHA256 | SHA512, also spelled `sha256` or `SHA-256`. */
function readAlgorithm(value: string | null | undefined): TotpAlgorithm | null {
  if (value == null || value === '') return null;
  const name = typeof value === 'string' ? value.trim().toUpperCase().replace('-', '') : '';
  if (!(TOTP_ALGORITHMS as readonly string[]).includes(name)) throw invalidParameter('algorithm', `algorithm must be one of ${TOTP_ALGORITHMS.join(', ')}.`);
  return name as TotpAlgorithm;
}

function readChoice<T extends number>(value: number | null | undefined, allowed: readonly T[], field: string): T | null {
  if (value == null) return null;
  if (!(allowed as readonly number[]).includes(value)) throw invalidParameter(field, `${field} must be ${allowed.join(' or ')}.`);
  return value as T;
}

/**
 * Given recovery codes in their stored shape, read as recoverTotp reads a typed one (code.format.ts):
 * separators and case ignored; stored in the literal reading, which every later typing of the code
 * matches. Duplicates are kept once. At most IMPORT_RECOVERY_CODES_MAX.
 */
function readRecoveryCodes(codes: readonly string[] | null | undefined): string[] {
  if (!codes?.length) return [];
  if (codes.length > IMPORT_RECOVERY_CODES_MAX) {
    throw new GatewayError('INVALID_RECOVERY_CODE', {
      message: `At most ${IMPORT_RECOVERY_CODES_MAX} recovery codes can be imported with one TOTP.`,
      details: { field: 'recoveryCodes', reason: 'too_many' },
    });
  }
  const stored = codes.map((code, index) => {
    const forms = typeof code === 'string' ? parseRecoveryCode(code) : null;
    if (!forms) {
      throw new GatewayError('INVALID_RECOVERY_CODE', {
        message: `recoveryCodes[${index}] is not a recovery code: each must be 12 letters and digits (xxxx-xxxx-xxxx); case, spaces and hyphens are ignored.`,
        details: { field: 'recoveryCodes', index, reason: 'malformed' },
      });
    }
    return forms[forms.length - 1];
  });
  return [...new Set(stored)];
}
