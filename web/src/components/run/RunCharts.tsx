// The run's history charts, W&B's way: by default each chart against its define_metric step metric (as the run's
// config records it; "val/*" drawn against "epoch", say) or else _step; an x axis chosen for the page (_step,
// _runtime, _timestamp as time, or any numeric key) for every chart; smoothing, a log y axis, and the charts in
// sections named by the keys' prefixes ("train/loss" under "train"). Hidden metrics get no chart. The settings live
// in the URL. Each chart draws as soon as its own sample arrives, those in view first (chartLoader.ts); a zoom
// loads a finer sample of the steps it shows.
import { useEffect, useMemo, useState } from "preact/hooks";
import { chartSettingsUrl, MAX_SMOOTHING, navigate, type ChartSettings } from "../../router";
import { loadLines, type Chart, type Line } from "./chartLines";
import { ChartLoader } from "./chartLoader";
import type { Where } from "./history";
import { HistoryChart } from "./HistoryChart";
import { metricDefinitions } from "./metricDefinitions";
import "./run.css";

const TIME_AXES = ["_step", "_runtime", "_timestamp"];
const AXIS_LABELS: Record<string, string> = { _step: "Step", _runtime: "Runtime (s)", _timestamp: "Time" };
const DEFAULT_AXIS = ""; // the x axis select's value for "each chart its step metric"
const NO_SECTION = "Charts";

/** Sections by the part of a key before its first "/"; keys without one share the first section. */
function sections(charts: Chart[]): [string, Chart[]][] {
  const grouped = new Map<string, Chart[]>();
  for (const chart of charts) {
    const cut = chart.key.indexOf("/");
    const name = cut > 0 ? chart.key.slice(0, cut) : NO_SECTION;
    const members = grouped.get(name);
    if (members) members.push(chart);
    else grouped.set(name, [chart]);
  }
  return [...grouped.entries()].sort(([a], [b]) => (a === NO_SECTION ? -1 : b === NO_SECTION ? 1 : a.localeCompare(b)));
}

/** What the page draws: each key but hidden ones and the page's x axis, against that axis, or by default against
 * its step metric where it has one the run logged (a key is never drawn against itself). */
function chartsOf(keys: string[], config: string, x: string | null): { charts: Chart[]; anyStep: boolean } {
  const definitions = metricDefinitions(config);
  const axes = new Set([...TIME_AXES, ...keys]);
  const charts = keys
    .filter((key) => key !== x && !definitions.of(key)?.hidden)
    .map((key) => {
      const step = definitions.of(key)?.step;
      return { key, x: x ?? (step && step !== key && axes.has(step) ? step : "_step") };
    });
  return { charts, anyStep: definitions.anyStep };
}

export function RunCharts(props: { where: Where; keys: string[]; config: string; settings: ChartSettings }) {
  const { where, keys } = props;
  // An x axis the run does not have (an old or edited link) is ignored, as is any other bad value in the URL.
  const x = props.settings.x !== null && (TIME_AXES.includes(props.settings.x) || keys.includes(props.settings.x)) ? props.settings.x : null;
  const settings = { ...props.settings, x };
  const { charts, anyStep } = useMemo(() => chartsOf(keys, props.config, x), [keys, props.config, x]);
  const [dragged, setDragged] = useState<number | null>(null); // the smoothing while its slider moves
  const smoothing = dragged ?? settings.smoothing;
  const logY = settings.logY;
  const plan = charts.map((chart) => `${chart.key}\u0000${chart.x}`).join("\n");
  const grouped = useMemo(() => sections(charts), [plan]);
  const loader = useMemo(() => {
    const byKey = new Map(charts.map((chart) => [chart.key, chart]));
    const order = grouped.flatMap(([, members]) => members.map((chart) => chart.key));
    return new ChartLoader<string, Line>(order, (batch) => loadLines(where, batch.map((key) => byKey.get(key) ?? { key, x: "_step" })));
  }, [where.entity, where.project, where.run, plan]);
  useEffect(() => () => loader.close(), [loader]);
  const change = (changed: Partial<ChartSettings>) => navigate(chartSettingsUrl({ ...settings, ...changed }));

  if (keys.length === 0) return <p class="empty">No numeric history logged.</p>;
  const controls = (
    <div class="chart-controls">
      <label>
        X axis{" "}
        <select
          id="x-axis"
          value={x ?? (anyStep ? DEFAULT_AXIS : "_step")}
          onChange={(event) => {
            const chosen = event.currentTarget.value;
            change({ x: chosen === DEFAULT_AXIS || (!anyStep && chosen === "_step") ? null : chosen });
          }}
        >
          {anyStep && <option value={DEFAULT_AXIS}>Each metric's step metric</option>}
          {[...TIME_AXES, ...keys].map((choice) => (
            <option key={choice} value={choice}>
              {AXIS_LABELS[choice] ?? choice}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing{" "}
        <input
          id="smoothing"
          type="range"
          min="0"
          max={String(MAX_SMOOTHING)}
          step="0.01"
          value={smoothing}
          onInput={(event) => setDragged(Number(event.currentTarget.value))}
          onChange={(event) => {
            setDragged(null);
            change({ smoothing: Number(event.currentTarget.value) });
          }}
        />{" "}
        <output for="smoothing">{smoothing.toFixed(2)}</output>
      </label>
      <label>
        <input id="log-y" type="checkbox" checked={logY} onChange={(event) => change({ logY: event.currentTarget.checked })} /> Log scale
      </label>
    </div>
  );
  return (
    <>
      {controls}
      <p class="hint">Drag across a chart to zoom into those steps (a finer sample loads); double-click to reset.</p>
      {grouped.map(([name, members]) => (
        <details key={name} class="chart-section" data-section-name={name} open>
          <summary>
            {name} <span class="count">({members.length})</span>
          </summary>
          <div class="charts" data-section="history">
            {members.map((chart) => (
              <HistoryChart
                key={chart.key}
                where={where}
                chart={chart}
                loader={loader}
                xLabel={AXIS_LABELS[chart.x] ?? chart.x}
                smoothing={smoothing}
                logY={logY}
              />
            ))}
          </div>
        </details>
      ))}
    </>
  );
}
