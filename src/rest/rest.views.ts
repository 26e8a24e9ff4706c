// Stytch's snake_case shapes of users, sessions and TOTP results, built from the same entities the
// GraphQL resolvers return.
import type { User } from '../users/user.entity';
import type { Session } from '../sessions/session.entity';
import { stytchFactor } from '../sessions/session-jwt.signer';
import type { AuthenticatePayload, TotpRecoveryCodes } from '../totp/totp.types';
import type { RememberedDevice } from '../remembered-devices/remembered-device.entity';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function userView(user: User) {
  return {
    user_id: user.userId,
    emails: user.emails.map((e) => ({ email_id: `email-${user.userId.slice('user-'.length)}`, email: e.email, verified: e.verified })),
    phone_numbers: user.phoneNumbers.map((p) => ({ phone_id: `phone-number-${user.userId.slice('user-'.length)}`, phone_number: p.phoneNumber, verified: p.verified })),
    name: { first_name: user.firstName ?? '', middle_name: user.middleName ?? '', last_name: user.lastName ?? '' },
    status: user.status,
    external_id: user.externalId ?? '',
    trusted_metadata: user.trustedMetadata,
    untrusted_metadata: user.untrustedMetadata,
    totps: (user.totps ?? []).map((t) => ({ totp_id: t.totpId, verified: t.verified })),
    providers: [],
    webauthn_registrations: [],
    crypto_wallets: [],
    biometric_registrations: [],
    roles: [],
    password: null,
    is_locked: user.isLocked,
    lock_expires_at: iso(user.lockExpiresAt),
    // null while is_locked is true: locked until unlocked (POST /v1/users/:user_id/unlock).
    locked_until: iso(user.lockedUntil),
    consecutive_failures: user.consecutiveFailures,
    created_at: iso(user.createdAt),
  };
}

export function sessionView(session: Session) {
  return {
    session_id: session.sessionId,
    user_id: session.userId,
    started_at: iso(session.startedAt),
    last_accessed_at: iso(session.lastAccessedAt),
    expires_at: iso(session.expiresAt),
    attributes: { ip_address: '', user_agent: '' },
    authentication_factors: session.authenticationFactors.map(stytchFactor),
    custom_claims: session.customClaims,
    roles: [],
    assurance_level: session.assuranceLevel,
  };
}

/** Stytch answers `null` / "" (never absent) when no session was requested. */
export async function authenticateView(result: AuthenticatePayload) {
  return {
    user_id: result.userId,
    totp_id: result.totpId,
    user: userView(await result.user),
    session: result.session ? sessionView(result.session) : null,
    session_token: result.sessionToken ?? '',
    session_jwt: result.sessionJwt ?? '',
    device_token: result.deviceToken ?? null,
    remembered_device_id: result.rememberedDeviceId ?? null,
  };
}

export function rememberedDeviceView(device: RememberedDevice) {
  return {
    remembered_device_id: device.rememberedDeviceId,
    user_id: device.userId,
    user_agent: device.userAgent,
    created_at: iso(device.createdAt),
    last_used_at: iso(device.lastUsedAt),
    expires_at: iso(device.expiresAt),
  };
}

export function recoveryCodesView(userId: string, totps: TotpRecoveryCodes[]) {
  return {
    user_id: userId,
    totps: totps.map((t) => ({ totp_id: t.totpId, verified: t.verified, recovery_codes: t.recoveryCodes, remaining: t.remaining })),
  };
}
