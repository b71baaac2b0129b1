// Stop a running run (W&B's "Stop run"), after a confirmation on the page itself; shown only to viewers who may
// write the run, and the server checks that they may. The run's client learns of it within its polling interval and
// ends the run, which then ends killed: until then the page shows it as stopping.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import type { StopRunMutation, StopRunMutationVariables } from "../../generated/graphql";
import runDocument from "../../queries/run.graphql?raw";
import { ErrorBox } from "../Status";

export async function stopRun(run: { id: string; name: string }): Promise<void> {
  const data = await gql<StopRunMutation, StopRunMutationVariables>(runDocument, "StopRun", { id: run.id });
  if (!data.stopRun?.success) throw new Error(`run ${run.name} was not stopped`);
}

export function StopRun(props: { run: { id: string; name: string }; onStopped: () => void }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking) {
    return (
      <button type="button" class="small stop-run" onClick={() => setAsking(true)}>
        Stop
      </button>
    );
  }
  const confirm = () =>
    stopRun(props.run)
      .then(props.onStopped)
      .catch((failure: Error) => setError(failure.message));
  return (
    <span class="confirm-stop">
      Stop run <b>{props.run.name}</b>? Its script is interrupted and the run ends killed.{" "}
      <button type="button" class="small danger" onClick={confirm}>
        Stop run
      </button>
      <button type="button" class="small" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error && <ErrorBox error={error} />}
    </span>
  );
}
