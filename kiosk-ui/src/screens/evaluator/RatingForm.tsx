// The rating: five levels (5 非常满意 … 1 非常不满意); for 1 and 2 at least one reason. Sent as
// POST /api/v1/evaluations {ticket, score, reason}. Chinese with English lines: the citizen may
// read either.
import { useState } from 'preact/hooks';
import { isApiError, postEvaluation } from '../../api/client';
import type { EvaluationRequest } from '../../api/types';
import { translate, type MessageKey } from '../../i18n';
import { Bi } from '../Bilingual';

export type Score = EvaluationRequest['score'];
export const SCORES: Score[] = [5, 4, 3, 2, 1];
export const REASONS = ['long_wait', 'attitude', 'unskilled', 'not_informed', 'other'] as const;
export type ReasonKey = (typeof REASONS)[number];

/** What is sent as `reason`: the chosen reasons in Chinese, as the hall's reports show them. */
export function reasonText(keys: ReasonKey[]): string {
  return REASONS.filter((k) => keys.includes(k))
    .map((k) => translate('zh-CN', `evaluator.reason.${k}`))
    .join('；');
}

const needsReason = (s: Score | null) => s === 1 || s === 2;

export function RatingForm(props: { ticket: string; onActivity: () => void; onSent: () => void }) {
  const [score, setScore] = useState<Score | null>(null);
  const [reasons, setReasons] = useState<ReasonKey[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const ready = score !== null && (!needsReason(score) || reasons.length > 0) && !sending;

  const submit = async () => {
    if (!ready || score === null) return;
    props.onActivity();
    setSending(true);
    setError(null);
    try {
      await postEvaluation({
        ticket: props.ticket,
        score,
        ...(needsReason(score) ? { reason: reasonText(reasons) } : {}),
      });
      props.onSent();
    } catch (e) {
      setError(isApiError(e) && e.code === 'wrong_ticket_state' ? 'evaluator.already' : 'evaluator.failed');
      setSending(false);
    }
  };

  return (
    <section class="evaluator__prompt" data-testid="evaluator-prompt">
      <h1 class="evaluator__title">
        <Bi k="evaluator.prompt" />
      </h1>
      <p class="evaluator__ticket-line">
        <span class="evaluator__ticket" data-testid="evaluator-ticket">
          {props.ticket}
        </span>
      </p>
      <div class="evaluator__scores" role="radiogroup">
        {SCORES.map((s) => (
          <button
            key={s}
            type="button"
            role="radio"
            aria-checked={score === s}
            class={`evaluator__score evaluator__score--${s}${score === s ? ' is-chosen' : ''}`}
            data-testid={`evaluator-score-${s}`}
            onClick={() => {
              props.onActivity();
              setScore(s);
              if (!needsReason(s)) setReasons([]);
            }}
          >
            <span class="evaluator__stars" aria-hidden="true">
              {'★'.repeat(s)}
            </span>
            <Bi k={`evaluator.score.${s}`} />
          </button>
        ))}
      </div>
      {needsReason(score) && (
        <fieldset class="evaluator__reasons">
          <legend>
            <Bi k="evaluator.reasons" />
          </legend>
          {REASONS.map((r) => {
            const on = reasons.includes(r);
            return (
              <button
                key={r}
                type="button"
                aria-pressed={on}
                class={`evaluator__reason${on ? ' is-chosen' : ''}`}
                data-testid={`evaluator-reason-${r}`}
                onClick={() => {
                  props.onActivity();
                  setReasons(on ? reasons.filter((x) => x !== r) : [...reasons, r]);
                }}
              >
                <Bi k={`evaluator.reason.${r}`} />
              </button>
            );
          })}
        </fieldset>
      )}
      {error && (
        <p class="evaluator__error" role="alert" data-testid="evaluator-error">
          <Bi k={error} />
        </p>
      )}
      <button type="button" class="evaluator__submit" data-testid="evaluator-submit" disabled={!ready} onClick={() => void submit()}>
        <Bi k={sending ? 'evaluator.sending' : 'evaluator.submit'} />
      </button>
    </section>
  );
}
