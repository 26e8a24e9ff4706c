// A small typed client over the generated documents (codegen.yml): each call's variables and result
// are typed from schema/schema.graphql. Used by the integration tests over real HTTP, and by the
// browser demo (examples/web), so it uses only what both Node and browsers have (no Buffer).
import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export * from './generated/graphql';

export interface GatewayClientOptions {
  /** Base URL, e.g. http://127.0.0.1:4000 (the client posts to /graphql). */
  readonly url: string;
  readonly projectId?: string;
  readonly secret?: string;
  readonly headers?: Record<string, string>;
}

/**
 * `extensions` of every gateway error, for code that reads errors this client returns.
 * @public (part of the client's API, for its users; not used inside this repository)
 */
export interface GatewayErrorExtensions {
  readonly code: string;
  readonly errorType: string;
  readonly requestId?: string;
  readonly [key: string]: unknown;
}

export type GatewayFormattedError = GraphQLFormattedError & { readonly extensions: GatewayErrorExtensions };

export interface GatewayResponse<TData> {
  readonly status: number;
  readonly data: TData | null;
  readonly errors?: GatewayFormattedError[];
}

/** Thrown by `GatewayClient.data` when the response carries errors. */
export class GatewayRequestError extends Error {
  constructor(readonly status: number, readonly errors: GatewayFormattedError[]) {
    super(errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; '));
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** Base64 of the UTF-8 bytes of `text`: btoa takes only Latin-1, so encode to bytes first. */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const printed = new WeakMap<DocumentNode, string>();

export class GatewayClient {
  constructor(private readonly options: GatewayClientOptions) {}

  /** A client for the same server with other credentials or headers. */
  with(options: Partial<GatewayClientOptions>): GatewayClient {
    return new GatewayClient({ ...this.options, ...options });
  }

  get authorization(): string | undefined {
    const { projectId, secret } = this.options;
    return projectId === undefined ? undefined : 'Basic ' + base64(`${projectId}:${secret ?? ''}`);
  }

  async request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<GatewayResponse<TData>> {
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    const response = await fetch(`${this.options.url}/graphql`, {
      method: 'POST',
      // Credentials are headers, never cookies: the gateway's CORS answers allow no credentials.
      credentials: 'omit',
      headers: {
        'content-type': 'application/json',
        ...(this.authorization && { authorization: this.authorization }),
        ...this.options.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: TData | null; errors?: GatewayFormattedError[] };
    return { status: response.status, data: body.data ?? null, ...(body.errors && { errors: body.errors }) };
  }

  /** The data of a successful response; throws GatewayRequestError otherwise. */
  async data<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
    const response = await this.request(document, variables);
    if (response.errors?.length || !response.data) throw new GatewayRequestError(response.status, response.errors ?? []);
    return response.data;
  }
}
