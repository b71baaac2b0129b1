// The lineage around a version: runs and versions as nodes, "logged" (run -> version) and "used" (version -> run)
// edges, found a few hops out from the version. Producers stand left of what they made. Drawn as SVG elements,
// every label a text node; a click on a node opens its page.
import { gql } from "../../api";
import type {
  LineageOfRunQuery,
  LineageOfRunQueryVariables,
  LineageOfVersionQuery,
  LineageOfVersionQueryVariables,
  LineageRunFragment,
  LineageVersionFragment,
} from "../../generated/graphql";
import { useLoad } from "../../hooks";
import artifactsDocument from "../../queries/artifacts.graphql?raw";
import { navigate, path } from "../../router";
import { ErrorBox, Loading } from "../Status";

const HOPS = 3; // version -> runs -> versions -> runs
const MAX_NODES = 60;
const NODE_W = 190;
const NODE_H = 42;
const COL_GAP = 80;
const ROW_GAP = 18;
const PAD = 12;
const LABEL_CHARS = 26;

interface LineageNode {
  key: string;
  kind: "run" | "version";
  label: string;
  detail: string;
  href: string;
  layer: number;
  hops: number;
  /** What to ask the server for its neighbours. */
  run?: { entity: string; project: string; name: string };
  versionId?: string;
}

interface LineageEdge {
  from: string;
  to: string;
  kind: "logged" | "used";
}

export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

function runNode(run: LineageRunFragment, layer: number, hops: number): LineageNode | null {
  if (!run.project) return null;
  const where = { entity: run.project.entityName, project: run.project.name, name: run.name };
  return {
    key: `run:${where.entity}/${where.project}/${where.name}`,
    kind: "run",
    label: run.displayName || run.name,
    detail: `run ${run.name} · ${run.state}`,
    href: path(where.entity, where.project, "runs", where.name),
    layer,
    hops,
    run: where,
  };
}

function versionNode(version: LineageVersionFragment, layer: number, hops: number): LineageNode {
  const source = version.sourceCollection;
  const index = version.sourceVersionIndex;
  const tail = index === null ? version.id : `v${index}`;
  return {
    key: `version:${version.id}`,
    kind: "version",
    label: `${source.name}:${tail}`,
    detail: `${version.typeName} · ${source.entityName}/${source.projectName}`,
    href: path(source.entityName, source.projectName, "artifacts", version.typeName, source.name, tail),
    layer,
    hops,
    versionId: version.id,
  };
}

interface Neighbour {
  node: LineageNode | null;
  edge: "logged" | "used";
  /** True when the neighbour is upstream (it made or was used by the node expanded). */
  upstream: boolean;
}

async function neighbours(node: LineageNode): Promise<Neighbour[]> {
  const next = node.hops + 1;
  if (node.versionId !== undefined) {
    const data = await gql<LineageOfVersionQuery, LineageOfVersionQueryVariables>(artifactsDocument, "LineageOfVersion", {
      id: node.versionId,
    });
    const version = data.artifact;
    if (!version) return [];
    const found: Neighbour[] = [];
    if (version.loggedBy) found.push({ node: runNode(version.loggedBy, node.layer - 1, next), edge: "logged", upstream: true });
    for (const { node: run } of version.usedBy.edges) found.push({ node: runNode(run, node.layer + 1, next), edge: "used", upstream: false });
    return found;
  }
  if (node.run === undefined) return [];
  const data = await gql<LineageOfRunQuery, LineageOfRunQueryVariables>(artifactsDocument, "LineageOfRun", {
    entityName: node.run.entity,
    project: node.run.project,
    run: node.run.name,
  });
  const run = data.project?.run;
  if (!run) return [];
  return [
    ...run.usedArtifacts.edges.map((edge): Neighbour => ({ node: versionNode(edge.node, node.layer - 1, next), edge: "used", upstream: true })),
    ...run.loggedArtifacts.edges.map((edge): Neighbour => ({ node: versionNode(edge.node, node.layer + 1, next), edge: "logged", upstream: false })),
  ];
}

/** Breadth first from the version, HOPS out, at most MAX_NODES nodes; a node keeps the layer it was found at. */
export async function loadLineage(center: LineageVersionFragment): Promise<Lineage> {
  const start = versionNode(center, 0, 0);
  const nodes = new Map<string, LineageNode>([[start.key, start]]);
  const edges = new Map<string, LineageEdge>();
  let frontier = [start];
  let truncated = false;
  while (frontier.length > 0) {
    const expanding = frontier.filter((node) => node.hops < HOPS);
    const found = await Promise.all(expanding.map(neighbours));
    frontier = [];
    expanding.forEach((node, i) => {
      for (const neighbour of found[i] ?? []) {
        if (neighbour.node === null) continue;
        let other = nodes.get(neighbour.node.key);
        if (other === undefined) {
          if (nodes.size >= MAX_NODES) {
            truncated = true;
            continue;
          }
          other = neighbour.node;
          nodes.set(other.key, other);
          frontier.push(other);
        }
        const [from, to] = neighbour.upstream ? [other.key, node.key] : [node.key, other.key];
        edges.set(`${from}>${to}`, { from, to, kind: neighbour.edge });
      }
    });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}

function clip(text: string): string {
  return text.length > LABEL_CHARS ? text.slice(0, LABEL_CHARS - 1) + "…" : text;
}

interface Placed {
  node: LineageNode;
  x: number;
  y: number;
}

function place(lineage: Lineage): { placed: Map<string, Placed>; width: number; height: number } {
  const layers = new Map<number, LineageNode[]>();
  for (const node of lineage.nodes) layers.set(node.layer, [...(layers.get(node.layer) ?? []), node]);
  const order = [...layers.keys()].sort((a, b) => a - b);
  const tallest = Math.max(...[...layers.values()].map((column) => column.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const placed = new Map<string, Placed>();
  order.forEach((layer, column) => {
    const members = (layers.get(layer) ?? []).slice().sort((a, b) => a.label.localeCompare(b.label));
    const used = members.length * NODE_H + (members.length - 1) * ROW_GAP;
    const top = (height - used) / 2;
    members.forEach((node, row) => {
      placed.set(node.key, { node, x: PAD + column * (NODE_W + COL_GAP), y: top + row * (NODE_H + ROW_GAP) });
    });
  });
  return { placed, width: PAD * 2 + order.length * NODE_W + (order.length - 1) * COL_GAP, height };
}

function edgePath(from: Placed, to: Placed): string {
  const forward = to.x > from.x;
  const x1 = forward ? from.x + NODE_W : from.x;
  const x2 = forward ? to.x : to.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const y2 = to.y + NODE_H / 2;
  const bend = Math.max(Math.abs(x2 - x1) / 2, 30) * (forward ? 1 : -1);
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
}

export function LineageGraph(props: { lineage: Lineage; centerKey: string }) {
  const { placed, width, height } = place(props.lineage);
  const open = (href: string) => (event: MouseEvent | KeyboardEvent) => {
    if (event instanceof KeyboardEvent && event.key !== "Enter") return;
    navigate(href);
  };
  return (
    <svg class="lineage" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="lineage graph">
      <defs>
        <marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="lineage-arrowhead" />
        </marker>
      </defs>
      {props.lineage.edges.map((edge) => {
        const from = placed.get(edge.from);
        const to = placed.get(edge.to);
        if (!from || !to) return null;
        return (
          <path
            key={`${edge.from}>${edge.to}`}
            class={`lineage-edge edge-${edge.kind}`}
            data-from={edge.from}
            data-to={edge.to}
            data-kind={edge.kind}
            d={edgePath(from, to)}
            marker-end="url(#lineage-arrow)"
          />
        );
      })}
      {[...placed.values()].map(({ node, x, y }) => (
        <g
          key={node.key}
          class={`lineage-node node-${node.kind}${node.key === props.centerKey ? " center" : ""}`}
          data-key={node.key}
          data-kind={node.kind}
          data-label={node.label}
          transform={`translate(${x} ${y})`}
          role="link"
          tabIndex={0}
          onClick={open(node.href)}
          onKeyDown={open(node.href)}
        >
          <title>{`${node.label}\n${node.detail}`}</title>
          <rect width={NODE_W} height={NODE_H} rx={node.kind === "run" ? 21 : 4} />
          <text x={10} y={17} class="lineage-label">{clip(node.label)}</text>
          <text x={10} y={33} class="lineage-detail">{clip(node.detail)}</text>
        </g>
      ))}
    </svg>
  );
}

export function LineageSection(props: { center: LineageVersionFragment }) {
  const loaded = useLoad(() => loadLineage(props.center), [props.center.id]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const lineage = loaded.value;
  return (
    <div class="lineage-box">
      {lineage.nodes.length === 1 ? (
        <p class="empty">No runs logged or used this version.</p>
      ) : (
        <LineageGraph lineage={lineage} centerKey={`version:${props.center.id}`} />
      )}
      {lineage.truncated && <p class="hint">Only the nearest {MAX_NODES} nodes are shown.</p>}
    </div>
  );
}
