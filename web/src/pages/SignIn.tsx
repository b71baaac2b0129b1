import { useState } from "preact/hooks";
import { signIn, type Session } from "../api";
import { ErrorBox } from "../components/Status";

/** The API key goes to the server once and becomes an HttpOnly session cookie; the page keeps no copy. */
export function SignInPage(props: { next: string; onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(key.trim());
      setKey("");
      props.onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>runbase</h1>
      <form onSubmit={submit} class="signin-form">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autocomplete="current-password"
          required
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy || key.trim() === ""}>
          Sign in
        </button>
        {error && <ErrorBox error={error} />}
      </form>
      <p class="hint">
        The key the server printed on first start, or one from <code>runbase admin new-key USER</code>.
      </p>
    </main>
  );
}
