import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventStream, type SocketLike, type StreamOptions } from '../src/api/stream';
import type { BoardSnapshot, StreamEvent } from '../src/api/types';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  open() {
    this.onopen?.({});
  }
  send(msg: unknown) {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
  drop() {
    this.closed = true;
    this.onclose?.({});
  }
  close() {
    this.closed = true;
  }
}

const snapshot = (seq: number): BoardSnapshot => ({ seq, calls: [], windows: [], services: [] });
const ev = (seq: number, type = 'queue.ticket_called') => ({
  seq,
  type,
  at_ms: 1000 + seq,
  payload: { id: seq, window: '3' },
});
const flush = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());

function setup(snapshots: number[], extra: Partial<StreamOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const applied: number[] = [];
  const seen: BoardSnapshot[] = [];
  const loadSnapshot = vi.fn(async () => snapshot(snapshots.shift() ?? 0));
  const stream = new EventStream({
    loadSnapshot,
    onSnapshot: (s) => seen.push(s),
    onEvent: (e: StreamEvent) => {
      applied.push(e.seq);
    },
    openSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    urlFor: (after) => `ws://hall/api/v1/stream?after=${after}`,
    ...extra,
  });
  return { stream, sockets, applied, seen, loadSnapshot };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('EventStream', () => {
  it('takes the board first, then streams after its seq and applies events in order', async () => {
    const { stream, sockets, applied, seen } = setup([1042]);
    stream.start();
    await flush();
    expect(seen.map((s) => s.seq)).toEqual([1042]);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe('ws://hall/api/v1/stream?after=1042');
    sockets[0]!.open();
    sockets[0]!.send(ev(1043));
    sockets[0]!.send(ev(1044));
    sockets[0]!.send(ev(1045));
    expect(applied).toEqual([1043, 1044, 1045]);
    expect(stream.lastSeq).toBe(1045);
    stream.stop();
  });

  it('drops duplicates (seq <= last applied)', async () => {
    const { stream, sockets, applied } = setup([10]);
    stream.start();
    await flush();
    const s = sockets[0]!;
    s.open();
    s.send(ev(9));
    s.send(ev(10));
    s.send(ev(11));
    s.send(ev(11));
    s.send(ev(12));
    s.send(ev(11));
    expect(applied).toEqual([11, 12]);
    stream.stop();
  });

  it('reconnects with backoff of at most 2 s, resuming after the last applied seq', async () => {
    const { stream, sockets, applied, loadSnapshot } = setup([5]);
    stream.start();
    await flush();
    sockets[0]!.open();
    sockets[0]!.send(ev(6));
    sockets[0]!.send(ev(7));
    sockets[0]!.drop();

    // Several failed attempts: the delay doubles from 250 ms and stops at 2 s.
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        vi.advanceTimersByTime(50);
        waited += 50;
        expect(waited).toBeLessThanOrEqual(2000);
      }
      delays.push(waited);
      const s = sockets[sockets.length - 1]!;
      expect(s.url).toBe('ws://hall/api/v1/stream?after=7');
      if (attempt < 5) s.drop();
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 2000, 2000]);

    // Connected again: the backlog comes, with a repeat of what was applied before the drop.
    const s = sockets[sockets.length - 1]!;
    s.open();
    s.send(ev(7));
    s.send(ev(8));
    expect(applied).toEqual([6, 7, 8]);
    expect(loadSnapshot).toHaveBeenCalledTimes(1); // caught up without reloading the board

    // After a good connection the backoff starts again from 250 ms.
    s.drop();
    vi.advanceTimersByTime(250);
    expect(sockets[sockets.length - 1]!.url).toBe('ws://hall/api/v1/stream?after=8');
    stream.stop();
  });

  it('reloads the board on resync and streams after the new snapshot', async () => {
    const { stream, sockets, applied, seen, loadSnapshot } = setup([3, 500]);
    stream.start();
    await flush();
    const first = sockets[0]!;
    first.open();
    first.send({ type: 'resync', seq: 499 });
    await flush();
    expect(loadSnapshot).toHaveBeenCalledTimes(2);
    expect(first.closed).toBe(true);
    expect(seen.map((s) => s.seq)).toEqual([3, 500]);
    const second = sockets[1]!;
    expect(second.url).toBe('ws://hall/api/v1/stream?after=500');
    second.open();
    second.send(ev(501));
    expect(applied).toEqual([501]);
    stream.stop();
  });

  it('reloads the board when an event skips a seq or cannot be applied', async () => {
    const rejected: number[] = [];
    const { stream, sockets, loadSnapshot } = setup([1, 20, 30], {
      onEvent: (e) => {
        if (e.type === 'queue.day_rolled_over') {
          rejected.push(e.seq);
          return false;
        }
        return true;
      },
    });
    stream.start();
    await flush();
    sockets[0]!.open();
    sockets[0]!.send(ev(3)); // 2 is missing
    await flush();
    expect(loadSnapshot).toHaveBeenCalledTimes(2);
    sockets[1]!.open();
    sockets[1]!.send(ev(21, 'queue.day_rolled_over'));
    await flush();
    expect(rejected).toEqual([21]);
    expect(loadSnapshot).toHaveBeenCalledTimes(3);
    expect(sockets[2]!.url).toBe('ws://hall/api/v1/stream?after=30');
    stream.stop();
  });

  it('retries the board with backoff when it cannot be loaded', async () => {
    let fail = 2;
    const { stream, sockets, loadSnapshot } = setup([], {
      loadSnapshot: vi.fn(async () => {
        if (fail-- > 0) throw new Error('down');
        return snapshot(9);
      }),
    });
    void loadSnapshot;
    stream.start();
    await flush();
    expect(sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe('ws://hall/api/v1/stream?after=9');
    stream.stop();
  });

  it('stops for good', async () => {
    const { stream, sockets } = setup([1]);
    stream.start();
    await flush();
    stream.stop();
    expect(sockets[0]!.closed).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
  });
});
