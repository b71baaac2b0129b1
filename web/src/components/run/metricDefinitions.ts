// define_metric's definitions as a run's config records them: W&B's `_wandb.m`, a list of MetricRecords keyed by
// their protobuf field numbers, written the same way by runbase's SDK and by W&B's own client. A record names a
// metric (1) or a glob such as "val/*" (2); its step metric is the 1-based place of that metric's record in the list
// (5) or, from older W&B clients, its name (4); its options (6) list 2 when the metric is hidden.
import { wandbBookkeeping, type Json } from "../../json";
import { isObject } from "./history";

const NAME = "1";
const GLOB_NAME = "2";
const STEP_NAME = "4";
const STEP_INDEX = "5";
const OPTIONS = "6";
const DEFINED = 3;
const HIDDEN = 2;

export interface Definition {
  /** The key the metric is drawn against, or null for none of its own. */
  step: string | null;
  hidden: boolean;
}

export interface Definitions {
  /** The definition of a key: its own, else the first glob that matches it (the most specific first). */
  of(key: string): Definition | null;
  /** Whether any definition gives a step metric (then the page's default x axis means something). */
  anyStep: boolean;
}

function numbers(value: Json | undefined): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === "number") : [];
}

/** Whether `key` matches `glob`, where "*" stands for any text and everything else for itself; in one pass (each
 * piece between stars found at its first place after the one before), so no glob can make it slow. */
export function globMatches(glob: string, key: string): boolean {
  const pieces = glob.split("*");
  const first = pieces[0] ?? "";
  if (pieces.length === 1) return key === glob;
  const last = pieces[pieces.length - 1] ?? "";
  if (!key.startsWith(first) || key.length < first.length + last.length || !key.endsWith(last)) return false;
  let at = first.length;
  const end = key.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = key.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

export function metricDefinitions(configText: string): Definitions {
  const records = wandbBookkeeping(configText).m;
  const list = Array.isArray(records) ? records : [];
  const exact = new Map<string, Definition>();
  const globs: [string, Definition][] = [];
  for (const record of list) {
    if (!isObject(record)) continue;
    const at = record[STEP_INDEX];
    const target = typeof at === "number" && Number.isInteger(at) ? list[at - 1] : undefined;
    const byIndex = isObject(target) ? target[NAME] : undefined;
    const step = typeof byIndex === "string" ? byIndex : record[STEP_NAME];
    const options = numbers(record[OPTIONS]);
    const definition = { step: typeof step === "string" && step !== "" ? step : null, hidden: options.includes(HIDDEN) };
    // A record that says nothing (a step metric's place in the list) is no definition: a glob may still apply.
    if (definition.step === null && !definition.hidden && !options.includes(DEFINED)) continue;
    const name = record[NAME];
    const glob = record[GLOB_NAME];
    if (typeof name === "string" && name !== "") exact.set(name, definition);
    else if (typeof glob === "string" && glob !== "") globs.push([glob, definition]);
  }
  globs.sort(([a], [b]) => b.replace(/\*/g, "").length - a.replace(/\*/g, "").length);
  const resolved = new Map<string, Definition | null>();
  return {
    of(key: string): Definition | null {
      let found = resolved.get(key);
      if (found === undefined) {
        // Globs leave W&B's own keys (_step, _runtime, ...) alone, as the SDK's do.
        found = exact.get(key) ?? (key.startsWith("_") ? null : (globs.find(([glob]) => globMatches(glob, key))?.[1] ?? null));
        resolved.set(key, found);
      }
      return found;
    },
    anyStep: [...exact.values(), ...globs.map(([, definition]) => definition)].some((definition) => definition.step !== null),
  };
}
