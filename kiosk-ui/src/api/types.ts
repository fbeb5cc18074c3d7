// Types of the Local API (docs/api.md, `/api/v1`). Times are ms since the Unix epoch,
// durations seconds (`_s`).

export type WindowState = 'logged_out' | 'idle' | 'calling' | 'serving' | 'paused';

export type ClosedReason = 'outside_hours' | 'daily_limit' | (string & {});

export interface HallInfo {
  name_zh: string;
  name_en: string;
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

export type Channel = 'walkin' | 'phone' | 'priority_code';
export type TicketClass = 'normal' | 'green' | 'vip';

export interface TakeTicketRequest {
  service: string;
  channel?: Channel;
  class?: TicketClass;
  phone?: string;
  priority_code?: string;
}

export interface IssuedTicket {
  ticket: string;
  service: string;
  waiting_ahead: number;
  estimated_wait_s: number;
  issued_at_ms: number;
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
