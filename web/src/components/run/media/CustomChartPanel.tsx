// `runbase.plot.*` charts, drawn from the table they logged: line, scatter, line series, PR and ROC curves
// (uPlot), bar and histogram (uPlot bars), the confusion matrix (canvas). Any other spec shows its table and
// says it is not drawn. The uPlot instance is on the chart's element as `uplot`, as for history charts.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useLoad } from "../../../hooks";
import { show, type Json } from "../../../json";
import type { ChartElement } from "../../LineChart";
import { ErrorBox, Loading } from "../../Status";
import { finite, type Where } from "../history";
import type { CustomChart } from "./descriptors";
import { loadTable, TableView, type TableData } from "./TablePanel";

const WIDTH = 520;
const HEIGHT = 240;
const COLORS = ["#3b6fd4", "#d4553b", "#2a9d5c", "#9b59b6", "#e0a100", "#1aa3b8", "#7f8c8d"];
const HISTOGRAM_BINS = 20;

/** Which columns give x, y and the line a point belongs to, per drawn preset; null: not drawn. */
function xyColumns(chart: CustomChart): { x: string; y: string; group: string | null } | null {
  const f = chart.fields;
  if (chart.preset.startsWith("wandb/lineseries/")) return { x: "step", y: "lineVal", group: "lineKey" };
  if (chart.preset.startsWith("wandb/area-under-curve/")) return f.x && f.y ? { x: f.x, y: f.y, group: f.class ?? null } : null;
  if (chart.preset.startsWith("wandb/line/") || chart.preset.startsWith("wandb/scatter/")) {
    return f.x && f.y ? { x: f.x, y: f.y, group: f.stroke ?? null } : null;
  }
  return null;
}

function column(table: TableData, name: string | null | undefined): (Json | undefined)[] {
  const at = name ? table.columns.indexOf(name) : -1;
  return at < 0 ? [] : table.rows.map((row) => row[at]);
}

/** The lines of an x/y preset, each sorted by x and joined on one x axis. */
function lines(table: TableData, x: string, y: string, group: string | null): { names: string[]; data: uPlot.AlignedData } {
  const xs = column(table, x);
  const ys = column(table, y);
  const groups = group ? column(table, group) : [];
  const byName = new Map<string, [number, number][]>();
  xs.forEach((value, i) => {
    const at = finite(value);
    const to = finite(ys[i]);
    if (at === null || to === null) return;
    const name = group ? show(groups[i]) : y;
    byName.set(name, [...(byName.get(name) ?? []), [at, to]]);
  });
  const names = [...byName.keys()];
  const tables = names.map((name) => {
    const points = (byName.get(name) ?? []).sort((a, b) => a[0] - b[0]);
    return [points.map((p) => p[0]), points.map((p) => p[1])] as uPlot.AlignedData;
  });
  return { names, data: tables.length ? uPlot.join(tables) : [[]] };
}

function bars(chart: CustomChart, table: TableData): { labels: string[]; values: number[] } | null {
  if (chart.preset.startsWith("wandb/bar/")) {
    const values = column(table, chart.fields.value).map((v) => finite(v) ?? 0);
    return { labels: column(table, chart.fields.label).map((v) => show(v)), values };
  }
  if (!chart.preset.startsWith("wandb/histogram/")) return null;
  const values = column(table, chart.fields.value).flatMap((v) => (finite(v) === null ? [] : [finite(v) ?? 0]));
  if (values.length === 0) return { labels: [], values: [] };
  const low = Math.min(...values);
  const width = (Math.max(...values) - low) / HISTOGRAM_BINS || 1;
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const value of values) {
    const bin = Math.min(Math.floor((value - low) / width), HISTOGRAM_BINS - 1);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { labels: counts.map((_, i) => (low + i * width).toPrecision(3)), values: counts };
}

function UPlotChart(props: { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData; title: string }) {
  const holder = useRef<ChartElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const chart = new uPlot({ ...props.options, width: WIDTH, height: HEIGHT }, props.data, element);
    element.uplot = chart;
    return () => chart.destroy();
  }, [props.data]);
  return <div class="chart" data-key={props.title} ref={holder} />;
}

function ConfusionMatrix(props: { table: TableData; chart: CustomChart }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const actual = column(props.table, props.chart.fields.Actual ?? "Actual").map((v) => show(v));
  const predicted = column(props.table, props.chart.fields.Predicted ?? "Predicted").map((v) => show(v));
  const counts = column(props.table, props.chart.fields.nPredictions ?? "nPredictions").map((v) => finite(v) ?? 0);
  const classes = [...new Set([...actual, ...predicted])];
  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context || classes.length === 0) return;
    const margin = 80;
    const cell = (Math.min(WIDTH, HEIGHT + 100) - margin) / classes.length;
    const most = Math.max(...counts, 1);
    context.font = "11px sans-serif";
    counts.forEach((count, i) => {
      const row = classes.indexOf(actual[i] ?? "");
      const col = classes.indexOf(predicted[i] ?? "");
      context.fillStyle = `rgba(59, 111, 212, ${0.05 + 0.95 * (count / most)})`;
      context.fillRect(margin + col * cell, row * cell, cell - 1, cell - 1);
      context.fillStyle = count / most > 0.5 ? "white" : "#222";
      context.fillText(String(count), margin + col * cell + cell / 2 - 6, row * cell + cell / 2 + 4);
    });
    context.fillStyle = "#222";
    classes.forEach((name, i) => {
      context.fillText(name.slice(0, 12), 2, i * cell + cell / 2 + 4);
      context.fillText(name.slice(0, 8), margin + i * cell + 2, classes.length * cell + 14);
    });
    context.fillText("rows: actual, columns: predicted", margin, classes.length * cell + 30);
  }, [props.table]);
  return <canvas ref={canvas} class="confusion-matrix" width={WIDTH} height={HEIGHT + 100} data-classes={classes.join("\n")} />;
}

function Drawn(props: { where: Where; chart: CustomChart; table: TableData }) {
  const { chart, table } = props;
  const xy = xyColumns(chart);
  if (xy) {
    const { names, data } = lines(table, xy.x, xy.y, xy.group);
    const scatter = chart.preset.startsWith("wandb/scatter/");
    const series: uPlot.Series[] = [
      { label: xy.x },
      ...names.map((name, i) => ({
        label: name,
        stroke: COLORS[i % COLORS.length],
        spanGaps: true,
        ...(scatter ? { paths: () => null, points: { show: true, size: 5 } } : {}),
      })),
    ];
    return <UPlotChart title={chart.key} data={data} options={{ scales: { x: { time: false } }, series, axes: [{ label: xy.x }, { label: xy.y }] }} />;
  }
  const bar = bars(chart, table);
  if (bar) {
    const series: uPlot.Series[] = [{ label: "bin" }, { label: chart.fields.value ?? "value", fill: COLORS[0], stroke: COLORS[0], paths: uPlot.paths.bars?.({ size: [0.8] }) }];
    const axes: uPlot.Axis[] = [{ values: (_u, ticks) => ticks.map((t) => bar.labels[t] ?? "") }, {}];
    const data: uPlot.AlignedData = [bar.labels.map((_, i) => i), bar.values];
    return <UPlotChart title={chart.key} data={data} options={{ scales: { x: { time: false, range: [-0.5, bar.labels.length - 0.5] } }, series, axes }} />;
  }
  if (chart.preset.startsWith("wandb/confusion_matrix/")) return <ConfusionMatrix table={table} chart={chart} />;
  return (
    <>
      <p class="hint not-drawn">The chart {chart.preset} is not drawn here; its table:</p>
      <TableView where={props.where} table={table} title={chart.key} />
    </>
  );
}

export function CustomChartPanel(props: { where: Where; chart: CustomChart; path: string }) {
  const loaded = useLoad(() => loadTable(props.where, props.path), [props.path]);
  return (
    <figure class="chart-box media-panel" data-key={props.chart.key} data-kind="custom-chart" data-preset={props.chart.preset}>
      <figcaption>
        <span class="chart-title">{props.chart.title}</span>
      </figcaption>
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      {loaded.state === "done" && <Drawn where={props.where} chart={props.chart} table={loaded.value} />}
    </figure>
  );
}
