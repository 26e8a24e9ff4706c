// The console's one way to the gateway: the typed client (client/index.ts) with the project id and
// secret the operator typed in. They live only in React state (memory of this tab): never in
// localStorage, sessionStorage, cookies or the URL, so closing or reloading the tab forgets them.
import { createContext, useContext } from 'react';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GatewayClient, GatewayRequestError } from '../../client';

/** Calls one operation as the signed-in project; throws GatewayRequestError (its `code`) when refused. */
export type Run = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) => Promise<TData>;

/** A client for the gateway serving this page (same origin: the page is at /console/ beside /graphql). */
export function clientFor(projectId: string, secret: string): GatewayClient {
  const base = new URL('../', window.location.href).href.replace(/\/$/, '');
  return new GatewayClient({ url: base, projectId, secret });
}

export const ApiContext = createContext<Run | null>(null);

/** The signed-in project's `run`; only under the signed-in part of the page. */
export function useRun(): Run {
  const run = useContext(ApiContext);
  if (!run) throw new Error('useRun outside a signed-in console');
  return run;
}

/** What an error box shows: the gateway's code and message, or a network failure. */
export interface Failure {
  readonly code: string;
  readonly message: string;
}

export function failureOf(error: unknown): Failure {
  if (error instanceof GatewayRequestError) return { code: error.code ?? `HTTP_${error.status}`, message: error.errors[0]?.message ?? error.message };
  return { code: 'NETWORK_ERROR', message: error instanceof Error ? error.message : String(error) };
}
