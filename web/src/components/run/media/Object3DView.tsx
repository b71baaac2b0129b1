// W&B's 3D objects in the run's own viewer: point clouds (.pts.json: rows of [x, y, z], [x, y, z, category] or
// [x, y, z, r, g, b]) and lidar scenes ({"type": "lidar/beta", "points", "boxes", "vectors"}: boxes by their 8
// corners, with label and score as text). Meshes (.obj, .gltf, .glb, .babylon, .stl) are not drawn: a line
// says so, with the file to download.
import { useLoad } from "../../../hooks";
import { parseJson, type Json } from "../../../json";
import { ErrorBox, Loading } from "../../Status";
import { fetchFile, finite, isObject, type Where } from "../history";
import type { MediaItem } from "./descriptors";
import { fileType, NoPreview } from "./NoPreview";
import { classColor, type Rgb } from "./palette";
import { Scene3D, type Scene, type Vec3 } from "./Scene3D";

const PLAIN_POINT: Rgb = [140, 200, 255];
const PLAIN_LINE: Rgb = [255, 210, 80];

function numbers(value: Json | undefined): number[] | null {
  if (!Array.isArray(value)) return null;
  const found = value.map((v) => finite(v));
  return found.every((v): v is number => v !== null) ? found : null;
}

function vec3(value: Json | undefined): Vec3 | null {
  const found = numbers(value);
  return found && found.length === 3 ? [found[0] ?? 0, found[1] ?? 0, found[2] ?? 0] : null;
}

/** A box's or vector's colour: (r, g, b) from 0 to 1 (as box3d makes) or from 0 to 255. */
function color(value: Json | undefined, fallback: Rgb): Rgb {
  const found = numbers(value);
  if (!found || found.length !== 3) return fallback;
  const scale = found.every((v) => v <= 1) ? 255 : 1;
  return found.map((v) => Math.max(0, Math.min(255, Math.round(v * scale)))) as Rgb;
}

function points(rows: Json[]): Pick<Scene, "positions" | "colors"> {
  const positions = new Float32Array(rows.length * 3);
  const colors = new Uint8Array(rows.length * 3);
  let count = 0;
  for (const row of rows) {
    const values = numbers(row);
    if (!values || values.length < 3) continue;
    positions.set(values.slice(0, 3), count * 3);
    const rgb = values.length >= 6 ? (values.slice(3, 6) as Rgb) : values.length === 4 ? classColor(values[3] ?? 0) : PLAIN_POINT;
    colors.set(rgb, count * 3);
    count++;
  }
  return { positions: positions.subarray(0, count * 3), colors: colors.subarray(0, count * 3) };
}

/** The 12 edges of a box from its 8 corners, in box3d's order (corner i has bit 4, 2, 1 set for +x, +y, +z). */
function boxEdges(corners: Vec3[], rgb: Rgb): Scene["lines"] {
  const lines: Scene["lines"] = [];
  corners.forEach((from, i) => {
    for (const bit of [1, 2, 4]) {
      const to = corners[i | bit];
      if (!(i & bit) && to) lines.push({ from, to, color: rgb });
    }
  });
  return lines;
}

export function pointCloud(value: Json): Scene & { boxes: number } {
  if (Array.isArray(value)) return { ...points(value), lines: [], labels: [], boxes: 0 };
  const scene = isObject(value) ? value : {};
  const lines: Scene["lines"] = [];
  const labels: Scene["labels"] = [];
  let boxes = 0;
  for (const box of Array.isArray(scene.boxes) ? scene.boxes : []) {
    const corners = isObject(box) && Array.isArray(box.corners) ? box.corners.map(vec3) : [];
    if (!isObject(box) || corners.length !== 8 || corners.some((c) => c === null)) continue;
    const rgb = color(box.color, PLAIN_LINE);
    lines.push(...boxEdges(corners as Vec3[], rgb));
    const score = finite(box.score);
    const text = [typeof box.label === "string" ? box.label : "", score === null ? "" : score.toPrecision(3)].filter(Boolean).join(" ");
    if (text) labels.push({ at: corners[7] as Vec3, text, color: rgb });
    boxes++;
  }
  for (const vector of Array.isArray(scene.vectors) ? scene.vectors : []) {
    const [from, to] = isObject(vector) ? [vec3(vector.start), vec3(vector.end)] : [null, null];
    if (from && to) lines.push({ from, to, color: color(isObject(vector) ? vector.color : null, PLAIN_LINE) });
  }
  return { ...points(Array.isArray(scene.points) ? scene.points : []), lines, labels, boxes };
}

async function loadPointCloud(where: Where, path: string): Promise<Scene & { boxes: number }> {
  return pointCloud(parseJson(await (await fetchFile(where, path)).text()));
}

function PointCloud(props: { where: Where; path: string; title: string }) {
  const loaded = useLoad(() => loadPointCloud(props.where, props.path), [props.path]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const scene = loaded.value;
  const count = scene.positions.length / 3;
  return (
    <>
      <Scene3D scene={scene} label={props.title} />
      <p class="scene-summary">
        {count} points{scene.boxes > 0 && `, ${scene.boxes} boxes`}
      </p>
    </>
  );
}

export function Object3DView(props: { where: Where; item: MediaItem; title: string }) {
  const { item } = props;
  return (
    <figure class="media-item media-object3d">
      {fileType(item.path) === "pts.json" ? (
        <PointCloud where={props.where} path={item.path} title={props.title} />
      ) : (
        <NoPreview where={props.where} path={item.path} />
      )}
      {item.caption && <figcaption>{item.caption}</figcaption>}
    </figure>
  );
}
