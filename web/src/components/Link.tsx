import type { ComponentChildren } from "preact";
import { navigate } from "../router";

/** An ordinary link (middle-click and copy work) that moves inside the app without reloading. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; title?: string }) {
  const follow = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} title={props.title} onClick={follow}>
      {props.children}
    </a>
  );
}
