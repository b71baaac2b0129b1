// A page of a project's runs as the table shows them: each run with its config (plain values) and summary.
import { gql } from "../../api";
import type { ProjectRunsQuery, ProjectRunsQueryVariables } from "../../generated/graphql";
import { configValues, parseObject, type JsonObject } from "../../json";
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

/** The config and summary keys the rows hold (W&B's own, starting with _, left out), each in name order. */
export function keysOf(rows: Row[]): { config: string[]; summary: string[] } {
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row.config)) if (!key.startsWith("_")) config.add(key);
    for (const key of Object.keys(row.summary)) if (!key.startsWith("_")) summary.add(key);
  }
  return { config: [...config].sort(), summary: [...summary].sort() };
}
