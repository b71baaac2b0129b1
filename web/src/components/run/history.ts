// Reading a run's history for charts and media panels: every spec in one sampledHistory request (the server
// takes 100 specs a request), each spec one key, so a key logged at other steps than its neighbours keeps
// all of its rows.
import { gql } from "../../api";
import type { RunSampledHistoryQuery, RunSampledHistoryQueryVariables } from "../../generated/graphql";
import { parseJson, type Json, type JsonObject } from "../../json";
import runDocument from "../../queries/run.graphql?raw";
import { path } from "../../router";

const MAX_SPECS = 100; // the server's limit per sampledHistory call

export interface Where {
  entity: string;
  project: string;
  run: string;
}

export interface HistorySpec {
  keys: string[];
  samples: number;
  xAxis?: string;
  minStep?: number;
  maxStep?: number; // inclusive, as W&B's specs are (history's maxStep is exclusive)
}

/** The rows each spec selects, as JSON objects, in the order of the specs. */
export async function sampledRows(where: Where, specs: HistorySpec[]): Promise<JsonObject[][]> {
  const out: JsonObject[][] = [];
  for (let i = 0; i < specs.length; i += MAX_SPECS) {
    const batch = specs.slice(i, i + MAX_SPECS);
    const data = await gql<RunSampledHistoryQuery, RunSampledHistoryQueryVariables>(runDocument, "RunSampledHistory", {
      entityName: where.entity,
      project: where.project,
      run: where.run,
      specs: batch.map((spec) => JSON.stringify(spec)),
    });
    const lists = data.project?.run?.sampledHistoryText ?? [];
    batch.forEach((_, j) => out.push(objects(parseJson(lists[j] ?? "[]"))));
  }
  return out;
}

export function objects(value: Json): JsonObject[] {
  if (!Array.isArray(value)) return [];
  return value.filter((row): row is JsonObject => row !== null && typeof row === "object" && !Array.isArray(row));
}

export { isObject } from "../../json";

export function finite(value: Json | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The address of one of the run's files (a media file a history value names by its path), each segment
 * encoded; null for a path that is no plain relative path (an empty, "." or ".." segment, a leading slash, a
 * backslash, which the server refuses in file names anyway): history is the logger's to write, and a ".." would
 * have the browser fetch another run's files. */
export function fileUrl(where: Where, name: string): string | null {
  const parts = name.split("/");
  if (name.includes("\\") || parts.some((part) => part === "" || part === "." || part === "..")) return null;
  return path("files", where.entity, where.project, where.run, ...parts);
}

/** One of the run's files, fetched with the page's session; a failed answer is an error naming the file. */
export async function fetchFile(where: Where, name: string): Promise<Response> {
  const url = fileUrl(where, name);
  if (url === null) throw new Error(`${name}: not a file path of this run`);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response;
}
