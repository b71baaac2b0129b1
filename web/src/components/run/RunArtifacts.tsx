// The artifact versions a run logged (its outputs) and used (its inputs), a page at a time, each a link to its
// version's page. The server lists only the used versions the viewer may see.
import { gql } from "../../api";
import { formatBytes } from "../../format";
import type { RunArtifactPageFragment, RunArtifactsQuery, RunArtifactsQueryVariables } from "../../generated/graphql";
import { pageOf, usePages } from "../../hooks";
import { aliasNames, versionName, versionPath } from "../../pages/Artifacts";
import runDocument from "../../queries/run.graphql?raw";
import { Chips } from "../artifacts/Labels";
import { Link } from "../Link";
import { ShowMore } from "../ShowMore";
import type { Where } from "./history";

/** Versions of each list a page loads: the first with the run, the next ones on "Show more". */
export const ARTIFACTS_PAGE = 100;

type Direction = "logged" | "used";

async function nextVersions(where: Where, direction: Direction, after: string) {
  const data = await gql<RunArtifactsQuery, RunArtifactsQueryVariables>(runDocument, "RunArtifacts", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    first: ARTIFACTS_PAGE,
    after,
    logged: direction === "logged",
  });
  const run = data.project?.run;
  const versions = direction === "logged" ? run?.loggedArtifacts : run?.usedArtifacts;
  if (!versions) throw new Error(`The run ${where.run} is gone, or you may no longer see it.`);
  return pageOf(versions);
}

function Versions(props: { where: Where; direction: Direction; first: RunArtifactPageFragment }) {
  const { where, direction } = props;
  const pages = usePages(pageOf(props.first), (after) => nextVersions(where, direction, after));
  if (pages.totalCount === 0) return <p class="empty">{direction === "logged" ? "No versions logged." : "No versions used."}</p>;
  return (
    <>
      <table class="grid run-artifacts" data-direction={direction}>
        <thead>
          <tr>
            <th>Version</th>
            <th>Type</th>
            <th>Aliases</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {pages.nodes.map((version) => (
            <tr key={version.id} data-artifact-id={version.id}>
              <td>
                <Link href={versionPath(version.collection, version.versionIndex, version.id)}>
                  {versionName(version.collection, version.versionIndex)}
                </Link>
              </td>
              <td>{version.typeName}</td>
              <td>
                <Chips kind="alias" values={aliasNames(version)} />
              </td>
              <td>{formatBytes(version.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShowMore pages={pages} what={["version", "versions"]} />
    </>
  );
}

export function RunArtifacts(props: { where: Where; logged: RunArtifactPageFragment; used: RunArtifactPageFragment }) {
  return (
    <div class="run-artifact-lists">
      <div>
        <h3>Logged (outputs)</h3>
        <Versions where={props.where} direction="logged" first={props.logged} />
      </div>
      <div>
        <h3>Used (inputs)</h3>
        <Versions where={props.where} direction="used" first={props.used} />
      </div>
    </div>
  );
}
