import { useState } from 'react';
import { useAuth } from '../auth';

export function SignInPage() {
  const auth = useAuth();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" className="signin">
      <h1>MockOps run view</h1>
      <form
        className="form card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          await auth.signIn(key.trim());
          setBusy(false);
        }}
      >
        <label>
          API key
          <input type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <p className="muted small">One of MOCKOPS_API_KEYS. It stays in this tab (sessionStorage) and is sent as a Bearer token.</p>
        {auth.error && (
          <p className="error-text" role="alert">
            {auth.error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
