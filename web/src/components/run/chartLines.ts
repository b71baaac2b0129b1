// A history chart's points as the server samples them: the whole run's, and for a zoom the steps in view with
// the logged point just outside each edge, so that the line still runs to the window's edges (and across a
// window between two sparse points) as it did before the zoom.
import type { JsonObject } from "../../json";
import type { Series } from "../LineChart";
import { finite, sampledRows, type HistorySpec, type Where } from "./history";

export const SAMPLES = 1000;

/** A chart: the key it draws and the key it draws it against. */
export interface Chart {
  key: string;
  x: string;
}

/** A chart's points (x and the values) in the order of x, and the step each was logged at. */
export interface Line {
  series: Series;
  steps: number[];
}

export const EMPTY: Line = { series: [[], []], steps: [] };

/** The rows' points, sorted by x (uPlot needs that; W&B draws a metric against a non-monotonic x axis as a
 * line in the order of x), rows of equal x staying in step order. */
export function lineOf(rows: JsonObject[], x: string, key: string): Line {
  const points: [number, number | null, number][] = [];
  for (const row of rows) {
    const at = finite(row[x]);
    const step = finite(row._step);
    if (at !== null && step !== null) points.push([at, finite(row[key]), step]);
  }
  if (points.some((point, i) => i > 0 && point[0] < points[i - 1]![0])) points.sort((a, b) => a[0] - b[0]); // stable
  return { series: [points.map((p) => p[0]), points.map((p) => p[1])], steps: points.map((p) => p[2]) };
}

/** Each chart's sample of the whole run, one spec a chart, in one request. */
export async function loadLines(where: Where, charts: Chart[]): Promise<Line[]> {
  const rows = await sampledRows(where, charts.map(({ key, x }) => ({ keys: [key], samples: SAMPLES, xAxis: x })));
  return rows.map((list, i) => lineOf(list, charts[i]?.x ?? "_step", charts[i]?.key ?? ""));
}

/** The steps [first, last + 1) behind the points a chart shows between x = min and x = max: on another axis
 * than _step, those of the loaded points from the last at or before min to the first at or after max (all of
 * the steps between, where x does not grow with the step). */
export function stepsShown(line: Line, xAxis: string, min: number, max: number): [number, number] {
  if (xAxis === "_step") return [Math.floor(min), Math.ceil(max) + 1];
  const [xs] = line.series;
  const { steps } = line;
  if (steps.length === 0) return [0, 1];
  let first = 0;
  while (first + 1 < xs.length && (xs[first + 1] ?? 0) <= min) first++;
  let last = xs.length - 1;
  while (last > 0 && (xs[last - 1] ?? 0) >= max) last--;
  const inView = steps.slice(Math.min(first, last), Math.max(first, last) + 1);
  return [Math.min(...inView), Math.max(...inView) + 1];
}

/** A finer sample of the steps [low, high) and the logged points next to them: between each edge and the
 * loaded point beyond it (whole-run samples keep the first and last rows, so one is loaded wherever a logged
 * point is), a range whose first and last rows a sample of two always are. */
export async function loadZoom(where: Where, chart: Chart, line: Line, [low, high]: [number, number]): Promise<Series> {
  const before = Math.max(...line.steps.filter((step) => step < low));
  const after = Math.min(...line.steps.filter((step) => step >= high));
  const keys = [chart.key];
  const specs: HistorySpec[] = [{ keys, samples: SAMPLES, xAxis: chart.x, minStep: low, maxStep: high - 1 }];
  if (Number.isFinite(before)) specs.push({ keys, samples: 2, xAxis: chart.x, minStep: before, maxStep: low - 1 });
  if (Number.isFinite(after)) specs.push({ keys, samples: 2, xAxis: chart.x, minStep: high, maxStep: after });
  const [inView = [], ...edges] = await sampledRows(where, specs);
  const beforeRows = Number.isFinite(before) ? edges.shift() ?? [] : [];
  const afterRows = edges.shift() ?? [];
  const rows = [...beforeRows.slice(-1), ...inView, ...afterRows.slice(0, 1)];
  return lineOf(rows, chart.x, chart.key).series;
}
