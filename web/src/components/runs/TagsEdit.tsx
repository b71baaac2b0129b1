// A run's tags edited in place as separate items: chips with a remove button and a field that adds one tag as
// typed (commas and all), so no tag is ever split or joined. Save sends the new list only if it changed.
import { useState } from "preact/hooks";
import { focusOnce } from "./InlineEdit";

function Chips(props: { tags: string[]; remove?: (tag: string) => void }) {
  return (
    <>
      {props.tags.map((tag) => (
        <span key={tag} class="tag" title={tag} data-tag={tag}>
          <span class="tag-text">{tag}</span>
          {props.remove && (
            <button type="button" class="remove" aria-label={`remove tag ${tag}`} onClick={() => props.remove?.(tag)}>
              ×
            </button>
          )}
        </span>
      ))}
    </>
  );
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

export function TagsEdit(props: { tags: string[]; readOnly?: boolean; save: (tags: string[]) => Promise<void> }) {
  const [draft, setDraft] = useState<string[] | null>(null);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    setDraft(null);
    setTyped("");
    setError(null);
  };
  if (draft === null) {
    return (
      <span class="inline-edit tags-edit">
        <Chips tags={props.tags} />
        {!props.readOnly && (
          <button type="button" class="edit" title="Edit tags" aria-label="Edit tags" onClick={() => setDraft(props.tags)}>
            ✎
          </button>
        )}
      </span>
    );
  }
  const save = (tags: string[]) => {
    if (same(tags, props.tags)) {
      close();
      return;
    }
    setBusy(true);
    props.save(tags).then(
      () => {
        setBusy(false);
        close();
      },
      (failure: Error) => {
        setBusy(false);
        setError(failure.message);
      },
    );
  };
  const withTyped = (): string[] => {
    const tag = typed.trim();
    return tag === "" || draft.includes(tag) ? draft : [...draft, tag];
  };
  // Enter with a tag typed adds it; Enter on an empty field saves.
  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (typed.trim() === "") save(draft);
    else {
      setDraft(withTyped());
      setTyped("");
    }
  };
  return (
    <form class="inline-edit editing tags-edit" onSubmit={submit}>
      <Chips tags={draft} remove={(tag) => setDraft(draft.filter((other) => other !== tag))} />
      <input
        aria-label="new tag"
        placeholder="add a tag"
        value={typed}
        disabled={busy}
        ref={focusOnce}
        onInput={(event) => setTyped((event.target as HTMLInputElement).value)}
        onKeyDown={(event) => event.key === "Escape" && close()}
      />
      <button type="button" class="small" disabled={busy} onClick={() => save(withTyped())}>
        Save
      </button>
      <button type="button" class="small" onClick={close}>
        Cancel
      </button>
      {error && <span class="error">{error}</span>}
    </form>
  );
}
