// Shared fakes for the screen tests: a fetch answering from a table, a WebSocket the test
// drives, and a way to let promises and Preact settle under fake timers.
import { act } from 'preact/test-utils';
import { vi } from 'vitest';
import type { BoardSnapshot, HallResponse, ServiceInfo, WindowInfo } from '../src/api/types';

export interface Answer {
  status: number;
  body?: unknown;
}

export interface Call {
  method: string;
  url: string;
  body: unknown;
  auth: string | undefined;
}

/** An answer, a function of the request giving one (or a promise of one, e.g. a long poll). */
export type Route = Answer | ((call: Call, signal?: AbortSignal) => Answer | Promise<Answer>);

/** Stubs fetch with `METHOD /path` → answer; unknown routes fail like an unreachable daemon. */
export function fakeFetch(routes: Record<string, Route>) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const call: Call = {
        method,
        url,
        body: init?.body ? JSON.parse(init.body as string) : undefined,
        auth: headers['Authorization'],
      };
      calls.push(call);
      const route = routes[`${method} ${url}`];
      if (!route) throw new TypeError('Failed to fetch');
      const a = typeof route === 'function' ? await route(call, init?.signal ?? undefined) : route;
      return {
        ok: a.status >= 200 && a.status < 300,
        status: a.status,
        statusText: '',
        json: async () => a.body,
        text: async () => (a.body === undefined ? '' : JSON.stringify(a.body)),
      } as unknown as Response;
    }),
  );
  return calls;
}

export const apiError = (status: number, code: string, message = code): Answer => ({
  status,
  body: { error: { code, message } },
});

export class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {}
}

export function fakeWebSocket(): void {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
}

/** Sends a stream message on the newest socket. */
export const streamSend = (msg: unknown) =>
  act(() => {
    FakeSocket.all[FakeSocket.all.length - 1]!.onmessage?.({ data: JSON.stringify(msg) });
  });

/** Lets pending promises (the mocked fetches) resolve and timers run, then Preact re-render. */
export const settle = (ms = 0) =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });

export function useFakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

export const service = (patch: Partial<ServiceInfo> = {}): ServiceInfo => ({
  code: 'SOC',
  name_zh: '社保业务',
  name_en: 'Social insurance',
  prefix: 'A',
  group_zh: '人社',
  group_en: 'Human resources',
  open: true,
  closed_reason: null,
  waiting: 4,
  estimated_wait_s: 720,
  materials_zh: ['身份证', '社保卡'],
  materials_en: ['ID card', 'Social security card'],
  ...patch,
});

export const win = (id: string, patch: Partial<WindowInfo> = {}): WindowInfo => ({
  id,
  name_zh: `${id}号窗口`,
  name_en: `Window ${id}`,
  serves: ['SOC'],
  state: 'idle',
  ticket: null,
  officer: '1024',
  officer_name: '王芳',
  paused_message: null,
  ...patch,
});

export const hallOf = (services: ServiceInfo[], windows: WindowInfo[] = []): HallResponse => ({
  hall: { name_zh: '示例政务服务中心', name_en: 'Demo service hall' },
  services,
  windows,
});

export const boardOf = (windows: WindowInfo[], seq = 10): BoardSnapshot => ({
  seq,
  calls: [],
  windows,
  services: [{ code: 'SOC', waiting: 4, estimated_wait_s: 720 }],
});

/** Settles a few rounds: an answer that causes a render whose effects fetch again, and so on. */
export async function settleAll(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await settle();
}
