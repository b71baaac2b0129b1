// Histograms logged over steps as a heatmap, W&B's way: a column per step, the value on the y axis, each bin as
// dark as its share of that step's largest bin. Drawn on a canvas; the steps drawn are on its `data-steps`.
import { useEffect, useRef } from "preact/hooks";
import type { Json } from "../../../json";
import { finite } from "../history";
import type { Logged } from "./StepMedia";

const WIDTH = 600;
const HEIGHT = 220;
const MARGIN = 48;

interface Histogram {
  step: number | null;
  counts: number[];
  edges: number[];
}

function numbers(value: Json | undefined): number[] {
  return Array.isArray(value) ? value.map((v) => finite(v) ?? 0) : [];
}

function histograms(logged: Logged[]): Histogram[] {
  return logged
    .map(({ step, value }) => ({ step, counts: numbers(value.values), edges: numbers(value.bins) }))
    .filter((h) => h.counts.length > 0 && h.edges.length === h.counts.length + 1);
}

function draw(canvas: HTMLCanvasElement, shown: Histogram[]): void {
  const context = canvas.getContext("2d");
  if (!context || shown.length === 0) return;
  const low = Math.min(...shown.map((h) => h.edges[0] ?? 0));
  const high = Math.max(...shown.map((h) => h.edges[h.edges.length - 1] ?? 0));
  const span = high - low || 1;
  const plotWidth = WIDTH - MARGIN;
  const plotHeight = HEIGHT - 20;
  const column = plotWidth / shown.length;
  const y = (value: number) => plotHeight - ((value - low) / span) * plotHeight;
  context.fillStyle = "white";
  context.fillRect(0, 0, WIDTH, HEIGHT);
  shown.forEach((histogram, i) => {
    const most = Math.max(...histogram.counts) || 1;
    histogram.counts.forEach((count, j) => {
      if (count <= 0) return;
      const top = y(histogram.edges[j + 1] ?? high);
      const bottom = y(histogram.edges[j] ?? low);
      context.fillStyle = `rgba(59, 111, 212, ${0.15 + 0.85 * (count / most)})`;
      context.fillRect(MARGIN + i * column, top, Math.max(column, 1), Math.max(bottom - top, 1));
    });
  });
  context.fillStyle = "#333";
  context.font = "11px sans-serif";
  context.fillText(high.toPrecision(3), 2, 10);
  context.fillText(low.toPrecision(3), 2, plotHeight);
  const first = shown[0]?.step;
  const last = shown[shown.length - 1]?.step;
  context.fillText(first === null || first === undefined ? "" : `step ${first}`, MARGIN, HEIGHT - 4);
  const end = last === null || last === undefined ? "" : `step ${last}`;
  context.fillText(end, WIDTH - context.measureText(end).width - 2, HEIGHT - 4);
}

export function HistogramPanel(props: { title: string; logged: Logged[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const shown = histograms(props.logged);
  useEffect(() => {
    if (canvas.current) draw(canvas.current, shown);
  }, [props.logged]);
  return (
    <figure class="chart-box media-panel" data-key={props.title} data-kind="histogram">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="media-step">{shown.length} steps</span>
      </figcaption>
      <canvas
        ref={canvas}
        class="histogram-heatmap"
        width={WIDTH}
        height={HEIGHT}
        data-steps={shown.map((h) => h.step ?? "").join(",")}
      />
    </figure>
  );
}
