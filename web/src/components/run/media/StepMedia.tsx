// Images, audio, video, HTML, 3D objects, molecules, plotly figures and graphs logged under one key: a step
// slider over the steps it was logged at, and what that step logged, each file with its caption (as text).
// Images with boxes or masks show them over the image; which layers and classes are hidden is kept here, so
// it holds as the slider moves. HTML opens in a frame whose scripts run (interactive
// plots need them) in an opaque origin: the `sandbox` attribute (never allow-same-origin) and the file's own
// sandbox CSP keep them from this page, its cookies, the API, navigation and popups.
import { useState } from "preact/hooks";
import type { JsonObject } from "../../../json";
import { fileUrl, type Where } from "../history";
import { itemsOf, type Kind, type MediaItem } from "./descriptors";
import { GraphView } from "./GraphView";
import { LabelledImage, type Hidden } from "./LabelledImage";
import { MoleculeView } from "./MoleculeView";
import { Object3DView } from "./Object3DView";
import { PlotlyChart } from "./PlotlyChart";

export interface Logged {
  step: number | null;
  value: JsonObject;
}

interface ItemProps {
  where: Where;
  kind: Kind;
  item: MediaItem;
  title: string;
  maskNames: Map<string, Map<number, string>>;
  hidden: Hidden;
}

function Item(props: ItemProps) {
  const { item, kind } = props;
  const src = fileUrl(props.where, item.path);
  if (src === null) {
    return (
      <figure class={`media-item media-${kind}`}>
        <p class="empty">
          Not a file path of this run: <code>{item.path}</code>
        </p>
      </figure>
    );
  }
  if (kind === "image" && item.overlays) {
    return <LabelledImage where={props.where} item={item} overlays={item.overlays} title={props.title} maskNames={props.maskNames} hidden={props.hidden} />;
  }
  if (kind === "object3d") return <Object3DView where={props.where} item={item} title={props.title} />;
  if (kind === "molecule") return <MoleculeView where={props.where} item={item} title={props.title} />;
  if (kind === "plotly") return <PlotlyChart where={props.where} item={item} />;
  if (kind === "graph") return <GraphView where={props.where} item={item} />;
  let shown;
  if (kind === "image" || (kind === "video" && item.path.toLowerCase().endsWith(".gif"))) {
    shown = <img src={src} alt={item.caption || props.title} />;
  } else if (kind === "audio") {
    shown = <audio controls preload="metadata" src={src} />;
  } else if (kind === "video") {
    shown = <video controls preload="metadata" src={src} />;
  } else {
    shown = <iframe sandbox="allow-scripts" src={src} title={props.title} referrerpolicy="no-referrer" />;
  }
  return (
    <figure class={`media-item media-${kind}`}>
      {shown}
      {item.caption && <figcaption>{item.caption}</figcaption>}
    </figure>
  );
}

const NO_NAMES = new Map<string, Map<number, string>>();

export function StepMedia(props: {
  where: Where;
  kind: Kind;
  title: string;
  logged: Logged[];
  maskNames?: Map<string, Map<number, string>>;
}) {
  const { logged } = props;
  const [chosen, setChosen] = useState(logged.length - 1);
  const [hiddenKeys, setHiddenKeys] = useState<Set<string>>(new Set());
  const hidden: Hidden = {
    keys: hiddenKeys,
    toggle: (key) => {
      const next = new Set(hiddenKeys);
      if (!next.delete(key)) next.add(key);
      setHiddenKeys(next);
    },
  };
  const index = Math.min(Math.max(chosen, 0), logged.length - 1);
  const current = logged[index];
  if (!current) return null;
  return (
    <figure class="chart-box media-panel" data-key={props.title} data-kind={props.kind}>
      <figcaption>
        <span class="chart-title">{props.title}</span>
        <span class="media-step">{current.step === null ? "summary" : `step ${current.step}`}</span>
      </figcaption>
      {logged.length > 1 && (
        <input
          class="step-slider"
          type="range"
          min="0"
          max={logged.length - 1}
          step="1"
          value={index}
          aria-label={`${props.title}: step`}
          onInput={(event) => setChosen(Number(event.currentTarget.value))}
        />
      )}
      <div class="media-items">
        {itemsOf(current.value).map((item, i) => (
          <Item
            key={`${index}:${i}`}
            where={props.where}
            kind={props.kind}
            item={item}
            title={props.title}
            maskNames={props.maskNames ?? NO_NAMES}
            hidden={hidden}
          />
        ))}
      </div>
    </figure>
  );
}
