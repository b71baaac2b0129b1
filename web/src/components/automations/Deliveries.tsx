// An automation's delivery log: each delivery with its attempts, and redeliver (a new delivery that re-sends the
// same payload, with a fresh attempt budget).
import { gql } from "../../api";
import { formatTime } from "../../format";
import type { AutomationQuery, RedeliverMutation, RedeliverMutationVariables } from "../../generated/graphql";
import { parseJson } from "../../json";
import { ErrorBox } from "../Status";
import { useAction } from "./action";
import { document } from "./model";

export type DeliveryNode = NonNullable<AutomationQuery["trigger"]>["deliveries"]["edges"][number]["node"];
export const WAITING = ["PENDING", "SENDING"];

function payloadText(payload: string): string {
  try {
    return JSON.stringify(parseJson(payload), null, 2);
  } catch {
    return payload;
  }
}

function Delivery(props: { delivery: DeliveryNode; readOnly: boolean; onRedelivered: () => void }) {
  const d = props.delivery;
  const action = useAction();
  const redeliver = () =>
    action.run(async () => {
      await gql<RedeliverMutation, RedeliverMutationVariables>(document, "Redeliver", { deliveryId: d.id });
      props.onRedelivered();
    });
  const canRedeliver = d.actionType !== "NO_OP" && !WAITING.includes(d.status);
  return (
    <tbody class="delivery" data-id={d.id} data-status={d.status}>
      <tr class="delivery-row">
        <td>#{d.id}</td>
        <td>{formatTime(d.createdAt)}</td>
        <td class={`status status-${d.status.toLowerCase()}`}>{d.status}</td>
        <td>{d.runName ?? ""}</td>
        <td class="code">{d.responseCode ?? ""}</td>
        <td class="attempt-count">{d.attemptCount}</td>
        <td>{d.redeliveryOf ? `redelivery of #${d.redeliveryOf}` : ""}</td>
        <td>
          {!props.readOnly && (
            <button type="button" class="small redeliver" disabled={!canRedeliver || action.busy} onClick={redeliver}>
              Redeliver
            </button>
          )}
          {action.error && <ErrorBox error={action.error} />}
        </td>
      </tr>
      {d.attempts.map((attempt) => (
        <tr key={attempt.number} class="attempt">
          <td />
          <td>{formatTime(attempt.startedAt)}</td>
          <td>attempt {attempt.number}</td>
          <td>{attempt.durationMs.toFixed(0)} ms</td>
          <td class="code">{attempt.responseCode ?? ""}</td>
          <td colSpan={3} class="attempt-error">
            {attempt.error ?? ""}
          </td>
        </tr>
      ))}
      {(d.error || d.nextAttemptAt) && (
        <tr class="delivery-note">
          <td />
          <td colSpan={7}>
            {d.error && <span class="error">{d.error}</span>}
            {d.nextAttemptAt && ` next attempt ${formatTime(d.nextAttemptAt)}`}
          </td>
        </tr>
      )}
      <tr class="payload">
        <td />
        <td colSpan={7}>
          <details>
            <summary>Payload ({d.eventType}, {d.actionType})</summary>
            <pre>{payloadText(d.payload)}</pre>
          </details>
        </td>
      </tr>
    </tbody>
  );
}

export function Deliveries(props: { deliveries: DeliveryNode[]; readOnly: boolean; onChanged: () => void }) {
  if (props.deliveries.length === 0) return <p class="empty">Nothing delivered yet.</p>;
  return (
    <table class="grid deliveries">
      <thead>
        <tr>
          <th>Delivery</th>
          <th>Created</th>
          <th>Status</th>
          <th>Run</th>
          <th>Response</th>
          <th>Attempts</th>
          <th />
          <th />
        </tr>
      </thead>
      {props.deliveries.map((delivery) => (
        <Delivery key={delivery.id} delivery={delivery} readOnly={props.readOnly} onRedelivered={props.onChanged} />
      ))}
    </table>
  );
}
