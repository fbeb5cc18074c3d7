// Display screens (hall, window) are read by everyone at once: Chinese with an English line.
import type { ComponentChildren } from 'preact';
import { translate, type MessageKey, type Params } from '../i18n';

export function Bi(props: {
  k: MessageKey;
  params?: Params;
  enParams?: Params;
  class?: string;
}) {
  return (
    <span class={`bi ${props.class ?? ''}`}>
      <span class="bi-zh" lang="zh-CN">
        {translate('zh-CN', props.k, props.params)}
      </span>
      <span class="bi-en" lang="en">
        {translate('en', props.k, props.enParams ?? props.params)}
      </span>
    </span>
  );
}

export function BiText(props: { zh: ComponentChildren; en: ComponentChildren; class?: string }) {
  return (
    <span class={`bi ${props.class ?? ''}`}>
      <span class="bi-zh" lang="zh-CN">
        {props.zh}
      </span>
      <span class="bi-en" lang="en">
        {props.en}
      </span>
    </span>
  );
}

export function ConnectionBanner(props: { status: string; failed?: boolean }) {
  if (props.status === 'open' && !props.failed) return null;
  if (props.status === 'loading' || props.status === 'connecting') return null;
  return (
    <div class="banner" role="status">
      <Bi k="app.offline" />
    </div>
  );
}
