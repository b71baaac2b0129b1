// What the SDK logs for rich values, read from history and summary descriptors (W&B's format): which panel
// shows a key, and the files one logged value names.
import { wandbBookkeeping, type Json, type JsonObject } from "../../../json";
import { isObject } from "../history";

export type Kind =
  | "image"
  | "audio"
  | "video"
  | "html"
  | "histogram"
  | "table"
  | "object3d"
  | "molecule"
  | "plotly"
  | "graph";

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
  "object3D-file": "object3d",
  object3D: "object3d",
  "molecule-file": "molecule",
  molecule: "molecule",
  "plotly-file": "plotly",
  "graph-file": "graph",
};

/** The layers drawn over an image, by layer name: boxes (a boxes2D file's path, or the boxes themselves as an
 * artifact's image holds them) and masks (a mask PNG's path). */
export interface Overlays {
  boxes: [string, string | Json[]][];
  masks: [string, string][];
}

export interface MediaItem {
  path: string;
  caption: string;
  overlays?: Overlays;
}

export function kindOf(value: Json | undefined): Kind | null {
  return isObject(value) && typeof value._type === "string" ? (KINDS[value._type] ?? null) : null;
}

function text(value: Json | undefined): string {
  return typeof value === "string" ? value : "";
}

function overlaysOf(boxes: Json | undefined, masks: Json | undefined): Overlays | undefined {
  const found: Overlays = { boxes: [], masks: [] };
  for (const [layer, value] of Object.entries(isObject(boxes) ? boxes : {})) {
    if (Array.isArray(value)) found.boxes.push([layer, value]);
    else if (isObject(value) && typeof value.path === "string") found.boxes.push([layer, value.path]);
  }
  for (const [layer, value] of Object.entries(isObject(masks) ? masks : {})) {
    if (isObject(value) && typeof value.path === "string") found.masks.push([layer, value.path]);
  }
  return found.boxes.length + found.masks.length > 0 ? found : undefined;
}

function item(value: Json | undefined): MediaItem[] {
  if (!isObject(value) || typeof value.path !== "string") return [];
  const overlays = overlaysOf(value.boxes, value.masks);
  return [{ path: value.path, caption: text(value.caption), ...(overlays && { overlays }) }];
}

/** The files one logged value (one image or a list of them, ...) is stored as, with their captions and, for
 * images, the boxes and masks drawn over them. */
export function itemsOf(value: JsonObject): MediaItem[] {
  const list = value.audio ?? value.videos ?? value.html ?? value.objects;
  if (Array.isArray(list)) return list.flatMap(item);
  if (Array.isArray(value.filenames)) {
    const captions = Array.isArray(value.captions) ? value.captions : [];
    const boxes = Array.isArray(value.all_boxes) ? value.all_boxes : [];
    const masks = Array.isArray(value.all_masks) ? value.all_masks : [];
    return value.filenames.flatMap((name, i) => {
      if (typeof name !== "string") return [];
      const overlays = overlaysOf(boxes[i], masks[i]);
      return [{ path: name, caption: text(captions[i]), ...(overlays && { overlays }) }];
    });
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

/** The class names W&B's SDK records for a mask layer of an image logged under `key`
 * (`_wandb["mask/class_labels"]["KEY_wandb_delimeter_LAYER"]`), by class id; none where it recorded none. */
export function maskClassLabels(configText: string, key: string): Map<string, Map<number, string>> {
  const recorded = wandbBookkeeping(configText)["mask/class_labels"];
  const found = new Map<string, Map<number, string>>();
  for (const [name, labels] of Object.entries(isObject(recorded) ? recorded : {})) {
    const [logged, layer] = name.split("_wandb_delimeter_");
    if (logged !== key || layer === undefined || !isObject(labels)) continue;
    found.set(layer, classNames(labels));
  }
  return found;
}

/** W&B's {"1": "cat", ...} as class ids to names; entries that are not an integer id and a name are left out. */
export function classNames(labels: JsonObject): Map<number, string> {
  const names = new Map<number, string>();
  for (const [id, name] of Object.entries(labels)) {
    if (/^-?\d+$/.test(id) && typeof name === "string") names.set(Number(id), name);
  }
  return names;
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
