// Automations as the API has them (server/runbase_server/automations/automations.py): an event type with its
// filter, an action, a scope. The page reads and writes those JSON documents; the server checks them and its
// error messages are what the form shows.
import { gql } from "../../api";
import type {
  AutomationFieldsFragment,
  EntityAutomationsQuery,
  EntityAutomationsQueryVariables,
  IntegrationsQuery,
  IntegrationsQueryVariables,
  ProjectAutomationsQuery,
  ProjectAutomationsQueryVariables,
} from "../../generated/graphql";
import { parseJson, parseObject, show, type Json, type JsonObject } from "../../json";
import document from "../../queries/automations.graphql?raw";

export { document };
export type Automation = AutomationFieldsFragment;
export type IntegrationNode = NonNullable<IntegrationsQuery["entity"]>["integrations"][number];

export const METRIC_EVENTS = ["RUN_METRIC_THRESHOLD", "RUN_METRIC_CHANGE", "RUN_METRIC_ZSCORE"];
export const ARTIFACT_EVENTS = ["CREATE_ARTIFACT", "LINK_ARTIFACT", "ADD_ARTIFACT_ALIAS"];
export const EVENT_TYPES = [...METRIC_EVENTS, "RUN_STATE", "SCHEDULE", ...ARTIFACT_EVENTS];
export const EVENT_LABELS: Record<string, string> = {
  RUN_METRIC_THRESHOLD: "A run metric crosses a threshold",
  RUN_METRIC_CHANGE: "A run metric changes",
  RUN_METRIC_ZSCORE: "A run metric is an outlier (z-score)",
  RUN_STATE: "A run reaches a state",
  SCHEDULE: "On a schedule (digest of runs)",
  CREATE_ARTIFACT: "An artifact version is created",
  LINK_ARTIFACT: "An artifact is linked (to a registry)",
  ADD_ARTIFACT_ALIAS: "An alias is added to an artifact",
};
export const SCOPE_TYPES = ["PROJECT", "ARTIFACT_COLLECTION", "REGISTRY"];
export const RUN_STATES = ["running", "finished", "failed", "crashed", "killed", "preempting", "preempted"];
export const ACTION_TYPES = ["GENERIC_WEBHOOK", "NOTIFICATION", "NO_OP"];
export const COMPARISONS = ["$gt", "$gte", "$lt", "$lte", "$eq", "$ne"];
export const CMP_SIGNS: Record<string, string> = { $gt: ">", $gte: "≥", $lt: "<", $lte: "≤", $eq: "=", $ne: "≠" };
export const AGGREGATES = ["", "min", "max", "mean", "sum"];
export const DIRECTIONS = ["increase", "decrease", "any"];
export const SEVERITIES = ["INFO", "WARN", "ERROR"];

/** What the filter builder edits: one flat set of text fields, turned into the event's filter document. */
export interface FilterFields {
  runFilter: string;
  metric: string;
  agg: string;
  window: string;
  priorWindow: string;
  cmp: string;
  threshold: string;
  changeType: string;
  changeDir: string;
  states: string[];
  cron: string;
  everySeconds: string;
  alias: string;
}

export const EMPTY_FILTER: FilterFields = {
  runFilter: "{}",
  metric: "",
  agg: "",
  window: "1",
  priorWindow: "",
  cmp: "$gt",
  threshold: "",
  changeType: "absolute",
  changeDir: "any",
  states: ["failed", "crashed"],
  cron: "",
  everySeconds: "",
  alias: "",
};

/** A number typed in a field, or the text itself: the server names what is wrong with it. */
function numeric(text: string): Json {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** The run filter box holds a MongoDB-style document; text that is not one goes as it is, for the server to refuse. */
function runFilterOf(text: string): Json {
  if (!text.trim()) return {};
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

export function buildFilter(eventType: string, f: FilterFields): JsonObject {
  if (ARTIFACT_EVENTS.includes(eventType)) return { filter: f.alias.trim() ? { alias: f.alias.trim() } : {} };
  const runFilter = runFilterOf(f.runFilter);
  if (eventType === "RUN_STATE") return { run_filter: runFilter, states: f.states };
  if (eventType === "SCHEDULE") {
    return f.cron.trim()
      ? { run_filter: runFilter, cron: f.cron.trim() }
      : { run_filter: runFilter, every_seconds: numeric(f.everySeconds) };
  }
  const metric: JsonObject = { name: f.metric.trim() };
  if (eventType === "RUN_METRIC_ZSCORE") {
    Object.assign(metric, { window: numeric(f.window), threshold: numeric(f.threshold), change_dir: f.changeDir });
  } else {
    Object.assign(metric, { agg: f.agg || null, window: numeric(f.window), cmp: f.cmp, threshold: numeric(f.threshold) });
    if (eventType === "RUN_METRIC_CHANGE") {
      Object.assign(metric, { prior_window: numeric(f.priorWindow), change_type: f.changeType, change_dir: f.changeDir });
    }
  }
  return { run_filter: runFilter, metric };
}

function text(value: Json | undefined, fallback = ""): string {
  return value === undefined || value === null ? fallback : show(value);
}

/** The builder's fields for a saved filter (what it cannot show stays in the raw JSON box). */
export function filterFields(eventType: string, filter: JsonObject): FilterFields {
  const metric = (filter.metric ?? {}) as JsonObject;
  const version = (filter.filter ?? {}) as JsonObject;
  return {
    runFilter: JSON.stringify(filter.run_filter ?? {}),
    metric: text(metric.name),
    agg: text(metric.agg),
    window: text(metric.window, eventType === "RUN_METRIC_ZSCORE" ? "30" : "1"),
    priorWindow: text(metric.prior_window),
    cmp: text(metric.cmp, "$gt"),
    threshold: text(metric.threshold),
    changeType: text(metric.change_type, "absolute"),
    changeDir: text(metric.change_dir, "any"),
    states: Array.isArray(filter.states) ? filter.states.map((s) => text(s)) : EMPTY_FILTER.states,
    cron: text(filter.cron),
    everySeconds: text(filter.every_seconds),
    alias: typeof version.alias === "string" ? version.alias : "",
  };
}

/** Key order aside, whether two JSON values are the same. */
export function sameJson(a: Json, b: Json): boolean {
  const canonical = (value: Json): Json =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key] ?? null)]))
      : Array.isArray(value)
        ? value.map(canonical)
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** One line saying when an automation fires. */
export function eventSummary(automation: Automation): string {
  const filter = parseObject(automation.eventFilter);
  const runFilter = filter.run_filter;
  const runs = runFilter && typeof runFilter === "object" && Object.keys(runFilter).length ? ` for runs ${show(runFilter)}` : "";
  const metric = (filter.metric ?? {}) as JsonObject;
  const name = text(metric.name);
  switch (automation.eventType) {
    case "RUN_METRIC_THRESHOLD": {
      const of = metric.agg ? `${text(metric.agg)} of the last ${text(metric.window)} ${name}` : name;
      return `${of} ${CMP_SIGNS[text(metric.cmp)] ?? text(metric.cmp)} ${text(metric.threshold)}${runs}`;
    }
    case "RUN_METRIC_CHANGE":
      return `${name} ${text(metric.change_type)} ${text(metric.change_dir)} change ${text(metric.cmp) === "$lt" ? "<" : "≥"} ${text(metric.threshold)} (window ${text(metric.window)}, prior ${text(metric.prior_window)})${runs}`;
    case "RUN_METRIC_ZSCORE":
      return `${name} z-score ${text(metric.change_dir)} ≥ ${text(metric.threshold)} over ${text(metric.window)} values${runs}`;
    case "RUN_STATE":
      return `run ${Array.isArray(filter.states) ? filter.states.map((s) => text(s)).join(" or ") : ""}${runs}`;
    case "SCHEDULE":
      return (filter.cron ? `cron ${text(filter.cron)}` : `every ${text(filter.every_seconds)} s`) + runs;
    default: {
      const version = filter.filter;
      return version && typeof version === "object" && Object.keys(version).length ? `versions ${show(version)}` : "any version";
    }
  }
}

/** One line saying what an automation does, naming its integration where the viewer sees it. */
export function actionSummary(automation: Automation, integrations: IntegrationNode[]): string {
  const action = parseObject(automation.action);
  const type = text(action.action_type);
  if (type === "NO_OP") return "Nothing (no-op)";
  const integration = integrations.find((i) => i.id === text(action.integration_id));
  const named = integration ? integrationName(integration) : `integration ${text(action.integration_id)}`;
  return type === "GENERIC_WEBHOOK" ? `Webhook to ${named}` : `Slack ${text(action.severity)} to ${named}`;
}

export function integrationName(integration: IntegrationNode): string {
  return integration.__typename === "SlackIntegration" ? `#${integration.channelName}` : integration.name;
}

export function scopeSummary(automation: Automation): string {
  const scope = automation.scope;
  if (scope.scopeType === "REGISTRY") return `registry ${scope.name ?? ""}`;
  if (scope.scopeType === "ARTIFACT_COLLECTION") return `collection ${scope.projectName ?? ""}/${scope.name ?? ""}`;
  return `project ${scope.projectName ?? ""}`;
}

/** Every page of a connection, 100 at a time. */
async function allPages<Node>(page: (after: string | null) => Promise<{ nodes: Node[]; next: string | null }>): Promise<Node[]> {
  const found: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const { nodes, next }: { nodes: Node[]; next: string | null } = await page(after);
    found.push(...nodes);
    if (next === null) return found;
    after = next;
  }
}

/** A project's automations, or (project null) every automation of the entity the viewer sees. */
export function loadAutomations(entityName: string, projectName: string | null): Promise<Automation[]> {
  return allPages(async (after) => {
    if (projectName === null) {
      const data = await gql<EntityAutomationsQuery, EntityAutomationsQueryVariables>(document, "EntityAutomations", { entityName, after });
      const info = data.triggers.pageInfo;
      return { nodes: data.triggers.edges.map((e) => e.node), next: info.hasNextPage ? info.endCursor : null };
    }
    const data = await gql<ProjectAutomationsQuery, ProjectAutomationsQueryVariables>(document, "ProjectAutomations", {
      entityName,
      projectName,
      after,
    });
    if (!data.project) return { nodes: [], next: null }; // no project yet: saving an automation makes it
    const info = data.project.triggers.pageInfo;
    return { nodes: data.project.triggers.edges.map((e) => e.node), next: info.hasNextPage ? info.endCursor : null };
  });
}

export interface EntityIntegrations {
  integrations: IntegrationNode[];
  /** The viewer may not add integrations or automations here (a viewer of the team, or no member at all). */
  readOnly: boolean;
}

export async function loadIntegrations(entityName: string): Promise<EntityIntegrations> {
  const data = await gql<IntegrationsQuery, IntegrationsQueryVariables>(document, "Integrations", { entityName });
  return { integrations: data.entity?.integrations ?? [], readOnly: data.entity?.readOnly ?? true };
}

/** Why the forms are not shown, for a viewer who may only read. */
export function readOnlyNote(entity: string): string {
  return `You can read the automations and integrations of ${entity} but not change them: that takes a member or admin of ${entity}.`;
}
