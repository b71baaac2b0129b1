// Changing runs from the table, through the API's own mutations: updateRun for the display name, notes and tags
// of a run that exists (never upsertBucket, which would make a run deleted meanwhile again), deleteRun to delete
// one. The server checks that the viewer may.
import { gql } from "../../api";
import type {
  DeleteRunMutation,
  DeleteRunMutationVariables,
  EditRunMutation,
  EditRunMutationVariables,
} from "../../generated/graphql";
import tableDocument from "../../queries/runs-table.graphql?raw";

export interface RunRef {
  entity: string;
  project: string;
  run: string;
}

/** One field changed; the others are left as they are (the server changes only the fields given). */
export type Edit = { displayName: string } | { notes: string } | { tags: string[] };

export async function editRun(where: RunRef, edit: Edit): Promise<void> {
  await gql<EditRunMutation, EditRunMutationVariables>(tableDocument, "EditRun", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    displayName: null,
    notes: null,
    tags: null,
    ...edit,
  });
}

/** The run by its id (Run.id), as W&B's deleteRun names it; `name` is for the error only. */
export async function deleteRun(run: { id: string; name: string }): Promise<void> {
  const data = await gql<DeleteRunMutation, DeleteRunMutationVariables>(tableDocument, "DeleteRun", { id: run.id });
  if (!data.deleteRun?.success) throw new Error(`run ${run.name} was not deleted`);
}
