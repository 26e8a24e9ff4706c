// The GraphQL enum of a TOTP's HMAC hash (RFC 6238 §1.2), shared by the inputs that choose one
// (createTotp) and the types that show one (User.totps, Project.totpDefaults).
import { registerEnumType } from 'type-graphql';
import { TOTP_ALGORITHMS, type TotpAlgorithm } from '../constants/totp.constants';

/** `TotpAlgorithm { SHA1 SHA256 SHA512 }`: each value is its own name, as the otpauth URI spells it. */
export const TotpAlgorithmEnum = Object.fromEntries(TOTP_ALGORITHMS.map((a) => [a, a])) as { readonly [A in TotpAlgorithm]: A };

registerEnumType(TotpAlgorithmEnum, {
  name: 'TotpAlgorithm',
  description: 'The HMAC hash of a TOTP (RFC 6238 §1.2). SHA1 is what every authenticator app reads; see createTotp compatibility.',
});
