// One automation (/ENTITY/PROJECT/automations/ID): what it does, its form for editing, enable/disable and delete,
// and its delivery log; /ENTITY/PROJECT/automations/new is the same form, empty.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../api";
import { useAction } from "../components/automations/action";
import { AutomationForm } from "../components/automations/AutomationForm";
import { Deliveries, WAITING } from "../components/automations/Deliveries";
import { actionSummary, document, eventSummary, loadIntegrations, readOnlyNote, scopeSummary } from "../components/automations/model";
import "../components/automations/automations.css";
import { Link } from "../components/Link";
import { ErrorBox, Loading, NothingVisible } from "../components/Status";
import { formatTime } from "../format";
import type {
  AutomationQuery,
  AutomationQueryVariables,
  DeleteAutomationMutation,
  DeleteAutomationMutationVariables,
  SetAutomationEnabledMutation,
  SetAutomationEnabledMutationVariables,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import { navigate, path } from "../router";
import { automationPath } from "./Automations";

const DELIVERIES = 50;
const POLL_MS = 1000;

async function load(id: string | null, entity: string) {
  const integrations = loadIntegrations(entity);
  if (id === null) return { automation: null, ...(await integrations) };
  const data = await gql<AutomationQuery, AutomationQueryVariables>(document, "Automation", { id, first: DELIVERIES, after: null });
  if (!data.trigger) throw new Error(`No automation with id ${id} that you can see`);
  return { automation: data.trigger, ...(await integrations) };
}

export function AutomationPage(props: { entity: string; project: string; id: string }) {
  const id = props.id === "new" ? null : props.id;
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(id === null);
  const action = useAction();
  const loaded = useLoad(() => load(id, props.entity), [id, props.entity, version]);
  // A refresh keeps showing what was loaded (and the form being typed in) until the new answer arrives.
  const last = useRef<Awaited<ReturnType<typeof load>> | null>(null);
  if (loaded.state === "done") last.current = loaded.value;
  const value = loaded.state === "done" ? loaded.value : last.current?.automation?.id === (id ?? undefined) ? last.current : null;
  const refresh = () => setVersion((v) => v + 1);
  const waiting = value?.automation?.deliveries.edges.some((e) => WAITING.includes(e.node.status)) ?? false;

  // While a delivery waits to be sent, the log follows it.
  useEffect(() => {
    if (!waiting || loaded.state !== "done") return;
    const timer = setTimeout(refresh, POLL_MS);
    return () => clearTimeout(timer);
  }, [waiting, loaded.state]);

  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  if (value === null) return <Loading />;
  const { automation, integrations, readOnly } = value;
  const list = path(props.entity, props.project, "automations");

  if (automation === null) {
    return (
      <div class="automation">
        <p class="links">
          <Link href={list}>All automations</Link>
        </p>
        <h1>New automation</h1>
        {readOnly && integrations.length === 0 ? (
          <NothingVisible />
        ) : readOnly ? (
          <p class="hint read-only">{readOnlyNote(props.entity)}</p>
        ) : (
          <AutomationForm
            entity={props.entity}
            project={props.project}
            automation={null}
            integrations={integrations}
            onSaved={(saved) => navigate(automationPath(props.entity, saved))}
          />
        )}
      </div>
    );
  }

  const setEnabled = (enabled: boolean) =>
    action.run(async () => {
      await gql<SetAutomationEnabledMutation, SetAutomationEnabledMutationVariables>(document, "SetAutomationEnabled", { id: automation.id, enabled });
      refresh();
    });
  const remove = () =>
    action.run(async () => {
      await gql<DeleteAutomationMutation, DeleteAutomationMutationVariables>(document, "DeleteAutomation", { id: automation.id });
      navigate(list);
    });
  const deliveries = automation.deliveries.edges.map((edge) => edge.node);

  return (
    <div class="automation" data-id={automation.id}>
      <p class="links">
        <Link href={list}>All automations</Link>
      </p>
      <h1 class="automation-name">{automation.name}</h1>
      {automation.description && <p class="description">{automation.description}</p>}
      <table class="grid overview" aria-label="automation">
        <tbody>
          <tr>
            <th>Enabled</th>
            <td>
              <label class="toggle">
                <input
                  type="checkbox"
                  name="enabled"
                  checked={automation.enabled}
                  disabled={readOnly}
                  onChange={() => setEnabled(!automation.enabled)}
                />
                {automation.enabled ? "enabled" : "disabled"}
              </label>
            </td>
          </tr>
          <tr>
            <th>Scope</th>
            <td>{scopeSummary(automation)}</td>
          </tr>
          <tr>
            <th>Event</th>
            <td class="event">{automation.eventType}</td>
          </tr>
          <tr>
            <th>Filter</th>
            <td class="filter">{eventSummary(automation)}</td>
          </tr>
          <tr>
            <th>Action</th>
            <td class="action">{actionSummary(automation, integrations)}</td>
          </tr>
          <tr>
            <th>Created</th>
            <td>
              {formatTime(automation.createdAt)}
              {automation.createdBy ? ` by ${automation.createdBy}` : ""}
              {automation.updatedAt ? `, changed ${formatTime(automation.updatedAt)}` : ""}
            </td>
          </tr>
        </tbody>
      </table>
      {readOnly ? (
        <p class="hint read-only">{readOnlyNote(props.entity)}</p>
      ) : (
        <p class="buttons">
          <button type="button" class="edit" onClick={() => setEditing(!editing)}>
            {editing ? "Close the form" : "Edit"}
          </button>
          <button type="button" class="delete" onClick={remove}>
            Delete
          </button>
        </p>
      )}
      {action.error && <ErrorBox error={action.error} />}
      {editing && !readOnly && (
        <AutomationForm
          key={`${automation.id}-${automation.updatedAt ?? ""}`}
          entity={props.entity}
          project={props.project}
          automation={automation}
          integrations={integrations}
          onSaved={() => {
            setEditing(false);
            refresh();
          }}
        />
      )}
      <h2>
        Deliveries{" "}
        <button type="button" class="small refresh" onClick={refresh}>
          Refresh
        </button>
      </h2>
      <Deliveries deliveries={deliveries} readOnly={readOnly} onChanged={refresh} />
      {automation.deliveries.pageInfo.hasNextPage && <p class="hint">The newest {DELIVERIES} deliveries are shown.</p>}
    </div>
  );
}
