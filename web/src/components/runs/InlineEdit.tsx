// A value edited in place: shown as text with an edit button; the button swaps in a field that saves on Enter
// (or Save) and gives up on Escape (or Cancel). A multi-line value (notes) gets a text area, where Enter is a
// line break and Ctrl/Cmd+Enter saves. A refused save keeps the field open with the server's reason.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

/** Focus a field when it appears, not on every render (which would move the caret in a text area). */
export function focusOnce(field: HTMLInputElement | HTMLTextAreaElement | null): void {
  if (field && field.dataset.focused === undefined) {
    field.dataset.focused = "";
    field.focus();
  }
}

export function InlineEdit(props: {
  label: string;
  text: string;
  save: (text: string) => Promise<void>;
  readOnly?: boolean;
  multiline?: boolean;
  children: ComponentChildren;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (draft === null) {
    return (
      <span class="inline-edit">
        {props.children}
        {!props.readOnly && (
          <button type="button" class="edit" title={`Edit ${props.label}`} aria-label={`Edit ${props.label}`} onClick={() => setDraft(props.text)}>
            ✎
          </button>
        )}
      </span>
    );
  }
  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    props.save(draft).then(
      () => {
        setBusy(false);
        setError(null);
        setDraft(null);
      },
      (failure: Error) => {
        setBusy(false);
        setError(failure.message);
      },
    );
  };
  return (
    <form class="inline-edit editing" onSubmit={submit}>
      {props.multiline ? (
        <textarea
          aria-label={props.label}
          value={draft}
          disabled={busy}
          rows={Math.min(8, Math.max(2, draft.split("\n").length))}
          ref={focusOnce}
          onInput={(event) => setDraft((event.target as HTMLTextAreaElement).value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setDraft(null);
            else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit(event);
          }}
        />
      ) : (
        <input
          aria-label={props.label}
          value={draft}
          disabled={busy}
          ref={focusOnce}
          onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
          onKeyDown={(event) => event.key === "Escape" && setDraft(null)}
        />
      )}
      <button type="submit" class="small" disabled={busy}>
        Save
      </button>
      <button type="button" class="small" onClick={() => setDraft(null)}>
        Cancel
      </button>
      {error && <span class="error">{error}</span>}
    </form>
  );
}
