import { GatewayClient } from '../../client';
import { enroll, verify } from './two-factor';

const gateway = new GatewayClient({ url: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000', projectId: process.env.PROJECT_ID, secret: process.env.SECRET });

/** Your sign-up page: shows the QR code and recovery codes, asks for the code the user typed, shows an error by its code. */
export interface SignUpPage {
  render(qrCode: string, recoveryCodes: readonly string[]): void;
  askCode(): Promise<string>;
  showError(code: string): void;
}

/** Enrolls `email` and signs in with the code the user types: the session JWT, or null once the error is shown. */
export async function signUp(email: string, page: SignUpPage): Promise<string | null> {
  const enrolled = await enroll(gateway, email);
  if (!enrolled.ok) return (page.showError(enrolled.code), null); // e.g. DUPLICATE_EMAIL
  page.render(enrolled.qrCode, enrolled.recoveryCodes);
  const login = await verify(gateway, enrolled.userId, await page.askCode());
  if (!login.ok) return (page.showError(login.code), null); // e.g. UNABLE_TO_AUTHENTICATE_TOTP: ask again
  return login.sessionJwt;
}
