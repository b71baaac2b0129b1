import { useState } from "preact/hooks";

export interface Action {
  busy: boolean;
  error: Error | null;
  /** Do `work` once (a second click while it runs does nothing); a failure is kept in `error` for the page to show. */
  run: (work: () => Promise<void>) => Promise<void>;
}

/** A button's request to the server, with its busy state and the server's error. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = async (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
