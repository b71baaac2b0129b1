// What the SDK logs for rich values, read from history and summary descriptors (W&B's format): which panel
// shows a key, and the files one logged value names.
import { wandbBookkeeping, type Json, type JsonObject } from "../../../json";
import { isObject } from "../history";

export type Kind = "image" | "audio" | "video" | "html" | "histogram" | "table";

const KINDS: Record<string, Kind> = {
  "image-file": "image",
  "images/separated": "image",
  "audio-file": "audio",
  audio: "audio",
  "video-file": "video",
  videos: "video",
  "html-file": "html",
  html: "html",
  histogram: "histogram",
  "table-file": "table",
};

export interface MediaItem {
  path: string;
  caption: string;
}

export function kindOf(value: Json | undefined): Kind | null {
  return isObject(value) && typeof value._type === "string" ? (KINDS[value._type] ?? null) : null;
}

function text(value: Json | undefined): string {
  return typeof value === "string" ? value : "";
}

function item(value: Json | undefined): MediaItem[] {
  return isObject(value) && typeof value.path === "string" ? [{ path: value.path, caption: text(value.caption) }] : [];
}

/** The files one logged value (one image or a list of them, ...) is stored as, with their captions. */
export function itemsOf(value: JsonObject): MediaItem[] {
  const list = value.audio ?? value.videos ?? value.html;
  if (Array.isArray(list)) return list.flatMap(item);
  if (Array.isArray(value.filenames)) {
    const captions = Array.isArray(value.captions) ? value.captions : [];
    return value.filenames.flatMap((name, i) => (typeof name === "string" ? [{ path: name, caption: text(captions[i]) }] : []));
  }
  return item(value);
}

/** A custom chart (`runbase.plot.*`, `plot_table`) as the run's config records it under _wandb.visualize. */
export interface CustomChart {
  key: string;
  preset: string;
  tableKey: string;
  fields: Record<string, string>;
  title: string;
}

function tableKeyOf(panel: JsonObject, key: string): string {
  const fields = JSON.stringify(panel.userQuery ?? null).match(/"tableKey","value":("(?:[^"\\]|\\.)*")/);
  const found = fields?.[1] ? (JSON.parse(fields[1]) as unknown) : null;
  return typeof found === "string" ? found : `${key}_table`;
}

export function customCharts(configText: string): CustomChart[] {
  const visualize = wandbBookkeeping(configText).visualize;
  if (!isObject(visualize)) return [];
  return Object.entries(visualize).flatMap(([key, chart]) => {
    const panel = isObject(chart) ? chart.panel_config : undefined;
    if (!isObject(panel) || typeof panel.panelDefId !== "string") return [];
    const fields: Record<string, string> = {};
    if (isObject(panel.fieldSettings)) {
      for (const [name, column] of Object.entries(panel.fieldSettings)) if (typeof column === "string") fields[name] = column;
    }
    const strings = isObject(panel.stringSettings) ? panel.stringSettings : {};
    return [{ key, preset: panel.panelDefId, tableKey: tableKeyOf(panel, key), fields, title: text(strings.title) || key }];
  });
}
