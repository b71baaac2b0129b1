// The runs table: the server filters (MongoDB-style, as the API's Project.runs), sorts and pages by cursor, so a
// project of 10,000+ runs loads one page at a time. Filter (raw, or built a condition at a time), order,
// columns, grouping and page live in the URL. Runs are edited and deleted in place, and picked to compare.
import { useEffect, useRef, useState } from "preact/hooks";
import { Link } from "../components/Link";
import { ErrorBox, Loading } from "../components/Status";
import { FilterBuilder } from "../components/runs/FilterBuilder";
import { narrow, parseFilter } from "../components/runs/filters";
import { GROUP_FIELDS, groupLabel, Groups } from "../components/runs/Groups";
import { RunsTable } from "../components/runs/RunsTable";
import { columnId, DOTTED, keysOf, loadProjectKeys, loadRuns, MissingProject, queryable, type Column } from "../components/runs/rows";
import "../components/runs/runs.css";
import { useLoad } from "../hooks";
import type { JsonObject } from "../json";
import { navigate, path } from "../router";

const PAGE_SIZE = 50;
const MAX_COMPARE = 20;

function parseColumns(text: string | null): Column[] {
  if (!text) return [];
  return text.split(",").flatMap((part): Column[] => {
    const at = part.indexOf(":");
    const source = part.slice(0, at);
    const key = decodeURIComponent(part.slice(at + 1));
    return (source === "config" || source === "summary") && key ? [{ source, key }] : [];
  });
}

function serializeColumns(columns: Column[]): string {
  return columns.map((c) => `${c.source}:${encodeURIComponent(c.key)}`).join(",");
}

/** The server's order string for a column (W&B's: created_at, config.KEY.value, summary_metrics.KEY; runbase's
 * display_name and state). */
function orderField(column: Column | string): string {
  if (typeof column === "string") return column === "created" ? "created_at" : column;
  return column.source === "config" ? `config.${column.key}.value` : `summary_metrics.${column.key}`;
}

interface Query {
  filters: string;
  order: string;
  columns: Column[];
  group: string;
  after: string | null;
  /** The cursors of the pages before this one (page 1's, none, left out), so Previous works after a reload. */
  back: string[];
}

function readQuery(params: URLSearchParams): Query {
  return {
    filters: params.get("filters") ?? "",
    order: params.get("order") ?? "-created_at",
    columns: parseColumns(params.get("cols")),
    group: params.get("group") ?? "",
    after: params.get("after"),
    back: (params.get("back") ?? "").split(",").filter((cursor) => cursor !== ""),
  };
}

function queryUrl(here: string, query: Query): string {
  const params = new URLSearchParams();
  if (query.filters.trim()) params.set("filters", query.filters);
  if (query.order !== "-created_at") params.set("order", query.order);
  if (query.columns.length) params.set("cols", serializeColumns(query.columns));
  if (query.group) params.set("group", query.group);
  if (query.after) params.set("after", query.after);
  if (query.after && query.back.length) params.set("back", query.back.join(","));
  const search = params.toString();
  return here + (search ? `?${search}` : "");
}

/** The filter the server gets: the URL's, within the page's scope (a sweep's runs) when it has one. */
function scoped(filters: string, scope: JsonObject | undefined): string {
  if (!scope) return filters;
  const own = filters.trim() ? parseFilter(filters) : null;
  return JSON.stringify(own ? { $and: [scope, own] } : scope);
}

export interface RunsScope {
  /** Always applied, not shown in the filter box: {"sweep": ID} on a sweep's page. */
  filter: JsonObject;
  /** The page's own path, where the table's URL state goes. */
  here: string;
}

export function RunsPage(props: { entity: string; project: string; query: URLSearchParams; scope?: RunsScope }) {
  const here = props.scope?.here ?? path(props.entity, props.project);
  const query = readQuery(props.query);
  const key = queryUrl(here, query);
  const [version, setVersion] = useState(0);
  const loaded = useLoad(
    () => loadRuns(props.entity, props.project, { filters: scoped(query.filters, props.scope?.filter), order: query.order, first: PAGE_SIZE, after: query.after }),
    [key, version],
  );
  const projectKeys = useLoad(() => loadProjectKeys(props.entity, props.project), [props.entity, props.project, version]);
  // After an edit the page is read again: the rows stay on screen meanwhile, so the table does not flash.
  const last = useRef<{ key: string; loaded: typeof loaded } | null>(null);
  if (loaded.state === "done") last.current = { key, loaded };
  const shown = loaded.state === "loading" && last.current?.key === key ? last.current.loaded : loaded;
  const [draft, setDraft] = useState<string | null>(null);
  const [draftError, setDraftError] = useState<string | null>(null);
  const [picking, setPicking] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const go = (change: Partial<Query>) => navigate(queryUrl(here, { ...query, after: null, back: [], ...change }));
  // An edit settles once the page has been read again: an editor then closes onto the saved value, not onto the
  // row as it was before (from which a second edit would start, undoing the first).
  const rereads = useRef<(() => void)[]>([]);
  useEffect(() => {
    if (loaded.state !== "loading") rereads.current.splice(0).forEach((settle) => settle());
  }, [loaded]);
  const changed = () =>
    new Promise<void>((settle) => {
      rereads.current.push(settle);
      setVersion((v) => v + 1);
    });

  const applyFilter = (event: Event) => {
    event.preventDefault();
    const text = (draft ?? query.filters).trim();
    try {
      parseFilter(text);
    } catch (failure) {
      setDraftError(`Not a filter: ${(failure as Error).message}`);
      return;
    }
    setDraftError(null);
    setDraft(null);
    go({ filters: text });
  };
  const current = (): JsonObject | null => {
    try {
      return parseFilter(query.filters);
    } catch {
      return null;
    }
  };
  const addCondition = (extra: JsonObject) => {
    setDraft(null);
    setDraftError(null);
    go({ filters: JSON.stringify(narrow(current(), extra)) });
  };

  const sortBy = (column: Column | string) => {
    const field = orderField(column);
    const ascending = query.order === `+${field}` || query.order === field;
    go({ order: `${ascending ? "-" : "+"}${field}` });
  };
  const arrow = (column: Column | string) => {
    const field = orderField(column);
    if (query.order === `-${field}`) return " ▼";
    if (query.order === `+${field}` || query.order === field) return " ▲";
    return "";
  };
  const header = (label: string, sort: string | null) =>
    sort === null ? (
      <th key={label}>{label}</th>
    ) : (
      <th key={label} class="sortable" data-sort={sort} onClick={() => sortBy(sort)}>
        {label}
        {arrow(sort)}
      </th>
    );
  const columnHeader = (column: Column) => (
    <th
      key={columnId(column)}
      class={queryable(column.key) ? "sortable" : "unsortable"}
      data-sort={columnId(column)}
      title={queryable(column.key) ? `${column.source}.${column.key}` : `${column.source}.${column.key}: ${DOTTED}`}
      onClick={() => queryable(column.key) && sortBy(column)}
    >
      <span class="column-name">
        {column.source}.{column.key}
      </span>
      {arrow(column)}
      <button
        type="button"
        class="remove"
        title="Remove column"
        onClick={(event) => {
          event.stopPropagation();
          removeColumn(column);
        }}
      >
        ×
      </button>
    </th>
  );

  const rows = shown.state === "done" ? shown.value.rows : [];
  const keys = keysOf(rows, projectKeys.state === "done" ? projectKeys.value : null);
  const dotted = [...keys.config, ...keys.summary].some((k) => !queryable(k));
  const pickedColumns = new Set(query.columns.map(columnId));
  const available: Column[] = [
    ...keys.config.map((k): Column => ({ source: "config", key: k })),
    ...keys.summary.map((k): Column => ({ source: "summary", key: k })),
  ].filter((c) => !pickedColumns.has(columnId(c)));
  const fields = [
    "state",
    "tags",
    "name",
    "displayName",
    ...keys.config.filter(queryable).map((k) => `config.${k}`),
    ...keys.summary.filter(queryable).map((k) => `summary_metrics.${k}`),
  ];
  const configGroups = keys.config.filter(queryable);
  const groupKeys = ["$state", "$tags", ...(query.group && !GROUP_FIELDS[query.group] && !configGroups.includes(query.group) ? [query.group] : []), ...configGroups];

  const addColumn = (event: Event) => {
    event.preventDefault();
    const column = available.find((c) => columnId(c) === picking);
    if (column) go({ columns: [...query.columns, column], after: query.after, back: query.back });
    setPicking("");
  };
  const removeColumn = (column: Column) =>
    go({ columns: query.columns.filter((c) => columnId(c) !== columnId(column)), after: query.after, back: query.back });

  const selection = {
    picked,
    toggle: (run: string, on: boolean) => {
      const next = new Set(picked);
      if (on) next.add(run);
      else next.delete(run);
      setPicked(next);
    },
  };
  const compare = () => navigate(`${path(props.entity, props.project, "compare")}?runs=${[...picked].map(encodeURIComponent).join(",")}`);

  const next = () => {
    if (shown.state !== "done" || !shown.value.pageInfo.endCursor) return;
    // Cursors are offsets (the API pages forward only), so the way back is the list of cursors come through.
    go({ after: shown.value.pageInfo.endCursor, back: query.after ? [...query.back, query.after] : [] });
  };
  const previous = () => go({ after: query.back[query.back.length - 1] ?? null, back: query.back.slice(0, -1) });
  const tableProps = { entity: props.entity, project: props.project, columns: query.columns, selection, onChanged: changed, header, columnHeader };

  if (shown.state === "failed" && shown.error instanceof MissingProject) {
    return (
      <div class="runs">
        {!props.scope && <h1>{props.project}</h1>}
        <ErrorBox error={shown.error} />
      </div>
    );
  }
  return (
    <div class="runs">
      {!props.scope && <h1>{props.project}</h1>}
      {!props.scope && (
        <nav class="project-links">
          <Link href={path(props.entity, props.project, "sweeps")}>Sweeps</Link>
        </nav>
      )}
      <FilterBuilder fields={fields} onAdd={addCondition} note={dotted ? DOTTED : undefined} />
      <form class="filter" onSubmit={applyFilter}>
        <label for="runs-filter">Filter (MongoDB-style JSON, e.g. {'{"config.lr": {"$gt": 0.01}, "state": "finished"}'})</label>
        <textarea
          id="runs-filter"
          name="filters"
          rows={2}
          spellcheck={false}
          value={draft ?? query.filters}
          onInput={(event) => setDraft((event.target as HTMLTextAreaElement).value)}
        />
        <button type="submit">Apply</button>
        {query.filters && (
          <button type="button" class="clear" onClick={() => go({ filters: "" })}>
            Clear
          </button>
        )}
        {draftError && <ErrorBox error={draftError} />}
      </form>
      <div class="table-tools">
        <form class="columns" onSubmit={addColumn}>
          <label for="add-column">Add column</label>
          <select id="add-column" value={picking} onChange={(event) => setPicking((event.target as HTMLSelectElement).value)}>
            <option value="">config or summary key…</option>
            {available.map((column) => (
              <option key={columnId(column)} value={columnId(column)}>
                {column.source}.{column.key}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!picking}>Add</button>
        </form>
        <label for="group-by">Group by</label>
        <select id="group-by" value={query.group} title={dotted ? DOTTED : undefined} onChange={(event) => go({ group: (event.target as HTMLSelectElement).value })}>
          <option value="">no grouping</option>
          {groupKeys.map((k) => (
            <option key={k} value={k}>
              {groupLabel(k)}
            </option>
          ))}
        </select>
        <button type="button" class="compare" disabled={picked.size < 1 || picked.size > MAX_COMPARE} onClick={compare}>
          Compare {picked.size} selected
        </button>
        {picked.size > 0 && (
          <button type="button" class="small" onClick={() => setPicked(new Set())}>
            Clear selection
          </button>
        )}
      </div>
      {shown.state === "loading" && <Loading />}
      {shown.state === "failed" && <ErrorBox error={shown.error} />}
      {shown.state === "done" && (
        <>
          <p class="count">
            <span class="total">{shown.value.totalCount}</span> runs
          </p>
          {query.group ? (
            <Groups
              {...tableProps}
              filter={props.scope ? parseFilter(scoped(query.filters, props.scope.filter)) : current()}
              key_={query.group}
              order={query.order}
              version={version}
              onFilter={(filter) => go({ filters: JSON.stringify(filter), group: "" })}
            />
          ) : (
            <>
              <RunsTable {...tableProps} rows={rows} />
              <nav class="pager">
                <button type="button" disabled={!query.after} onClick={previous}>
                  Previous
                </button>
                <button type="button" disabled={!shown.value.pageInfo.hasNextPage} onClick={next}>
                  Next
                </button>
              </nav>
            </>
          )}
        </>
      )}
    </div>
  );
}
