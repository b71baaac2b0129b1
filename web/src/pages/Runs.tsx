// The runs table: the server filters (MongoDB-style, as the API's Project.runs), sorts and pages by cursor, so a
// project of 10,000+ runs loads one page at a time. Filter, order, columns and page live in the URL.
import { useState } from "preact/hooks";
import { gql } from "../api";
import { Link } from "../components/Link";
import { ErrorBox, Loading } from "../components/Status";
import { formatTime } from "../format";
import type { ProjectRunsQuery, ProjectRunsQueryVariables } from "../generated/graphql";
import { useLoad } from "../hooks";
import { configValues, parseJson, parseObject, show, type JsonObject } from "../json";
import runsDocument from "../queries/runs.graphql?raw";
import { navigate, path } from "../router";

const PAGE_SIZE = 50;

type RunNode = NonNullable<ProjectRunsQuery["project"]>["runs"]["edges"][number]["node"];
interface Row {
  run: RunNode;
  config: JsonObject;
  summary: JsonObject;
}

/** A picked column: a config or summary key; "config:lr" in the URL's cols=. */
interface Column {
  source: "config" | "summary";
  key: string;
}

function columnId(column: Column): string {
  return `${column.source}:${column.key}`;
}

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

/** The server's order string for a column (W&B's: created_at, config.KEY.value, summary_metrics.KEY). */
function orderField(column: Column | "created"): string {
  if (column === "created") return "created_at";
  return column.source === "config" ? `config.${column.key}.value` : `summary_metrics.${column.key}`;
}

interface Query {
  filters: string;
  order: string;
  columns: Column[];
  after: string | null;
}

function readQuery(params: URLSearchParams): Query {
  return {
    filters: params.get("filters") ?? "",
    order: params.get("order") ?? "-created_at",
    columns: parseColumns(params.get("cols")),
    after: params.get("after"),
  };
}

function queryUrl(entity: string, project: string, query: Query): string {
  const params = new URLSearchParams();
  if (query.filters.trim()) params.set("filters", query.filters);
  if (query.order !== "-created_at") params.set("order", query.order);
  if (query.columns.length) params.set("cols", serializeColumns(query.columns));
  if (query.after) params.set("after", query.after);
  const search = params.toString();
  return path(entity, project) + (search ? `?${search}` : "");
}

/** Where "Previous" goes from a page reached with "Next": cursor -> the cursor before it. */
const previousPage = new Map<string, string | null>();

async function loadRuns(entity: string, project: string, query: Query) {
  const data = await gql<ProjectRunsQuery, ProjectRunsQueryVariables>(runsDocument, "ProjectRuns", {
    entityName: entity,
    project,
    filters: query.filters.trim() || null,
    order: query.order,
    first: PAGE_SIZE,
    after: query.after,
  });
  if (!data.project) throw new Error(`No project ${entity}/${project}, or you may not see it.`);
  const runs = data.project.runs;
  const rows: Row[] = runs.edges.map((edge) => ({
    run: edge.node,
    config: configValues(edge.node.config),
    summary: parseObject(edge.node.summaryMetrics),
  }));
  return { rows, totalCount: runs.totalCount, pageInfo: runs.pageInfo };
}

export function RunsPage(props: { entity: string; project: string; query: URLSearchParams }) {
  const query = readQuery(props.query);
  const key = queryUrl(props.entity, props.project, query);
  const loaded = useLoad(() => loadRuns(props.entity, props.project, query), [key]);
  const [draft, setDraft] = useState<string | null>(null);
  const [draftError, setDraftError] = useState<string | null>(null);
  const [picking, setPicking] = useState("");
  const go = (change: Partial<Query>) => navigate(queryUrl(props.entity, props.project, { ...query, after: null, ...change }));

  const applyFilter = (event: Event) => {
    event.preventDefault();
    const text = (draft ?? query.filters).trim();
    if (text) {
      try {
        const parsed = parseJson(text);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("a filter is a JSON object");
      } catch (failure) {
        setDraftError(`Not a filter: ${(failure as Error).message}`);
        return;
      }
    }
    setDraftError(null);
    setDraft(null);
    go({ filters: text });
  };

  const sortBy = (column: Column | "created") => {
    const field = orderField(column);
    const ascending = query.order === `+${field}` || query.order === field;
    go({ order: `${ascending ? "-" : "+"}${field}` });
  };
  const arrow = (column: Column | "created") => {
    const field = orderField(column);
    if (query.order === `-${field}`) return " ▼";
    if (query.order === `+${field}` || query.order === field) return " ▲";
    return "";
  };

  const rows = loaded.state === "done" ? loaded.value.rows : [];
  const shown = new Set(query.columns.map(columnId));
  const available: Column[] = [];
  for (const source of ["config", "summary"] as const) {
    const keys = new Set<string>();
    for (const row of rows) for (const k of Object.keys(source === "config" ? row.config : row.summary)) if (!k.startsWith("_")) keys.add(k);
    for (const k of [...keys].sort()) if (!shown.has(`${source}:${k}`)) available.push({ source, key: k });
  }

  const addColumn = (event: Event) => {
    event.preventDefault();
    const column = available.find((c) => columnId(c) === picking);
    if (column) go({ columns: [...query.columns, column], after: query.after });
    setPicking("");
  };
  const removeColumn = (column: Column) =>
    go({ columns: query.columns.filter((c) => columnId(c) !== columnId(column)), after: query.after });

  const next = () => {
    if (loaded.state !== "done" || !loaded.value.pageInfo.endCursor) return;
    previousPage.set(loaded.value.pageInfo.endCursor, query.after);
    go({ after: loaded.value.pageInfo.endCursor });
  };
  const previous = () => go({ after: query.after ? (previousPage.get(query.after) ?? null) : null });

  return (
    <div class="runs">
      <h1>{props.project}</h1>
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
        {draftError && <ErrorBox error={draftError} />}
      </form>
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
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      {loaded.state === "done" && (
        <>
          <p class="count">
            <span class="total">{loaded.value.totalCount}</span> runs
          </p>
          <table class="grid runs-table">
            <thead>
              <tr>
                <th title="The server cannot sort by name">Name</th>
                <th title="The server cannot sort by state">State</th>
                <th class="sortable" data-sort="created" onClick={() => sortBy("created")}>
                  Created{arrow("created")}
                </th>
                <th>Tags</th>
                {query.columns.map((column) => (
                  <th key={columnId(column)} class="sortable" data-sort={columnId(column)} onClick={() => sortBy(column)}>
                    {column.source}.{column.key}
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
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ run, config, summary }) => (
                <tr key={run.name} data-run={run.name}>
                  <td>
                    <Link href={path(props.entity, props.project, "runs", run.name)}>{run.displayName || run.name}</Link>
                  </td>
                  <td>
                    <span class={`state state-${run.state}`}>{run.state}</span>
                  </td>
                  <td>{formatTime(run.createdAt)}</td>
                  <td>
                    {run.tags.map((tag) => (
                      <span key={tag} class="tag">{tag}</span>
                    ))}
                  </td>
                  {query.columns.map((column) => (
                    <td key={columnId(column)}>{show((column.source === "config" ? config : summary)[column.key])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager">
            <button type="button" disabled={!query.after} onClick={previous}>
              Previous
            </button>
            <button type="button" disabled={!loaded.value.pageInfo.hasNextPage} onClick={next}>
              Next
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
