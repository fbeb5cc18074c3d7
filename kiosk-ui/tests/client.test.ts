import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, counterAction, getBoard, getDevices, takeTicket } from '../src/api/client';
import { route } from '../src/lib/route';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('API client', () => {
  it('posts a ticket as JSON to the same origin', async () => {
    const fetchMock = vi.fn(async () =>
      json(201, { ticket: 'A005', service: 'SOC', waiting_ahead: 4, estimated_wait_s: 720, issued_at_ms: 1 }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const t = await takeTicket({ service: 'SOC' });
    expect(t.ticket).toBe('A005');
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/tickets');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ service: 'SOC' });
    expect((init.headers as Record<string, string>)['Content-Type']).toMatch(/^application\/json/);
  });

  it('turns an error body into a typed error', async () => {
    vi.stubGlobal('fetch', async () =>
      json(409, { error: { code: 'service_closed', message: 'service "SOC" is closed' } }),
    );
    const err = await takeTicket({ service: 'SOC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'service_closed', message: 'service "SOC" is closed' });
  });

  it('reports a body that is not an API error, and an unreachable daemon', async () => {
    vi.stubGlobal('fetch', async () => new Response('gateway down', { status: 502 }));
    await expect(getBoard()).rejects.toMatchObject({ status: 502, code: 'http_502' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(getBoard()).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});

describe('API client: counter and devices', () => {
  it('sends the session token and the action body', async () => {
    const fetchMock = vi.fn(async () => json(200, { ticket: 'A001', window: '3', strategy: 'fifo', rule: '' }));
    vi.stubGlobal('fetch', fetchMock);
    await counterAction('tok', 'call-specific', { number: 'A001', reason: 'r' });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/counter/call-specific');
    expect((init.headers as Record<string, string>)['Authorization']).toBe('Bearer tok');
    expect(JSON.parse(init.body as string)).toEqual({ number: 'A001', reason: 'r' });
  });

  it('reads the device list from {"devices": [...]} or a bare list', async () => {
    const d = { id: 'p1', class: 'ticket_printer', state: 'online', fault: '', location: '' };
    vi.stubGlobal('fetch', async () => json(200, { devices: [d], hotplug: 'running' }));
    expect(await getDevices()).toEqual([d]);
    vi.stubGlobal('fetch', async () => json(200, [d]));
    expect(await getDevices()).toEqual([d]);
    vi.stubGlobal('fetch', async () => json(200, { nothing: true }));
    await expect(getDevices()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('routes', () => {
  it('map paths to surfaces', () => {
    expect(route('/hall')).toEqual({ surface: 'hall' });
    expect(route('/kiosk/')).toEqual({ surface: 'kiosk' });
    expect(route('/window/3')).toEqual({ surface: 'window', id: '3' });
    expect(route('/counter')).toEqual({ surface: 'counter', window: null });
    expect(route('/counter/3')).toEqual({ surface: 'counter', window: '3' });
    expect(route('/evaluator/3')).toEqual({ surface: 'evaluator', window: '3' });
    expect(route('/evaluator')).toEqual({ surface: 'evaluator', window: null });
    expect(route('/status')).toEqual({ surface: 'status' });
    expect(route('/window')).toEqual({ surface: 'not_found', path: '/window' });
    expect(route('/counter/3/x')).toEqual({ surface: 'not_found', path: '/counter/3/x' });
    expect(route('/')).toEqual({ surface: 'not_found', path: '/' });
  });
});
