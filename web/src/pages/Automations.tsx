// A project's automations (/ENTITY/PROJECT/automations), or every automation of an entity the viewer sees,
// registries' included (/ENTITY?tab=automations): event, filter, action, enabled with a toggle; and the entity's
// integrations.
import { useState } from "preact/hooks";
import { gql } from "../api";
import {
  actionSummary,
  eventSummary,
  loadAutomations,
  loadIntegrations,
  readOnlyNote,
  scopeSummary,
  document,
  type Automation,
} from "../components/automations/model";
import { useAction } from "../components/automations/action";
import { Integrations } from "../components/automations/Integrations";
import "../components/automations/automations.css";
import { Link } from "../components/Link";
import { ErrorBox, Loading, NothingVisible } from "../components/Status";
import type { SetAutomationEnabledMutation, SetAutomationEnabledMutationVariables } from "../generated/graphql";
import { useLoad } from "../hooks";
import { path } from "../router";

/** Where an automation's own page is: under its scope's project (a registry is a project too). */
export function automationPath(entity: string, automation: Automation): string {
  return path(entity, automation.scope.projectName ?? "-", "automations", automation.id);
}

function Toggle(props: { automation: Automation; onChanged: (automation: Automation) => void }) {
  const action = useAction();
  const flip = () =>
    action.run(async () => {
      const data = await gql<SetAutomationEnabledMutation, SetAutomationEnabledMutationVariables>(document, "SetAutomationEnabled", {
        id: props.automation.id,
        enabled: !props.automation.enabled,
      });
      if (data.updateFilterTrigger) props.onChanged(data.updateFilterTrigger.trigger);
    });
  return (
    <label class="toggle">
      <input type="checkbox" name="enabled" checked={props.automation.enabled} disabled={action.busy} onChange={flip} />
      {props.automation.enabled ? "enabled" : "disabled"}
      {action.error && <ErrorBox error={action.error} />}
    </label>
  );
}

export function AutomationsPage(props: { entity: string; project: string | null }) {
  const [version, setVersion] = useState(0);
  const [changed, setChanged] = useState<Record<string, Automation>>({});
  const loaded = useLoad(
    () => Promise.all([loadAutomations(props.entity, props.project), loadIntegrations(props.entity)]),
    [props.entity, props.project, version],
  );
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const [automations, { integrations, readOnly }] = loaded.value;
  const reload = () => {
    setChanged({});
    setVersion(version + 1);
  };
  const title = <h1>Automations {props.project === null ? `of ${props.entity}` : `in ${props.entity}/${props.project}`}</h1>;
  // A reader who is no writer is told so only where there is something to read: outsiders and those who ask for a
  // name that does not exist see the same.
  if (readOnly && automations.length === 0 && integrations.length === 0) {
    return (
      <div class="automations">
        {title}
        <NothingVisible />
      </div>
    );
  }
  return (
    <div class="automations">
      {title}
      <p class="links">
        {props.project !== null && !readOnly && <Link href={path(props.entity, props.project, "automations", "new")}>New automation</Link>}
        {props.project !== null ? (
          <Link href={`${path(props.entity)}?tab=automations`}>All automations of {props.entity}</Link>
        ) : null}
      </p>
      {readOnly && <p class="hint read-only">{readOnlyNote(props.entity)}</p>}
      {automations.length === 0 ? (
        <p class="empty">No automations yet.</p>
      ) : (
        <table class="grid automations-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Scope</th>
              <th>Event</th>
              <th>Filter</th>
              <th>Action</th>
              <th>Enabled</th>
            </tr>
          </thead>
          <tbody>
            {automations.map((original) => {
              const automation = changed[original.id] ?? original;
              return (
                <tr key={automation.id} data-id={automation.id}>
                  <td class="name">
                    <Link href={automationPath(props.entity, automation)}>{automation.name}</Link>
                    {automation.description && <div class="description">{automation.description}</div>}
                  </td>
                  <td>{scopeSummary(automation)}</td>
                  <td class="event">{automation.eventType}</td>
                  <td class="filter">{eventSummary(automation)}</td>
                  <td class="action">{actionSummary(automation, integrations)}</td>
                  <td>
                    {readOnly ? (
                      automation.enabled ? "yes" : "no"
                    ) : (
                      <Toggle automation={automation} onChanged={(next) => setChanged({ ...changed, [next.id]: next })} />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Integrations entity={props.entity} integrations={integrations} readOnly={readOnly} onChanged={reload} />
    </div>
  );
}
