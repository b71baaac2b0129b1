// A run's saved files, a page at a time (a run may save thousands), each a download link.
import { gql } from "../../api";
import { formatBytes, formatTime } from "../../format";
import type { RunFilePageFragment, RunFilesQuery, RunFilesQueryVariables } from "../../generated/graphql";
import { pageOf, usePages } from "../../hooks";
import runDocument from "../../queries/run.graphql?raw";
import { ShowMore } from "../ShowMore";
import { fileUrl, type Where } from "./history";

/** Files a page loads: the first with the run, the next ones on "Show more". */
export const FILES_PAGE = 500;

async function nextFiles(where: Where, after: string) {
  const data = await gql<RunFilesQuery, RunFilesQueryVariables>(runDocument, "RunFiles", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    first: FILES_PAGE,
    after,
  });
  const files = data.project?.run?.files;
  if (!files) throw new Error(`The run ${where.run} is gone, or you may no longer see it.`);
  return pageOf(files);
}

/** A download link, through the page's session, for a file whose name is a plain relative path. */
function link(where: Where, name: string) {
  const href = fileUrl(where, name);
  return href === null ? name : <a href={href} download={name.split("/").pop()}>{name}</a>;
}

export function RunFiles(props: { where: Where; first: RunFilePageFragment }) {
  const pages = usePages(pageOf(props.first), (after) => nextFiles(props.where, after));
  if (pages.totalCount === 0) return <p class="empty">No files.</p>;
  return (
    <>
      <table class="grid files">
        <thead>
          <tr>
            <th>Name</th>
            <th>Size</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {pages.nodes.map((node) => (
            <tr key={node.name}>
              <td>{link(props.where, node.name)}</td>
              <td>{formatBytes(node.sizeBytes)}</td>
              <td>{formatTime(node.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShowMore pages={pages} what={["file", "files"]} />
    </>
  );
}
