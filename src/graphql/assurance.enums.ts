// The GraphQL enums of assurance (NIST SP 800-63B's terms), shared by the types that show them
// (Session.assuranceLevel, Project.mfaPolicy) and the inputs that ask for them (authenticateSession).
import { registerEnumType } from 'type-graphql';
import type { AssuranceLevel, MfaPolicy } from '../constants/assurance.constants';

/** `AssuranceLevel { AAL1 AAL2 }`: each value is its own name. */
export const AssuranceLevelEnum: { readonly [L in AssuranceLevel]: L } = { AAL1: 'AAL1', AAL2: 'AAL2' };

/** `MfaPolicy { OPTIONAL REQUIRED }`. */
export const MfaPolicyEnum: { readonly [P in MfaPolicy]: P } = { OPTIONAL: 'OPTIONAL', REQUIRED: 'REQUIRED' };

registerEnumType(AssuranceLevelEnum, {
  name: 'AssuranceLevel',
  description: 'NIST SP 800-63B authentication assurance level: AAL1 (one factor, e.g. createSession), AAL2 (a second factor proven: TOTP, recovery code, or a remembered device where the project counts it).',
});

registerEnumType(MfaPolicyEnum, {
  name: 'MfaPolicy',
  description: "A project's MFA policy: OPTIONAL, or REQUIRED (sessions below AAL2 may only enroll, verify, recover or sign out).",
});
