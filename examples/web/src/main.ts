// The demo page. The demo backend (../server.mjs) checks the password, the first factor, and hands
// this page a gateway session plus the project's public token. From then on the page talks to the
// gateway directly (another origin, so CORS is exercised for real) as a session caller, with the
// typed documents that codegen.yml generates from client/operations/*.graphql.
import {
  AuthenticateTotpDocument,
  CreateTotpDocument,
  GatewayClient,
  MeDocument,
  RecoverTotpDocument,
  RevokeSessionDocument,
  type GatewayFormattedError,
  type GatewayResponse,
  type SessionFieldsFragment,
} from '../../../client';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** What POST /api/sign-in on the demo backend answers. */
interface SignIn {
  readonly userId: string;
  /** The opaque session token: the page's credential for as long as the session lives. */
  readonly sessionToken: string;
  /** A short-lived JWT of the same session; the page hands it to the backend to prove its factors. */
  readonly sessionJwt: string;
  readonly publicToken: string;
  readonly gatewayUrl: string;
}

/** An error shown on the page: the gateway's `extensions.code`, or the demo backend's own code. */
interface Failure {
  readonly code: string;
  readonly message: string;
}

class PageError extends Error {
  constructor(readonly failure: Failure) {
    super(`${failure.code}: ${failure.message}`);
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

function testId<T extends HTMLElement>(id: string): T {
  const element = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`index.html has no [data-testid="${id}"]`);
  return element;
}

const ui = {
  error: byId<HTMLElement>('error'),
  errorCode: testId<HTMLElement>('error-code'),
  errorMessage: testId<HTMLElement>('error-message'),
  status: byId<HTMLParagraphElement>('status'),
  signInForm: byId<HTMLFormElement>('sign-in'),
  signedIn: byId<HTMLDivElement>('signed-in'),
  userId: testId<HTMLElement>('user-id'),
  factors: byId<HTMLUListElement>('factors'),
  enrollment: byId<HTMLElement>('enrollment'),
  enrolled: byId<HTMLParagraphElement>('enrolled'),
  qr: byId<HTMLImageElement>('totp-qr'),
  secret: byId<HTMLElement>('totp-secret'),
  recoveryCodes: byId<HTMLOListElement>('recovery-codes'),
  verifyForm: byId<HTMLFormElement>('verify'),
  recoverForm: byId<HTMLFormElement>('recover'),
  checkBackend: byId<HTMLButtonElement>('check-backend'),
  backendVerdict: byId<HTMLPreElement>('backend-verdict'),
  signOut: byId<HTMLButtonElement>('sign-out'),
};

/** The signed-in state: who, the gateway client carrying the session, and the latest JWT. */
let current: { userId: string; gateway: GatewayClient; sessionJwt: string } | null = null;

function showError(failure: Failure | null): void {
  ui.error.hidden = failure === null;
  ui.errorCode.textContent = failure?.code ?? '';
  ui.errorMessage.textContent = failure?.message ?? '';
}

function showStatus(text: string | null): void {
  ui.status.hidden = text === null;
  ui.status.textContent = text ?? '';
}

function showFactors(session: Pick<SessionFieldsFragment, 'authenticationFactors'>): void {
  ui.factors.replaceChildren(
    ...session.authenticationFactors.map((factor) => {
      const item = document.createElement('li');
      item.dataset.testid = 'factor';
      item.dataset.type = factor.type;
      item.dataset.deliveryMethod = factor.deliveryMethod;
      item.textContent = `${factor.type} (${factor.deliveryMethod}) at ${factor.lastAuthenticatedAt}`;
      return item;
    }),
  );
}

/** The data of a gateway response, or a PageError carrying the first error's code and message. */
function dataOf<T>(response: GatewayResponse<T>): T {
  const error: GatewayFormattedError | undefined = response.errors?.[0];
  if (error) throw new PageError({ code: error.extensions?.code ?? 'UNKNOWN', message: error.message });
  if (!response.data) throw new PageError({ code: 'UNKNOWN', message: `The gateway answered HTTP ${response.status} without data.` });
  return response.data;
}

/** Sends one typed operation as the session caller; a network or CORS failure becomes a PageError too. */
async function send<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
  if (!current) throw new PageError({ code: 'NOT_SIGNED_IN', message: 'Sign in first.' });
  let response: GatewayResponse<TData>;
  try {
    response = await current.gateway.request(document, variables);
  } catch (error) {
    // fetch rejects without detail on a CORS refusal; say what to check.
    throw new PageError({
      code: 'NETWORK_ERROR',
      message: `The gateway did not answer (${String(error)}). Is this page's origin, ${location.origin}, in the project's allowed origins?`,
    });
  }
  return dataOf(response);
}

/** Runs one user action: clears the last error, shows the failure if there is one. */
function action(run: () => Promise<void>): () => void {
  return () => {
    showError(null);
    showStatus(null);
    run().catch((error: unknown) => {
      showError(error instanceof PageError ? error.failure : { code: 'UNEXPECTED', message: String(error) });
    });
  };
}

function onSubmit(form: HTMLFormElement, run: (fields: FormData) => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    action(() => run(new FormData(form)))();
  });
}

/** Calls the demo backend (same origin as this page); its failures are `{ error: { code, message } }`. */
async function callBackend<T>(path: string, init: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const failure = (body as { error?: Failure } | null)?.error;
    throw new PageError(failure ?? { code: `HTTP_${response.status}`, message: `The demo backend answered ${response.status} ${response.statusText}.` });
  }
  return body as T;
}

onSubmit(ui.signInForm, async (fields) => {
  const signIn = await callBackend<SignIn>('/api/sign-in', {
    method: 'POST',
    body: JSON.stringify({ email: fields.get('email'), password: fields.get('password') }),
  });
  current = {
    userId: signIn.userId,
    sessionJwt: signIn.sessionJwt,
    // A session caller: the public token names the project, the bearer names the session. The
    // opaque token outlives the 5-minute JWT, so it is the page's credential.
    gateway: new GatewayClient({
      url: signIn.gatewayUrl,
      headers: { 'x-public-token': signIn.publicToken, authorization: `Bearer ${signIn.sessionToken}` },
    }),
  };
  const { me } = await send(MeDocument, {});
  ui.userId.textContent = me.userId;
  showFactors(me.session);
  ui.signInForm.hidden = true;
  ui.signedIn.hidden = false;

  if (me.user.totps.some((totp) => totp.verified)) {
    ui.enrolled.hidden = false;
    return;
  }
  const { createTotp } = await send(CreateTotpDocument, { input: { userId: me.userId } });
  ui.secret.textContent = createTotp.secret;
  ui.qr.src = createTotp.qrCode;
  ui.recoveryCodes.replaceChildren(
    ...createTotp.recoveryCodes.map((code) => {
      const item = document.createElement('li');
      item.dataset.testid = 'recovery-code';
      item.textContent = code;
      return item;
    }),
  );
  ui.enrollment.hidden = false;
});

onSubmit(ui.verifyForm, async (fields) => {
  const userId = current?.userId ?? '';
  const { authenticateTotp } = await send(AuthenticateTotpDocument, { input: { userId, totpCode: String(fields.get('code')).trim() } });
  afterSecondFactor(authenticateTotp, 'TOTP code accepted: the session now has the totp factor.');
  ui.verifyForm.reset();
});

onSubmit(ui.recoverForm, async (fields) => {
  const userId = current?.userId ?? '';
  const { recoverTotp } = await send(RecoverTotpDocument, { input: { userId, recoveryCode: String(fields.get('code')).trim() } });
  afterSecondFactor(recoverTotp, 'Recovery code accepted (it cannot be used again).');
  ui.recoverForm.reset();
});

function afterSecondFactor(payload: { session?: SessionFieldsFragment | null; sessionJwt?: string | null }, status: string): void {
  if (payload.session) showFactors(payload.session);
  if (payload.sessionJwt && current) current.sessionJwt = payload.sessionJwt;
  showStatus(status);
}

ui.checkBackend.addEventListener(
  'click',
  action(async () => {
    const verdict = await callBackend<unknown>('/api/protected', {
      method: 'POST',
      headers: { authorization: `Bearer ${current?.sessionJwt ?? ''}` },
    });
    ui.backendVerdict.textContent = JSON.stringify(verdict, null, 2);
    ui.backendVerdict.hidden = false;
  }),
);

ui.signOut.addEventListener(
  'click',
  action(async () => {
    // Empty input: a session caller revokes the session it is calling with.
    await send(RevokeSessionDocument, { input: {} });
    current = null;
    ui.signedIn.hidden = true;
    ui.enrollment.hidden = true;
    ui.enrolled.hidden = true;
    ui.backendVerdict.hidden = true;
    ui.signInForm.hidden = false;
    showStatus('Signed out: the gateway revoked the session.');
  }),
);
