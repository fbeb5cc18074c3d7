// Types of the Local API (docs/api.md, `/api/v1`). Times are ms since the Unix epoch,
// durations seconds (`_s`).

export type WindowState = 'logged_out' | 'idle' | 'calling' | 'serving' | 'paused';

/** Why a service cannot be ticketed now; other values may come from a newer daemon. */
export type ClosedReason = 'outside_hours' | 'no_window' | 'daily_limit' | (string & {});

export interface HallInfo {
  name_zh: string;
  name_en: string;
  /** The hall's notice (公告) for the hall screen; null or absent when there is none. */
  notice_zh?: string | null;
  notice_en?: string | null;
}

export interface ServiceInfo {
  code: string;
  name_zh: string;
  name_en: string;
  prefix: string;
  group_zh: string;
  group_en: string;
  open: boolean;
  closed_reason: ClosedReason | null;
  waiting: number;
  estimated_wait_s: number;
  materials_zh: string[];
  materials_en: string[];
}

export interface WindowInfo {
  id: string;
  name_zh: string;
  name_en: string;
  serves: string[];
  state: WindowState;
  ticket: string | null;
  officer: string | null;
  /** The logged-in officer's name; null (or absent from an older daemon) when unknown. */
  officer_name?: string | null;
  paused_message: string | null;
}

export interface HallResponse {
  hall: HallInfo;
  services: ServiceInfo[];
  windows: WindowInfo[];
}

export interface BoardCall {
  ticket: string;
  window: string;
  at_ms: number;
  recall: number;
}

export interface BoardServiceCount {
  code: string;
  waiting: number;
  estimated_wait_s: number;
}

export interface BoardSnapshot {
  seq: number;
  calls: BoardCall[];
  windows: WindowInfo[];
  services: BoardServiceCount[];
}

export type Channel = 'walkin' | 'phone' | 'priority_code' | 'id_card';
export type TicketClass = 'normal' | 'green' | 'vip';

export interface TakeTicketRequest {
  service: string;
  channel?: Channel;
  class?: TicketClass;
  phone?: string;
  priority_code?: string;
  /** A card token from POST /id-card/wait, with channel `id_card`. */
  card?: string;
}

/** POST /appointments/check-in: by the appointment's code or by an ID card token. */
export type CheckInRequest = { code: string } | { card: string };

/** POST /id-card/wait: a card token, or `card: null` when no card came within 30 s. */
export type CardWaitResult =
  | { card: string; id_masked: string; expires_at_ms: number }
  | { card: null; id_masked?: undefined; expires_at_ms?: undefined };

export interface IssuedTicket {
  ticket: string;
  service: string;
  waiting_ahead: number;
  estimated_wait_s: number;
  issued_at_ms: number;
  /** Whether the kiosk's printer confirmed the printed ticket (absent from older daemons). */
  printed?: boolean;
  /** Why it was not printed: the printer's fault code, or "timeout". */
  print_error?: string;
}

export interface EvaluationRequest {
  ticket: string;
  score: 1 | 2 | 3 | 4 | 5;
  reason?: string;
}

export interface SessionRequest {
  officer: string;
  pin: string;
  window: string;
}

export interface Session {
  token: string;
  officer: { id: string; name: string };
  window: string;
  expires_at_ms: number;
}

export type CounterAction =
  | 'call-next'
  | 'recall'
  | 'call-specific'
  | 'start'
  | 'no-show'
  | 'transfer'
  | 'hold'
  | 'call-back'
  | 'pause'
  | 'resume'
  | 'finish';

/** One call of a ticket in GET /counter's `current.calls`. */
export interface CounterCall {
  window: string;
  at_ms: number;
  specific: boolean;
  reason: string;
  rule: string;
}

export interface CounterTicket {
  ticket: string;
  service: string;
  state: string;
  class: string;
  channel: string;
  issued_at_ms: number;
  recalls: number;
  no_shows: number;
  calls: CounterCall[];
}

export interface CounterQueueItem {
  ticket: string;
  service: string;
  class: string;
  issued_at_ms: number;
  waiting_s: number;
}

export interface NamedService {
  code: string;
  name_zh: string;
  name_en: string;
}

export interface NamedWindow {
  id: string;
  name_zh: string;
  name_en: string;
}

/** GET /api/v1/counter: the session's window. */
export interface CounterView {
  window: WindowInfo;
  officer: { id: string; name: string };
  current: CounterTicket | null;
  queue: CounterQueueItem[];
  held: { ticket: string; service: string }[];
  /** Transfer targets. */
  services: NamedService[];
  windows: NamedWindow[];
}

/** One device of GET /api/v1/devices (devices.md); never personal data. */
export interface DeviceInfo {
  id: string;
  class: string;
  state: string;
  fault: string;
  location: string;
  window?: string | null;
  detail?: string;
  since_ms?: number;
  driver?: string;
}

/** GET /api/v1/status (read-only). Fields beyond these are shown as they come. */
export interface StatusResponse {
  node?: string;
  hall?: string;
  role?: string;
  version?: string;
  started_at_ms?: number;
  seq?: number;
  queue?: { waiting?: number; windows_open?: number; tickets_today?: number };
  sync?: { state?: string } & Record<string, unknown>;
  devices?: Record<string, unknown>;
}

/** One message of the event stream (`GET /api/v1/stream`). */
export interface StreamEvent {
  seq: number;
  type: string;
  at_ms: number;
  payload: Record<string, unknown>;
}

/** The stream's "you are too far behind" message. */
export interface ResyncMessage {
  type: 'resync';
  seq: number;
}
