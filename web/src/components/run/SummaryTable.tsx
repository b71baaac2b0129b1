// The run's summary: plain values as they are, rich values (an image, a histogram, a table, HTML...) as a short
// label ("image 64×64", "histogram (64 bins)", "table 100×3") that scrolls to the value's panel, rather than
// the descriptor's raw JSON.
import { show, type Json, type JsonObject } from "../../json";
import { isObject } from "./history";
import { kindOf } from "./media/descriptors";
import "./summary.css";

function count(value: Json | undefined): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

function size(width: Json | undefined, height: Json | undefined): string {
  const w = count(width);
  const h = count(height);
  return w !== null && h !== null ? ` ${w}×${h}` : "";
}

/** The short label of a rich value; null for any other value. */
export function mediaLabel(value: Json | undefined): string | null {
  const kind = kindOf(value);
  if (!kind || !isObject(value)) return null;
  const images = count(value.count);
  switch (kind) {
    case "image":
      return images !== null && value._type === "images/separated"
        ? `${images} image${images === 1 ? "" : "s"}${size(value.width, value.height)}`
        : `image${size(value.width, value.height)}`;
    case "histogram": {
      const bins = Array.isArray(value.values) ? value.values.length : null;
      return bins === null ? "histogram" : `histogram (${bins} bin${bins === 1 ? "" : "s"})`;
    }
    case "table":
      return `table${size(value.nrows, value.ncols)}`;
    default:
      return kind;
  }
}

function scrollToPanel(key: string): void {
  const panel = document.querySelector(`.media-panel[data-key="${CSS.escape(key)}"]`);
  panel?.scrollIntoView({ block: "center" });
}

export function SummaryTable(props: { summary: JsonObject }) {
  const entries = Object.entries(props.summary)
    .filter(([key]) => !key.startsWith("_"))
    .sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="empty">None.</p>;
  return (
    <table class="pairs" aria-label="summary">
      <tbody>
        {entries.map(([key, value]) => {
          const label = mediaLabel(value);
          return (
            <tr key={key}>
              <th>{key}</th>
              <td>
                {label === null ? (
                  show(value)
                ) : (
                  <button type="button" class="link summary-media" data-media-key={key} onClick={() => scrollToPanel(key)}>
                    {label}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
