import type { AddressInfo } from 'node:net';
import { Arrivals } from './arrivals';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';

export interface SmtpSinkOptions {
  /** When set, the sink requires AUTH (PLAIN/LOGIN) with exactly these credentials. */
  auth?: { user: string; pass: string };
}

/** The SMTP envelope of a received message (what the client said in MAIL FROM / RCPT TO). */
export interface SmtpEnvelope {
  mailFrom: string | null;
  rcptTo: string[];
  /** The user that authenticated, if any. */
  user?: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:<port>`, ready for nodemailer or SMTP_URL. */
  url: string;
  /** Parsed messages in arrival order. */
  messages: ParsedMail[];
  /** Envelopes, parallel to `messages`. */
  envelopes: SmtpEnvelope[];
  /** Failed login attempts (wrong user/password), so tests can see auth was really checked. */
  authFailures: number;
  /** Resolves once at least `n` messages arrived; rejects after `timeoutMs` (default 5000). */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** The next message is refused at end of DATA with this SMTP code (e.g. 550 permanent, 451 temporary). */
  failNext(code: number, message?: string): void;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 (random port, no TLS, insecure auth allowed) that parses and keeps
 * every message, for email notification tests.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const arrivals = new Arrivals<ParsedMail>('smtp sink messages');
  const messages = arrivals.items;
  const envelopes: SmtpEnvelope[] = [];
  const failures: Array<{ code: number; message: string }> = [];
  const state = { authFailures: 0 };

  const server = new SMTPServer({
    secure: false,
    // No STARTTLS: nodemailer would otherwise upgrade and need a certificate.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    // Do not wait long for idle clients on stop().
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
        return;
      }
      state.authFailures++;
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const failure = failures.shift();
      simpleParser(stream)
        .then((mail) => {
          if (failure) {
            callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
            return;
          }
          envelopes.push({
            mailFrom: addressOf(session.envelope.mailFrom),
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          arrivals.push(mail);
          callback();
        })
        .catch((e: Error) => callback(Object.assign(new Error(`cannot parse message: ${e.message}`), { responseCode: 554 })));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Keep a broken client from crashing the test process.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  const creds = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : '';

  return {
    host: '127.0.0.1',
    port,
    url: `smtp://${creds}127.0.0.1:${port}`,
    messages,
    envelopes,
    get authFailures() {
      return state.authFailures;
    },
    waitFor: (n, timeoutMs) => arrivals.waitFor(n, timeoutMs),
    failNext(code, message = code >= 500 ? 'Message rejected' : 'Try again later') {
      failures.push({ code, message });
    },
    reset() {
      arrivals.reset();
      envelopes.length = 0;
      failures.length = 0;
      state.authFailures = 0;
    },
    stop() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function addressOf(value: SMTPServerAddress | false): string | null {
  return value ? value.address : null;
}
