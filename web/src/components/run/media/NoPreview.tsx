// What a media panel shows for a file it does not draw: a plain line saying so, and a link to download it.
import type { ComponentChildren } from "preact";
import { fileUrl, type Where } from "../history";

/** The file type a media file is stored as, from its name: "pts.json", "pdb", "obj", ... (lower case). */
export function fileType(path: string): string {
  const name = (path.split("/").pop() ?? "").toLowerCase();
  for (const double of ["pts.json", "plotly.json", "graph.json"]) if (name.endsWith(`.${double}`)) return double;
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1);
}

export function NoPreview(props: { where: Where; path: string; why?: ComponentChildren }) {
  const type = fileType(props.path);
  const url = fileUrl(props.where, props.path);
  return (
    <p class="media-note" data-no-preview={type}>
      <span>{props.why ?? `Preview not supported for ${type ? `.${type}` : "this"} files.`}</span>{" "}
      {url !== null && (
        <a href={url} download>
          Download
        </a>
      )}
    </p>
  );
}
