// The server writes JSON in Python's dialect: bare NaN, Infinity and -Infinity may appear where numbers go.
// JSON.parse refuses them, so they are swapped for marker strings (outside string literals only) and turned
// back into numbers by a reviver. The markers hold a NUL, which the server never stores in a user string.

const MARK = "\u0000nonfinite:";
const BIG = "\u0000integer:";
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const VALUES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

/** An integer past 2^53 is a bigint where parseJson was asked for exact integers (config and summary values, shown
 * as logged); everywhere else numbers are numbers. */
export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** JSON text as values; with `exact`, integers a number would round (past 2^53) are kept as bigints. */
export function parseJson(text: string, exact = false): Json {
  const big = exact && /\d{16}/.test(text);
  if (!big && !/NaN|Infinity/.test(text)) return JSON.parse(text) as Json;
  const marked = text.replace(TOKENS, (token) => {
    if (token.startsWith('"')) return token;
    if (token.endsWith("NaN") || token.endsWith("Infinity")) return JSON.stringify(MARK + token);
    return big && /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? JSON.stringify(BIG + token) : token;
  });
  return JSON.parse(marked, (_key, value: unknown) => {
    if (typeof value !== "string") return value;
    if (value.startsWith(MARK)) return VALUES[value.slice(MARK.length)];
    return value.startsWith(BIG) ? BigInt(value.slice(BIG.length)) : value;
  }) as Json;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

export function parseObject(text: string, exact = false): JsonObject {
  const value = parseJson(text, exact);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** A value as one line of text for a table cell or an overview row. */
export function show(value: Json | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v === "bigint" ? BIG + String(v) : v,
  ).replace(/"\\u0000integer:(-?\d+)"/g, "$1");
}

/** A run's config in W&B's shape {"key": {"value": ..., "desc": ...}} as plain values, without W&B's _wandb. */
export function configValues(text: string): JsonObject {
  const values: JsonObject = {};
  for (const [key, entry] of Object.entries(parseObject(text, true))) {
    if (key === "_wandb") continue;
    const wrapped = entry !== null && typeof entry === "object" && !Array.isArray(entry) && "value" in entry;
    values[key] = wrapped ? (entry.value ?? null) : entry;
  }
  return values;
}

/** W&B's bookkeeping in a run's config (`_wandb`: custom charts, metric definitions), whether wrapped as config
 * values are ({"value": ...}) or not; {} when there is none. */
export function wandbBookkeeping(configText: string): JsonObject {
  const wandb = parseObject(configText)._wandb;
  const inner = isObject(wandb) && isObject(wandb.value) ? wandb.value : wandb;
  return isObject(inner) ? inner : {};
}
