// Key and value rows (a run's overview, config and summary; an artifact's overview and metadata). Each row
// names its key (data-key), so that styles can treat one value apart (a run's notes keep their line breaks).
import { show, type Json } from "../json";

export function Pairs(props: { entries: [string, Json | undefined][]; label: string }) {
  if (props.entries.length === 0) return <p class="empty">None.</p>;
  return (
    <table class="pairs" aria-label={props.label}>
      <tbody>
        {props.entries.map(([key, value]) => (
          <tr key={key} data-key={key}>
            <th>{key}</th>
            <td>{show(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
