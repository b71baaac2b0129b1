// Runs side by side: a chart per numeric history key any of them has, with a line per run that has it (as W&B
// draws them; the chart's legend names the runs present), and their config and summary
// in one table, a column per run, rows whose values differ marked. The URL names the runs
// (/ENTITY/PROJECT/compare?runs=a,b,c, each id URL-encoded, so an id may hold a comma).
import { useState } from "preact/hooks";
import { gql } from "../api";
import { color, OverlayChart } from "../components/compare/OverlayChart";
import "../components/compare/compare.css";
import { Link } from "../components/Link";
import type { Series } from "../components/LineChart";
import { ErrorBox, Loading } from "../components/Status";
import type {
  CompareHistoryQuery,
  CompareHistoryQueryVariables,
  CompareRunQuery,
  CompareRunQueryVariables,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import { configValues, parseJson, parseObject, show, type JsonObject } from "../json";
import compareDocument from "../queries/compare.graphql?raw";
import { path } from "../router";
import { chartKeys, toSeries } from "./Run";

const SAMPLES = 1000;
const MAX_SPECS = 100; // the server's limit per sampledHistory call
export const MAX_RUNS = 20;

/** The run ids of ?runs=, read from the raw query string: each is URL-encoded and the commas between are not. */
export function comparedRuns(search: string): string[] {
  const raw = search
    .replace(/^\?/, "")
    .split("&")
    .find((part) => part.startsWith("runs="));
  if (!raw) return [];
  const ids = raw.slice(5).split(",").map((id) => {
    try {
      return decodeURIComponent(id.replace(/\+/g, " "));
    } catch {
      return id;
    }
  });
  return [...new Set(ids.filter((id) => id !== ""))];
}

type Compared = NonNullable<NonNullable<CompareRunQuery["project"]>["run"]>;
interface RunData {
  run: Compared;
  config: JsonObject;
  summary: JsonObject;
  keys: string[];
}

/** The run, or null when the project has no such run (deleted, or a mistyped id): the others are still compared. */
async function loadRun(entity: string, project: string, run: string): Promise<RunData | null> {
  const data = await gql<CompareRunQuery, CompareRunQueryVariables>(compareDocument, "CompareRun", { entityName: entity, project, run });
  if (!data.project) throw new Error(`No project ${entity}/${project}, or you may not see it.`);
  const found = data.project.run;
  if (!found) return null;
  return { run: found, config: configValues(found.config), summary: parseObject(found.summaryMetrics, true), keys: chartKeys(found.historyKeys) };
}

async function history(entity: string, project: string, run: string, keys: string[]): Promise<Series[]> {
  const out: Series[] = [];
  for (let i = 0; i < keys.length; i += MAX_SPECS) {
    const batch = keys.slice(i, i + MAX_SPECS);
    const specs = batch.map((key) => JSON.stringify({ keys: [key], samples: SAMPLES, xAxis: "_step" }));
    const data = await gql<CompareHistoryQuery, CompareHistoryQueryVariables>(compareDocument, "CompareHistory", {
      entityName: entity,
      project,
      run,
      specs,
    });
    const lists = data.project?.run?.sampledHistoryText ?? [];
    batch.forEach((key, j) => out.push(toSeries(parseJson(lists[j] ?? "[]"), "_step", key)));
  }
  return out;
}

async function loadCompare(entity: string, project: string, ids: string[]) {
  if (ids.length === 0) throw new Error("No runs to compare: pick runs in the runs table, or name them in ?runs=a,b.");
  if (ids.length > MAX_RUNS) throw new Error(`At most ${MAX_RUNS} runs can be compared at once; ${ids.length} were named.`);
  const found = await Promise.all(ids.map((id) => loadRun(entity, project, id)));
  const runs = found.filter((r): r is RunData => r !== null);
  const missing = ids.filter((_, i) => found[i] === null);
  if (runs.length === 0) throw new Error(`None of the runs named is in ${entity}/${project}: ${missing.join(", ")}.`);
  const keys = [...new Set(runs.flatMap((r) => r.keys))];
  const series = await Promise.all(runs.map((r) => history(entity, project, r.run.name, r.keys)));
  // Per key, the runs that logged it, each keeping its own color.
  const charts = keys.map((key) => ({
    key,
    runs: runs.flatMap((r, i) => {
      const at = r.keys.indexOf(key);
      return at < 0 ? [] : [{ run: r.run.name, label: r.run.displayName || r.run.name, color: color(i), data: series[i]?.[at] ?? [[], []] }];
    }),
  }));
  return { runs, missing, charts };
}

function DiffTable(props: { label: string; runs: RunData[]; values: (run: RunData) => JsonObject; onlyDiffering: boolean }) {
  const keys = [...new Set(props.runs.flatMap((r) => Object.keys(props.values(r))))].filter((k) => !k.startsWith("_")).sort();
  const rows = keys.map((key) => {
    const cells = props.runs.map((r) => show(props.values(r)[key]));
    return { key, cells, differs: new Set(cells).size > 1 };
  });
  const shown = props.onlyDiffering ? rows.filter((row) => row.differs) : rows;
  if (shown.length === 0) return <p class="empty">{props.onlyDiffering && rows.length ? "No differences." : "None."}</p>;
  return (
    <table class="grid diff" aria-label={props.label}>
      <thead>
        <tr>
          <th>Key</th>
          {props.runs.map((r) => (
            <th key={r.run.name} data-run={r.run.name}>
              {r.run.displayName || r.run.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {shown.map((row) => (
          <tr key={row.key} data-key={row.key} class={row.differs ? "differs" : undefined}>
            <th>{row.key}</th>
            {row.cells.map((cell, i) => (
              <td key={i}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ComparePage(props: { entity: string; project: string; search: string }) {
  const ids = comparedRuns(props.search);
  const loaded = useLoad(() => loadCompare(props.entity, props.project, ids), [props.entity, props.project, ids.join("\u0000")]);
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { runs, missing, charts } = loaded.value;
  return (
    <div class="compare">
      <h1>Compare {runs.length} runs</h1>
      {missing.length > 0 && (
        <div class="missing-runs" role="status">
          {missing.length === 1 ? "This run is" : `These ${missing.length} runs are`} not in {props.entity}/{props.project} (deleted, or
          mistyped), so {missing.length === 1 ? "it is" : "they are"} left out:
          <ul>
            {missing.map((id) => (
              <li key={id}>
                <code>{id}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ul class="compared">
        {runs.map((r, i) => (
          <li key={r.run.name}>
            <span class="swatch" style={{ background: color(i) }} />
            <Link href={path(props.entity, props.project, "runs", r.run.name)}>{r.run.displayName || r.run.name}</Link>{" "}
            <span class={`state state-${r.run.state}`}>{r.run.state}</span>
          </li>
        ))}
      </ul>
      <h2>Charts</h2>
      {charts.length === 0 ? (
        <p class="empty">The runs have no numeric history key.</p>
      ) : (
        <div class="charts">
          {charts.map((chart) => (
            <OverlayChart key={chart.key} title={chart.key} xLabel="_step" runs={chart.runs} of={runs.length} />
          ))}
        </div>
      )}
      <label class="only-differing">
        <input type="checkbox" checked={onlyDiffering} onChange={(event) => setOnlyDiffering((event.target as HTMLInputElement).checked)} /> Only
        differences
      </label>
      <h2>Config</h2>
      <DiffTable label="compare config" runs={runs} values={(r) => r.config} onlyDiffering={onlyDiffering} />
      <h2>Summary</h2>
      <DiffTable label="compare summary" runs={runs} values={(r) => r.summary} onlyDiffering={onlyDiffering} />
    </div>
  );
}
