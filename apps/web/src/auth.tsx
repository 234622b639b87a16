import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiKey, setUnauthorizedHandler } from './api/client';

export type AuthState = 'checking' | 'open' | 'signed-in' | 'signed-out';

interface Auth {
  state: AuthState;
  error: string | null;
  signIn(key: string): Promise<boolean>;
  signOut(): void;
}

const AuthContext = createContext<Auth | null>(null);

/** 200 with this key (or none), 401 otherwise: a cheap authenticated call decides. */
async function accepted(key: string | null): Promise<boolean> {
  const res = await fetch('/api/v1/event-types', { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  if (res.status === 401) return false;
  if (!res.ok) throw new Error(`the API answered ${res.status}`);
  return true;
}

/**
 * Sign-in with an API key, kept in sessionStorage and sent as `Authorization: Bearer`. A gateway
 * without keys (loopback development) lets everyone in: then no sign-in is asked for.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>('checking');
  const [error, setError] = useState<string | null>(null);

  const signOut = useCallback(() => {
    apiKey.set(null);
    queryClient.clear();
    setState('signed-out');
  }, [queryClient]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      if (await accepted(null)) return cancelled || setState('open');
      const key = apiKey.get();
      if (key && (await accepted(key))) return cancelled || setState('signed-in');
      apiKey.set(null);
      if (!cancelled) setState('signed-out');
    })().catch((e: Error) => {
      if (cancelled) return;
      setError(`Cannot reach the API: ${e.message}`);
      setState('signed-out');
    });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (state === 'signed-in') {
        setError('The API key was refused; sign in again.');
        signOut();
      }
    });
    return () => setUnauthorizedHandler(null);
  }, [state, signOut]);

  const signIn = useCallback(async (key: string) => {
    setError(null);
    try {
      if (!(await accepted(key))) {
        setError('That API key was refused.');
        return false;
      }
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
    apiKey.set(key);
    setState('signed-in');
    return true;
  }, []);

  const value = useMemo(() => ({ state, error, signIn, signOut }), [state, error, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
