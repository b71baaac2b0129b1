// The run's console output: its last lines (loaded with the run), earlier ones a page at a time on request, and
// the whole output as a text file, fetched page by page when asked for.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { withoutEscapes } from "../../format";
import type { RunConsoleLinesQuery, RunConsoleLinesQueryVariables } from "../../generated/graphql";
import consoleDocument from "../../queries/console.graphql?raw";
import { ErrorBox } from "../Status";
import type { Where } from "./history";

export const CONSOLE_PAGE = 1000; // lines a page: the tail the run's query loads, and each earlier page
const DOWNLOAD_PAGE = 10_000; // lines a request while downloading (the server's most)

async function linesAt(where: Where, offset: number, limit: number): Promise<string[]> {
  const data = await gql<RunConsoleLinesQuery, RunConsoleLinesQueryVariables>(consoleDocument, "RunConsoleLines", {
    entityName: where.entity,
    project: where.project,
    run: where.run,
    offset,
    limit,
  });
  const lines = data.project?.run?.consoleLines;
  if (!lines) throw new Error(`No run ${where.run} in ${where.entity}/${where.project}, or you may not see it.`);
  return lines;
}

async function wholeOutput(where: Where, count: number): Promise<string> {
  const parts: string[] = [];
  for (let offset = 0; offset < count; offset += DOWNLOAD_PAGE) {
    parts.push(...(await linesAt(where, offset, Math.min(DOWNLOAD_PAGE, count - offset))));
  }
  return parts.map((line) => `${line}\n`).join("");
}

export function RunConsole(props: { where: Where; tail: string[]; count: number }) {
  const { where, count } = props;
  const [lines, setLines] = useState(props.tail);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => setLines(props.tail), [props.tail]);

  if (count === 0) return <p class="empty">No console output.</p>;
  const first = Math.max(0, count - lines.length); // the number of the first line shown
  const run = (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    work()
      .catch((failure: Error) => setError(failure))
      .finally(() => setBusy(false));
  };
  const earlier = () =>
    run(async () => {
      const offset = Math.max(0, first - CONSOLE_PAGE);
      const before = await linesAt(where, offset, first - offset);
      setLines((shown) => [...before, ...shown]);
    });
  const download = () =>
    run(async () => {
      const file = URL.createObjectURL(new Blob([await wholeOutput(where, count)], { type: "text/plain;charset=utf-8" }));
      const link = document.createElement("a");
      link.href = file;
      link.download = `${where.run}-output.log`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(file), 60_000);
    });
  return (
    <>
      <p class="hint console-count">
        {first > 0 ? `Lines ${first + 1} to ${count} of ${count}.` : `${count} lines.`}{" "}
        {first > 0 && (
          <button type="button" class="small" id="console-earlier" disabled={busy} onClick={earlier}>
            Show earlier lines
          </button>
        )}{" "}
        <button type="button" class="small" id="console-download" disabled={busy} onClick={download}>
          Download the whole output
        </button>
      </p>
      {error && <ErrorBox error={error} />}
      <pre class="console">{withoutEscapes(lines.join("\n"))}</pre>
    </>
  );
}
