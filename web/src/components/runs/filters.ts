// The runs table's filters as MongoDB-style documents: what the builder adds, and a filter narrowed by another
// (a group's value, a sweep), always the JSON the raw box shows and the server reads.
import { parseJson, type Json, type JsonObject } from "../../json";

export const OPERATORS = {
  "=": "equals",
  "!=": "is not",
  ">": ">",
  ">=": "≥",
  "<": "<",
  "<=": "≤",
  contains: "contains",
  in: "is one of",
  exists: "is set",
  missing: "is not set",
} as const;
export type Operator = keyof typeof OPERATORS;

/** Fields whose values are strings as typed; config and summary values are read as JSON when they parse. */
const TEXT_FIELDS = new Set(["state", "tags", "name", "displayName", "group", "jobType", "username", "sweep"]);

/** A typed value: `0.01`, `true`, `null`, `[1, 2]` are JSON for config and summary keys; anything else is text. */
export function typedValue(field: string, text: string): Json {
  const trimmed = text.trim();
  if (TEXT_FIELDS.has(field)) return trimmed;
  try {
    return parseJson(trimmed);
  } catch {
    return trimmed;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One condition of the builder as a filter document. */
export function condition(field: string, operator: Operator, text: string): JsonObject {
  switch (operator) {
    case "=":
      return { [field]: typedValue(field, text) };
    case "!=":
      return { [field]: { $ne: typedValue(field, text) } };
    case ">":
      return { [field]: { $gt: typedValue(field, text) } };
    case ">=":
      return { [field]: { $gte: typedValue(field, text) } };
    case "<":
      return { [field]: { $lt: typedValue(field, text) } };
    case "<=":
      return { [field]: { $lte: typedValue(field, text) } };
    case "contains":
      return { [field]: { $regex: escapeRegex(text.trim()) } };
    case "in":
      return { [field]: { $in: text.split(",").map((part) => typedValue(field, part)) } };
    case "exists":
      return { [field]: { $exists: true } };
    case "missing":
      return { [field]: { $exists: false } };
  }
}

/** The filter text parsed, or null when there is none; throws on text that is not a JSON object. */
export function parseFilter(text: string): JsonObject | null {
  if (!text.trim()) return null;
  const parsed = parseJson(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("a filter is a JSON object");
  return parsed;
}

/** Both filters must hold: the first's $and list grows, so adding conditions one by one stays flat. */
export function narrow(filter: JsonObject | null, extra: JsonObject): JsonObject {
  if (filter === null || Object.keys(filter).length === 0) return extra;
  const keys = Object.keys(filter);
  const list = filter.$and;
  if (keys.length === 1 && Array.isArray(list)) return { $and: [...list, extra] };
  return { $and: [filter, extra] };
}
