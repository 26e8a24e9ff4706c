import type { Failure } from '../api';

/** A refusal shown where it happened: the gateway's error code, then its message (read out at once). */
export function ErrorNote({ failure }: { failure: Failure | null }) {
  if (!failure) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      <strong data-testid="error-code">{failure.code}</strong> <span>{failure.message}</span>
    </p>
  );
}
