import type { ApiError } from "../api";
import { retries } from "../hooks";

/** A failed request, said plainly: never a blank page. A failed load (useLoad) can be tried again. */
export function ErrorBox(props: { error: Error | ApiError | string; retry?: () => void }) {
  const message = typeof props.error === "string" ? props.error : props.error.message;
  const retry = props.retry ?? (typeof props.error === "string" ? undefined : retries.get(props.error));
  return (
    <p class="error" role="alert">
      {message}
      {retry && (
        <>
          {" "}
          <button type="button" class="small retry" onClick={retry}>
            Retry
          </button>
        </>
      )}
    </p>
  );
}

export function Loading() {
  return <p class="loading">Loading…</p>;
}

/** What a page shows of something the viewer may not see, in the same words whether or not it exists. */
export function NothingVisible() {
  return <p class="empty nothing-visible">Nothing here that you can see.</p>;
}
