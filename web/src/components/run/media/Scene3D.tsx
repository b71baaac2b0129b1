// A small 3D viewer on a 2D canvas (no WebGL, no library): points rasterised with a depth buffer, discs drawn
// far to near (atoms), lines (3D boxes, vectors, bonds) and labels drawn as canvas text. Drag turns it, the
// wheel zooms, a double click resets the view. z is up. After each frame the canvas carries `data-points`
// (in the scene) and `data-drawn` (points that landed on the canvas).
import { useEffect, useRef } from "preact/hooks";
import { css, type Rgb } from "./palette";

export type Vec3 = [number, number, number];

export interface Scene {
  positions: Float32Array; // x, y, z of each point
  colors: Uint8Array; // r, g, b of each point
  radii?: Float32Array; // each point's radius in scene units (atoms), drawn as discs; without it, small squares
  lines: { from: Vec3; to: Vec3; color: Rgb }[];
  labels: { at: Vec3; text: string; color: Rgb }[];
}

interface View {
  yaw: number;
  pitch: number;
  zoom: number;
}

const WIDTH = 480;
const HEIGHT = 360;
const BACKGROUND: Rgb = [27, 29, 35];
const START: View = { yaw: -0.6, pitch: 0.5, zoom: 1 };

interface Frame {
  center: Vec3;
  radius: number;
}

function frameOf(scene: Scene): Frame {
  const low: Vec3 = [Infinity, Infinity, Infinity];
  const high: Vec3 = [-Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number, z: number) => {
    [x, y, z].forEach((v, axis) => {
      low[axis] = Math.min(low[axis] ?? v, v);
      high[axis] = Math.max(high[axis] ?? v, v);
    });
  };
  const p = scene.positions;
  for (let i = 0; i + 2 < p.length; i += 3) add(p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0);
  for (const line of scene.lines) [line.from, line.to].forEach(([x, y, z]) => add(x, y, z));
  if (!Number.isFinite(low[0])) return { center: [0, 0, 0], radius: 1 };
  const center = low.map((v, axis) => (v + (high[axis] ?? v)) / 2) as Vec3;
  let radius = 0;
  const reach = (x: number, y: number, z: number) => {
    radius = Math.max(radius, Math.hypot(x - center[0], y - center[1], z - center[2]));
  };
  for (let i = 0; i + 2 < p.length; i += 3) reach(p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0);
  for (const line of scene.lines) [line.from, line.to].forEach(([x, y, z]) => reach(x, y, z));
  const widest = scene.radii ? scene.radii.reduce((a, b) => Math.max(a, b), 0) : 0;
  return { center, radius: radius + widest || 1 };
}

/** The screen x, y and depth (larger is farther) of a point, for a view. */
function projector(frame: Frame, view: View): (x: number, y: number, z: number) => Vec3 {
  const scale = (view.zoom * 0.45 * Math.min(WIDTH, HEIGHT)) / frame.radius;
  const [cy, sy, cp, sp] = [Math.cos(view.yaw), Math.sin(view.yaw), Math.cos(view.pitch), Math.sin(view.pitch)];
  const [ox, oy, oz] = frame.center;
  return (x, y, z) => {
    const [dx, dy, dz] = [x - ox, y - oy, z - oz];
    const across = dx * cy - dy * sy;
    const along = dx * sy + dy * cy;
    const up = dz * cp + along * sp;
    const depth = along * cp - dz * sp;
    return [WIDTH / 2 + across * scale, HEIGHT / 2 - up * scale, depth];
  };
}

function drawPoints(context: CanvasRenderingContext2D, scene: Scene, project: (x: number, y: number, z: number) => Vec3): number {
  const image = context.createImageData(WIDTH, HEIGHT);
  const pixels = image.data;
  for (let i = 0; i < pixels.length; i += 4) pixels.set([...BACKGROUND, 255], i);
  const depths = new Float32Array(WIDTH * HEIGHT).fill(Infinity);
  const { positions: p, colors } = scene;
  const count = Math.floor(p.length / 3);
  const size = count < 5000 ? 3 : 2;
  let drawn = 0;
  for (let i = 0; i < count; i++) {
    const [sx, sy, depth] = project(p[3 * i] ?? 0, p[3 * i + 1] ?? 0, p[3 * i + 2] ?? 0);
    const left = Math.round(sx - size / 2);
    const top = Math.round(sy - size / 2);
    if (left + size <= 0 || top + size <= 0 || left >= WIDTH || top >= HEIGHT) continue;
    drawn++;
    for (let y = Math.max(top, 0); y < Math.min(top + size, HEIGHT); y++) {
      for (let x = Math.max(left, 0); x < Math.min(left + size, WIDTH); x++) {
        const at = y * WIDTH + x;
        if (depth >= (depths[at] ?? Infinity)) continue;
        depths[at] = depth;
        pixels[4 * at] = colors[3 * i] ?? 0;
        pixels[4 * at + 1] = colors[3 * i + 1] ?? 0;
        pixels[4 * at + 2] = colors[3 * i + 2] ?? 0;
      }
    }
  }
  context.putImageData(image, 0, 0);
  return drawn;
}

function drawDiscs(context: CanvasRenderingContext2D, scene: Scene, radii: Float32Array, project: (x: number, y: number, z: number) => Vec3, scale: number): number {
  context.fillStyle = css(BACKGROUND);
  context.fillRect(0, 0, WIDTH, HEIGHT);
  drawLines(context, scene, project);
  const { positions: p, colors } = scene;
  const shown = Array.from({ length: Math.floor(p.length / 3) }, (_, i) => ({ i, at: project(p[3 * i] ?? 0, p[3 * i + 1] ?? 0, p[3 * i + 2] ?? 0) }));
  shown.sort((a, b) => b.at[2] - a.at[2]);
  let drawn = 0;
  context.strokeStyle = "rgba(0,0,0,0.5)";
  context.lineWidth = 1;
  for (const { i, at } of shown) {
    const r = Math.max((radii[i] ?? 0) * scale, 1.5);
    if (at[0] + r < 0 || at[1] + r < 0 || at[0] - r > WIDTH || at[1] - r > HEIGHT) continue;
    drawn++;
    context.fillStyle = css([colors[3 * i] ?? 0, colors[3 * i + 1] ?? 0, colors[3 * i + 2] ?? 0]);
    context.beginPath();
    context.arc(at[0], at[1], r, 0, 2 * Math.PI);
    context.fill();
    context.stroke();
  }
  return drawn;
}

function drawLines(context: CanvasRenderingContext2D, scene: Scene, project: (x: number, y: number, z: number) => Vec3): void {
  context.lineWidth = 1.5;
  for (const line of scene.lines) {
    const [ax, ay] = project(...line.from);
    const [bx, by] = project(...line.to);
    context.strokeStyle = css(line.color);
    context.beginPath();
    context.moveTo(ax, ay);
    context.lineTo(bx, by);
    context.stroke();
  }
}

function draw(canvas: HTMLCanvasElement, scene: Scene, frame: Frame, view: View): void {
  const context = canvas.getContext("2d");
  if (!context) return;
  const project = projector(frame, view);
  let drawn;
  if (scene.radii) {
    drawn = drawDiscs(context, scene, scene.radii, project, (view.zoom * 0.45 * Math.min(WIDTH, HEIGHT)) / frame.radius);
  } else {
    drawn = drawPoints(context, scene, project);
    drawLines(context, scene, project);
  }
  context.font = "12px sans-serif";
  for (const label of scene.labels) {
    const [x, y] = project(...label.at);
    context.fillStyle = css(label.color);
    context.fillText(label.text, x + 3, y - 3);
  }
  canvas.dataset.points = String(Math.floor(scene.positions.length / 3));
  canvas.dataset.drawn = String(drawn);
}

export function Scene3D(props: { scene: Scene; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<View>({ ...START });
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const frame = frameOf(props.scene);
    let pending = 0;
    const redraw = () => {
      if (pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        draw(element, props.scene, frame, view.current);
      });
    };
    let dragged: { x: number; y: number } | null = null;
    const down = (event: PointerEvent) => {
      dragged = { x: event.clientX, y: event.clientY };
      element.setPointerCapture(event.pointerId);
    };
    const move = (event: PointerEvent) => {
      if (!dragged) return;
      const v = view.current;
      v.yaw += (event.clientX - dragged.x) * 0.01;
      v.pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, v.pitch + (event.clientY - dragged.y) * 0.01));
      dragged = { x: event.clientX, y: event.clientY };
      redraw();
    };
    const up = () => {
      dragged = null;
    };
    const wheel = (event: WheelEvent) => {
      event.preventDefault();
      view.current.zoom = Math.max(0.1, Math.min(100, view.current.zoom * Math.exp(-event.deltaY * 0.002)));
      redraw();
    };
    const reset = () => {
      view.current = { ...START };
      redraw();
    };
    element.addEventListener("pointerdown", down);
    element.addEventListener("pointermove", move);
    element.addEventListener("pointerup", up);
    element.addEventListener("pointercancel", up);
    element.addEventListener("wheel", wheel, { passive: false });
    element.addEventListener("dblclick", reset);
    draw(element, props.scene, frame, view.current);
    return () => {
      cancelAnimationFrame(pending);
      element.removeEventListener("pointerdown", down);
      element.removeEventListener("pointermove", move);
      element.removeEventListener("pointerup", up);
      element.removeEventListener("pointercancel", up);
      element.removeEventListener("wheel", wheel);
      element.removeEventListener("dblclick", reset);
    };
  }, [props.scene]);
  return <canvas ref={canvas} class="scene-3d" width={WIDTH} height={HEIGHT} aria-label={props.label} title="Drag to turn, wheel to zoom, double-click to reset" />;
}
