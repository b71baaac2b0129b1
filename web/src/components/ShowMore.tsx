import type { Pages } from "../hooks";
import { ErrorBox } from "./Status";

/** How much of a paged list is shown ("1,000 of 1,005 files") and the button that loads the next page; `what` names
 * one item and several. */
export function ShowMore<Node>(props: { pages: Pages<Node>; what: [string, string] }) {
  const { pages } = props;
  const count = (n: number) => n.toLocaleString("en-US");
  const what = props.what[pages.totalCount === 1 ? 0 : 1];
  return (
    <div class="show-more">
      <p class="hint count-shown">
        {pages.nodes.length < pages.totalCount
          ? `${count(pages.nodes.length)} of ${count(pages.totalCount)} ${what}`
          : `${count(pages.totalCount)} ${what}`}
      </p>
      {pages.hasNextPage && (
        <button type="button" class="small" disabled={pages.loading} onClick={pages.more}>
          {pages.loading ? "Loading…" : "Show more"}
        </button>
      )}
      {pages.error && <ErrorBox error={pages.error} />}
    </div>
  );
}
