// Loading a page's data and acting on it, with the gateway's refusals kept for an ErrorNote.
import { useCallback, useEffect, useRef, useState } from 'react';
import { failureOf, type Failure } from './api';

export interface Loaded<T> {
  readonly data: T | null;
  readonly failure: Failure | null;
  readonly reload: () => Promise<void>;
}

/** Runs `load` now and whenever `key` changes; `reload` runs it again (after an action). */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  // `key` names everything `load` reads, so a new `load` closure alone does not reload.
  // Only the latest load's answer is shown (an earlier, slower one for another key is dropped).
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const loaded = await load();
      if (ticket !== latest.current) return;
      setData(loaded);
      setFailure(null);
    } catch (error) {
      if (ticket === latest.current) setFailure(failureOf(error));
    }
  }, [key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, failure, reload };
}

/** `[failure, act]`: `act(fn)` runs an action, keeps its refusal (or clears the last one), and says whether it succeeded. */
export function useAction(): [Failure | null, (action: () => Promise<unknown>) => Promise<boolean>] {
  const [failure, setFailure] = useState<Failure | null>(null);
  const act = useCallback(async (action: () => Promise<unknown>) => {
    try {
      await action();
      setFailure(null);
      return true;
    } catch (error) {
      setFailure(failureOf(error));
      return false;
    }
  }, []);
  return [failure, act];
}
