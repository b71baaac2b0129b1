// An image with the layers logged over it (W&B's boxes2D and mask): boxes as SVG rectangles with their class
// name, caption and scores as text, masks as a semi-transparent colour per class read from the mask PNG. Each
// layer and each class in it has a checkbox; which are hidden is the panel's, so it holds at every step.
// The drawn boxes carry their layer, class and corners (image pixels) in data attributes.
import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLoad } from "../../../hooks";
import { parseObject, type Json, type JsonObject } from "../../../json";
import { ErrorBox } from "../../Status";
import { fetchFile, fileUrl, finite, isObject, type Where } from "../history";
import { classNames, type MediaItem, type Overlays } from "./descriptors";
import { classColor, css } from "./palette";

const MASK_ALPHA = 0.45;

interface Box {
  classId: number | null;
  corners: [number, number, number, number]; // minX, minY, maxX, maxY
  pixels: boolean; // corners in image pixels; otherwise fractions of the image
  text: string[]; // its caption (or class name), then "name: score" for each score
}

interface BoxLayer {
  layer: string;
  boxes: Box[];
  names: Map<number, string>;
}

interface MaskLayer {
  layer: string;
  width: number;
  height: number;
  ids: Uint8Array;
  classes: number[]; // the class ids present, ascending
}

interface Layers {
  boxes: BoxLayer[];
  masks: MaskLayer[];
}

/** Which layers and classes are hidden: "boxes:LAYER", "boxes:LAYER:ID", "masks:LAYER", "masks:LAYER:ID". */
export interface Hidden {
  keys: Set<string>;
  toggle: (key: string) => void;
}

function corners(position: Json | undefined): [number, number, number, number] | null {
  if (!isObject(position)) return null;
  const middle = Array.isArray(position.middle) ? position.middle.map((v) => finite(v)) : null;
  const width = finite(position.width);
  const height = finite(position.height);
  const [mx, my] = middle ?? [];
  if (mx != null && my != null && width !== null && height !== null) {
    return [mx - width / 2, my - height / 2, mx + width / 2, my + height / 2];
  }
  const found = [position.minX, position.minY, position.maxX, position.maxY].map((v) => finite(v));
  const [x0, y0, x1, y1] = found;
  return x0 != null && y0 != null && x1 != null && y1 != null ? [x0, y0, x1, y1] : null;
}

function score(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3).replace(/\.?0+$/, "");
}

function box(value: Json, names: Map<number, string>): Box[] {
  if (!isObject(value)) return [];
  const found = corners(value.position);
  if (!found) return [];
  const classId = typeof value.class_id === "number" && Number.isInteger(value.class_id) ? value.class_id : null;
  const name = typeof value.box_caption === "string" ? value.box_caption : classId === null ? "" : (names.get(classId) ?? `class_${classId}`);
  const scores = Object.entries(isObject(value.scores) ? value.scores : {}).flatMap(([key, v]) =>
    typeof v === "number" ? [`${key}: ${score(v)}`] : [],
  );
  return [{ classId, corners: found, pixels: value.domain === "pixel", text: [name, ...scores].filter(Boolean) }];
}

async function loadBoxes(where: Where, layer: string, source: string | Json[]): Promise<BoxLayer> {
  const stored: JsonObject = typeof source === "string" ? parseObject(await (await fetchFile(where, source)).text()) : { box_data: source };
  const names = classNames(isObject(stored.class_labels) ? stored.class_labels : {});
  const boxes = Array.isArray(stored.box_data) ? stored.box_data.flatMap((value) => box(value, names)) : [];
  return { layer, boxes, names };
}

/** The class id of each pixel of a mask PNG (8-bit grey), read without colour management. */
async function loadMask(where: Where, layer: string, path: string): Promise<MaskLayer> {
  const blob = await (await fetchFile(where, path)).blob();
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error(`${path}: cannot read the mask (no 2D canvas)`);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const ids = new Uint8Array(canvas.width * canvas.height);
  const seen = new Array<boolean>(256).fill(false);
  for (let i = 0; i < ids.length; i++) {
    const id = rgba[i * 4] ?? 0;
    ids[i] = id;
    seen[id] = true;
  }
  const classes = seen.flatMap((found, id) => (found ? [id] : []));
  return { layer, width: canvas.width, height: canvas.height, ids, classes };
}

async function loadLayers(where: Where, overlays: Overlays): Promise<Layers> {
  const [boxes, masks] = await Promise.all([
    Promise.all(overlays.boxes.map(([layer, source]) => loadBoxes(where, layer, source))),
    Promise.all(overlays.masks.map(([layer, path]) => loadMask(where, layer, path))),
  ]);
  return { boxes, masks };
}

function present(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

function MaskCanvas(props: { mask: MaskLayer; hidden: Set<string> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { mask, hidden } = props;
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    const image = context.createImageData(mask.width, mask.height);
    const colors = new Map<number, number[] | null>();
    mask.ids.forEach((id, i) => {
      let color = colors.get(id);
      if (color === undefined) {
        color = hidden.has(`masks:${mask.layer}:${id}`) ? null : [...classColor(id), Math.round(255 * MASK_ALPHA)];
        colors.set(id, color);
      }
      if (color) image.data.set(color, i * 4);
    });
    context.putImageData(image, 0, 0);
  }, [mask, hidden]);
  return <canvas ref={canvas} class="mask-layer" width={mask.width} height={mask.height} data-layer={mask.layer} />;
}

function Toggle(props: { name: string; kind?: string; hidden: Hidden; hiddenKey: string; color?: string; classId?: number }) {
  const { hidden, hiddenKey } = props;
  return (
    <label class={props.classId === undefined ? "overlay-layer-toggle" : "overlay-class"} data-class={props.classId}>
      <input type="checkbox" checked={!hidden.keys.has(hiddenKey)} onChange={() => hidden.toggle(hiddenKey)} />
      {props.color && <span class="swatch" style={{ background: props.color }} data-color={props.color} />}
      <span class="overlay-name">{props.name}</span>
      {props.kind && <span class="overlay-kind">({props.kind})</span>}
    </label>
  );
}

function LayerControls(props: { type: "boxes" | "masks"; layer: string; classes: [number, string][]; hidden: Hidden }) {
  const { type, layer } = props;
  return (
    <fieldset class="overlay-layer" data-type={type} data-layer={layer}>
      <legend>
        <Toggle name={layer} kind={type === "boxes" ? "boxes" : "mask"} hidden={props.hidden} hiddenKey={`${type}:${layer}`} />
      </legend>
      {props.classes.map(([id, name]) => (
        <Toggle key={id} name={name} hidden={props.hidden} hiddenKey={`${type}:${layer}:${id}`} color={css(classColor(id))} classId={id} />
      ))}
    </fieldset>
  );
}

export function LabelledImage(props: {
  where: Where;
  item: MediaItem;
  overlays: Overlays;
  title: string;
  maskNames: Map<string, Map<number, string>>;
  hidden: Hidden;
}) {
  const { item, hidden } = props;
  const [size, setSize] = useState<[number, number] | null>(null);
  const loaded = useLoad(() => loadLayers(props.where, props.overlays), [item.path]);
  const layers = loaded.state === "done" ? loaded.value : { boxes: [], masks: [] };
  const boxNames = new Map(layers.boxes.flatMap((layer) => [...layer.names]));
  const nameOf = (names: Map<number, string> | undefined, id: number) => names?.get(id) ?? boxNames.get(id) ?? `class_${id}`;
  const shown = (type: string, layer: string, id: number | null) =>
    !hidden.keys.has(`${type}:${layer}`) && (id === null || !hidden.keys.has(`${type}:${layer}:${id}`));
  const [width, height] = size ?? [1, 1];
  const drawn = layers.boxes.flatMap((layer) =>
    layer.boxes
      .filter((b) => shown("boxes", layer.layer, b.classId))
      .map((b) => {
        const [sx, sy] = b.pixels ? [1, 1] : [width, height];
        const [x0, y0, x1, y1] = b.corners;
        return { layer: layer.layer, box: b, x0: x0 * sx, y0: y0 * sy, x1: x1 * sx, y1: y1 * sy };
      }),
  );
  const controls: ["boxes" | "masks", string, [number, string][]][] = [
    ...layers.boxes.map((layer): ["boxes", string, [number, string][]] => {
      const ids = present(layer.boxes.flatMap((b) => (b.classId === null ? [] : [b.classId])));
      return ["boxes", layer.layer, ids.map((id) => [id, nameOf(layer.names, id)])];
    }),
    ...layers.masks.map((mask): ["masks", string, [number, string][]] => {
      const names = props.maskNames.get(mask.layer);
      return ["masks", mask.layer, mask.classes.map((id) => [id, nameOf(names, id)])];
    }),
  ];
  return (
    <figure class="media-item media-image labelled-image">
      <div class="overlay-stack">
        <img
          src={fileUrl(props.where, item.path) ?? undefined}
          alt={item.caption || props.title}
          onLoad={(event) => setSize([event.currentTarget.naturalWidth, event.currentTarget.naturalHeight])}
        />
        {size &&
          layers.masks
            .filter((mask) => shown("masks", mask.layer, null))
            .map((mask) => <MaskCanvas key={mask.layer} mask={mask} hidden={hidden.keys} />)}
        {size && (
          <svg class="box-layer" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" data-boxes={drawn.length}>
            {drawn.map(({ layer, box: b, x0, y0, x1, y1 }, i) => (
              <rect
                key={i}
                x={x0}
                y={y0}
                width={Math.max(x1 - x0, 0)}
                height={Math.max(y1 - y0, 0)}
                stroke={css(classColor(b.classId ?? 0))}
                data-layer={layer}
                data-class={b.classId ?? ""}
                data-corners={[x0, y0, x1, y1].join(",")}
                data-label={b.text.join(" ")}
              />
            ))}
          </svg>
        )}
        {size &&
          drawn.map(({ box: b, x0, y0 }, i) =>
            b.text.length > 0 ? (
              <span
                key={i}
                class="box-label"
                style={{ left: `${(100 * x0) / width}%`, top: `${(100 * y0) / height}%`, background: css(classColor(b.classId ?? 0)) }}
              >
                {b.text.map((part, j) => (
                  <Fragment key={j}>
                    {j > 0 && " "}
                    <span>{part}</span>
                  </Fragment>
                ))}
              </span>
            ) : null,
          )}
      </div>
      {item.caption && <figcaption>{item.caption}</figcaption>}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      <div class="overlay-controls">
        {controls.map(([type, layer, classes]) => (
          <LayerControls key={`${type}:${layer}`} type={type} layer={layer} hidden={hidden} classes={classes} />
        ))}
      </div>
    </figure>
  );
}
