// A model's graph (W&B's graph-file, from run.watch(log_graph=True) or runbase.Graph): its nodes listed with
// their type, output shape and parameters, and, where it has edges, drawn in layers (each node below those it
// comes from). Every name is SVG or HTML text.
import { useLoad } from "../../../hooks";
import { parseObject, show, type Json, type JsonObject } from "../../../json";
import { ErrorBox, Loading } from "../../Status";
import { fetchFile, finite, isObject, type Where } from "../history";
import type { MediaItem } from "./descriptors";

const MAX_DRAWN = 200; // nodes; a larger graph is listed only
const NODE_WIDTH = 140;
const NODE_HEIGHT = 28;
const GAP_X = 20;
const GAP_Y = 36;

interface Graph {
  format: string;
  nodes: JsonObject[];
  edges: [number, number][]; // indices into nodes
}

async function loadGraph(where: Where, path: string): Promise<Graph> {
  const stored = parseObject(await (await fetchFile(where, path)).text());
  const nodes = Array.isArray(stored.nodes) ? stored.nodes.filter(isObject) : [];
  const index = new Map(nodes.map((node, i) => [JSON.stringify(node.id ?? null), i]));
  const edges = (Array.isArray(stored.edges) ? stored.edges : []).flatMap((edge): [number, number][] => {
    if (!Array.isArray(edge) || edge.length !== 2) return [];
    const [from, to] = [index.get(JSON.stringify(edge[0])), index.get(JSON.stringify(edge[1]))];
    return from === undefined || to === undefined ? [] : [[from, to]];
  });
  return { format: typeof stored.format === "string" ? stored.format : "", nodes, edges };
}

/** A value as text; a shape (a list, perhaps of lists) as "[1, 8]". */
function text(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(text).join(", ")}]`;
  return value === undefined || value === null ? "" : show(value);
}

function parameterCount(node: JsonObject): string {
  const counts = Array.isArray(node.num_parameters) ? node.num_parameters : [node.num_parameters];
  const numbers = counts.map((n) => finite(n)).filter((n): n is number => n !== null);
  return numbers.length > 0 ? String(numbers.reduce((a, b) => a + b, 0)) : "";
}

function parameterShapes(node: JsonObject): string {
  if (!Array.isArray(node.parameters)) return "";
  return node.parameters.map((entry) => (Array.isArray(entry) ? `${text(entry[0])} ${text(entry[1])}` : text(entry))).join(", ");
}

/** Each node's layer: the longest chain of edges that leads to it (a cycle stops growing after n rounds). */
function layers(graph: Graph): number[] {
  const layer = graph.nodes.map(() => 0);
  for (let round = 0; round < graph.nodes.length; round++) {
    let changed = false;
    for (const [from, to] of graph.edges) {
      const next = (layer[from] ?? 0) + 1;
      if (next > (layer[to] ?? 0) && from !== to) {
        layer[to] = next;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

function Layered(props: { graph: Graph }) {
  const { graph } = props;
  const layer = layers(graph);
  const rows: number[][] = [];
  layer.forEach((l, i) => (rows[l] ??= []).push(i));
  const widest = Math.max(...rows.map((row) => row?.length ?? 0));
  const width = widest * (NODE_WIDTH + GAP_X) + GAP_X;
  const place = new Map<number, [number, number]>();
  rows.forEach((row, r) => {
    const offset = (width - row.length * (NODE_WIDTH + GAP_X) + GAP_X) / 2;
    row.forEach((node, k) => place.set(node, [offset + k * (NODE_WIDTH + GAP_X), GAP_Y / 2 + r * (NODE_HEIGHT + GAP_Y)]));
  });
  const height = rows.length * (NODE_HEIGHT + GAP_Y);
  return (
    <svg class="graph-layers" viewBox={`0 0 ${width} ${height}`} width={width} height={height} data-nodes={graph.nodes.length} data-edges={graph.edges.length}>
      {graph.edges.map(([from, to], i) => {
        const [a, b] = [place.get(from), place.get(to)];
        return a && b ? <line key={i} x1={a[0] + NODE_WIDTH / 2} y1={a[1] + NODE_HEIGHT} x2={b[0] + NODE_WIDTH / 2} y2={b[1]} /> : null;
      })}
      {graph.nodes.map((node, i) => {
        const [x, y] = place.get(i) ?? [0, 0];
        const name = text(node.name) || text(node.id);
        return (
          <g key={i} class="graph-node" data-name={name}>
            <rect x={x} y={y} width={NODE_WIDTH} height={NODE_HEIGHT} rx={4} />
            <text x={x + NODE_WIDTH / 2} y={y + NODE_HEIGHT / 2 + 4}>
              {name.length > 20 ? `${name.slice(0, 19)}…` : name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Drawn(props: { where: Where; path: string }) {
  const loaded = useLoad(() => loadGraph(props.where, props.path), [props.path]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const graph = loaded.value;
  return (
    <>
      <p class="scene-summary">
        {graph.nodes.length} nodes, {graph.edges.length} edges{graph.format && ` (${graph.format})`}
      </p>
      {graph.edges.length > 0 && graph.nodes.length <= MAX_DRAWN && <Layered graph={graph} />}
      <table class="graph-nodes">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Output shape</th>
            <th>Parameters</th>
            <th>Count</th>
          </tr>
        </thead>
        <tbody>
          {graph.nodes.map((node, i) => (
            <tr key={i}>
              <td>{text(node.name) || text(node.id)}</td>
              <td>{text(node.class_name)}</td>
              <td>{text(node.output_shape)}</td>
              <td>{parameterShapes(node)}</td>
              <td>{parameterCount(node)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function GraphView(props: { where: Where; item: MediaItem }) {
  return (
    <figure class="media-item media-graph">
      <Drawn where={props.where} path={props.item.path} />
      {props.item.caption && <figcaption>{props.item.caption}</figcaption>}
    </figure>
  );
}
