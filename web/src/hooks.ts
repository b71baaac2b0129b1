import { useEffect, useState } from "preact/hooks";

export type Loaded<T> = { state: "loading" } | { state: "done"; value: T } | { state: "failed"; error: Error };

/** How to load again what failed with an error (its Retry button, see ErrorBox). */
export const retries = new WeakMap<Error, () => void>();

/** Load something when its inputs change; an answer that arrives after they changed again is dropped. A failure
 * can be retried (retries): the same load runs again. */
export function useLoad<T>(load: () => Promise<T>, inputs: unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    load().then(
      (value) => live && setLoaded({ state: "done", value }),
      (failure: unknown) => {
        if (!live) return;
        const error = failure instanceof Error ? failure : new Error(String(failure));
        retries.set(error, () => setAttempt((n) => n + 1));
        setLoaded({ state: "failed", error });
      },
    );
    return () => {
      live = false;
    };
  }, [...inputs, attempt]);
  return loaded;
}

/** One page of a cursor connection, as a list of nodes. */
export interface Page<Node> {
  nodes: Node[];
  totalCount: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A GraphQL connection's page as a Page. */
export function pageOf<Node>(connection: {
  totalCount: number;
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  edges: { node: Node }[];
}): Page<Node> {
  return { nodes: connection.edges.map((edge) => edge.node), totalCount: connection.totalCount, ...connection.pageInfo };
}

export interface Pages<Node> {
  nodes: Node[];
  totalCount: number;
  hasNextPage: boolean;
  loading: boolean;
  error: Error | null;
  /** Load the next page after the last one shown (nothing while one is loading). */
  more: () => void;
}

/** A long list shown a page at a time: the first page as the view loaded it, each next one by its cursor on demand.
 * Give the component using it a key per list, so that another run's list starts again from its own first page. */
export function usePages<Node>(first: Page<Node>, next: (after: string) => Promise<Page<Node>>): Pages<Node> {
  const [pages, setPages] = useState<Page<Node>[]>([first]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const last = pages[pages.length - 1] ?? first;
  const more = () => {
    if (loading || !last.hasNextPage || last.endCursor === null) return;
    setLoading(true);
    setError(null);
    next(last.endCursor).then(
      (page) => {
        setPages((shown) => [...shown, page]);
        setLoading(false);
      },
      (failure: unknown) => {
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        setLoading(false);
      },
    );
  };
  return { nodes: pages.flatMap((page) => page.nodes), totalCount: last.totalCount, hasNextPage: last.hasNextPage, loading, error, more };
}
