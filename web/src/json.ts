// The server writes JSON in Python's dialect: bare NaN, Infinity and -Infinity may appear where numbers go.
// JSON.parse refuses them, so they are swapped for marker strings (outside string literals only) and turned
// back into numbers by a reviver. The markers hold a NUL, which the server never stores in a user string.

const MARK = "\u0000nonfinite:";
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const VALUES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function parseJson(text: string): Json {
  if (!/NaN|Infinity/.test(text)) return JSON.parse(text) as Json;
  const marked = text.replace(TOKENS, (token) => (token.startsWith('"') ? token : JSON.stringify(MARK + token)));
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(MARK) ? VALUES[value.slice(MARK.length)] : value,
  ) as Json;
}

export function parseObject(text: string): JsonObject {
  const value = parseJson(text);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** A value as one line of text for a table cell or an overview row. */
export function show(value: Json | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

/** A run's config in W&B's shape {"key": {"value": ..., "desc": ...}} as plain values, without W&B's _wandb. */
export function configValues(text: string): JsonObject {
  const values: JsonObject = {};
  for (const [key, entry] of Object.entries(parseObject(text))) {
    if (key === "_wandb") continue;
    const wrapped = entry !== null && typeof entry === "object" && !Array.isArray(entry) && "value" in entry;
    values[key] = wrapped ? (entry.value ?? null) : entry;
  }
  return values;
}
