// Pure rules for what createTotp and renameTotp accept besides the user: a TOTP's RFC 6238 parameters
// and its label, and the compatibility note a non-default choice earns. No I/O: every refusal comes
// before anything is written, and costs no lockout attempt.
import {
  DEFAULT_TOTP_LABEL,
  DEFAULT_TOTP_PARAMETERS,
  isTotpAlgorithm,
  isTotpDigits,
  isTotpPeriodSeconds,
  TOTP_ALGORITHMS,
  TOTP_DIGITS,
  TOTP_LABEL_CHARS,
  TOTP_PERIOD_SECONDS,
} from '../constants/totp.constants';
import type { TotpParameterValues } from '../projects/project-settings.service';
import { InvalidTotpLabelError, InvalidTotpParametersError } from './totp.errors';

/** The parameters a createTotp input may name; each left out (or null) takes the project's default. */
export interface RequestedTotpParameters {
  readonly algorithm?: unknown;
  readonly digits?: unknown;
  readonly period?: unknown;
}

/**
 * The TOTP's parameters: each given one checked, each missing one the project's default.
 * INVALID_TOTP_PARAMETERS names the first field out of its set (RFC 6238 §1.2 hashes SHA1, SHA256,
 * SHA512; RFC 4226 §5.3 6 or 8 digits as authenticator apps show them; a 30 s step, RFC 6238 §5.2, or 60 s).
 */
export function totpParameters(requested: RequestedTotpParameters, defaults: TotpParameterValues): TotpParameterValues {
  const { algorithm, digits, period } = requested;
  if (algorithm != null && !isTotpAlgorithm(algorithm)) throw invalid('algorithm', `algorithm must be one of ${TOTP_ALGORITHMS.join(', ')}.`);
  if (digits != null && !isTotpDigits(digits)) throw invalid('digits', `digits must be one of ${TOTP_DIGITS.join(', ')}.`);
  if (period != null && !isTotpPeriodSeconds(period)) throw invalid('period', `period must be one of ${TOTP_PERIOD_SECONDS.join(', ')} (seconds).`);
  return { algorithm: algorithm ?? defaults.algorithm, digits: digits ?? defaults.digits, periodSeconds: period ?? defaults.periodSeconds };
}

function invalid(field: string, message: string): InstanceType<typeof InvalidTotpParametersError> {
  return new InvalidTotpParametersError({ message, details: { field } });
}

/**
 * Never part of a name a person gives a device: C0 and C1 control characters (Unicode general category
 * Cc), bidirectional controls (Bidi_Control: U+202E would show `\u202Eppa rotacitnehtuA` as
 * "Authenticator app", the Trojan Source display trick, CVE-2021-42574; RFC 8264 §9.13 disallows them),
 * the line and paragraph separators (they break a label shown on one line), and unpaired UTF-16
 * surrogates (no Unicode character; stored as U+FFFD, not as sent). Other format characters stay:
 * emoji sequences need U+200D.
 */
const CONTROL_CHARS = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/**
 * A TOTP's label as stored: trimmed, TOTP_LABEL_CHARS characters (Unicode code points, as PostgreSQL
 * counts varchar), no control, bidirectional-control or lone-surrogate characters; DEFAULT_TOTP_LABEL when none is given (undefined or null).
 * Anything else is INVALID_TOTP_LABEL.
 */
export function totpLabel(raw: unknown, field = 'label'): string {
  if (raw == null) return DEFAULT_TOTP_LABEL;
  if (typeof raw !== 'string') throw new InvalidTotpLabelError({ details: { field } });
  const label = raw.trim();
  const chars = [...label].length;
  if (chars < TOTP_LABEL_CHARS.min || chars > TOTP_LABEL_CHARS.max || CONTROL_CHARS.test(label)) throw new InvalidTotpLabelError({ details: { field } });
  return label;
}

/**
 * What a user should know before scanning a TOTP with non-default parameters, or null for SHA1, 6
 * digits, 30 s (which every authenticator app reads). The Key Uri Format (github.com/google/
 * google-authenticator/wiki/Key-Uri-Format) documents `algorithm`, `digits` and `period` as ignored
 * by Google Authenticator's implementations; later reports (README, "TOTP parameters", with sources)
 * show Microsoft Authenticator and Authy producing SHA1 codes for SHA256/SHA512 keys. Such an app
 * shows codes the gateway refuses, so the note names the parameters at risk and the apps reported to
 * honour them.
 */
export function compatibilityNote(params: TotpParameterValues): string | null {
  const changed = [
    params.algorithm !== DEFAULT_TOTP_PARAMETERS.algorithm ? `algorithm ${params.algorithm}` : null,
    params.digits !== DEFAULT_TOTP_PARAMETERS.digits ? `${params.digits} digits` : null,
    params.periodSeconds !== DEFAULT_TOTP_PARAMETERS.periodSeconds ? `a ${params.periodSeconds}-second period` : null,
  ].filter((part): part is string => part !== null);
  if (!changed.length) return null;
  const ignoredBy = [
    params.algorithm !== DEFAULT_TOTP_PARAMETERS.algorithm ? 'Google Authenticator, Microsoft Authenticator and Authy are reported to ignore the algorithm' : null,
    params.digits !== DEFAULT_TOTP_PARAMETERS.digits || params.periodSeconds !== DEFAULT_TOTP_PARAMETERS.periodSeconds
      ? 'older Google Authenticator versions (and its Android app for the period) are reported to ignore digits and period'
      : null,
  ].filter((part): part is string => part !== null);
  return (
    `This TOTP uses ${changed.join(', ')}: ${ignoredBy.join('; ')}, and such an app shows codes that are refused. ` +
    'Aegis and FreeOTP are reported to honour all three parameters; have the user confirm the app with a first code before relying on it.'
  );
}
