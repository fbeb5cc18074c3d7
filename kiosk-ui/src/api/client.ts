// Typed calls of the Local API (docs/api.md). Same origin: paths are absolute, no host.
import type {
  BoardSnapshot,
  CardWaitResult,
  CheckInRequest,
  CounterAction,
  CounterView,
  DeviceInfo,
  EvaluationRequest,
  HallResponse,
  IssuedTicket,
  Session,
  SessionRequest,
  StatusResponse,
  TakeTicketRequest,
} from './types';

export const API_PREFIX = '/api/v1';

/** A refusal of the API (`{"error": {"code", "message"}}`) or a failure to reach it. */
export class ApiError extends Error {
  /** HTTP status; 0 when the daemon could not be reached or answered garbage. */
  readonly status: number;
  /** The API's error code (`service_closed`, …); `network` or `bad_response` from the client. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

/** Parses an error body; anything else becomes an `http_STATUS` error. */
async function errorFrom(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const err = (parsed as { error: unknown }).error;
      if (err && typeof err === 'object') {
        const { code, message } = err as { code?: unknown; message?: unknown };
        if (typeof code === 'string') {
          return new ApiError(res.status, code, typeof message === 'string' ? message : code);
        }
      }
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(API_PREFIX + path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch (e) {
    throw new ApiError(res.status, 'bad_response', e instanceof Error ? e.message : String(e));
  }
}

// Reading the hall.
export const getHall = (signal?: AbortSignal) => request<HallResponse>('/hall', { signal });
export const getBoard = (signal?: AbortSignal) => request<BoardSnapshot>('/board', { signal });
/** GET /devices: the daemon answers `{"devices": [...], ...}`; a bare list is accepted too. */
export async function getDevices(signal?: AbortSignal): Promise<DeviceInfo[]> {
  const body = await request<unknown>('/devices', { signal });
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { devices?: unknown }).devices)
      ? (body as { devices: unknown[] }).devices
      : null;
  if (!list) throw new ApiError(200, 'bad_response', 'GET /devices: no list of devices');
  return list.filter((d): d is DeviceInfo => !!d && typeof d === 'object' && typeof (d as DeviceInfo).id === 'string');
}
export const getStatus = (signal?: AbortSignal) => request<StatusResponse>('/status', { signal });

// Citizens.
export const takeTicket = (req: TakeTicketRequest) =>
  request<IssuedTicket>('/tickets', { method: 'POST', body: req });
export const checkInAppointment = (req: CheckInRequest) =>
  request<IssuedTicket>('/appointments/check-in', { method: 'POST', body: req });
/** Waits (at most 30 s on the daemon's side) for a card on the hall's ID card reader. */
export const waitForCard = (signal?: AbortSignal) =>
  request<CardWaitResult>('/id-card/wait', { method: 'POST', body: {}, signal });
export const postEvaluation = (req: EvaluationRequest) =>
  request<{ ticket: string; score: number }>('/evaluations', { method: 'POST', body: req });

// Officers.
export const createSession = (req: SessionRequest) =>
  request<Session>('/sessions', { method: 'POST', body: req });
export const deleteSession = (token: string) =>
  request<void>('/sessions/current', { method: 'DELETE', token });
export const counterAction = <T = Record<string, unknown>>(
  token: string,
  action: CounterAction,
  body: Record<string, unknown> = {},
) => request<T>(`/counter/${action}`, { method: 'POST', body, token });
export const getCounter = (token: string) => request<CounterView>('/counter', { token });
