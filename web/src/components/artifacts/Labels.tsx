// Aliases and tags as chips, and an editor that saves each change at once (the server checks every name).
import { useState } from "preact/hooks";

const LATEST = "latest"; // the server keeps it on the newest version itself

/** Aliases or tags as chips (class "alias" or "tag"). */
export function Chips(props: { kind: "alias" | "tag"; values: string[] }) {
  return (
    <span class="chips">
      {props.values.map((value) => (
        <span key={value} class={props.kind}>{value}</span>
      ))}
    </span>
  );
}

export interface LabelEditorProps {
  /** "alias" or "tag": names the inputs (aria-label) and the chips' class. */
  kind: "alias" | "tag";
  values: string[];
  /** Saves the complete new list and answers the list the server kept. */
  save: (values: string[]) => Promise<string[]>;
}

export function LabelEditor(props: LabelEditorProps) {
  const [values, setValues] = useState(props.values);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const commit = async (next: string[]) => {
    setBusy(true);
    setError(null);
    try {
      // Only the alias latest is the server's to move; a tag may be called latest like any other.
      setValues(await props.save(props.kind === "alias" ? next.filter((value) => value !== LATEST) : next));
      setDraft("");
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  const add = (event: Event) => {
    event.preventDefault();
    const value = draft.trim();
    if (value !== "" && !values.includes(value)) void commit([...values, value]);
  };

  return (
    <div class={`label-editor ${props.kind}-editor`}>
      <span class="chips">
        {values.map((value) => (
          <span key={value} class={props.kind} data-value={value}>
            {value}
            {!(props.kind === "alias" && value === LATEST) && (
              <button
                type="button"
                class="remove"
                aria-label={`remove ${props.kind} ${value}`}
                disabled={busy}
                onClick={() => void commit(values.filter((other) => other !== value))}
              >
                ×
              </button>
            )}
          </span>
        ))}
      </span>
      <form class="add-label" onSubmit={add}>
        <input
          type="text"
          aria-label={`new ${props.kind}`}
          value={draft}
          disabled={busy}
          onInput={(event) => setDraft((event.target as HTMLInputElement).value)}
        />
        <button type="submit" class="small" disabled={busy || draft.trim() === ""}>
          Add {props.kind}
        </button>
      </form>
      {error && <p class="error">{error}</p>}
    </div>
  );
}
