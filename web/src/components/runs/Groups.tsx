// Runs grouped by a config key, their state or their tags: the server counts the runs of each value under the
// table's filter (Project.runGroups; a run with several tags counts under each), and opening a group lists its
// runs, found by the filter narrowed to the value. The URL's group= holds the config key, or $state or $tags.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { gql } from "../../api";
import type { RunGroupsQuery, RunGroupsQueryVariables } from "../../generated/graphql";
import { useLoad } from "../../hooks";
import { parseJson, show, type Json, type JsonObject } from "../../json";
import tableDocument from "../../queries/runs-table.graphql?raw";
import { ErrorBox, Loading } from "../Status";
import { narrow } from "./filters";
import { loadRuns, type Column } from "./rows";
import { RunsTable, type Selection } from "./RunsTable";

const MAX_GROUPS = 200;
/** group= values that group by a run field rather than a config key. */
export const GROUP_FIELDS: Record<string, "state" | "tags"> = { $state: "state", $tags: "tags" };

/** What a group= value groups by, as the table's tools name it. */
export function groupLabel(key: string): string {
  return GROUP_FIELDS[key] ?? `config.${key}`;
}
const GROUP_PAGE = 50;

interface GroupsProps {
  entity: string;
  project: string;
  /** The table's filter (parsed), which each group narrows. */
  filter: JsonObject | null;
  key_: string;
  order: string;
  columns: Column[];
  selection: Selection;
  /** Changes when a run was changed, so that counts and open groups are read again. */
  version: number;
  /** Settles once the changed runs have been read again. */
  onChanged: () => Promise<void>;
  /** Shows a group's runs in the main table: its filter becomes the table's. */
  onFilter: (filter: JsonObject) => void;
  header: (label: string, sort: string | null) => ComponentChildren;
}

/** The filter that lists one group's runs. */
export function groupFilter(filter: JsonObject | null, key: string, value: Json): JsonObject {
  const field = GROUP_FIELDS[key];
  if (field === "tags") return narrow(filter, { tags: value === null ? { $size: 0 } : value });
  return narrow(filter, { [field ?? `config.${key}`]: value });
}

async function loadGroups(props: GroupsProps) {
  const data = await gql<RunGroupsQuery, RunGroupsQueryVariables>(tableDocument, "RunGroups", {
    entityName: props.entity,
    project: props.project,
    key: GROUP_FIELDS[props.key_] ? null : props.key_,
    by: GROUP_FIELDS[props.key_] ?? "config",
    filters: props.filter ? JSON.stringify(props.filter) : null,
    first: MAX_GROUPS,
  });
  if (!data.project) throw new Error(`No project ${props.entity}/${props.project}, or you may not see it.`);
  return data.project.runGroups;
}

function GroupRuns(props: GroupsProps & { value: Json }) {
  const filters = JSON.stringify(groupFilter(props.filter, props.key_, props.value));
  const loaded = useLoad(
    () => loadRuns(props.entity, props.project, { filters, order: props.order, first: GROUP_PAGE, after: null }),
    [filters, props.order, props.version],
  );
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { rows, totalCount } = loaded.value;
  return (
    <div class="group-body">
      <RunsTable {...props} rows={rows} class="group-runs" />
      {totalCount > rows.length && (
        <p class="more">
          {rows.length} of {totalCount} shown.{" "}
          <button type="button" class="small" onClick={() => props.onFilter(groupFilter(props.filter, props.key_, props.value))}>
            Show all in the table
          </button>
        </p>
      )}
    </div>
  );
}

export function Groups(props: GroupsProps) {
  const loaded = useLoad(() => loadGroups(props), [JSON.stringify(props.filter), props.key_, props.version]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const toggle = (value: string) => {
    const next = new Set(open);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    setOpen(next);
  };
  return (
    <div class="groups" data-key={props.key_}>
      {loaded.value.groups.map((group) => {
        const value = parseJson(group.value);
        const shown = value === null ? "(none)" : show(value);
        return (
          <section key={group.value} class={`group${open.has(group.value) ? " open" : ""}`} data-value={group.value}>
            <button type="button" class="group-head" aria-expanded={open.has(group.value)} onClick={() => toggle(group.value)}>
              <span class="arrow">{open.has(group.value) ? "▾" : "▸"}</span> {groupLabel(props.key_)}: <span class="group-value">{shown}</span>{" "}
              <span class="group-count">{group.count}</span> runs
            </button>
            {open.has(group.value) && <GroupRuns {...props} value={value} />}
          </section>
        );
      })}
      {loaded.value.hasMore && <p class="more">Only the {MAX_GROUPS} largest groups are shown; narrow the filter to see others.</p>}
    </div>
  );
}
