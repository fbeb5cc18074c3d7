// The event stream (docs/api.md, "The event stream"): a WebSocket to
// /api/v1/stream?after=SEQ that delivers every change once, in seq order.
//
// - start(): takes GET /board first, hands it to onSnapshot, then connects with after=its seq.
// - A message with seq <= the last applied one is a duplicate and dropped.
// - A message that skips a seq (the contract says this never happens) is treated as a resync.
// - {"type":"resync"}: the socket is closed, /board reloaded, and the stream reopened after
//   the new snapshot's seq.
// - A closed or failed socket reconnects with backoff (250 ms doubling, at most 2 s), passing
//   the last applied seq, so nothing is lost or applied twice.
import type { BoardSnapshot, StreamEvent } from './types';
import { API_PREFIX } from './client';

/** The part of the browser's WebSocket the stream uses (a fake one in tests). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export type StreamStatus = 'loading' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface StreamOptions {
  loadSnapshot: () => Promise<BoardSnapshot>;
  onSnapshot: (snapshot: BoardSnapshot) => void;
  /**
   * Applies one event. Returning false means "I cannot apply this exactly" (e.g. an event about
   * a ticket the screen never saw): the stream then reloads the snapshot.
   */
  onEvent: (event: StreamEvent) => boolean | void;
  onStatus?: (status: StreamStatus) => void;
  /** Builds the socket; defaults to the browser's WebSocket on the same origin. */
  openSocket?: (url: string) => SocketLike;
  /** ws://host/api/v1/stream?after=SEQ by default. */
  urlFor?: (after: number) => string;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export function defaultStreamUrl(after: number): string {
  const loc = globalThis.location;
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${API_PREFIX}/stream?after=${after}`;
}

export class EventStream {
  private readonly opts: Required<Omit<StreamOptions, 'onStatus'>> & Pick<StreamOptions, 'onStatus'>;
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs: number;
  private stopped = true;
  private loading = false;
  /** The seq of the last event applied (or of the snapshot); -1 before the first snapshot. */
  lastSeq = -1;

  constructor(opts: StreamOptions) {
    this.opts = {
      openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      urlFor: defaultStreamUrl,
      initialBackoffMs: 250,
      maxBackoffMs: 2000,
      ...opts,
    };
    this.backoffMs = this.opts.initialBackoffMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.dropSocket();
    this.status('stopped');
  }

  /** Throws away the current connection and starts again from a fresh snapshot. */
  resync(): void {
    if (this.stopped) return;
    this.clearTimer();
    this.dropSocket();
    void this.reload();
  }

  private status(s: StreamStatus): void {
    this.opts.onStatus?.(s);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private schedule(fn: () => void): void {
    this.clearTimer();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) fn();
    }, delay);
  }

  private async reload(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.status('loading');
    let snapshot: BoardSnapshot;
    try {
      snapshot = await this.opts.loadSnapshot();
    } catch {
      this.loading = false;
      if (!this.stopped) {
        this.status('reconnecting');
        this.schedule(() => void this.reload());
      }
      return;
    }
    this.loading = false;
    if (this.stopped) return;
    this.lastSeq = snapshot.seq;
    this.opts.onSnapshot(snapshot);
    this.connect();
  }

  private connect(): void {
    this.dropSocket();
    this.status('connecting');
    let socket: SocketLike;
    try {
      socket = this.opts.openSocket(this.opts.urlFor(this.lastSeq));
    } catch {
      this.status('reconnecting');
      this.schedule(() => this.connect());
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.backoffMs = this.opts.initialBackoffMs;
      this.status('open');
    };
    socket.onmessage = (ev) => this.handle(ev.data);
    socket.onerror = () => {
      // onclose follows and reconnects
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.status('reconnecting');
      this.schedule(() => this.connect());
    };
  }

  private handle(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return; // not ours to understand; the next good message still checks its seq
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as Partial<StreamEvent>;
    if (m.type === 'resync') {
      this.resync();
      return;
    }
    if (typeof m.seq !== 'number' || typeof m.type !== 'string') return;
    if (m.seq <= this.lastSeq) return; // duplicate
    if (m.seq !== this.lastSeq + 1) {
      this.resync(); // a gap: we cannot know what we missed
      return;
    }
    const event: StreamEvent = {
      seq: m.seq,
      type: m.type,
      at_ms: typeof m.at_ms === 'number' ? m.at_ms : Date.now(),
      payload: m.payload && typeof m.payload === 'object' ? m.payload : {},
    };
    this.lastSeq = event.seq;
    if (this.opts.onEvent(event) === false) this.resync();
  }
}
