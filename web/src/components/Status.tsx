import type { ApiError } from "../api";

/** A failed request, said plainly: never a blank page. */
export function ErrorBox(props: { error: Error | ApiError | string }) {
  const message = typeof props.error === "string" ? props.error : props.error.message;
  return (
    <p class="error" role="alert">
      {message}
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
