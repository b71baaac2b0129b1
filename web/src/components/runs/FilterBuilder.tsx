// The filter builder: a field (state, tags, name, a config or summary key), an operator and a value, added to
// the table's filter as one more condition. The raw box then shows the whole filter, which stays editable.
import { useState } from "preact/hooks";
import { condition, OPERATORS, type Operator } from "./filters";
import type { JsonObject } from "../../json";

const NO_VALUE: Operator[] = ["exists", "missing"];

/** `note`, when given, says why some keys are not offered (the field's tooltip). */
export function FilterBuilder(props: { fields: string[]; onAdd: (extra: JsonObject) => void; note?: string }) {
  const [field, setField] = useState("state");
  const [operator, setOperator] = useState<Operator>("=");
  const [value, setValue] = useState("");
  const fields = props.fields.includes(field) ? props.fields : [field, ...props.fields];

  const add = (event: Event) => {
    event.preventDefault();
    props.onAdd(condition(field, operator, value));
    setValue("");
  };
  return (
    <form class="builder" onSubmit={add}>
      <label for="builder-field">Where</label>
      <select id="builder-field" value={field} title={props.note} onChange={(event) => setField((event.target as HTMLSelectElement).value)}>
        {fields.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <select
        id="builder-op"
        aria-label="Operator"
        value={operator}
        onChange={(event) => setOperator((event.target as HTMLSelectElement).value as Operator)}
      >
        {(Object.keys(OPERATORS) as Operator[]).map((op) => (
          <option key={op} value={op}>
            {OPERATORS[op]}
          </option>
        ))}
      </select>
      {!NO_VALUE.includes(operator) && (
        <input
          id="builder-value"
          aria-label="Value"
          placeholder={operator === "in" ? "a, b, c" : "value"}
          value={value}
          onInput={(event) => setValue((event.target as HTMLInputElement).value)}
        />
      )}
      <button type="submit">Add condition</button>
    </form>
  );
}
