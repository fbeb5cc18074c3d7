import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EvaluatorScreen, PROMPT_TIMEOUT_MS, THANKS_MS } from '../src/screens/EvaluatorScreen';
import { reasonText } from '../src/screens/evaluator/RatingForm';
import { apiError, boardOf, fakeFetch, fakeWebSocket, hallOf, service, settleAll, settle, streamSend, useFakeTime, win, type Route } from './helpers';

const serving = win('3', { state: 'serving', ticket: 'A001' });

function evaluatorApi(extra: Record<string, Route> = {}) {
  return fakeFetch({
    'GET /api/v1/hall': { status: 200, body: hallOf([service()], [serving]) },
    'GET /api/v1/board': { status: 200, body: boardOf([serving, win('5', { state: 'serving', ticket: 'A002', officer: '2048' })]) },
    'POST /api/v1/evaluations': (call) => ({ status: 201, body: { ticket: 'A001', score: (call.body as { score: number }).score } }),
    ...extra,
  });
}

const finished = (seq: number, window = '3', ticket = 'A001') =>
  streamSend({ seq, type: 'queue.service_finished', at_ms: 1, payload: { id: 1, window, service_ms: 1000, ticket, service: 'SOC' } });

const posts = (calls: { method: string; url: string; body: unknown }[]) => calls.filter((c) => c.method === 'POST').map((c) => c.body);

beforeEach(() => {
  useFakeTime();
  fakeWebSocket();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('evaluator', () => {
  it("shows the window's officer and a welcome while idle", async () => {
    evaluatorApi();
    render(<EvaluatorScreen window="3" />);
    await settleAll();
    expect(screen.getByTestId('evaluator-officer-name').textContent).toBe('王芳');
    expect(screen.getByTestId('evaluator-officer-id').textContent).toContain('工号 1024');
    expect(document.querySelector('.evaluator__avatar')!.textContent).toBe('王');
    expect(screen.getByTestId('evaluator-idle').textContent).toContain('欢迎光临');
    expect(screen.getByTestId('evaluator-idle').textContent).toContain('Welcome');
    expect(screen.queryByTestId('evaluator-prompt')).toBeNull();
  });

  it('asks for a rating when the window finishes a ticket, sends it, thanks, then goes idle', async () => {
    const calls = evaluatorApi();
    render(<EvaluatorScreen window="3" />);
    await settleAll();
    await finished(11, '5'); // another window's ticket: nothing
    expect(screen.queryByTestId('evaluator-prompt')).toBeNull();
    await finished(12);
    expect(screen.getByTestId('evaluator-prompt').textContent).toContain('您好，请对我的服务进行评价');
    expect(screen.getByTestId('evaluator-prompt').textContent).toContain('Please rate our service');
    expect(screen.getByTestId('evaluator-ticket').textContent).toBe('A001');
    const submit = screen.getByTestId('evaluator-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    expect(screen.getByTestId('evaluator-score-5').textContent).toContain('非常满意');
    expect(screen.getByTestId('evaluator-score-3').textContent).toContain('基本满意');
    fireEvent.click(screen.getByTestId('evaluator-score-5'));
    expect(screen.queryByTestId('evaluator-reason-long_wait')).toBeNull();
    fireEvent.click(submit);
    await settleAll();
    expect(posts(calls)).toEqual([{ ticket: 'A001', score: 5 }]);
    expect(screen.getByTestId('evaluator-thanks').textContent).toContain('感谢您的评价');
    await settle(THANKS_MS);
    expect(screen.getByTestId('evaluator-idle')).toBeTruthy();
  });

  it('needs a reason for scores 1 and 2', async () => {
    const calls = evaluatorApi();
    render(<EvaluatorScreen window="3" />);
    await settleAll();
    await finished(11, '3', 'A007');
    fireEvent.click(screen.getByTestId('evaluator-score-2'));
    expect(screen.getByTestId('evaluator-score-2').getAttribute('aria-checked')).toBe('true');
    const submit = screen.getByTestId('evaluator-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    for (const k of ['long_wait', 'attitude', 'unskilled', 'not_informed', 'other']) {
      expect(screen.getByTestId(`evaluator-reason-${k}`)).toBeTruthy();
    }
    fireEvent.click(screen.getByTestId('evaluator-reason-not_informed'));
    fireEvent.click(screen.getByTestId('evaluator-reason-long_wait'));
    expect(submit.disabled).toBe(false);
    fireEvent.click(screen.getByTestId('evaluator-submit'));
    await settleAll();
    expect(posts(calls)).toEqual([{ ticket: 'A007', score: 2, reason: '等候时间长；一次性告知不到位' }]);
    expect(reasonText(['other'])).toBe('其他');
  });

  it('goes back to idle without sending anything when nobody rates in 60 s', async () => {
    const calls = evaluatorApi();
    render(<EvaluatorScreen window="3" />);
    await settleAll();
    await finished(11);
    await settle(PROMPT_TIMEOUT_MS - 1);
    expect(screen.getByTestId('evaluator-prompt')).toBeTruthy();
    await settle(1);
    expect(screen.queryByTestId('evaluator-prompt')).toBeNull();
    expect(screen.getByTestId('evaluator-idle')).toBeTruthy();
    expect(posts(calls)).toEqual([]);
  });

  it('says when the rating could not be sent, and lets the citizen retry', async () => {
    let fail = true;
    const calls = evaluatorApi({
      'POST /api/v1/evaluations': () => {
        const a = fail ? apiError(500, 'internal') : { status: 201, body: { ticket: 'A001', score: 4 } };
        fail = false;
        return a;
      },
    });
    render(<EvaluatorScreen window="3" />);
    await settleAll();
    await finished(11);
    fireEvent.click(screen.getByTestId('evaluator-score-4'));
    fireEvent.click(screen.getByTestId('evaluator-submit'));
    await settleAll();
    expect(screen.getByTestId('evaluator-error').textContent).toContain('评价未能提交');
    fireEvent.click(screen.getByTestId('evaluator-submit'));
    await settleAll();
    expect(posts(calls).length).toBe(2);
    expect(screen.getByTestId('evaluator-thanks')).toBeTruthy();
  });

  it('says so without a window in the address', () => {
    evaluatorApi();
    render(<EvaluatorScreen window={null} />);
    expect(document.body.textContent).toContain('/evaluator/3');
  });
});
