// An entity's Slack and webhook destinations. Secrets are write-only: the API answers only whether one is set, and
// the form forgets what was typed as soon as the server has it.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import { formatTime } from "../../format";
import type {
  CreateSlackIntegrationMutation,
  CreateSlackIntegrationMutationVariables,
  CreateWebhookIntegrationMutation,
  CreateWebhookIntegrationMutationVariables,
  DeleteIntegrationMutation,
  DeleteIntegrationMutationVariables,
} from "../../generated/graphql";
import { ErrorBox } from "../Status";
import { useAction } from "./action";
import { document, type IntegrationNode } from "./model";

type Kind = "webhook" | "slack";

function Field(props: { label: string; name: string; value: string; secret?: boolean; onInput: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.secret ? "password" : "text"}
        autocomplete={props.secret ? "new-password" : "off"}
        value={props.value}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
    </label>
  );
}

function AddIntegration(props: { entity: string; onAdded: () => void }) {
  const [kind, setKind] = useState<Kind>("webhook");
  const [fields, setFields] = useState<Record<string, string>>({});
  const action = useAction();
  const value = (name: string) => fields[name] ?? "";
  const set = (name: string) => (text: string) => setFields({ ...fields, [name]: text });
  const optional = (name: string) => (value(name) === "" ? null : value(name));

  const submit = (event: Event) => {
    event.preventDefault();
    return action.run(async () => {
      if (kind === "webhook") {
        await gql<CreateWebhookIntegrationMutation, CreateWebhookIntegrationMutationVariables>(document, "CreateWebhookIntegration", {
          entityName: props.entity, name: value("name"), urlEndpoint: value("url"), secret: optional("secret"), accessToken: optional("token"),
        });
      } else {
        await gql<CreateSlackIntegrationMutation, CreateSlackIntegrationMutationVariables>(document, "CreateSlackIntegration", {
          entityName: props.entity, channelName: value("channel"), botToken: optional("botToken"), webhookUrl: optional("webhookUrl"),
        });
      }
      setFields({}); // the secrets typed leave the page with the request
      props.onAdded();
    });
  };

  return (
    <form class="integration-form" onSubmit={submit}>
      <label>
        Kind
        <select name="kind" value={kind} onChange={(event) => setKind(event.currentTarget.value as Kind)}>
          <option value="webhook">Webhook</option>
          <option value="slack">Slack</option>
        </select>
      </label>
      {kind === "webhook" ? (
        <>
          <Field label="Name" name="name" value={value("name")} onInput={set("name")} />
          <Field label="URL" name="url" value={value("url")} onInput={set("url")} />
          <Field label="Signing secret" name="secret" secret value={value("secret")} onInput={set("secret")} />
          <Field label="Access token" name="token" secret value={value("token")} onInput={set("token")} />
        </>
      ) : (
        <>
          <Field label="Channel" name="channel" value={value("channel")} onInput={set("channel")} />
          <Field label="Bot token" name="botToken" secret value={value("botToken")} onInput={set("botToken")} />
          <Field label="Incoming-webhook URL" name="webhookUrl" secret value={value("webhookUrl")} onInput={set("webhookUrl")} />
        </>
      )}
      <button type="submit" disabled={action.busy}>
        Add integration
      </button>
      {action.error && <ErrorBox error={action.error} />}
    </form>
  );
}

export function Integrations(props: { entity: string; integrations: IntegrationNode[]; readOnly: boolean; onChanged: () => void }) {
  const deletion = useAction();
  const remove = (id: string) =>
    deletion.run(async () => {
      await gql<DeleteIntegrationMutation, DeleteIntegrationMutationVariables>(document, "DeleteIntegration", { id });
      props.onChanged();
    });
  return (
    <section class="integrations">
      <h2>Integrations of {props.entity}</h2>
      {props.integrations.length === 0 ? (
        <p class="empty">No integrations yet.</p>
      ) : (
        <table class="grid integrations-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Name</th>
              <th>Destination</th>
              <th>Secrets</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.integrations.map((integration) => (
              <tr key={integration.id} data-id={integration.id}>
                {integration.__typename === "SlackIntegration" ? (
                  <>
                    <td>Slack</td>
                    <td>#{integration.channelName}</td>
                    <td>{integration.usesWebhookUrl ? "incoming-webhook URL" : "bot token"}</td>
                    <td>set (write-only)</td>
                  </>
                ) : (
                  <>
                    <td>Webhook</td>
                    <td>{integration.name}</td>
                    <td>{integration.urlEndpoint}</td>
                    <td>
                      {integration.hasSecret ? "signing secret set" : "no signing secret"}
                      {integration.hasAccessToken ? ", access token set" : ""}
                    </td>
                  </>
                )}
                <td>{formatTime(integration.createdAt)}</td>
                <td>
                  {!props.readOnly && (
                    <button type="button" class="small" onClick={() => remove(integration.id)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deletion.error && <ErrorBox error={deletion.error} />}
      {!props.readOnly && (
        <>
          <h3>Add an integration</h3>
          <AddIntegration entity={props.entity} onAdded={props.onChanged} />
        </>
      )}
    </section>
  );
}
