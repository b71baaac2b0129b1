import { useEffect, useState } from "preact/hooks";

export type Loaded<T> = { state: "loading" } | { state: "done"; value: T } | { state: "failed"; error: Error };

/** Load something when its inputs change; an answer that arrives after they changed again is dropped. */
export function useLoad<T>(load: () => Promise<T>, inputs: unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    load().then(
      (value) => live && setLoaded({ state: "done", value }),
      (error: unknown) => live && setLoaded({ state: "failed", error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, inputs);
  return loaded;
}
