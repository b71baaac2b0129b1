// A project's sweeps, and a sweep's page (the URL the SDK prints): its state and configuration (method, metric,
// parameters), a parallel-coordinates chart of its runs' parameters against the metric with the best run
// marked, and the runs table kept to the sweep's runs (the filter {"sweep": ID}).
import { gql } from "../api";
import { Link } from "../components/Link";
import { ErrorBox, Loading } from "../components/Status";
import { ParallelCoordinates } from "../components/sweeps/ParallelCoordinates";
import { buildChart, type Chart } from "../components/sweeps/parcoords";
import "../components/sweeps/sweeps.css";
import { formatTime } from "../format";
import type {
  ProjectSweepsQuery,
  ProjectSweepsQueryVariables,
  SweepOverviewQuery,
  SweepOverviewQueryVariables,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import { configValues, parseObject, show, type Json, type JsonObject } from "../json";
import sweepsDocument from "../queries/sweeps.graphql?raw";
import { path } from "../router";
import { RunsPage } from "./Runs";

const SWEEPS_SHOWN = 200;
const RUN_PAGE = 1000;
const MAX_CHART_RUNS = 5000;

async function loadSweeps(entity: string, project: string) {
  const data = await gql<ProjectSweepsQuery, ProjectSweepsQueryVariables>(sweepsDocument, "ProjectSweeps", {
    entityName: entity,
    project,
    first: SWEEPS_SHOWN,
    after: null,
  });
  if (!data.project) throw new Error(`No project ${entity}/${project}, or you may not see it.`);
  return data.project;
}

export function SweepsPage(props: { entity: string; project: string }) {
  const loaded = useLoad(() => loadSweeps(props.entity, props.project), [props.entity, props.project]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { sweeps, totalSweeps } = loaded.value;
  return (
    <div class="sweeps">
      <h1>Sweeps of {props.project}</h1>
      <p class="count">
        <span class="total">{totalSweeps}</span> sweeps{totalSweeps > sweeps.edges.length ? `, the newest ${sweeps.edges.length} shown` : ""}
      </p>
      <table class="grid sweeps-table">
        <thead>
          <tr>
            <th>Sweep</th>
            <th>Name</th>
            <th>State</th>
            <th>Method</th>
            <th>Runs</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {sweeps.edges.map(({ node }) => (
            <tr key={node.name} data-sweep={node.name}>
              <td>
                <Link href={path(props.entity, props.project, "sweeps", node.name)}>{node.name}</Link>
              </td>
              <td>{node.displayName ?? ""}</td>
              <td>
                <span class={`state sweep-${node.state}`}>{node.state}</span>
              </td>
              <td>{node.method}</td>
              <td>
                {node.runCount}
                {node.runCountExpected !== null ? ` / ${node.runCountExpected}` : ""}
              </td>
              <td>{formatTime(node.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type SweepData = NonNullable<NonNullable<SweepOverviewQuery["project"]>["sweep"]>;

async function loadSweep(entity: string, project: string, sweep: string) {
  let after: string | null = null;
  let found: SweepData | null = null;
  const runs: SweepData["runs"]["edges"] = [];
  do {
    const data: SweepOverviewQuery = await gql<SweepOverviewQuery, SweepOverviewQueryVariables>(sweepsDocument, "SweepOverview", {
      entityName: entity,
      project,
      sweep,
      first: RUN_PAGE,
      after,
    });
    if (!data.project) throw new Error(`No project ${entity}/${project}, or you may not see it.`);
    found = data.project.sweep;
    if (!found) throw new Error(`No sweep ${sweep} in ${entity}/${project}.`);
    runs.push(...found.runs.edges);
    after = found.runs.pageInfo.hasNextPage ? found.runs.pageInfo.endCursor : null;
  } while (after !== null && runs.length < MAX_CHART_RUNS);
  const config = parseObject(found.config);
  const chart: Chart = buildChart(
    config,
    runs.map(({ node }) => ({
      name: node.name,
      label: node.displayName || node.name,
      config: configValues(node.config),
      summary: parseObject(node.summaryMetrics),
    })),
  );
  return { sweep: found, config, chart, partial: after !== null };
}

function Entries(props: { label: string; value: Json | undefined }) {
  const value = props.value;
  if (value === undefined) return null;
  const entries: [string, Json][] = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [["", value]];
  return (
    <table class="pairs" aria-label={props.label}>
      <tbody>
        {entries.map(([key, item]) => (
          <tr key={key}>
            <th>{key}</th>
            <td>{show(item)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SweepPage(props: { entity: string; project: string; sweep: string; query: URLSearchParams }) {
  const loaded = useLoad(() => loadSweep(props.entity, props.project, props.sweep), [props.entity, props.project, props.sweep]);
  const here = path(props.entity, props.project, "sweeps", props.sweep);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { sweep, config, chart, partial } = loaded.value;
  const metric = config.metric;
  const best = chart.best;
  return (
    <div class="sweep">
      <h1>
        <span class="sweep-name">{sweep.displayName || sweep.name}</span> <span class={`state sweep-${sweep.state}`}>{sweep.state}</span>
      </h1>
      {sweep.description && <p class="description">{sweep.description}</p>}
      <div class="sweep-facts">
        <Entries
          label="sweep"
          value={{
            "Sweep id": sweep.name,
            Method: sweep.method,
            Runs: sweep.runCountExpected !== null ? `${sweep.runCount} of ${sweep.runCountExpected}` : String(sweep.runCount),
            Created: formatTime(sweep.createdAt),
            Updated: formatTime(sweep.updatedAt),
          }}
        />
        <div>
          <h2>Metric</h2>
          {metric === undefined ? <p class="empty">None.</p> : <Entries label="metric" value={metric} />}
        </div>
      </div>
      <h2>Parameters</h2>
      <Entries label="parameters" value={(config.parameters as JsonObject | undefined) ?? {}} />
      <h2>Parameters against {chart.metric ?? "the metric"}</h2>
      {best !== null && (
        <p class="best-run">
          Best run ({chart.goal} {chart.metric}):{" "}
          <Link href={path(props.entity, props.project, "runs", best)}>{chart.lines.find((l) => l.run === best)?.label ?? best}</Link>
        </p>
      )}
      {partial && <p class="more">The chart shows the sweep's first {MAX_CHART_RUNS} runs.</p>}
      <ParallelCoordinates chart={chart} entity={props.entity} project={props.project} />
      <h2>Runs</h2>
      <RunsPage entity={props.entity} project={props.project} query={props.query} scope={{ filter: { sweep: sweep.name }, here }} />
    </div>
  );
}
