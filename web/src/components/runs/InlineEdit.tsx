// A value edited in place: shown as text with an edit button; the button swaps in a field that saves on Enter
// (or Save) and gives up on Escape (or Cancel). A refused save keeps the field open with the server's reason.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

export function InlineEdit(props: {
  label: string;
  text: string;
  save: (text: string) => Promise<void>;
  readOnly?: boolean;
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
      <input
        aria-label={props.label}
        value={draft}
        disabled={busy}
        ref={(input) => input?.focus()}
        onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
        onKeyDown={(event) => event.key === "Escape" && setDraft(null)}
      />
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
