// Images, audio, video and HTML logged under one key: a step slider over the steps it was logged at, and what
// that step logged, each file with its caption (as text). HTML opens in a frame whose scripts run (interactive
// plots need them) in an opaque origin: the `sandbox` attribute (never allow-same-origin) and the file's own
// sandbox CSP keep them from this page, its cookies, the API, navigation and popups.
import { useState } from "preact/hooks";
import type { JsonObject } from "../../../json";
import { fileUrl, type Where } from "../history";
import { itemsOf, type Kind, type MediaItem } from "./descriptors";

export interface Logged {
  step: number | null;
  value: JsonObject;
}

function Item(props: { where: Where; kind: Kind; item: MediaItem; title: string }) {
  const { item, kind } = props;
  const src = fileUrl(props.where, item.path);
  let shown;
  if (src === null) {
    shown = (
      <p class="empty">
        Not a file path of this run: <code>{item.path}</code>
      </p>
    );
  } else if (kind === "image" || (kind === "video" && item.path.toLowerCase().endsWith(".gif"))) {
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

export function StepMedia(props: { where: Where; kind: Kind; title: string; logged: Logged[] }) {
  const { logged } = props;
  const [chosen, setChosen] = useState(logged.length - 1);
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
          <Item key={`${index}:${i}`} where={props.where} kind={props.kind} item={item} title={props.title} />
        ))}
      </div>
    </figure>
  );
}
