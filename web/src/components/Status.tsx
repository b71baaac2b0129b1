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
