// Confirmation of a destructive action in a modal <dialog> (HTML's: focus moves into it, the rest of
// the page is inert, Escape cancels, focus returns to the button that opened it; WAI-ARIA APG
// "Dialog (Modal)"). Focus starts on Cancel, so Enter never confirms by accident.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

export interface ConfirmRequest {
  readonly title: string;
  readonly body: ReactNode;
  /** The confirming button's text, naming the action ("Revoke session"). */
  readonly confirmLabel: string;
}

interface Pending extends ConfirmRequest {
  readonly resolve: (confirmed: boolean) => void;
}

/** `[dialog, confirm]`: render `dialog` once; `await confirm(request)` is true only when confirmed. */
export function useConfirm(): [ReactNode, (request: ConfirmRequest) => Promise<boolean>] {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback((request: ConfirmRequest) => new Promise<boolean>((resolve) => setPending({ ...request, resolve })), []);
  const settle = (confirmed: boolean) => {
    pending?.resolve(confirmed);
    setPending(null);
  };
  return [pending ? <ConfirmDialog request={pending} onSettle={settle} /> : null, confirm];
}

/** The dialog's returnValue when confirmed (HTML `dialog.close(returnValue)`); Cancel and Escape leave another. */
const CONFIRMED = 'confirmed';

function ConfirmDialog({ request, onSettle }: { request: ConfirmRequest; onSettle: (confirmed: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Closing a modal dialog gives focus back to its opener (HTML "dialog focusing steps"); this is the
    // fallback for a dialog removed while open.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.current?.open) dialog.current?.showModal();
    cancel.current?.focus();
    return () => {
      if (opener?.isConnected && document.activeElement === document.body) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      data-testid="confirm-dialog"
      onClose={(e) => onSettle(e.currentTarget.returnValue === CONFIRMED)}
    >
      <h2 id="confirm-title">{request.title}</h2>
      <div id="confirm-body">{request.body}</div>
      <div className="actions">
        <button type="button" ref={cancel} onClick={() => dialog.current?.close()} data-testid="confirm-cancel">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => dialog.current?.close(CONFIRMED)} data-testid="confirm-ok">
          {request.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
