// The run's history charts, W&B's way: one x axis for the page (_step, _runtime, _timestamp as time, or any
// numeric key such as a define_metric step metric), smoothing, a log y axis, and the charts in sections named
// by the keys' prefixes ("train/loss" under "train"). All charts load in one sampledHistory request; a zoom
// loads a finer sample of the steps it shows.
import { useState } from "preact/hooks";
import { useLoad } from "../../hooks";
import type { JsonObject } from "../../json";
import { LineChart, type Series } from "../LineChart";
import { ErrorBox, Loading } from "../Status";
import { finite, sampledRows, type Where } from "./history";
import "./run.css";

const SAMPLES = 1000;
const TIME_AXES = ["_step", "_runtime", "_timestamp"];
const AXIS_LABELS: Record<string, string> = { _step: "Step", _runtime: "Runtime (s)", _timestamp: "Time" };
const NO_SECTION = "Charts";
const EMPTY: Line = { series: [[], []], steps: [] };

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

async function loadLines(where: Where, keys: string[], xAxis: string, steps?: [number, number]): Promise<Line[]> {
  const range = steps ? { minStep: steps[0], maxStep: steps[1] } : {};
  const rows = await sampledRows(where, keys.map((key) => ({ keys: [key], samples: SAMPLES, xAxis, ...range })));
  return rows.map((list, i) => lineOf(list, xAxis, keys[i] ?? ""));
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

export function RunCharts(props: { where: Where; keys: string[] }) {
  const { where, keys } = props;
  const [xAxis, setXAxis] = useState("_step");
  const [smoothing, setSmoothing] = useState(0);
  const [logY, setLogY] = useState(false);
  const shown = keys.filter((key) => key !== xAxis);
  const loaded = useLoad(() => loadLines(where, shown, xAxis), [where.entity, where.project, where.run, xAxis, keys.join("\n")]);
  const label = AXIS_LABELS[xAxis] ?? xAxis;

  if (keys.length === 0) return <p class="empty">No numeric history logged.</p>;
  const controls = (
    <div class="chart-controls">
      <label>
        X axis{" "}
        <select id="x-axis" value={xAxis} onChange={(event) => setXAxis(event.currentTarget.value)}>
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
          max="0.99"
          step="0.01"
          value={smoothing}
          onInput={(event) => setSmoothing(Number(event.currentTarget.value))}
        />{" "}
        <output for="smoothing">{smoothing.toFixed(2)}</output>
      </label>
      <label>
        <input id="log-y" type="checkbox" checked={logY} onChange={(event) => setLogY(event.currentTarget.checked)} /> Log scale
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
  const lines = new Map(shown.map((key, i) => [key, loaded.value[i] ?? EMPTY]));
  const refine = (key: string) => async (min: number, max: number): Promise<Series> => {
    const line = lines.get(key);
    if (!line) return [[], []];
    const finer = (await loadLines(where, [key], xAxis, stepsShown(line, xAxis, min, max)))[0];
    return finer?.series ?? [[], []];
  };
  return (
    <>
      {controls}
      <p class="hint">Drag across a chart to zoom into those steps (a finer sample loads); double-click to reset.</p>
      {sections(shown).map(([name, members]) => (
        <details key={name} class="chart-section" data-section-name={name} open>
          <summary>
            {name} <span class="count">({members.length})</span>
          </summary>
          <div class="charts" data-section="history">
            {members.map((key) => (
              <LineChart
                key={key}
                title={key}
                xLabel={label}
                data={(lines.get(key) ?? EMPTY).series}
                refine={refine(key)}
                smoothing={smoothing}
                logY={logY}
                timeX={xAxis === "_timestamp"}
              />
            ))}
          </div>
        </details>
      ))}
    </>
  );
}
