// A run: overview, a chart per history key (zoom fetches a finer sample of the visible steps), media panels,
// system metrics, console output, files and the artifact versions it logged and used.
import { useState } from "preact/hooks";
import { gql } from "../api";
import { LineChart, type Series } from "../components/LineChart";
import { Pairs } from "../components/Pairs";
import { fetchFile, finite, type Where } from "../components/run/history";
import { MediaPanels } from "../components/run/media/MediaPanels";
import { ARTIFACTS_PAGE, RunArtifacts } from "../components/run/RunArtifacts";
import { RunCharts } from "../components/run/RunCharts";
import { CONSOLE_PAGE, RunConsole } from "../components/run/RunConsole";
import { FILES_PAGE, RunFiles } from "../components/run/RunFiles";
import { StopRun } from "../components/run/StopRun";
import { SummaryTable } from "../components/run/SummaryTable";
import { ErrorBox, Loading } from "../components/Status";
import { formatDuration, formatTime } from "../format";
import type {
  RunOverviewQuery,
  RunOverviewQueryVariables,
  RunSystemEventsQuery,
  RunSystemEventsQueryVariables,
} from "../generated/graphql";
import { useLoad, type Loaded } from "../hooks";
import { configValues, parseJson, parseObject, show, type Json, type JsonObject } from "../json";
import runDocument from "../queries/run.graphql?raw";
import type { ChartSettings } from "../router";

const SAMPLES = 1000;
const METADATA_FILE = "wandb-metadata.json";

type RunData = NonNullable<NonNullable<RunOverviewQuery["project"]>["run"]>;

/** Numeric history keys, the ones a line chart can draw, in name order; keys starting with _ are W&B's own. */
export function chartKeys(historyKeys: unknown): string[] {
  const keys = historyKeys !== null && typeof historyKeys === "object" && !Array.isArray(historyKeys) ? (historyKeys as JsonObject).keys : null;
  if (keys === null || typeof keys !== "object" || Array.isArray(keys)) return [];
  return Object.entries(keys)
    .filter(([key, info]) => {
      if (key.startsWith("_") || info === null || typeof info !== "object" || Array.isArray(info)) return false;
      const counts = info.typeCounts;
      return Array.isArray(counts) && counts.some((c) => c !== null && typeof c === "object" && !Array.isArray(c) && c.type === "number");
    })
    .map(([key]) => key)
    .sort();
}

export function toSeries(rows: Json, x: string, y: string): Series {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  if (Array.isArray(rows)) {
    for (const row of rows) {
      if (row === null || typeof row !== "object" || Array.isArray(row)) continue;
      const at = finite(row[x]);
      if (at === null) continue;
      xs.push(at);
      ys.push(finite(row[y]));
    }
  }
  return [xs, ys];
}

async function systemCharts(where: Where): Promise<[string, Series][]> {
  const data = await gql<RunSystemEventsQuery, RunSystemEventsQueryVariables>(runDocument, "RunSystemEvents", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    samples: SAMPLES,
  });
  const rows = (data.project?.run?.events ?? []).map((text) => parseJson(text));
  const keys = new Set<string>();
  for (const row of rows) {
    if (row !== null && typeof row === "object" && !Array.isArray(row)) {
      for (const [key, value] of Object.entries(row)) if (key.startsWith("system.") && typeof value === "number") keys.add(key);
    }
  }
  return [...keys].sort().map((key) => [key, toSeries(rows, "_runtime", key)]);
}

async function metadata(where: Where, run: RunData): Promise<JsonObject | null> {
  if (!run.metadataFile) return null;
  const response = await fetchFile(where, METADATA_FILE);
  return parseObject(await response.text());
}

async function loadRun(where: Where) {
  const data = await gql<RunOverviewQuery, RunOverviewQueryVariables>(runDocument, "RunOverview", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    consoleLines: CONSOLE_PAGE,
    filesPage: FILES_PAGE,
    artifactsPage: ARTIFACTS_PAGE,
  });
  if (!data.project) throw new Error(`No project ${where.entity}/${where.project}, or you may not see it.`);
  const run = data.project.run;
  if (!run) throw new Error(`No run ${where.run} in ${where.entity}/${where.project}.`);
  return { run, keys: chartKeys(run.historyKeys) };
}

function commandOf(meta: JsonObject | null): string {
  if (!meta) return "";
  const program = typeof meta.program === "string" ? meta.program : typeof meta.codePath === "string" ? meta.codePath : "";
  const args = Array.isArray(meta.args) ? meta.args.map((arg) => show(arg)) : [];
  return ["python", program, ...args].filter((part) => part !== "").join(" ");
}

function gitOf(meta: JsonObject | null): { commit: string; remote: string } {
  const git = meta?.git;
  if (git === null || git === undefined || typeof git !== "object" || Array.isArray(git)) return { commit: "", remote: "" };
  return { commit: show(git.commit), remote: show(git.remote) };
}

/** Seconds the run ran: from its creation to its end (or last heartbeat); when that is nothing (a run created,
 * ended or given its history in one go by a script), the _runtime it logged, in its summary or last history row. */
function runtimeOf(run: RunData, summary: JsonObject): number | null {
  const wall = (Date.parse(run.finishedAt ?? run.heartbeatAt ?? "") - Date.parse(run.createdAt)) / 1000;
  if (wall >= 1) return wall; // under a second shows as 0s: a run made and ended (or logged) in one go
  if (typeof summary._runtime === "number" && summary._runtime > 0) return summary._runtime;
  const rows = parseJson(run.runtimeTail[0] ?? "[]");
  const last = Array.isArray(rows) ? rows[rows.length - 1] : null;
  const logged = last !== null && typeof last === "object" && !Array.isArray(last) ? last._runtime : null;
  if (typeof logged === "number" && logged > 0) return logged;
  return Number.isNaN(wall) ? null : Math.max(wall, 0);
}

export function RunPage(props: Where & { charts: ChartSettings }) {
  const where = { entity: props.entity, project: props.project, run: props.run };
  const inputs = [props.entity, props.project, props.run];
  // The run's query and the system stream start at once; nothing the charts need waits for the other.
  const loaded = useLoad(() => loadRun(where), inputs);
  const system = useLoad(() => systemCharts(where), inputs);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  return <RunView where={where} charts={props.charts} run={loaded.value.run} keys={loaded.value.keys} system={system} />;
}

interface RunViewProps {
  where: Where;
  charts: ChartSettings;
  run: RunData;
  keys: string[];
  system: Loaded<[string, Series][]>;
}

function RunView(props: RunViewProps) {
  const { where, run, keys, system } = props;
  // wandb-metadata.json fills in the overview's command and git lines when it arrives, beside the charts' load.
  const metaLoaded = useLoad(
    () => metadata(where, run).catch((error: Error) => ({ error: error.message }) as JsonObject),
    [where.entity, where.project, where.run],
  );
  const meta = metaLoaded.state === "done" ? metaLoaded.value : null;
  const git = gitOf(meta);
  const summaryValues = parseObject(run.summaryMetrics, true);
  const runtime = runtimeOf(run, summaryValues);
  const here = `${where.entity}/${where.project}/${where.run}`; // paged lists start again on another run
  // Asked to stop (here or elsewhere) while its client has yet to end it.
  const [stopAsked, setStopAsked] = useState(false);
  const live = run.state === "running" || run.state === "preempting";
  const stopping = live && (run.stopped || stopAsked);
  const state = stopping ? "stopping" : run.state;
  const overview: [string, Json | undefined][] = [
    ["Run id", run.name],
    ["State", state],
    ["Exit code", run.exitCode ?? undefined],
    ["User", run.user?.username],
    ["Created", formatTime(run.createdAt)],
    ["Last heartbeat", formatTime(run.heartbeatAt)],
    ["Finished", formatTime(run.finishedAt)],
    ["Runtime", runtime === null ? "" : formatDuration(runtime)],
    ["Host", run.host ?? (meta ? show(meta.host) : "")],
    ["Command", commandOf(meta)],
    ["Git commit", git.commit],
    ["Git remote", git.remote],
    ["Group", run.group ?? ""],
    ["Job type", run.jobType ?? ""],
    ["Sweep", run.sweepName ?? ""],
    ["Notes", run.notes ?? ""],
  ];

  return (
    <div class="run">
      <h1>
        <span class="run-name">{run.displayName || run.name}</span> <span class={`state state-${state}`}>{state}</span>{" "}
        {live && !stopping && !run.readOnly && <StopRun run={run} onStopped={() => setStopAsked(true)} />}
      </h1>
      <p class="tags">
        {run.tags.map((tag) => (
          <span key={tag} class="tag">{tag}</span>
        ))}
      </p>
      <section class="overview">
        <div>
          <h2>Overview</h2>
          <Pairs label="overview" entries={overview.filter(([, value]) => value !== undefined && value !== "")} />
        </div>
        <div>
          <h2>Config</h2>
          <Pairs label="config" entries={Object.entries(configValues(run.config)).sort(([a], [b]) => a.localeCompare(b))} />
        </div>
        <div>
          <h2>Summary</h2>
          <SummaryTable summary={summaryValues} />
        </div>
      </section>
      <section>
        <h2>Charts</h2>
        <RunCharts where={where} keys={keys} config={run.config} settings={props.charts} />
      </section>
      <MediaPanels where={where} summary={run.summaryMetrics} config={run.config} />
      <section>
        <h2>System</h2>
        {system.state === "loading" ? (
          <Loading />
        ) : system.state === "failed" ? (
          <ErrorBox error={system.error} />
        ) : system.value.length === 0 ? (
          <p class="empty">No system metrics.</p>
        ) : (
          <div class="charts" data-section="system">
            {system.value.map(([key, data]) => (
              <LineChart key={key} title={key} xLabel="_runtime (s)" data={data} />
            ))}
          </div>
        )}
      </section>
      <section>
        <h2>Console output</h2>
        <RunConsole key={here} where={where} tail={run.consoleTail} count={run.consoleLineCount} />
      </section>
      <section>
        <h2>Files</h2>
        <RunFiles key={here} where={where} first={run.files} />
      </section>
      <section class="run-artifacts-section">
        <h2>Artifacts</h2>
        <RunArtifacts key={here} where={where} logged={run.loggedArtifacts} used={run.usedArtifacts} />
      </section>
      <section>
        <h2>Metadata</h2>
        {metaLoaded.state === "loading" ? (
          <Loading />
        ) : meta ? (
          <Pairs label="metadata" entries={Object.entries(meta).sort(([a], [b]) => a.localeCompare(b))} />
        ) : (
          <p class="empty">No {METADATA_FILE}.</p>
        )}
      </section>
    </div>
  );
}
