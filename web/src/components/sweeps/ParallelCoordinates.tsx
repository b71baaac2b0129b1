// A sweep's runs as lines across an axis per parameter and one for the metric, drawn as SVG: every label is a
// text node. The best run's line is drawn last, thicker. The chart's data is kept on its element as
// `parcoords` for tests and tools to read what is drawn.
import { useEffect, useRef } from "preact/hooks";
import { navigate, path } from "../../router";
import { show } from "../../json";
import { position, type Chart } from "./parcoords";

const WIDTH = 960;
const HEIGHT = 340;
const TOP = 40;
const BOTTOM = 30;
const SIDE = 70;

export interface ParcoordsElement extends HTMLDivElement {
  parcoords?: Chart;
}

function tickLabels(axis: Chart["axes"][number]): { at: number; text: string }[] {
  if (axis.kind === "category") {
    return axis.categories.map((text, i) => ({ at: axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1), text }));
  }
  if (axis.min === axis.max) return [{ at: 0.5, text: show(axis.min) }];
  return [0, 0.5, 1].map((at) => ({ at, text: Number((axis.min + at * (axis.max - axis.min)).toPrecision(4)).toString() }));
}

export function ParallelCoordinates(props: { chart: Chart; entity: string; project: string }) {
  const holder = useRef<ParcoordsElement>(null);
  useEffect(() => {
    if (holder.current) holder.current.parcoords = props.chart;
  }, [props.chart]);
  const { axes, lines, best } = props.chart;
  if (axes.length === 0) return <p class="empty">The sweep configuration names no parameters.</p>;
  const x = (i: number) => (axes.length === 1 ? WIDTH / 2 : SIDE + (i * (WIDTH - 2 * SIDE)) / (axes.length - 1));
  const y = (at: number) => TOP + (1 - at) * (HEIGHT - TOP - BOTTOM);
  const pathOf = (values: Chart["lines"][number]["values"]) => {
    let d = "";
    let pen = false;
    axes.forEach((axis, i) => {
      const at = position(axis, values[i]);
      if (at === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(at).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const ordered = [...lines.filter((l) => l.run !== best), ...lines.filter((l) => l.run === best)];
  return (
    <div class="parcoords" ref={holder}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label="Parallel coordinates of the sweep's runs">
        {ordered.map((line) => (
          <path
            key={line.run}
            class={line.run === best ? "line best" : "line"}
            data-run={line.run}
            d={pathOf(line.values)}
            onClick={() => navigate(path(props.entity, props.project, "runs", line.run))}
          >
            <title>{line.label}</title>
          </path>
        ))}
        {axes.map((axis, i) => (
          <g key={axis.name} class="axis" data-axis={axis.name}>
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
            <text class="axis-name" x={x(i)} y={TOP - 18} text-anchor="middle">
              {axis.name}
            </text>
            {tickLabels(axis).map((tick) => (
              <text key={tick.text} class="tick" x={x(i) + 5} y={y(tick.at) + 4}>
                {tick.text}
              </text>
            ))}
          </g>
        ))}
      </svg>
    </div>
  );
}
