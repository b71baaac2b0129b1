// A logged table (its .table.json file): pages of rows, sorted by a column on a click on its header; every
// cell is text, except images, shown as thumbnails of the run's own files.
import { useState } from "preact/hooks";
import { useLoad } from "../../../hooks";
import { parseObject, show, type Json } from "../../../json";
import { ErrorBox, Loading } from "../../Status";
import { fetchFile, fileUrl, isObject, type Where } from "../history";

const PAGE_ROWS = 10;

export interface TableData {
  columns: string[];
  rows: Json[][];
}

/** A table file's columns and rows (W&B's {"columns": [...], "data": [[...], ...]}). */
export async function loadTable(where: Where, path: string): Promise<TableData> {
  const table = parseObject(await (await fetchFile(where, path)).text());
  const columns = Array.isArray(table.columns) ? table.columns.map((column) => show(column)) : [];
  const rows = Array.isArray(table.data) ? table.data.filter((row): row is Json[] => Array.isArray(row)) : [];
  return { columns, rows };
}

function order(a: Json | undefined, b: Json | undefined): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return show(a).localeCompare(show(b));
}

function Cell(props: { where: Where; value: Json | undefined }) {
  const { value } = props;
  if (isObject(value) && value._type === "image-file" && typeof value.path === "string") {
    const src = fileUrl(props.where, value.path);
    if (src !== null) return <img class="thumbnail" src={src} alt={show(value.caption ?? value.path)} />;
  }
  return <>{show(value)}</>;
}

export function TableView(props: { where: Where; table: TableData; title: string }) {
  const { columns, rows } = props.table;
  const [sort, setSort] = useState<{ column: number; descending: boolean } | null>(null);
  const [page, setPage] = useState(0);
  const sorted = sort === null ? rows : [...rows].sort((a, b) => order(a[sort.column], b[sort.column]) * (sort.descending ? -1 : 1));
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_ROWS));
  const shown = Math.min(page, pages - 1);
  const sortBy = (column: number) => {
    setSort(sort?.column === column ? { column, descending: !sort.descending } : { column, descending: false });
    setPage(0);
  };
  return (
    <div class="logged-table" data-key={props.title}>
      <table class="grid">
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} aria-sort={sort?.column === i ? (sort.descending ? "descending" : "ascending") : "none"}>
                <button type="button" class="link" onClick={() => sortBy(i)}>
                  {column}
                  {sort?.column === i ? (sort.descending ? " ▼" : " ▲") : ""}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.slice(shown * PAGE_ROWS, (shown + 1) * PAGE_ROWS).map((row, r) => (
            <tr key={r}>
              {columns.map((_, i) => (
                <td key={i}>
                  <Cell where={props.where} value={row[i]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="pager">
        <button type="button" class="small" disabled={shown === 0} onClick={() => setPage(shown - 1)}>
          Previous
        </button>{" "}
        <span class="page-of">
          Page {shown + 1} of {pages} ({rows.length} rows)
        </span>{" "}
        <button type="button" class="small" disabled={shown >= pages - 1} onClick={() => setPage(shown + 1)}>
          Next
        </button>
      </p>
    </div>
  );
}

export function TablePanel(props: { where: Where; title: string; path: string }) {
  const loaded = useLoad(() => loadTable(props.where, props.path), [props.path]);
  return (
    <figure class="chart-box media-panel wide" data-key={props.title} data-kind="table">
      <figcaption>
        <span class="chart-title">{props.title}</span>
      </figcaption>
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      {loaded.state === "done" && <TableView where={props.where} table={loaded.value} title={props.title} />}
    </figure>
  );
}
