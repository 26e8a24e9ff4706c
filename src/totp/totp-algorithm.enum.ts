// The GraphQL enum of TOTP hash functions, `TotpAlgorithm`, defined once for every input and type that
// names one (importTotp here; createTotp and the project settings name the same enum).
import { registerEnumType } from 'type-graphql';
import type { TotpAlgorithm } from '../constants/totp.constants';

/** RFC 6238 §1.2: HMAC-SHA-1 (the default every authenticator app reads), HMAC-SHA-256 or HMAC-SHA-512. */
export const TotpAlgorithmEnum = { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' } as const satisfies Record<TotpAlgorithm, TotpAlgorithm>;

registerEnumType(TotpAlgorithmEnum, {
  name: 'TotpAlgorithm',
  description: 'The HMAC hash function of a TOTP (RFC 6238 §1.2); SHA1 unless chosen otherwise.',
});
