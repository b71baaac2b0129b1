// What a sweep's parallel-coordinates chart shows: an axis per parameter of the sweep configuration (nested
// parameters as dotted paths into the run's config), then the metric from each run's summary; a run's values
// on them; and the best run by the metric's goal.
import { show, type Json, type JsonObject } from "../../json";

export interface Axis {
  name: string;
  /** Numbers are placed by value; anything else by its place among the axis's distinct values. */
  kind: "number" | "category";
  min: number;
  max: number;
  categories: string[];
}

export interface Line {
  run: string;
  label: string;
  /** A value per axis, undefined where the run has none. */
  values: (Json | undefined)[];
}

export interface Chart {
  axes: Axis[];
  lines: Line[];
  best: string | null;
  metric: string | null;
  goal: "minimize" | "maximize";
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

/** The parameter paths of a sweep configuration's `parameters`, in the order given. */
export function parameterPaths(parameters: Json | undefined, prefix = ""): string[] {
  if (!isObject(parameters)) return [];
  return Object.entries(parameters).flatMap(([name, spec]) =>
    isObject(spec) && isObject(spec.parameters) ? parameterPaths(spec.parameters, `${prefix}${name}.`) : [`${prefix}${name}`],
  );
}

/** The value at a dotted path (a key holding dots is tried whole first). */
export function valueAt(document: JsonObject, dotted: string): Json | undefined {
  if (dotted in document) return document[dotted];
  const at = dotted.indexOf(".");
  if (at < 0) return undefined;
  const head = document[dotted.slice(0, at)];
  return isObject(head) ? valueAt(head, dotted.slice(at + 1)) : undefined;
}

function finite(value: Json | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function axisOf(name: string, values: (Json | undefined)[]): Axis {
  const present = values.filter((v) => v !== undefined);
  if (present.length > 0 && present.every(finite)) {
    const numbers = present as number[];
    return { name, kind: "number", min: Math.min(...numbers), max: Math.max(...numbers), categories: [] };
  }
  const categories = [...new Set(present.map((v) => show(v)))].sort();
  return { name, kind: "category", min: 0, max: Math.max(categories.length - 1, 0), categories };
}

export function buildChart(
  sweepConfig: JsonObject,
  runs: { name: string; label: string; config: JsonObject; summary: JsonObject }[],
): Chart {
  const params = parameterPaths(sweepConfig.parameters);
  const metricSpec = sweepConfig.metric;
  const metric = isObject(metricSpec) && typeof metricSpec.name === "string" ? metricSpec.name : null;
  const goal = isObject(metricSpec) && metricSpec.goal === "maximize" ? "maximize" : "minimize";
  const lines: Line[] = runs.map((run) => ({
    run: run.name,
    label: run.label,
    values: [...params.map((p) => valueAt(run.config, p)), ...(metric === null ? [] : [valueAt(run.summary, metric)])],
  }));
  const names = metric === null ? params : [...params, metric];
  const axes = names.map((name, i) => axisOf(name, lines.map((line) => line.values[i])));
  let best: string | null = null;
  let bestValue = 0;
  if (metric !== null) {
    for (const line of lines) {
      const value = line.values[names.length - 1];
      if (!finite(value)) continue;
      if (best === null || (goal === "minimize" ? value < bestValue : value > bestValue)) {
        best = line.run;
        bestValue = value;
      }
    }
  }
  return { axes, lines, best, metric, goal };
}

/** Where a value sits on its axis, from 0 (bottom) to 1 (top); null where it has none. */
export function position(axis: Axis, value: Json | undefined): number | null {
  if (value === undefined) return null;
  if (axis.kind === "number") {
    if (!finite(value)) return null;
    return axis.max === axis.min ? 0.5 : (value - axis.min) / (axis.max - axis.min);
  }
  const at = axis.categories.indexOf(show(value));
  if (at < 0) return null;
  return axis.categories.length === 1 ? 0.5 : at / (axis.categories.length - 1);
}
