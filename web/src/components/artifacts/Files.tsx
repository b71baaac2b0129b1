// A version's files: download links (GET /files/artifacts/ID/PATH with the session cookie), references shown by
// their URI and never fetched, and a preview of a small text, JSON or image file.
import { useState } from "preact/hooks";
import { formatBytes } from "../../format";
import { useLoad } from "../../hooks";
import { parseJson } from "../../json";

export interface ArtifactFileRow {
  path: string;
  digest: string | null;
  size: number | null;
  ref: string | null;
  url: string | null;
}

const PREVIEW_BYTES = 256 * 1024;
const TEXT = new Set(["txt", "md", "csv", "tsv", "log", "yaml", "yml", "toml", "ini", "cfg", "py", "sh", "xml", "html", "js", "ts"]);
const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "webp", "bmp"]);

type PreviewKind = "json" | "text" | "image" | null;

function previewKind(file: ArtifactFileRow): PreviewKind {
  if (file.url === null || !file.url.startsWith("/files/")) return null;
  const extension = file.path.includes(".") ? (file.path.split(".").pop() ?? "").toLowerCase() : "";
  if (IMAGE.has(extension)) return "image";
  if ((file.size ?? 0) > PREVIEW_BYTES) return null;
  if (extension === "json") return "json";
  return TEXT.has(extension) ? "text" : null;
}

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

async function fetchText(url: string, kind: "json" | "text"): Promise<string> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  if (kind === "text") return text;
  try {
    return JSON.stringify(parseJson(text), null, 2);
  } catch {
    return text; // not valid JSON: shown as it is
  }
}

function TextPreview(props: { url: string; kind: "json" | "text" }) {
  const loaded = useLoad(() => fetchText(props.url, props.kind), [props.url]);
  if (loaded.state === "loading") return <p class="loading">Loading…</p>;
  if (loaded.state === "failed") return <p class="error">{loaded.error.message}</p>;
  return <pre class={`file-text file-${props.kind}`}>{loaded.value}</pre>;
}

function Preview(props: { file: ArtifactFileRow }) {
  const kind = previewKind(props.file);
  const url = props.file.url;
  if (kind === null || url === null) return <p class="hint">No preview for this file: download it.</p>;
  if (kind === "image") return <img class="file-image" src={url} alt={props.file.path} />;
  return <TextPreview url={url} kind={kind} />;
}

export function FileList(props: { files: ArtifactFileRow[]; total: number }) {
  const [open, setOpen] = useState<string | null>(null);
  if (props.files.length === 0) return <p class="empty">No files.</p>;
  const shown = props.files.find((file) => file.path === open) ?? null;
  return (
    <div class="artifact-files">
      {props.total > props.files.length && <p class="hint">The first {props.files.length} of {props.total} files.</p>}
      <table class="grid files">
        <thead>
          <tr>
            <th>Path</th>
            <th>Size</th>
            <th>Digest or reference</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.files.map((file) => (
            <tr key={file.path} data-path={file.path} class={file.path === open ? "selected" : undefined}>
              <td class="file-path">
                {file.url !== null && file.url.startsWith("/files/") ? (
                  <a href={file.url} download={baseName(file.path)}>{file.path}</a>
                ) : (
                  <span>{file.path}</span>
                )}
              </td>
              <td>{file.size === null ? "" : formatBytes(file.size)}</td>
              <td class="file-source">{file.ref !== null ? <span class="ref">{file.ref}</span> : <code>{file.digest ?? ""}</code>}</td>
              <td>
                {previewKind(file) !== null && (
                  <button type="button" class="small preview" onClick={() => setOpen(file.path === open ? null : file.path)}>
                    {file.path === open ? "Hide" : "Preview"}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && (
        <section class="file-preview" data-path={shown.path}>
          <h3>{shown.path}</h3>
          <Preview key={shown.path} file={shown} />
        </section>
      )}
    </div>
  );
}
