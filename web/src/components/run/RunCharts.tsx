// The run's history charts, W&B's way: by default each chart against its define_metric step metric (as the run's
// config records it; "val/*" drawn against "epoch", say) or else _step; an x axis chosen for the page (_step,
// _runtime, _timestamp as time, or any numeric key) for every chart; smoothing, a log y axis, and the charts in
// sections named by the keys' prefixes ("train/loss" under "train"). Hidden metrics get no chart. The settings live
// in the URL. All charts load in one sampledHistory request; a zoom loads a finer sample of the steps it shows.
import { useMemo, useState } from "preact/hooks";
import { useLoad } from "../../hooks";
import type { JsonObject } from "../../json";
import { chartSettingsUrl, MAX_SMOOTHING, navigate, type ChartSettings } from "../../router";
import { LineChart, type Series } from "../LineChart";
import { ErrorBox, Loading } from "../Status";
import { finite, sampledRows, type Where } from "./history";
import { metricDefinitions } from "./metricDefinitions";
import "./run.css";

const SAMPLES = 1000;
const TIME_AXES = ["_step", "_runtime", "_timestamp"];
const AXIS_LABELS: Record<string, string> = { _step: "Step", _runtime: "Runtime (s)", _timestamp: "Time" };
const DEFAULT_AXIS = ""; // the x axis select's value for "each chart its step metric"
const NO_SECTION = "Charts";
const EMPTY: Line = { series: [[], []], steps: [] };

/** A chart: the key it draws and the key it draws it against. */
interface Chart {
  key: string;
  x: string;
}

/** A chart's points (x and the values) and the step each was logged at. */
interface Line {
  series: Series;
  steps: number[];
}

function lineOf(rows: JsonObject[], x: string, key: string): Line {
  const [xs, ys]: Series = [[], []];
  const steps: number[] = [];
  for (const row of rows) {
    const at = finite(row[x]);
    const step = finite(row._step);
    if (at === null || step === null) continue;
    xs.push(at);
    ys.push(finite(row[key]));
    steps.push(step);
  }
  return { series: [xs, ys], steps };
}

async function loadLines(where: Where, charts: Chart[], steps?: [number, number]): Promise<Line[]> {
  const range = steps ? { minStep: steps[0], maxStep: steps[1] } : {};
  const rows = await sampledRows(where, charts.map(({ key, x }) => ({ keys: [key], samples: SAMPLES, xAxis: x, ...range })));
  return rows.map((list, i) => lineOf(list, charts[i]?.x ?? "_step", charts[i]?.key ?? ""));
}

/** The steps [first, last + 1) behind the points a chart shows between x = min and x = max: on another axis
 * than _step, from the loaded points just outside that range (x grows with the step, as time does). */
export function stepsShown(line: Line, xAxis: string, min: number, max: number): [number, number] {
  if (xAxis === "_step") return [Math.floor(min), Math.ceil(max) + 1];
  const [xs] = line.series;
  const { steps } = line;
  let low = steps[0] ?? 0;
  let high = steps[steps.length - 1] ?? 0;
  for (let i = 0; i < xs.length && (xs[i] ?? 0) <= min; i++) low = steps[i] ?? low;
  for (let i = xs.length - 1; i >= 0 && (xs[i] ?? 0) >= max; i--) high = steps[i] ?? high;
  return [Math.min(low, high), Math.max(low, high) + 1];
}

/** Sections by the part of a key before its first "/"; keys without one share the first section. */
function sections(keys: string[]): [string, string[]][] {
  const grouped = new Map<string, string[]>();
  for (const key of keys) {
    const cut = key.indexOf("/");
    const name = cut > 0 ? key.slice(0, cut) : NO_SECTION;
    grouped.set(name, [...(grouped.get(name) ?? []), key]);
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
  const loaded = useLoad(() => loadLines(where, charts), [where.entity, where.project, where.run, plan]);
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
  if (loaded.state !== "done") {
    return (
      <>
        {controls}
        {loaded.state === "loading" ? <Loading /> : <ErrorBox error={loaded.error} />}
      </>
    );
  }
  const lines = new Map(charts.map((chart, i) => [chart.key, loaded.value[i] ?? EMPTY]));
  const axisOf = new Map(charts.map((chart) => [chart.key, chart.x]));
  const refine = (chart: Chart) => async (min: number, max: number): Promise<Series> => {
    const line = lines.get(chart.key);
    if (!line) return [[], []];
    const finer = (await loadLines(where, [chart], stepsShown(line, chart.x, min, max)))[0];
    return finer?.series ?? [[], []];
  };
  return (
    <>
      {controls}
      <p class="hint">Drag across a chart to zoom into those steps (a finer sample loads); double-click to reset.</p>
      {sections(charts.map((chart) => chart.key)).map(([name, members]) => (
        <details key={name} class="chart-section" data-section-name={name} open>
          <summary>
            {name} <span class="count">({members.length})</span>
          </summary>
          <div class="charts" data-section="history">
            {members.map((key) => {
              const axis = axisOf.get(key) ?? "_step";
              return (
                <LineChart
                  key={key}
                  title={key}
                  xLabel={AXIS_LABELS[axis] ?? axis}
                  data={(lines.get(key) ?? EMPTY).series}
                  refine={refine({ key, x: axis })}
                  smoothing={smoothing}
                  logY={logY}
                  timeX={axis === "_timestamp"}
                />
              );
            })}
          </div>
        </details>
      ))}
    </>
  );
}
