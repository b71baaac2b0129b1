// Creating or editing an automation: scope, event with a small filter builder or the raw filter document, and an
// action. The page sends what was typed; the server checks it, and its message is shown beside the form.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import type {
  CreateAutomationMutation,
  CreateAutomationMutationVariables,
  UpdateAutomationMutation,
  UpdateAutomationMutationVariables,
} from "../../generated/graphql";
import { parseJson, parseObject, show, type Json } from "../../json";
import { ErrorBox } from "../Status";
import { useAction } from "./action";
import {
  ACTION_TYPES,
  AGGREGATES,
  ARTIFACT_EVENTS,
  COMPARISONS,
  DIRECTIONS,
  EMPTY_FILTER,
  EVENT_LABELS,
  EVENT_TYPES,
  METRIC_EVENTS,
  RUN_STATES,
  SCOPE_TYPES,
  SEVERITIES,
  buildFilter,
  document,
  filterFields,
  integrationName,
  sameJson,
  type Automation,
  type FilterFields,
  type IntegrationNode,
} from "./model";

// Each event type's default payload names only variables the server fills in for that event
// (server/runbase_server/automations/payloads.py): a run-state event has no metric, an artifact event no run.
const RUN_FIELDS = { event: "${event_type}", run: "${run_id}", state: "${run_state}", url: "${run_url}" };
const ARTIFACT_FIELDS = { event: "${event_type}", project: "${project_name}", artifact: "${artifact_version_string}" };
const PAYLOADS: Record<string, object> = {
  RUN_METRIC_THRESHOLD: { ...RUN_FIELDS, metric: "${metric_name}", value: "${metric_value}" },
  RUN_STATE: RUN_FIELDS,
  SCHEDULE: { event: "${event_type}", project: "${project_name}", runs: "${run_count}", digest: "${digest}" },
  CREATE_ARTIFACT: ARTIFACT_FIELDS,
  LINK_ARTIFACT: ARTIFACT_FIELDS,
  ADD_ARTIFACT_ALIAS: { ...ARTIFACT_FIELDS, alias: "${alias}" },
};

/** The payload a new automation for this event type starts with. */
function defaultPayload(eventType: string): string {
  const payload = PAYLOADS[METRIC_EVENTS.includes(eventType) ? "RUN_METRIC_THRESHOLD" : eventType] ?? { event: "${event_type}" };
  return JSON.stringify(payload, null, 2);
}

interface Draft {
  name: string;
  description: string;
  scopeType: string;
  projectName: string;
  scopeName: string;
  eventType: string;
  filter: FilterFields;
  rawFilter: string;
  raw: boolean;
  actionType: string;
  integrationId: string;
  payload: string;
  title: string;
  message: string;
  severity: string;
}

function draftOf(project: string, automation: Automation | null): Draft {
  if (automation === null) {
    return {
      name: "", description: "", scopeType: "PROJECT", projectName: project, scopeName: "", eventType: "RUN_METRIC_THRESHOLD",
      filter: EMPTY_FILTER, rawFilter: "", raw: false, actionType: "GENERIC_WEBHOOK", integrationId: "", payload: defaultPayload("RUN_METRIC_THRESHOLD"),
      title: "", message: "", severity: "INFO",
    };
  }
  const saved = parseObject(automation.eventFilter);
  const filter = filterFields(automation.eventType, saved);
  const action = parseObject(automation.action);
  const field = (key: string, fallback = "") => (typeof action[key] === "string" ? (action[key] as string) : fallback);
  return {
    name: automation.name,
    description: automation.description ?? "",
    scopeType: automation.scope.scopeType,
    projectName: automation.scope.projectName ?? project,
    scopeName: automation.scope.name ?? "",
    eventType: automation.eventType,
    filter,
    rawFilter: JSON.stringify(saved, null, 2),
    // A filter the builder cannot say (a version filter on metadata, say) is edited as JSON.
    raw: !sameJson(buildFilter(automation.eventType, filter), saved as Json),
    actionType: field("action_type", "NO_OP"),
    integrationId: field("integration_id"),
    payload: action.request_payload === undefined ? defaultPayload(automation.eventType) : JSON.stringify(action.request_payload, null, 2),
    title: field("title"),
    message: field("message"),
    severity: field("severity", "INFO"),
  };
}

/** The action document; the payload template goes as the text typed, which the server parses (its errors show). */
function actionOf(draft: Draft): string {
  if (draft.actionType === "NO_OP") return JSON.stringify({ action_type: "NO_OP" });
  if (draft.actionType === "GENERIC_WEBHOOK") {
    return JSON.stringify({ action_type: "GENERIC_WEBHOOK", integration_id: draft.integrationId, request_payload: draft.payload });
  }
  return JSON.stringify({
    action_type: draft.actionType, integration_id: draft.integrationId, title: draft.title, message: draft.message, severity: draft.severity,
  });
}

function Choice(props: { label: string; name: string; value: string; options: string[]; labels?: Record<string, string>; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {props.labels?.[option] ?? (option || "(none)")}
          </option>
        ))}
      </select>
    </label>
  );
}

function Text(props: { label: string; name: string; value: string; wide?: boolean; onInput: (value: string) => void }) {
  return (
    <label class={props.wide ? "wide" : undefined}>
      {props.label}
      <input name={props.name} value={props.value} onInput={(event) => props.onInput(event.currentTarget.value)} />
    </label>
  );
}

function FilterBuilder(props: { eventType: string; filter: FilterFields; onChange: (filter: FilterFields) => void }) {
  const f = props.filter;
  const set = (key: keyof FilterFields) => (value: string) => props.onChange({ ...f, [key]: value });
  const type = props.eventType;
  if (ARTIFACT_EVENTS.includes(type)) {
    return <Text label={type === "ADD_ARTIFACT_ALIAS" ? "Alias added (blank: any)" : "Having alias (blank: any)"} name="alias" value={f.alias} onInput={set("alias")} />;
  }
  const runFilter = <Text label="Runs (MongoDB-style filter)" name="runFilter" wide value={f.runFilter} onInput={set("runFilter")} />;
  if (type === "RUN_STATE") {
    const flip = (state: string) =>
      props.onChange({ ...f, states: f.states.includes(state) ? f.states.filter((s) => s !== state) : [...f.states, state] });
    return (
      <>
        <fieldset class="states">
          <legend>States</legend>
          {RUN_STATES.map((state) => (
            <label key={state}>
              <input type="checkbox" name={`state-${state}`} checked={f.states.includes(state)} onChange={() => flip(state)} />
              {state}
            </label>
          ))}
        </fieldset>
        {runFilter}
      </>
    );
  }
  if (type === "SCHEDULE") {
    return (
      <>
        <Text label="Cron (UTC)" name="cron" value={f.cron} onInput={set("cron")} />
        <Text label="or every N seconds" name="everySeconds" value={f.everySeconds} onInput={set("everySeconds")} />
        {runFilter}
      </>
    );
  }
  return (
    <>
      <Text label="Metric" name="metric" value={f.metric} onInput={set("metric")} />
      {type !== "RUN_METRIC_ZSCORE" && <Choice label="Aggregate" name="agg" value={f.agg} options={AGGREGATES} onChange={set("agg")} />}
      <Text label="Window" name="window" value={f.window} onInput={set("window")} />
      {type === "RUN_METRIC_CHANGE" && <Text label="Prior window" name="priorWindow" value={f.priorWindow} onInput={set("priorWindow")} />}
      {type === "RUN_METRIC_CHANGE" && (
        <Choice label="Change" name="changeType" value={f.changeType} options={["absolute", "relative"]} onChange={set("changeType")} />
      )}
      {type !== "RUN_METRIC_THRESHOLD" && <Choice label="Direction" name="changeDir" value={f.changeDir} options={DIRECTIONS} onChange={set("changeDir")} />}
      {type === "RUN_METRIC_THRESHOLD" && <Choice label="Comparison" name="cmp" value={f.cmp} options={COMPARISONS} onChange={set("cmp")} />}
      {type === "RUN_METRIC_CHANGE" && <Choice label="Comparison" name="cmp" value={f.cmp} options={["$gte", "$lt"]} onChange={set("cmp")} />}
      <Text label="Threshold" name="threshold" value={f.threshold} onInput={set("threshold")} />
      {runFilter}
    </>
  );
}

export function AutomationForm(props: {
  entity: string;
  project: string;
  automation: Automation | null;
  integrations: IntegrationNode[];
  onSaved: (automation: Automation) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.project, props.automation));
  const action = useAction();
  const update = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const text = (key: keyof Draft) => (value: string) => update({ [key]: value });
  const filterText = draft.raw ? draft.rawFilter : JSON.stringify(buildFilter(draft.eventType, draft.filter));
  const kind = draft.actionType === "GENERIC_WEBHOOK" ? "GenericWebhookIntegration" : "SlackIntegration";
  const usable = props.integrations.filter((integration) => integration.__typename === kind);

  // A payload left as the event type's default follows the event type; one the user edited stays.
  const changeEvent = (eventType: string) =>
    update(draft.payload === defaultPayload(draft.eventType) ? { eventType, payload: defaultPayload(eventType) } : { eventType });

  const switchRaw = () => {
    if (draft.raw) {
      let parsed: Json = null;
      try {
        parsed = parseJson(draft.rawFilter);
      } catch {
        // not JSON: the builder starts from its last fields
      }
      const filter = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? filterFields(draft.eventType, parsed) : draft.filter;
      update({ raw: false, filter });
    } else {
      update({ raw: true, rawFilter: JSON.stringify(buildFilter(draft.eventType, draft.filter), null, 2) });
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const fields = {
      name: draft.name,
      description: draft.description,
      scopeType: draft.scopeType,
      projectName: draft.scopeType === "REGISTRY" ? null : draft.projectName,
      scopeName: draft.scopeType === "PROJECT" ? null : draft.scopeName,
      eventType: draft.eventType,
      eventFilter: filterText,
      action: actionOf(draft),
    };
    return action.run(async () => {
      if (draft.actionType !== "NO_OP" && draft.integrationId === "") {
        throw new Error(
          usable.length === 0
            ? `No ${draft.actionType === "NOTIFICATION" ? "Slack" : "webhook"} integration to send to: add one to ${props.entity} first.`
            : "Choose the integration the action sends to.",
        );
      }
      if (props.automation === null) {
        const data = await gql<CreateAutomationMutation, CreateAutomationMutationVariables>(document, "CreateAutomation", {
          ...fields,
          entityName: props.entity,
        });
        if (data.createFilterTrigger) props.onSaved(data.createFilterTrigger.trigger);
      } else {
        const data = await gql<UpdateAutomationMutation, UpdateAutomationMutationVariables>(document, "UpdateAutomation", {
          ...fields,
          id: props.automation.id,
        });
        if (data.updateFilterTrigger) props.onSaved(data.updateFilterTrigger.trigger);
      }
    });
  };

  return (
    <form class="automation-form" onSubmit={submit}>
      <fieldset>
        <legend>Automation</legend>
        <Text label="Name" name="name" value={draft.name} onInput={text("name")} />
        <Text label="Description" name="description" wide value={draft.description} onInput={text("description")} />
      </fieldset>
      <fieldset>
        <legend>Scope</legend>
        <Choice label="Scope" name="scopeType" value={draft.scopeType} options={SCOPE_TYPES} onChange={text("scopeType")} />
        {draft.scopeType !== "REGISTRY" && <Text label="Project" name="projectName" value={draft.projectName} onInput={text("projectName")} />}
        {draft.scopeType !== "PROJECT" && (
          <Text label={draft.scopeType === "REGISTRY" ? "Registry" : "Collection"} name="scopeName" value={draft.scopeName} onInput={text("scopeName")} />
        )}
      </fieldset>
      <fieldset>
        <legend>Event</legend>
        <Choice label="When" name="eventType" value={draft.eventType} options={EVENT_TYPES} labels={EVENT_LABELS} onChange={changeEvent} />
        <label class="raw-toggle">
          <input type="checkbox" name="rawFilter" checked={draft.raw} onChange={switchRaw} />
          Edit the filter as JSON
        </label>
        {draft.raw ? (
          <label class="wide">
            Event filter (JSON)
            <textarea name="eventFilter" rows={6} value={draft.rawFilter} onInput={(event) => update({ rawFilter: event.currentTarget.value })} />
          </label>
        ) : (
          <div class="builder">
            <FilterBuilder eventType={draft.eventType} filter={draft.filter} onChange={(filter) => update({ filter })} />
            <p class="hint filter-preview">{filterText}</p>
          </div>
        )}
        {METRIC_EVENTS.includes(draft.eventType) && <p class="hint">Fires when the condition becomes true, again only after it was false.</p>}
      </fieldset>
      <fieldset>
        <legend>Action</legend>
        <Choice
          label="Do"
          name="actionType"
          value={draft.actionType}
          options={ACTION_TYPES}
          labels={{ GENERIC_WEBHOOK: "Send a webhook", NOTIFICATION: "Send a Slack notification", NO_OP: "Nothing (no-op)" }}
          onChange={text("actionType")}
        />
        {draft.actionType !== "NO_OP" && (
          <label>
            Integration
            <select name="integration" value={draft.integrationId} onChange={(event) => update({ integrationId: event.currentTarget.value })}>
              <option value="">(choose)</option>
              {usable.map((integration) => (
                <option key={integration.id} value={integration.id}>
                  {integrationName(integration)}
                </option>
              ))}
            </select>
          </label>
        )}
        {draft.actionType === "GENERIC_WEBHOOK" && (
          <label class="wide">
            Payload template (JSON; ${"{"}variables{"}"} are filled in)
            <textarea name="payload" rows={7} value={draft.payload} onInput={(event) => update({ payload: event.currentTarget.value })} />
          </label>
        )}
        {draft.actionType === "NOTIFICATION" && (
          <>
            <Text label="Title" name="title" value={draft.title} onInput={text("title")} />
            <Choice label="Severity" name="severity" value={draft.severity} options={SEVERITIES} onChange={text("severity")} />
            <label class="wide">
              Message
              <textarea name="message" rows={3} value={draft.message} onInput={(event) => update({ message: event.currentTarget.value })} />
            </label>
          </>
        )}
      </fieldset>
      <div class="submit">
        <button type="submit" disabled={action.busy}>
          {props.automation === null ? "Create automation" : "Save changes"}
        </button>
        {action.error && <ErrorBox error={action.error} />}
      </div>
      {props.automation !== null && <p class="hint">Saved filter: {show(parseJson(props.automation.eventFilter))}</p>}
    </form>
  );
}
