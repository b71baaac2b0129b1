// The rows of a runs table: a checkbox to pick runs to compare, the name (display name, else id) and notes and
// the tags edited in place, state, creation time, the picked config and summary columns, and delete with a
// confirmation on the page itself. Every user string is text.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Link } from "../Link";
import { ErrorBox } from "../Status";
import { formatTime } from "../../format";
import { show } from "../../json";
import { path } from "../../router";
import { deleteRun, editRun } from "./edits";
import { InlineEdit } from "./InlineEdit";
import { TagsEdit } from "./TagsEdit";
import { columnId, type Column, type Row } from "./rows";

export interface Selection {
  picked: Set<string>;
  toggle: (run: string, on: boolean) => void;
}

function DeleteButton(props: { run: string; readOnly: boolean; remove: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (props.readOnly) return null;
  if (!asking) {
    return (
      <button type="button" class="small delete" onClick={() => setAsking(true)}>
        Delete
      </button>
    );
  }
  const confirm = () => props.remove().catch((failure: Error) => setError(failure.message));
  return (
    <span class="confirm-delete">
      Delete run <b>{props.run}</b> and its history?{" "}
      <button type="button" class="small danger" onClick={confirm}>
        Delete
      </button>
      <button type="button" class="small" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error && <ErrorBox error={error} />}
    </span>
  );
}

export function RunsTable(props: {
  entity: string;
  project: string;
  rows: Row[];
  columns: Column[];
  selection: Selection;
  /** Settles once the changed runs have been read again. */
  onChanged: () => Promise<void>;
  /** Header cells for the picked columns and the fixed ones, with sorting where the page offers it. */
  header: (label: string, sort: string | null) => ComponentChildren;
  columnHeader?: (column: Column) => ComponentChildren;
  class?: string;
}) {
  const { entity, project } = props;
  const change = (run: string, edit: Parameters<typeof editRun>[1]) => editRun({ entity, project, run }, edit).then(props.onChanged);
  return (
    <table class={`grid ${props.class ?? "runs-table"}`}>
      <thead>
        <tr>
          {props.header("Name", "display_name")}
          {props.header("State", "state")}
          {props.header("Created", "created")}
          {props.header("Tags", null)}
          {props.columns.map((column) => (props.columnHeader ? props.columnHeader(column) : <th key={columnId(column)}>{column.source}.{column.key}</th>))}
          <th />
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ run, config, summary }) => (
          <tr key={run.name} data-run={run.name} class={props.selection.picked.has(run.name) ? "picked" : undefined}>
            <td class="name-cell">
              <input
                type="checkbox"
                class="pick"
                aria-label={`Select ${run.name}`}
                checked={props.selection.picked.has(run.name)}
                onChange={(event) => props.selection.toggle(run.name, (event.target as HTMLInputElement).checked)}
              />
              <InlineEdit label="name" text={run.displayName ?? ""} readOnly={run.readOnly} save={(text) => change(run.name, { displayName: text })}>
                <Link href={path(entity, project, "runs", run.name)} class="run-link" title={run.displayName || run.name}>
                  {run.displayName || run.name}
                </Link>
              </InlineEdit>
              <div class="notes">
                <InlineEdit label="notes" multiline text={run.notes ?? ""} readOnly={run.readOnly} save={(text) => change(run.name, { notes: text })}>
                  <span class="notes-text">{run.notes ?? ""}</span>
                </InlineEdit>
              </div>
            </td>
            <td>
              <span class={`state state-${run.state}`}>{run.state}</span>
            </td>
            <td>{formatTime(run.createdAt)}</td>
            <td class="tags-cell">
              <TagsEdit tags={run.tags} readOnly={run.readOnly} save={(tags) => change(run.name, { tags })} />
            </td>
            {props.columns.map((column) => (
              <td key={columnId(column)}>{show((column.source === "config" ? config : summary)[column.key])}</td>
            ))}
            <td class="actions">
              <DeleteButton run={run.name} readOnly={run.readOnly} remove={() => deleteRun(run).then(props.onChanged)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
