// A page of a project's runs as the table shows them: each run with its config (plain values) and summary.
import { gql } from "../../api";
import type { ProjectRunsQuery, ProjectRunsQueryVariables, RunKeysQuery, RunKeysQueryVariables } from "../../generated/graphql";
import { configValues, parseObject, type JsonObject } from "../../json";
import tableDocument from "../../queries/runs-table.graphql?raw";
import runsDocument from "../../queries/runs.graphql?raw";

/** The project is not there for the viewer: the page shows this alone, with no tools for runs it has not. */
export class MissingProject extends Error {
  constructor(entity: string, project: string) {
    super(`No project ${entity}/${project}, or you may not see it.`);
  }
}

export type RunNode = NonNullable<ProjectRunsQuery["project"]>["runs"]["edges"][number]["node"];
export interface Row {
  run: RunNode;
  config: JsonObject;
  summary: JsonObject;
}

/** A picked column: a config or summary key; "config:lr" in the URL's cols=. */
export interface Column {
  source: "config" | "summary";
  key: string;
}

export function columnId(column: Column): string {
  return `${column.source}:${column.key}`;
}

export async function loadRuns(
  entity: string,
  project: string,
  request: { filters: string; order: string; first: number; after: string | null },
) {
  const data = await gql<ProjectRunsQuery, ProjectRunsQueryVariables>(runsDocument, "ProjectRuns", {
    entityName: entity,
    project,
    filters: request.filters.trim() || null,
    order: request.order,
    first: request.first,
    after: request.after,
  });
  if (!data.project) throw new MissingProject(entity, project);
  const runs = data.project.runs;
  const rows: Row[] = runs.edges.map((edge) => ({
    run: edge.node,
    config: configValues(edge.node.config),
    summary: parseObject(edge.node.summaryMetrics, true),
  }));
  return { rows, totalCount: runs.totalCount, pageInfo: runs.pageInfo };
}

export interface Keys {
  config: string[];
  summary: string[];
}
const MAX_PROJECT_KEYS = 1000;

/** The keys of all the project's runs, as the server's index of run values lists them (Project.runKeys). */
export async function loadProjectKeys(entity: string, project: string): Promise<Keys> {
  const data = await gql<RunKeysQuery, RunKeysQueryVariables>(tableDocument, "RunKeys", { entityName: entity, project, first: MAX_PROJECT_KEYS });
  return data.project?.runKeys ?? { config: [], summary: [] };
}

/** The project's keys with those the rows hold: the index lists no key holding only booleans or objects, nor
 * keys past its bound (W&B's own, starting with _, left out), each in name order. */
export function keysOf(rows: Row[], project: Keys | null): Keys {
  const config = new Set<string>(project?.config);
  const summary = new Set<string>(project?.summary);
  for (const row of rows) {
    for (const key of Object.keys(row.config)) config.add(key);
    for (const key of Object.keys(row.summary)) summary.add(key);
  }
  const own = (key: string) => !key.startsWith("_");
  return { config: [...config].filter(own).sort(), summary: [...summary].filter(own).sort() };
}

/** Keys with a dot cannot be sorted, filtered or grouped by: the server reads config.a.b as the key b inside
 * the key a, and has no way to name a key whose own name holds a dot. The table still shows them as columns. */
export const DOTTED =
  "A key whose name holds a dot cannot be sorted, filtered or grouped by: filters read a.b as the key b inside a.";
export function queryable(key: string): boolean {
  return !key.includes(".");
}
